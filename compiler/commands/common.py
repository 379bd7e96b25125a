"""What the compiling commands share: options -> pipeline.Options, and printing a report."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from compiler import pipeline
from compiler.diagnostics import Diagnostic, UsageError
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
    changed_files: str | None,
    salt: str | None,
    jpath: Sequence[Path],
    repos_dir: Path | None,
    eval_timeout: float,
    **overrides: Any,
) -> pipeline.Options:
    root = (repo_root or repo_root_of(Path.cwd())).resolve()
    if not root.is_dir():
        raise UsageError(f"--repo-root {root}: no such directory")
    config_path = (config or root / "prow_config.yaml").resolve()
    if config is not None and not config_path.is_file():
        raise UsageError(f"--config {config}: no such file")
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
        environ=dict(os.environ),
        timeout=eval_timeout,
        **overrides,
    )


def render(
    command: str, diagnostics: Sequence[Diagnostic], fmt: str, checked: Sequence[str]
) -> str:
    from compiler import checks, formats

    report = formats.Report(
        command=command,
        diagnostics=diagnostics,
        checked=checked,
        rules=list(checks.catalogue().values()),
    )
    # Styled: click.echo drops the colour unless it is on (a terminal, --color, no NO_COLOR).
    return formats.render(report, fmt, style=True)
