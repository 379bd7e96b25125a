"""What the compiling commands share: options -> pipeline.Options, and printing a report."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from compiler import pipeline, progress
from compiler.diagnostics import Diagnostic, UsageError
from compiler.model import JOB_TYPES
from compiler.paths import not_a_file
from compiler.prow import check_salt


def repo_root_of(start: Path) -> Path:
    """The git top-level of ``start``, else ``start`` itself."""
    try:
        result = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],
            cwd=start,
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return start
    top = result.stdout.strip()
    return Path(top) if result.returncode == 0 and top else start


def build_options(
    *,
    config: Path | None,
    repo_root: Path | None,
    job_type: str | None,
    changed_files: str | None = None,
    salt: str | None = None,
    jpath: Sequence[Path] = (),
    repos_dir: Path | None = None,
    eval_timeout: float = 10.0,
    argo_version: str | None = None,
    python: str | None = None,
    eval_memory: int | None = None,
    quiet: bool = False,
    **overrides: Any,
) -> pipeline.Options:
    """The pipeline's options from a command's; each command has only the options it uses
    (cli.py), the others keep their defaults here."""
    root = (repo_root or repo_root_of(Path.cwd())).resolve()
    if not root.is_dir():
        raise UsageError(f"--repo-root {root}: no such directory")
    # Not resolved: whether a symlink leads out of the repository is the loader's decision.
    config_path = Path(os.path.abspath(config or root / "prow_config.yaml"))
    if config is not None and (why := not_a_file(config_path)):
        raise UsageError(f"--config {config}: {why}")
    environ_job_type = os.environ.get("JOB_TYPE", "")
    if job_type is None and environ_job_type and environ_job_type not in JOB_TYPES:
        # What --job-type refuses must not slip in through the environment.
        raise UsageError(
            f"JOB_TYPE={environ_job_type!r} is not a job type; use one of {', '.join(JOB_TYPES)}"
        )
    if argo_version is not None:
        from compiler.validate.releases import parse

        if parse(argo_version) is None:
            raise UsageError(
                f"--argo-version {argo_version!r}: not an Argo release (write X.Y or vX.Y.Z, "
                "e.g. 2.12)"
            )
    if python is not None:
        python = _interpreter(python)
    if salt is not None:
        try:
            check_salt(salt)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    files = None
    if changed_files is not None:
        from compiler.select import read_changed_files

        try:
            stdin = sys.stdin.read() if changed_files == "-" else None
            files = read_changed_files(changed_files, stdin)
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"--changed-files {changed_files}: {exc}") from None
    return pipeline.Options(
        repo_root=root,
        config_path=config_path,
        job_type=job_type,
        changed_files=files,
        salt=salt,
        jpath=tuple(path.resolve() for path in jpath),
        repos_dir=repos_dir.resolve() if repos_dir else None,
        environ=_environ(root, overrides.get("placeholders", True)),
        timeout=eval_timeout,
        argo_version=argo_version,
        python=python,
        progress=progress.wanted(quiet),
        **({"memory": eval_memory} if eval_memory is not None else {}),
        **overrides,
    )


def _environ(root: Path, placeholders: bool) -> dict[str, str]:
    """The process environment; in a developer's clone (no Prow variables) the repository's
    owner and name come from its ``origin`` remote rather than placeholders."""
    environ = dict(os.environ)
    if placeholders and not (environ.get("REPO_OWNER") or environ.get("REPO_NAME")):
        from compiler.evaluate.checkouts import origin

        remote = origin(root)
        if remote is not None:
            environ["REPO_OWNER"], environ["REPO_NAME"] = remote
    return environ


def _interpreter(python: str) -> str:
    """``--python``/``KFTEST_PYTHON`` as a path: a bare name is looked up on PATH."""
    import shutil

    found = shutil.which(python) if os.sep not in python else python
    if not found or not os.access(found, os.X_OK) or Path(found).is_dir():
        raise UsageError(f"--python {python}: no such interpreter (give the path of a python)")
    return str(Path(found).absolute())


def render(
    command: str,
    diagnostics: Sequence[Diagnostic],
    fmt: str,
    checked: Sequence[str],
    scope: str = "",
) -> str:
    from compiler import checks, formats

    report = formats.Report(
        command=command,
        diagnostics=diagnostics,
        checked=checked,
        rules=list(checks.catalogue().values()),
        scope=scope,
    )
    # Styled: click.echo drops the colour unless it is on (a terminal, --color, no NO_COLOR).
    return formats.render(report, fmt, style=True)


def scope(result: pipeline.BuildResult) -> str:
    """What a compile checked, for the summary line: ``3 entries x 3 job types, 9 workflows``,
    or ``2 of 5 entries x their job types (presubmit 2, periodic 1), 3 workflows`` when the
    entries do not all run under the same job types. Empty when nothing was compiled (the
    command says why)."""
    from compiler.formats import plural
    from compiler.model import JOB_TYPES

    if not result.pairs:
        return ""
    entries = list(dict.fromkeys(name for name, _ in result.pairs))
    found = {job_type for _, job_type in result.pairs}
    job_types = [job_type for job_type in JOB_TYPES if job_type in found]
    job_types += sorted(found - set(job_types))
    if result.entries_in_config > len(entries):
        entries_text = f"{len(entries)} of {plural(result.entries_in_config, 'entry', 'entries')}"
    else:
        entries_text = plural(len(entries), "entry", "entries")
    if len(result.pairs) == len(entries) * len(job_types):
        shape = f"{entries_text} x {plural(len(job_types), 'job type')}"
    else:
        counts = {job_type: 0 for job_type in job_types}
        for _, job_type in result.pairs:
            counts[job_type] += 1
        per = ", ".join(f"{job_type} {n}" for job_type, n in counts.items())
        shape = f"{entries_text} x their job types ({per})"
    return f"{shape}, {plural(len(result.workflows), 'workflow')}"


def nothing_checked(result: pipeline.BuildResult, options: pipeline.Options) -> str:
    """Why a compile checked nothing, for the summary line (empty when it checked something)."""
    if result.pairs:
        return ""
    if not result.config_loaded:
        return nothing_to_check(f"{options.config_file} does not load")
    if result.entries_in_config == 0:
        return nothing_to_check(f"{options.config_file} has no entries")
    if options.job_type:
        return nothing_to_check(f"no entry runs for job type {options.job_type}")
    return nothing_to_check("no entry selected")


def nothing_to_check(why: str) -> str:
    return f"nothing to check ({why})"
