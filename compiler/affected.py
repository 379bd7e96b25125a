"""Which entries can a set of changed files affect? (``kftest lint FILES...``, pre-commit)

Evaluating every entry to learn what it imports would cost as much as linting everything, so
the import closure is found statically: jsonnet ``import``/``importstr``/``importbin`` strings
are scanned with a regular expression and resolved the way the evaluator's search path does.
Components and search paths are found exactly as the evaluator finds them
(``compiler.evaluate.layout``). A changed prow_config.yaml or repository lint settings file
affects every entry.
"""

from __future__ import annotations

import os
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
    changed = {os.path.realpath(os.path.join(os.getcwd(), file)) for file in files}
    if os.path.realpath(config_path) in changed or any(
        os.path.realpath(repo_root / name) in changed for name in GLOBAL_FILES
    ):
        return [entry.name for entry in config.workflows]
    python_changed = any(path.endswith(".py") for path in changed)
    # A PipelineRun may reference Pipelines and Tasks in any YAML file of the repository.
    yaml_changed = any(path.endswith((".yaml", ".yml")) for path in changed)
    finder = _Finder(options)
    names = []
    for entry in config.workflows:
        if entry.kind == "tekton":
            if yaml_changed:
                names.append(entry.name)
            continue
        if entry.kind == "py_func":
            if python_changed:
                names.append(entry.name)
            continue
        found = finder.component(entry.app_dir or "", entry.component or "")
        if found is None:
            continue  # nothing to affect; lint of everything reports it missing
        start, search = found
        if changed & finder.closure(start, search):
            names.append(entry.name)
    return list(dict.fromkeys(names))


class _Finder:
    """Components, search paths and import closures as the evaluator finds them
    (``evaluate.layout``), with every directory listing, scan and resolution done once:
    a repository of 500 entries shares its libraries and usually its app dirs."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.env = options.prow_env()
        self.listings: dict[str, frozenset[str]] = {}
        self.apps: dict[str, list[str]] = {}
        self.imports: dict[str, list[str]] = {}
        self.resolved: dict[tuple[str, str, tuple[str, ...]], str | None] = {}
        self.searches: dict[tuple[str, str], tuple[str, ...]] = {}

    def _listing(self, directory: str) -> frozenset[str]:
        if directory not in self.listings:
            try:
                self.listings[directory] = frozenset(os.listdir(directory))
            except OSError:
                self.listings[directory] = frozenset()
        return self.listings[directory]

    def _exists(self, path: str) -> bool:
        directory, name = os.path.split(path)
        return name in self._listing(directory)

    def component(self, app_dir: str, component: str) -> tuple[list[str], tuple[str, ...]] | None:
        if app_dir not in self.apps:
            options = self.options
            candidates = layout.app_dir_candidates(
                app_dir, options.repo_root, options.repos_dir, self.env
            )
            self.apps[app_dir] = [str(path) for path in candidates if path.is_dir()]
        for app in self.apps[app_dir]:
            for file in (
                os.path.join(app, "components", f"{component}.jsonnet"),
                os.path.join(app, f"{component}.jsonnet"),
            ):
                if self._exists(file):
                    start = [file]
                    params = os.path.join(app, "components", "params.libsonnet")
                    if os.path.dirname(file).endswith("components") and self._exists(params):
                        start.append(params)
                    return start, self._search(app, file)
        return None

    def _search(self, app: str, file: str) -> tuple[str, ...]:
        key = (app, os.path.dirname(file))
        if key not in self.searches:
            found = layout.Component(Path(app), Path(file), None)
            search = layout.search_path(found, self.options.repo_root, self.options.jpath)
            self.searches[key] = tuple(str(path) for path in search)
        return self.searches[key]

    def closure(self, start: Sequence[str], search: tuple[str, ...]) -> set[str]:
        """The ``start`` files and every file they import, transitively, as real paths."""
        seen: set[str] = set()
        todo = [os.path.realpath(path) for path in start]
        while todo:
            path = todo.pop()
            if path in seen:
                continue
            seen.add(path)
            for target in self._imports_of(path):
                resolved = self._resolve(target, os.path.dirname(path), search)
                if resolved is not None:
                    todo.append(resolved)
        return seen

    def _imports_of(self, path: str) -> list[str]:
        if path not in self.imports:
            targets: list[str] = []
            if path.endswith((".jsonnet", ".libsonnet")):
                try:
                    with open(path, encoding="utf-8", errors="replace") as handle:
                        text = handle.read()
                except OSError:
                    text = ""
                matches = _IMPORT.finditer(text)
                targets = [m.group(1) if m.group(1) is not None else m.group(2) for m in matches]
            self.imports[path] = targets
        return self.imports[path]

    def _resolve(self, target: str, here: str, search: tuple[str, ...]) -> str | None:
        key = (target, here, search)
        if key not in self.resolved:
            self.resolved[key] = next(
                (
                    os.path.realpath(candidate)
                    for base in (here, *search)
                    if os.path.isfile(candidate := os.path.join(base, target))
                ),
                None,
            )
        return self.resolved[key]
