"""Where kftest's own data lives (schemas/, lib/), and repo-relative path helpers."""

from __future__ import annotations

import os
import re
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


#: A Kubernetes object name (DNS-1123 subdomain): what the API server accepts as metadata.name,
#: and therefore the only names kftest turns into file names.
_OBJECT_NAME = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
MAX_OBJECT_NAME = 253


def is_object_name(name: object) -> bool:
    return (
        isinstance(name, str)
        and len(name) <= MAX_OBJECT_NAME
        and _OBJECT_NAME.fullmatch(name) is not None
    )


def file_in(directory: Path, name: str, suffix: str = ".yaml") -> Path:
    """``directory/<name><suffix>``, refusing any name that would leave ``directory``.

    Names come from the user's components; the pipeline already drops workflows whose name is
    not a Kubernetes name, and this is the last check before a write.
    """
    if not is_object_name(name):
        raise ValueError(f"{name[:80]!r} is not a Kubernetes object name")
    path = directory / f"{name}{suffix}"
    if path.resolve().parent != directory.resolve():
        raise ValueError(f"{path} is outside {directory}")
    return path
