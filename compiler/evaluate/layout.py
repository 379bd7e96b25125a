"""Where an entry's component and its libraries are: app_dir, component file, jsonnet path.

``app_dir`` is tried as the seed system resolved it (``<repos_dir>/<app_dir>``, where app_dir is
``<owner>/<repo>/<path>``), then relative to the repository root, then with an ``<owner>/<repo>/``
prefix naming the repository under test stripped (so a seed-era prow_config.yaml works without
``--repos-dir``). The component is ``<app_dir>/components/<component>.jsonnet`` (the ksonnet
layout) or ``<app_dir>/<component>.jsonnet``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from compiler.paths import LIB_DIR
from compiler.prow import ProwEnv

#: ksonnet-lib stand-in (``k.libsonnet``), searched last so a repository's own copy wins.
KSONNET_SHIM_DIR = Path(__file__).resolve().parent / "ksonnet"


@dataclass(frozen=True)
class Component:
    app_dir: Path
    file: Path
    params_file: Path | None  # <app_dir>/components/params.libsonnet, when present


@dataclass(frozen=True)
class NotFound:
    key: str  # the prow_config.yaml key to blame: "app_dir" or "component"
    message: str


def app_dir_candidates(
    app_dir: str, repo_root: Path, repos_dir: Path | None, env: ProwEnv
) -> list[Path]:
    candidates = []
    if repos_dir is not None:
        candidates.append(repos_dir / app_dir)
    candidates.append(repo_root / app_dir)
    parts = Path(app_dir).parts
    if len(parts) > 2 and _names_this_repo(parts[0], parts[1], repo_root, env):
        candidates.append(repo_root.joinpath(*parts[2:]))
    return list(dict.fromkeys(candidates))


def find_component(
    app_dir: str, component: str, repo_root: Path, repos_dir: Path | None, env: ProwEnv
) -> Component | NotFound:
    candidates = app_dir_candidates(app_dir, repo_root, repos_dir, env)
    apps = [path for path in candidates if _is(path, Path.is_dir)]
    if not apps:
        tried = ", ".join(show(path, repo_root) for path in candidates)
        return NotFound("app_dir", f"app_dir {app_dir!r} not found (tried {tried})")
    tried_files = []
    for app in apps:
        for file in (app / "components" / f"{component}.jsonnet", app / f"{component}.jsonnet"):
            tried_files.append(file)
            if _is(file, Path.is_file):
                params = app / "components" / "params.libsonnet"
                return Component(app, file, params if _is(params, Path.is_file) else None)
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
        return False


def _names_this_repo(owner: str, repo: str, repo_root: Path, env: ProwEnv) -> bool:
    prow = (env.get("REPO_OWNER"), env.get("REPO_NAME"))
    return (owner, repo) in (prow, (repo_root.parent.name, repo_root.name))


def show(path: Path, repo_root: Path) -> str:
    try:
        return path.relative_to(repo_root).as_posix()
    except ValueError:
        return str(path)
