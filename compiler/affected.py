"""Which entries can a set of changed files affect? (``kftest lint FILES...``, pre-commit)

Evaluating every entry to learn what it imports would cost as much as linting everything, so
the import closure is found statically: jsonnet ``import``/``importstr``/``importbin`` strings
are scanned with a regular expression and resolved the way the evaluator's search path does.
Components and search paths are found exactly as the evaluator finds them
(``compiler.evaluate.layout``). A changed prow_config.yaml or repository lint settings file
affects every entry.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from compiler.evaluate import layout
from compiler.model import ProwConfig
from compiler.rules import SETTINGS_FILE

if TYPE_CHECKING:
    from compiler.pipeline import Options

_IMPORT = re.compile(r"""\bimport(?:str|bin)?\s*(?:@?'((?:[^'\\]|\\.)*)'|@?"((?:[^"\\]|\\.)*)")""")
#: Files that configure every entry.
GLOBAL_FILES = (SETTINGS_FILE,)


def entries_affected_by(files: Iterable[Path], config: ProwConfig, options: Options) -> list[str]:
    repo_root, config_path = options.repo_root, options.config_path
    jpath, repos_dir = options.jpath, options.repos_dir
    changed = {_absolute(file, repo_root) for file in files}
    if config_path.resolve() in changed or any(
        (repo_root / name).resolve() in changed for name in GLOBAL_FILES
    ):
        return [entry.name for entry in config.workflows]
    names = []
    python_changed = any(path.suffix == ".py" for path in changed)
    env = options.prow_env()
    scanned: dict[Path, list[str]] = {}
    for entry in config.workflows:
        if entry.py_func:
            if python_changed:
                names.append(entry.name)
            continue
        found = layout.find_component(
            entry.app_dir or "", entry.component or "", repo_root, repos_dir, env
        )
        if isinstance(found, layout.NotFound):
            continue  # nothing to affect; lint of everything reports it missing
        start = [found.file] + ([found.params_file] if found.params_file else [])
        if changed & closure(start, layout.search_path(found, repo_root, jpath), scanned):
            names.append(entry.name)
    return list(dict.fromkeys(names))


def _absolute(file: Path, repo_root: Path) -> Path:
    return (file if file.is_absolute() else Path.cwd() / file).resolve()


def closure(
    start: Sequence[Path], search: Sequence[Path], cache: dict[Path, list[str]] | None = None
) -> set[Path]:
    """The ``start`` files and every file they import, transitively (files that exist).

    ``cache`` (file -> its import strings) lets many entries share one scan of a library.
    """
    cache = {} if cache is None else cache
    seen: set[Path] = set()
    todo = [path.resolve() for path in start]
    while todo:
        path = todo.pop()
        if path in seen or not path.is_file():
            continue
        seen.add(path)
        for target in _imports(path, cache):
            resolved = _resolve(target, path.parent, tuple(search))
            if resolved is not None:
                todo.append(resolved)
    return seen


def _imports(path: Path, cache: dict[Path, list[str]]) -> list[str]:
    if path not in cache:
        targets: list[str] = []
        if path.suffix in (".jsonnet", ".libsonnet"):
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                text = ""
            targets = [
                m.group(1) if m.group(1) is not None else m.group(2) for m in _IMPORT.finditer(text)
            ]
        cache[path] = targets
    return cache[path]


@functools.lru_cache(maxsize=4096)
def _resolve(target: str, here: Path, search: tuple[Path, ...]) -> Path | None:
    # Components in one directory import the same libraries: resolve each once.
    for base in (here, *search):
        candidate = base / target
        if candidate.is_file():
            return candidate.resolve()
    return None
