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
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from compiler import cache
from compiler.evaluate import layout
from compiler.model import ProwConfig
from compiler.rules import SETTINGS_FILE

if TYPE_CHECKING:  # mutation: equivalent — a type-only import; importing it too changes nothing
    from compiler.pipeline import Options

#: An import statement (at a word boundary: see ``imports_in``). Without a leading ``\b`` the
#: pattern starts with a literal, which the regex engine finds with a fast search; with it,
#: every position of the file is tried (~6x slower on a component).
_IMPORT = re.compile(r"""import(?:str|bin)?\s*(?:@?'((?:[^'\\]|\\.)*)'|@?"((?:[^"\\]|\\.)*)")""")
_WORD = re.compile(r"\w")
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
    finder = _Finder(options, _Facts.load(options) if options.cache else _Facts())
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
    if options.cache:
        finder.facts.save(options)
    return list(dict.fromkeys(names))


def imports_in(text: str) -> list[str]:
    """The strings of ``text``'s import statements, in order: what ``\\b`` + ``_IMPORT``
    finds, searched for the fast way (a match not at a word boundary, as in ``reimport``, is
    skipped and the search goes on from its next character, as the ``\\b`` form would)."""
    found = []
    at = 0
    while True:
        match = _IMPORT.search(text, at)
        if match is None:
            return found
        start = match.start()
        if start and _WORD.match(text, start - 1):
            at = start + 1  # mutation: equivalent[1 -> 2] — "mport" begins no import
            continue
        found.append(match.group(1) if match.group(1) is not None else match.group(2))
        at = match.end()


@dataclass
class _Facts:
    """What finding import closures learnt, kept between runs (``compiler.cache``): each file's
    imports by content hash, and every lookup that depends only on directory listings, valid
    while the mtimes of the directories consulted are unchanged (adding, removing or renaming
    a file changes its directory's mtime)."""

    #: real path -> (size, mtime_ns, sha256 of the content, the import strings in it)
    files: dict[str, tuple[int, int, str, list[str]]] = field(default_factory=dict)
    #: directory -> its mtime_ns (None: it did not exist), for every directory consulted
    dirs: dict[str, int | None] = field(default_factory=dict)
    apps: dict[str, list[str]] = field(default_factory=dict)
    components: dict[tuple[str, str], tuple[list[str], tuple[str, ...]] | None] = field(
        default_factory=dict
    )
    resolved: dict[tuple[str, str, tuple[str, ...]], str | None] = field(default_factory=dict)
    dirty: bool = False  # mutation: equivalent[False -> True] — saving empty facts changes nothing

    @staticmethod
    def _where(options: Options) -> tuple[str, str]:
        env = options.prow_env()
        name = cache.name_for("imports", options.repo_root, options.config_path)
        key = cache.digest(
            cache.code_version(),
            str(options.repo_root),
            str(options.checkouts_dir()),
            *map(str, options.jpath),
            str(env.get("REPO_OWNER")),
            str(env.get("REPO_NAME")),
        )
        return name, key

    @classmethod
    def load(cls, options: Options) -> _Facts:
        stored = cache.load(*cls._where(options))
        if not isinstance(stored, cls):
            return cls()
        stored.dirty = False
        if any(_mtime(path) != mtime for path, mtime in stored.dirs.items()):
            # A file appeared or went somewhere: every lookup is redone (file scans are kept).
            stored.dirs, stored.apps, stored.components, stored.resolved = {}, {}, {}, {}
            stored.dirty = True  # mutation: equivalent — every lookup is redone, and marks it
        return stored

    def save(self, options: Options) -> None:
        if self.dirty:
            self.dirty = False  # mutation: equivalent[False -> True] — load() clears it
            cache.store(*self._where(options), self)

    def saw(self, directory: str) -> None:
        if directory not in self.dirs:
            mtime = _mtime(directory)
            self.dirs[directory] = _RACY if mtime is not None and _racy(mtime) else mtime
            self.dirty = True  # mutation: equivalent[True -> False] — so does the new lookup


#: The mtime recorded for what changed too recently to vouch for itself: a file system stamps
#: mtimes with a coarse clock, so a change in the same tick as the one seen would go unnoticed
#: (git's "racy" entries). It matches no real mtime (nor size): the next run looks again.
_RACY = -1  # mutation: equivalent[1 -> 2] — any negative mtime matches no real one
_RACY_NS = 2_000_000_000  # mutation: equivalent[2000000000 -> ] — a 1 ns longer window


def _racy(mtime_ns: int) -> bool:
    return mtime_ns >= time.time_ns() - _RACY_NS  # mutation: equivalent[GtE -> Gt] — 1 ns


def _mtime(path: str) -> int | None:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


class _Finder:
    """Components, search paths and import closures as the evaluator finds them
    (``evaluate.layout``), with every directory listing, scan and resolution done once:
    a repository of 500 entries shares its libraries and usually its app dirs."""

    def __init__(self, options: Options, facts: _Facts) -> None:
        self.options = options
        self.env = options.prow_env()
        self.facts = facts
        self.listings: dict[str, frozenset[str]] = {}
        self.searches: dict[tuple[str, str], tuple[str, ...]] = {}
        #: ksonnet registry packages (``layout.package_aliases``) of the app a search serves.
        self.aliases: dict[tuple[str, ...], dict[str, Path]] = {}
        self.checked: set[str] = set()  # files whose facts were checked in this run
        self.closures: dict[tuple[tuple[str, ...], tuple[str, ...]], set[str]] = {}
        self.reals: dict[str, str] = {}

    def _listing(self, directory: str) -> frozenset[str]:
        if directory not in self.listings:
            self.facts.saw(directory)
            try:
                self.listings[directory] = frozenset(os.listdir(directory))
            except OSError:
                self.listings[directory] = frozenset()
        return self.listings[directory]

    def _exists(self, path: str) -> bool:
        directory, name = os.path.split(path)
        return name in self._listing(directory)

    def component(self, app_dir: str, component: str) -> tuple[list[str], tuple[str, ...]] | None:
        key = (app_dir, component)
        facts = self.facts
        if key not in facts.components:
            facts.components[key] = self._component(app_dir, component)
            facts.dirty = True  # mutation: equivalent — a lookup not kept is redone next run
        return facts.components[key]

    def _component(self, app_dir: str, component: str) -> tuple[list[str], tuple[str, ...]] | None:
        facts = self.facts
        if app_dir not in facts.apps:
            options = self.options
            candidates = layout.app_dir_candidates(
                app_dir, options.repo_root, options.checkouts_dir(), self.env
            )
            for path in candidates:
                facts.saw(str(path.parent))
            facts.apps[app_dir] = [str(path) for path in candidates if path.is_dir()]
        for app in facts.apps[app_dir]:
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
            for directory in (app, self.options.repo_root, *self.options.jpath):
                self.facts.saw(str(directory))
            self.searches[key] = tuple(str(path) for path in search)
            self.aliases.setdefault(self.searches[key], {}).update(
                layout.package_aliases(Path(app))
            )
        return self.searches[key]

    def closure(self, start: Sequence[str], search: tuple[str, ...]) -> set[str]:
        """The ``start`` files and every file they import, transitively, as real paths."""
        key = (tuple(start), search)
        if key in self.closures:
            return self.closures[key]
        seen: set[str] = set()
        todo = [self._real(path) for path in start]
        while todo:
            path = todo.pop()
            if path in seen:
                continue
            seen.add(path)
            for target in self._imports_of(path):
                resolved = self._resolve(target, os.path.dirname(path), search)
                if resolved is not None:
                    todo.append(resolved)
        self.closures[key] = seen
        return seen

    def _real(self, path: str) -> str:
        # Every seed-style entry starts from the same params.libsonnet: resolve it once. The
        # components of an app share their directory: resolve that once, then the file is its
        # real directory's entry of the same name unless it is a symlink itself.
        if path not in self.reals:
            directory, name = os.path.split(path)  # a component's file: a real name
            real_directory = self.reals.get(directory)
            if real_directory is None:
                real_directory = self.reals[directory] = os.path.realpath(directory)
            joined = os.path.join(real_directory, name)
            self.reals[path] = os.path.realpath(joined) if os.path.islink(joined) else joined
        return self.reals[path]

    def _imports_of(self, path: str) -> list[str]:
        known = self.facts.files.get(path)
        if path in self.checked and known is not None:
            return known[3]
        self.checked.add(path)  # mutation: equivalent — spares a 2nd stat of a file in a run
        if not path.endswith((".jsonnet", ".libsonnet")):
            return []
        try:
            stat = os.stat(path)
            if known is not None and (stat.st_size, stat.st_mtime_ns) == known[:2]:
                return known[3]
            with open(path, "rb") as handle:
                content = handle.read()
        except OSError:
            content = b""
            stat = None
        sha = cache.digest(content)
        if known is not None and known[2] == sha:  # mutation: equivalent[2 -> 3] — a rescan
            targets = known[3]  # touched, not changed
        else:
            targets = imports_in(content.decode("utf-8", errors="replace"))
        size, mtime = (stat.st_size, stat.st_mtime_ns) if stat is not None else (_RACY, _RACY)
        mtime = _RACY if _racy(mtime) else mtime
        self.facts.files[path] = (size, mtime, sha, targets)
        self.facts.dirty = True
        return targets

    def _resolve(self, target: str, here: str, search: tuple[str, ...]) -> str | None:
        key = (target, here, search)
        resolved = self.facts.resolved
        if key not in resolved:
            found = None
            for base in (here, *search):
                candidate = os.path.join(base, target)
                self.facts.saw(os.path.dirname(os.path.normpath(candidate)))
                if os.path.isfile(candidate):
                    found = os.path.realpath(candidate)
                    break
            for prefix, directory in self.aliases.get(search, {}).items():
                if found is None and target.startswith(prefix):
                    candidate = os.path.join(directory, target[len(prefix) :])
                    self.facts.saw(os.path.dirname(os.path.normpath(candidate)))
                    if os.path.isfile(candidate):
                        found = os.path.realpath(candidate)
            resolved[key] = found
            self.facts.dirty = True  # mutation: equivalent — one not kept is redone next run
        return resolved[key]
