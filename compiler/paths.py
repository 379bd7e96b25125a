"""Where kftest's own data lives (schemas/, lib/), and repo-relative path helpers."""

from __future__ import annotations

import os
import re
import site
import sys
from collections.abc import Sequence
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


def file_in(
    directory: Path, name: str, suffix: str = ".yaml", *, real_directory: str | None = None
) -> Path:
    """``directory/<name><suffix>``, refusing any name that would leave ``directory``.

    Names come from the user's components; the pipeline already drops workflows whose name is
    not a Kubernetes name, and this is the last check before a write. ``real_directory`` is
    ``os.path.realpath(directory)``, for a caller writing many files there.
    """
    if not is_object_name(name):
        raise ValueError(f"{name[:80]!r} is not a Kubernetes object name")
    path = directory / f"{name}{suffix}"
    real = real_directory or os.path.realpath(directory)
    # The name holds no '/' and is never '.' or '..': only a symlink in its place can lead out
    # of the directory (one lstat; resolving every component again costs a compile of 500
    # workflows ~0.02 s).
    if os.path.islink(path) and os.path.dirname(os.path.realpath(path)) != real:
        raise ValueError(f"{path} is outside {directory}")
    return path


def inside(real: str, real_roots: Sequence[str]) -> bool:
    """Whether the resolved path ``real`` is one of ``real_roots`` or below one of them.

    ``/`` is a root like any other: ``"/" + os.sep`` would be ``//``, which no path starts with.
    """
    for root in real_roots:
        prefix = root if root.endswith(os.sep) else root + os.sep
        if real == root or real.startswith(prefix):
            return True
    return False


def escape(path: Path, root: Path) -> str | None:
    """Where ``path`` really leads when it stands inside ``root`` but resolves outside it
    (a symlink out of the repository), else None. A path outside ``root`` to begin with was
    named by the user, not by the repository, and is not an escape."""
    real_root = os.path.realpath(root)
    if not inside(os.path.abspath(path), [os.path.abspath(root), real_root]):
        return None
    real = os.path.realpath(path)
    return None if inside(real, [real_root]) else real


def not_a_file(path: Path) -> str | None:
    """Why ``path`` cannot be read as a configuration file (missing, a directory, a FIFO...),
    or None when it is a regular file. A FIFO is refused: reading one can block forever."""
    import stat

    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "no such file"
    except OSError as exc:
        return f"cannot read it: {exc.strerror or exc}"
    if stat.S_ISREG(mode):
        return None
    kinds = {
        stat.S_ISDIR: "a directory",
        stat.S_ISFIFO: "a FIFO (named pipe)",
        stat.S_ISSOCK: "a socket",
        stat.S_ISCHR: "a character device",
        stat.S_ISBLK: "a block device",
    }
    kind = next((name for test, name in kinds.items() if test(mode)), "not a regular file")
    return f"is {kind}, not a file"
