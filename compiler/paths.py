"""Where kftest's own data lives (schemas/, lib/), and repo-relative path helpers."""

from __future__ import annotations

import os
import site
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _data_root() -> Path:
    """schemas/ and lib/ sit beside compiler/ in a checkout (or an editable install); a wheel
    installs them under <prefix>/share/kftest (pyproject's data-files), as pre-commit does."""
    installed = [Path(base) / "share" / "kftest" for base in (sys.prefix, site.getuserbase())]
    return next(
        (root for root in [PROJECT_ROOT, *installed] if (root / "schemas").is_dir()), PROJECT_ROOT
    )


DATA_ROOT = _data_root()
SCHEMAS_DIR = DATA_ROOT / "schemas"
LIB_DIR = DATA_ROOT / "lib"


def relative_to_repo(path: str | os.PathLike[str], repo_root: Path) -> str:
    """``path`` relative to the repository when inside it, else as given (absolute)."""
    resolved = Path(path).resolve()
    try:
        return resolved.relative_to(repo_root.resolve()).as_posix()
    except ValueError:
        return str(path)
