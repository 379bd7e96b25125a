"""The import callback: jsonnet reads only files inside the allowed roots.

Every ``import``, ``importstr`` and ``importbin`` goes through ``Importer``. It searches the
importing file's directory and then the library path in order, like jsonnet's own importer,
but resolves symlinks *before* deciding, so neither an absolute path, a ``../..`` escape nor a
symlink can reach a file outside the repository, kftest's ``lib/`` and the ``-J`` dirs. It
also records every file read: the import closure pre-commit uses to pick entries.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from compiler.paths import inside


@dataclass(frozen=True)  # mutation: equivalent — nothing changes or hashes a Denial
class Denial:
    """An import that resolved outside the allowed roots."""

    importer: str | None  # absolute path of the importing file, when found
    line: int | None
    column: int | None
    target: str  # the import string as written
    resolved: str  # where it led, symlinks resolved


@dataclass
class Importer:
    roots: Sequence[Path]
    search: Sequence[Path]
    show: Callable[[str], str] = str  # how a path appears in messages
    #: ``<registry>/<pkg>/`` -> its vendored directory (ksonnet registry packages), tried last.
    aliases: Mapping[str, Path] = field(default_factory=dict)
    #: absolute path -> content of every file read, in the order read (the main file first).
    loaded: dict[str, bytes] = field(default_factory=dict)
    denials: list[Denial] = field(default_factory=list)
    #: The messages of the import errors raised, to report them without the binding's noise.
    failures: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._real_roots = [_real_root(str(root)) for root in self.roots]

    def allowed(self, path: str) -> bool:
        return inside(os.path.realpath(path), self._real_roots)

    def read_main(self, path: Path) -> bytes:
        content = path.read_bytes()
        self.loaded[str(path)] = content
        return content

    def __call__(self, base: str, rel: str) -> tuple[str, bytes]:
        for candidate in self._candidates(base, rel):
            if not os.path.exists(candidate):
                continue
            if not self.allowed(candidate):
                self._deny(base, rel, candidate)
            if os.path.isdir(candidate):
                continue
            if candidate not in self.loaded:
                with open(candidate, "rb") as handle:
                    content = handle.read()
                self._check_text(base, rel, candidate, content)
                self.loaded[candidate] = content
            return candidate, self.loaded[candidate]
        dirs = dict.fromkeys(self.show(str(path)) for path in [Path(base), *self.search])
        searched = ", ".join(dirs)
        message = _text(f"import {rel!r} not found (searched {searched})")
        self.failures.append(message)
        raise RuntimeError(message)

    def _check_text(self, base: str, rel: str, path: str, content: bytes) -> None:
        """Jsonnet code and ``importstr`` text must be UTF-8 (bindings disagree otherwise)."""
        try:
            content.decode("utf-8")
        except UnicodeDecodeError as exc:
            if self._locate(base, rel, _import_pattern(rel, kinds="bin"))[0] is not None:
                return
            message = _text(
                f"{path}: not valid UTF-8 (byte 0x{content[exc.start]:02x} at offset {exc.start})"
            )
            self.failures.append(message)
            raise RuntimeError(message) from None

    def _candidates(self, base: str, rel: str) -> list[str]:
        if os.path.isabs(rel):
            return [os.path.normpath(rel)]
        dirs = [base, *map(str, self.search)]
        found = [os.path.normpath(os.path.join(directory, rel)) for directory in dirs]
        for prefix, directory in self.aliases.items():
            if rel.startswith(prefix):
                found.append(os.path.normpath(os.path.join(directory, rel[len(prefix) :])))
        return found

    def _deny(self, base: str, rel: str, candidate: str) -> None:
        importer, line, column = self._locate(base, rel)
        resolved = os.path.realpath(candidate)
        self.denials.append(Denial(importer, line, column, rel, resolved))
        message = _text(
            f"import {rel!r} denied: it resolves to {resolved}, outside the allowed roots"
        )
        self.failures.append(message)
        raise PermissionError(message)

    def _locate(
        self, base: str, rel: str, pattern: re.Pattern[str] | None = None
    ) -> tuple[str | None, int | None, int | None]:
        """The file in ``base`` that imports ``rel``, and the import's line and column.

        The binding tells the callback only the importing file's directory, so the files read
        so far from that directory are searched for the import statement.
        """
        directory = os.path.normpath(base)
        exact = pattern is not None
        pattern = pattern or _import_pattern(rel)
        for path, content in self.loaded.items():
            if os.path.dirname(path) != directory:
                continue
            text = content.decode("utf-8", errors="replace")
            match = pattern.search(text) or (None if exact else re.search(re.escape(rel), text))
            if match:
                line = text.count("\n", 0, match.start()) + 1
                column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
                return path, line, column
        return None, None, None


@functools.lru_cache(maxsize=64)  # mutation: equivalent — a cache size
def _real_root(root: str) -> str:
    # The same few roots for every request a worker evaluates; files are always resolved anew.
    return os.path.realpath(root)


def _import_pattern(rel: str, kinds: str = "|str|bin") -> re.Pattern[str]:
    quoted = re.escape(rel)
    return re.compile(
        rf"\bimport(?:{kinds})\s*@?(?:'{quoted}'|\"{quoted}\"|\|\|\|\s*{quoted}\s*\|\|\|)"
    )


def _text(message: str) -> str:
    """``message`` as valid UTF-8: a path whose name is not (a surrogate-escaped byte) would
    crash gojsonnet when the import callback's error crosses into it."""
    return message.encode("utf-8", "backslashreplace").decode("utf-8")
