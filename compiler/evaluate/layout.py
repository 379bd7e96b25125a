"""Where an entry's component and its libraries are: app_dir, component file, jsonnet path.

``app_dir`` is tried as the seed system resolved it (``<repos_dir>/<app_dir>``, where app_dir is
``<owner>/<repo>/<path>``), then relative to the repository root, then with an ``<owner>/<repo>/``
prefix naming the repository under test stripped, or in another repository's checkout beside
the clone (``checkouts``: a seed-era prow_config.yaml works in a developer's clone without
``--repos-dir``). The component is ``<app_dir>/components/<component>.jsonnet`` (the ksonnet
layout) or ``<app_dir>/<component>.jsonnet``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from compiler.evaluate import checkouts
from compiler.paths import LIB_DIR
from compiler.prow import ProwEnv

#: ksonnet-lib stand-in (``k.libsonnet``), searched last so a repository's own copy wins.
KSONNET_SHIM_DIR = Path(__file__).resolve().parent / "ksonnet"


@dataclass(frozen=True)  # mutation: equivalent — nothing changes or hashes a Component
class Component:
    app_dir: Path
    file: Path
    params_file: Path | None  # <app_dir>/components/params.libsonnet, when present
    checkout: Path | None = None  # another repository's checkout app_dir lies in (readable)


@dataclass(frozen=True)  # mutation: equivalent — nothing changes or hashes a NotFound
class NotFound:
    key: str  # the prow_config.yaml key to blame: "app_dir" or "component"
    message: str


def app_dir_candidates(
    app_dir: str, repo_root: Path, repos_dir: Path | None, env: ProwEnv
) -> list[Path]:
    """Where ``app_dir`` may be, in order: under the repos dir (the seed's way), in the
    repository, and for ``<owner>/<repo>/<rest>``: inside this repository when it names it,
    else in that repository's checkout beside the clone (see ``checkouts``)."""
    candidates = []
    if repos_dir is not None:
        candidates.append(repos_dir / app_dir)
    candidates.append(repo_root / app_dir)
    seed_style = checkouts.split(app_dir)
    if seed_style is not None:
        owner, repo, rest = seed_style
        located = checkouts.locate(owner, repo, repo_root, repos_dir, env.values)
        if located.path is not None:
            candidates.append(located.path / rest)
    return list(dict.fromkeys(candidates))


def checkout_root(
    app_dir: str, found: Path, repo_root: Path, repos_dir: Path | None, env: ProwEnv
) -> Path | None:
    """The checkout of another repository that ``found`` (app_dir's directory) lies in, when it
    is outside the repository and the repos dir: its files may then be read too."""
    seed_style = checkouts.split(app_dir)
    if seed_style is None:
        return None
    located = checkouts.locate(seed_style[0], seed_style[1], repo_root, repos_dir, env.values)
    if located.path is None or located.path == repo_root:
        return None
    return located.path if found.is_relative_to(located.path) else None


def missing_checkout(
    path: str, repo_root: Path, repos_dir: Path | None, env: ProwEnv
) -> str | None:
    """Why ``<owner>/<repo>/...`` cannot be found: its repository is not checked out."""
    seed_style = checkouts.split(path)
    if seed_style is None:
        return None
    located = checkouts.locate(seed_style[0], seed_style[1], repo_root, repos_dir, env.values)
    if located.path is not None:
        return None
    return f"the checkout of {located.name} is missing: {located.missing_hint(repo_root)}"


def find_component(
    app_dir: str, component: str, repo_root: Path, repos_dir: Path | None, env: ProwEnv
) -> Component | NotFound:
    candidates = app_dir_candidates(app_dir, repo_root, repos_dir, env)
    apps = [path for path in candidates if _is(path, Path.is_dir)]
    if not apps:
        tried = ", ".join(show(path, repo_root) for path in candidates)
        message = f"app_dir {app_dir!r} not found (tried {tried})"
        missing = missing_checkout(app_dir, repo_root, repos_dir, env)
        if missing:
            message += f"; {missing}"
        return NotFound("app_dir", message)
    tried_files = []
    for app in apps:
        for file in (app / "components" / f"{component}.jsonnet", app / f"{component}.jsonnet"):
            tried_files.append(file)
            if _is(file, Path.is_file):
                params = app / "components" / "params.libsonnet"
                root = checkout_root(app_dir, app, repo_root, repos_dir, env)
                params_file = params if _is(params, Path.is_file) else None
                return Component(app, file, params_file, root)
    tried = ", ".join(show(path, repo_root) for path in tried_files)
    return NotFound("component", f"component {component!r} not found (tried {tried})")


def search_path(component: Component, repo_root: Path, jpath: Sequence[Path]) -> list[Path]:
    """The library dirs searched after the importing file's own directory, in order."""
    dirs = [
        component.file.parent,
        component.app_dir / "lib",  # ksonnet
        component.app_dir / "vendor",  # ksonnet
        repo_root / "vendor",  # jsonnet-bundler
        *jpath,
        LIB_DIR,
        KSONNET_SHIM_DIR,
    ]
    return [path for path in dict.fromkeys(dirs) if path.is_dir()]


def package_aliases(app_dir: Path) -> dict[str, Path]:
    """ksonnet registry packages: ``<registry>/<pkg>/`` -> the directory ``ks`` read it from.

    ksonnet vendored a registry package as ``vendor/<registry>/<pkg>@<version>/`` (0.12+) or
    ``vendor/<registry>/<pkg>/``, named in app.yaml's ``libraries`` (``{name, registry,
    version}``), and ``import 'kubeflow/automation/release.libsonnet'`` read it from there.
    The unversioned layout is found on the ``vendor`` search path already; this maps the
    versioned one: the version app.yaml names, else the only version vendored.
    """
    vendor = app_dir / "vendor"
    if not vendor.is_dir():
        return {}
    aliases: dict[str, Path] = {}
    for registry, package, version in _libraries(app_dir / "app.yaml"):
        for candidate in (vendor / registry / f"{package}@{version}", vendor / registry / package):
            if version and candidate.is_dir():
                aliases[f"{registry}/{package}/"] = candidate
                break
    try:
        registries = sorted(path for path in vendor.iterdir() if path.is_dir())
        for registry in registries:
            versions: dict[str, list[Path]] = {}
            for path in sorted(registry.iterdir()):
                if path.is_dir() and "@" in path.name:
                    versions.setdefault(path.name.split("@", 1)[0], []).append(path)
            for package, paths in versions.items():
                key = f"{registry.name}/{package}/"
                if len(paths) == 1 and key not in aliases:
                    aliases[key] = paths[0]
    except OSError:
        pass
    return aliases


_KSONNET_APP_VERSION = re.compile(rb"^apiVersion:\s*[\"']?0\.\d", re.MULTILINE)


def is_ksonnet_app(app_dir: Path) -> bool:
    """``app_dir`` holds ksonnet's ``app.yaml`` (``apiVersion: 0.x``): a seed-era app."""
    try:
        with (app_dir / "app.yaml").open("rb") as handle:
            head = handle.read(4096)  # the apiVersion line comes first; never read a big file
    except OSError:
        return False
    return bool(_KSONNET_APP_VERSION.search(head))


def _libraries(app_yaml: Path) -> list[tuple[str, str, str]]:
    """(registry, package, version) of app.yaml's ``libraries``; nothing if it is unreadable."""
    if not app_yaml.is_file():
        return []
    from compiler.yamlpos import load

    try:
        located, _ = load(app_yaml.read_bytes(), str(app_yaml))
    except OSError:
        return []
    data = located.data if located is not None else None
    libraries = data.get("libraries") if isinstance(data, dict) else None
    found = []
    for key, library in (libraries or {}).items() if isinstance(libraries, dict) else ():
        if not isinstance(library, dict):
            continue
        registry = library.get("registry") or (str(key).split("/")[0] if "/" in str(key) else "")
        package = library.get("name") or str(key).rpartition("/")[2]
        version = library.get("version") or ""
        if isinstance(registry, str) and isinstance(package, str) and registry and package:
            found.append((registry, package, str(version)))
    return found


def allowed_roots(repo_root: Path, repos_dir: Path | None, jpath: Sequence[Path]) -> list[Path]:
    roots = [repo_root, *jpath, LIB_DIR, KSONNET_SHIM_DIR]
    if repos_dir is not None:
        roots.append(repos_dir)
    return roots


def python_path_candidates(
    path: str, repo_root: Path, repos_dir: Path | None, env: ProwEnv
) -> Iterator[Path]:
    """Where a ``python_paths`` item may be: as app_dir is resolved."""
    yield from app_dir_candidates(path, repo_root, repos_dir, env)


def _is(path: Path, test: Callable[[Path], bool]) -> bool:
    """``path.is_dir()``/``is_file()`` for a name from prow_config.yaml: one too long for the
    filesystem or with a NUL byte does not exist, it is not a crash."""
    try:
        return test(path)
    except (OSError, ValueError):
        return False  # mutation: equivalent[return None] — None is as false to the callers


def show(path: Path, repo_root: Path) -> str:
    try:
        return path.relative_to(repo_root).as_posix()
    except ValueError:
        return str(path)
