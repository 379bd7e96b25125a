"""Golden files: every entry compiled under one fixed environment, compared byte for byte.

The environment is fixed so that golden/ only changes when a component, a param or kftest
itself changes. golden/README.md documents it; ``kftest golden --update`` rewrites the files.
Layout: ``golden/<job type>/<metadata.name>.yaml``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from compiler import emit
from compiler.model import CompiledWorkflow
from compiler.paths import file_in

SALT = "0000"
JOB_NAMES = {
    "presubmit": "kftest-presubmit",
    "postsubmit": "kftest-postsubmit",
    "periodic": "kftest-periodic",
    "batch": "kftest-batch",
}
ENVIRONMENT = {
    "REPO_OWNER": "kubeflow",
    "REPO_NAME": "kftest",
    "PULL_NUMBER": "1234",
    "PULL_PULL_SHA": "abcdef0123456789abcdef0123456789abcdef01",
    "PULL_BASE_SHA": "0123456789abcdef0123456789abcdef01234567",
    "PULL_BASE_REF": "main",
    "PULL_REFS": "main:0123456789abcdef0123456789abcdef01234567,"
    "1234:abcdef0123456789abcdef0123456789abcdef01",
    "BUILD_NUMBER": "5678",
    "BUILD_ID": "1600000000000005678",
}


def environment(job_type: str) -> dict[str, str]:
    """The fixed Prow environment of a golden compile for ``job_type``, as Prow would set it."""
    env = {**ENVIRONMENT, "JOB_TYPE": job_type, "JOB_NAME": JOB_NAMES[job_type]}
    if job_type != "presubmit":
        for key in ("PULL_NUMBER", "PULL_PULL_SHA", "PULL_REFS"):
            env.pop(key)
    if job_type == "periodic":
        for key in ("PULL_BASE_SHA", "PULL_BASE_REF"):
            env.pop(key)
    return env


MISSING = "missing"  # compiled, but no golden file yet
STALE = "stale"  # a golden file that nothing compiles to any more
DIFFERS = "differs"


@dataclass(frozen=True)
class Mismatch:
    path: str  # relative to the golden dir
    diff: str  # unified diff, expected -> actual; empty for a missing or stale file
    kind: str = DIFFERS

    def message(self) -> str:
        if self.kind == MISSING:
            return "no golden file for this workflow; run `kftest golden --update` to create it"
        if self.kind == STALE:
            return (
                "golden file of a workflow that is no longer compiled; run `kftest golden "
                "--update` to remove it"
            )
        return (
            "compiled output differs from the golden file; review the diff and run "
            "`kftest golden --update` if the change is intended"
        )


def render(workflows: Iterable[CompiledWorkflow]) -> dict[str, str]:
    """Relative golden path -> file content."""
    return {
        f"{workflow.job_type}/{workflow.name}.yaml": workflow.text or emit.dump(workflow.document)
        for workflow in workflows
    }


def compare(golden_dir: Path, actual: dict[str, str]) -> list[Mismatch]:
    expected = {
        path.relative_to(golden_dir).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(golden_dir.glob("*/*.yaml"))
    }
    mismatches = []
    for name in sorted(set(expected) | set(actual)):
        old, new = expected.get(name), actual.get(name)
        if old == new:
            continue
        if old is None or new is None:
            # Nothing to compare: a diff of a whole file against nothing says less than its name.
            mismatches.append(Mismatch(name, "", MISSING if old is None else STALE))
            continue
        diff = "".join(
            difflib.unified_diff(
                old.splitlines(keepends=True),
                new.splitlines(keepends=True),
                fromfile=f"golden/{name}",
                tofile=f"compiled/{name}",
            )
        )
        mismatches.append(Mismatch(name, diff))
    return mismatches


def update(golden_dir: Path, actual: dict[str, str]) -> list[str]:
    """Rewrite golden_dir; returns the relative paths that changed (written or removed)."""
    changed = [mismatch.path for mismatch in compare(golden_dir, actual)]
    for path in golden_dir.glob("*/*.yaml"):
        if path.relative_to(golden_dir).as_posix() not in actual:
            path.unlink()
    for name, content in actual.items():
        job_type, _, file_name = name.partition("/")
        target = file_in(golden_dir / job_type, file_name.removesuffix(".yaml"))
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.is_file() or target.read_text(encoding="utf-8") != content:
            target.write_text(content, encoding="utf-8")
    return changed
