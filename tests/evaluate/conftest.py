"""Requests for the evaluate stage, built the way the pipeline builds them."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from compiler.evaluate import EvalRequest
from compiler.model import Entry, Position
from compiler.prow import DEFAULT_BUCKET, DEFAULT_NAMESPACE, ProwEnv, workflow_name

DATA = Path(__file__).resolve().parents[1] / "data"
CONFIG = "prow_config.yaml"
#: Where the entries of these tests stand in prow_config.yaml.
ENTRY_LINE = 3
KEY_LINES = {"name": 3, "app_dir": 4, "component": 5, "py_func": 6, "params": 7, "kwargs": 8}


def make_entry(name: str = "e2e", **fields: Any) -> Entry:
    positions = {key: Position(CONFIG, line, 7) for key, line in KEY_LINES.items() if key in fields}
    return Entry(
        name=name, index=0, position=Position(CONFIG, ENTRY_LINE, 5), positions=positions, **fields
    )


def make_request(
    repo_root: Path,
    entry: Entry,
    *,
    job_type: str = "presubmit",
    environ: dict[str, str] | None = None,
    repos_dir: Path | None = None,
    jpath: tuple[Path, ...] = (),
    python_paths: tuple[str, ...] = (),
    timeout: float = 10.0,
) -> EvalRequest:
    env = ProwEnv.from_environ(environ or {}, job_type).for_job_type(job_type, placeholders=True)
    run_params = {
        "name": workflow_name(env, entry.name, "abcd"),
        "namespace": DEFAULT_NAMESPACE,
        "prow_env": env.prow_env_string(),
        "bucket": DEFAULT_BUCKET,
    }
    return EvalRequest(
        entry=entry,
        config_file=CONFIG,
        repo_root=repo_root,
        repos_dir=repos_dir,
        jpath=jpath,
        run_params=run_params,
        prow_env=env,
        python_paths=python_paths,
        timeout=timeout,
    )


def write_files(root: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")


def gone(pid: int) -> bool:
    """Whether process ``pid`` has ended (a zombie nobody reaps, as under a container's PID 1,
    has too)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True
    return "\nState:\tZ" in status


@pytest.fixture
def component_request(tmp_path: Path) -> Callable[..., EvalRequest]:
    """A request for ``<tmp>/repo/app/<component>.jsonnet`` with the given files written."""

    def make(files: dict[str, str | bytes], component: str = "wf", **options: Any) -> EvalRequest:
        root = tmp_path / "repo"
        root.mkdir(exist_ok=True)
        write_files(root, files)
        params = options.pop("params", {})
        entry = make_entry(app_dir="app", component=component, params=params)
        return make_request(root, entry, **options)

    return make
