"""Where kftest's own data lives (schemas/, lib/), and repo-relative path helpers."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SCHEMAS_DIR = PROJECT_ROOT / "schemas"
LIB_DIR = PROJECT_ROOT / "lib"


def relative_to_repo(path: str | os.PathLike[str], repo_root: Path) -> str:
    """``path`` relative to the repository when inside it, else as given (absolute)."""
    resolved = Path(path).resolve()
    try:
        return resolved.relative_to(repo_root.resolve()).as_posix()
    except ValueError:
        return str(path)
