"""kftest's on-disk cache: what a later run may reuse, never something it must trust.

It lives in ``$XDG_CACHE_HOME/kftest`` (``~/.cache/kftest`` when unset; ``KFTEST_CACHE_DIR``
overrides, ``KFTEST_CACHE_DIR=off`` turns it off). Each entry is one file named by what it is for
(a repository's prow_config.yaml, say); inside, the key it was computed from (content hashes,
kftest's own code) is stored beside the value and compared on every load, so a stale entry is
simply not used. Writes go to a temporary file renamed into place (concurrent runs each write a
whole entry, the last one wins), and anything unreadable, truncated, from another kftest or
otherwise broken is ignored: the cache can make a run faster, never fail it.

The values are pickles: the directory is the user's own (created 0700), as trusted as their
home directory.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

ENV_VAR = "KFTEST_CACHE_DIR"
#: Entries larger than this are not written (a 120,000-entry prow_config.yaml stays uncached
#: rather than filling the disk).
MAX_BYTES = 256 * 2**20  # mutation: equivalent[256 -> 257|2 -> 3|20 -> 21] — a cap's exact size
_MAGIC = b"kftest-cache-1\n"


def directory() -> Path | None:
    """Where the cache is, or None when it is turned off."""
    configured = os.environ.get(ENV_VAR, "").strip()
    if configured.lower() in ("off", "0", "none", "false"):
        return None
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    if base and os.path.isabs(base):
        return Path(base) / "kftest"
    return Path.home() / ".cache" / "kftest"


def digest(*parts: str | bytes) -> str:
    """A content hash of ``parts`` (each length-prefixed, so they cannot run together)."""
    hasher = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogateescape") if isinstance(part, str) else part
        hasher.update(len(data).to_bytes(8, "little"))  # mutation: equivalent[8 -> 9] — any width
        hasher.update(data)
    return hasher.hexdigest()


@lru_cache(maxsize=1)  # mutation: equivalent[1 -> 2] — no arguments: one value to keep
def code_version() -> str:
    """kftest's own code: a cache written by other code (an upgrade, a checkout) is not used."""
    from compiler import __version__

    root = Path(__file__).resolve().parent
    stamps = [__version__]
    for path in sorted(root.rglob("*.py")):
        with contextlib.suppress(OSError):
            stat = path.stat()
            stamps.append(f"{path.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns}")
    return digest(*stamps)


def load(name: str, key: str) -> Any | None:
    """The value stored under ``name`` if it was stored with ``key``, else None."""
    where = _path(name)
    if where is None:
        return None
    try:
        with open(where, "rb") as handle:
            if handle.read(len(_MAGIC)) != _MAGIC:
                return None
            stored_key, value = pickle.load(handle)
    except Exception:  # a broken cache is no cache: truncated, foreign, unreadable, anything
        return None
    return value if stored_key == key else None


def store(name: str, key: str, value: Any) -> None:
    """Keep ``value`` under ``name`` with ``key``; silently does nothing if it cannot."""
    where = _path(name)
    if where is None:
        return
    try:
        data = _MAGIC + pickle.dumps((key, value), protocol=pickle.HIGHEST_PROTOCOL)
        if len(data) > MAX_BYTES:  # mutation: equivalent[Gt -> GtE] — one byte at the cap
            return
        where.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=where.parent, prefix=".tmp-", suffix=".part")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, where)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
    except Exception:  # read-only home, full disk, unpicklable value: run uncached
        return


def name_for(kind: str, *parts: str | os.PathLike[str]) -> str:
    """A file name for ``kind`` of entry about ``parts`` (e.g. the repository's paths)."""
    return f"{kind}-{digest(*map(os.fspath, parts))[:32]}"


def _path(name: str) -> Path | None:
    base = directory()
    return None if base is None else base / f"{name}.pickle"
