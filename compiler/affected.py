"""Which entries can a set of changed files affect? (``kftest lint FILES...``, pre-commit)

Evaluating every entry to learn what it imports would cost as much as linting everything, so
the import closure is found statically: jsonnet ``import``/``importstr``/``importbin`` strings
are scanned with a regular expression and resolved the way the evaluator's search path does.
A changed prow_config.yaml or repository lint settings file affects every entry.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from compiler import paths
from compiler.model import Entry, ProwConfig

if TYPE_CHECKING:
    from compiler.pipeline import Options

_IMPORT = re.compile(r"""\bimport(?:str|bin)?\s*(?:@?'((?:[^'\\]|\\.)*)'|@?"((?:[^"\\]|\\.)*)")""")
#: Files that configure every entry.
GLOBAL_FILES = (".kftest.yaml",)


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
    for entry in config.workflows:
        if entry.py_func:
            if python_changed:
                names.append(entry.name)
            continue
        component = component_file(entry, repo_root, repos_dir)
        if component is None:
            continue  # nothing to affect; lint of everything reports it missing
        search = search_path(component, entry, repo_root, repos_dir, jpath)
        if changed & closure(component, search):
            names.append(entry.name)
    return list(dict.fromkeys(names))


def _absolute(file: Path, repo_root: Path) -> Path:
    return (file if file.is_absolute() else Path.cwd() / file).resolve()


def app_dir_candidates(entry: Entry, repo_root: Path, repos_dir: Path | None) -> list[Path]:
    """The seed resolved app_dir under --repos_dir as <owner>/<repo>/<path>; kftest also
    accepts it repo-relative, and with the <owner>/<repo>/ prefix of this repository."""
    app_dir = entry.app_dir or ""
    candidates = []
    if repos_dir is not None:
        candidates.append(repos_dir / app_dir)
    candidates.append(repo_root / app_dir)
    parts = Path(app_dir).parts
    if len(parts) > 2:
        candidates.append(repo_root.joinpath(*parts[2:]))
    return candidates


def component_file(entry: Entry, repo_root: Path, repos_dir: Path | None) -> Path | None:
    for app in app_dir_candidates(entry, repo_root, repos_dir):
        for path in (
            app / "components" / f"{entry.component}.jsonnet",
            app / f"{entry.component}.jsonnet",
        ):
            if path.is_file():
                return path.resolve()
    return None


def search_path(
    component: Path, entry: Entry, repo_root: Path, repos_dir: Path | None, jpath: Sequence[Path]
) -> list[Path]:
    app = component.parent.parent if component.parent.name == "components" else component.parent
    return [app / "lib", app / "vendor", repo_root / "vendor", *jpath, paths.LIB_DIR]


def closure(start: Path, search: Sequence[Path]) -> set[Path]:
    """``start`` and every file it imports, transitively (files that exist)."""
    seen: set[Path] = set()
    todo = [start.resolve()]
    if start.parent.name == "components":
        todo.append((start.parent / "params.libsonnet").resolve())
    while todo:
        path = todo.pop()
        if path in seen or not path.is_file():
            continue
        seen.add(path)
        if path.suffix not in (".jsonnet", ".libsonnet"):
            continue
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for match in _IMPORT.finditer(text):
            target = match.group(1) if match.group(1) is not None else match.group(2)
            resolved = _resolve(target, path.parent, search)
            if resolved is not None:
                todo.append(resolved)
    return seen


def _resolve(target: str, here: Path, search: Sequence[Path]) -> Path | None:
    for base in (here, *search):
        candidate = base / target
        if candidate.is_file():
            return candidate.resolve()
    return None
