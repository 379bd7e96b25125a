"""Where the repositories a seed-era prow_config.yaml names are checked out.

The seed resolved ``app_dir``, ``python_paths`` and ``tekton_run`` as ``<repos_dir>/<path>``,
paths of the form ``<owner>/<repo>/<rest>``. In a developer's clone there is no repos dir:

* a path naming the repository itself resolves inside it. Which repository this is comes from
  ``REPO_OWNER``/``REPO_NAME`` (when Prow set them), else the ``origin`` remote
  (``git@github.com:kubeflow/kubeflow.git``), else the directory names (``.../kubeflow/kubeflow``);
* a path naming another repository (``kubeflow/testing/...``) is looked up where developers keep
  it: under ``--repos-dir`` (or ``.kftest.yaml`` ``repos_dir``) when given, else beside the
  clone — ``../<repo>``, ``../../<owner>/<repo>``, and ``$GOPATH/src/github.com/<owner>/<repo>``
  — where only a git checkout (a ``.git`` inside) counts. The checkout found becomes readable
  for that entry's component, like the repos dir.

``locate`` says where each was found (plan and lint print it) and, when not, how to point at it.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from compiler.prow import PLACEHOLDERS

_REMOTE = re.compile(r"[:/]([^/:]+)/([^/]+?)(?:\.git)?/*$")


@dataclass(frozen=True)  # mutation: equivalent — immutability guards misuse, no behaviour
class Located:
    """Where ``owner/repo`` is: ``path`` (None when not found) and how it was found."""

    owner: str
    repo: str
    path: Path | None
    how: str  # "this repository", "under the repos dir", "beside the clone", "in $GOPATH"
    tried: tuple[Path, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.owner}/{self.repo}"

    def note(self, repo_root: Path) -> str:
        if self.path is None:
            return f"{self.name}: not found ({self.missing_hint(repo_root)})"
        return f"{self.name}: {self.how} ({_show(self.path, repo_root)})"

    def missing_hint(self, repo_root: Path) -> str:
        tried = ", ".join(_show(path, repo_root) for path in self.tried) or "nowhere"
        return (
            f"tried {tried}; clone it beside this repository (git clone "
            f"https://github.com/{self.name} ../{self.repo}), or point at the directory holding "
            f"<owner>/<repo> checkouts with --repos-dir DIR or `repos_dir: DIR` in .kftest.yaml"
        )


def split(path: str) -> tuple[str, str, str] | None:
    """``(owner, repo, rest)`` of a seed-style ``<owner>/<repo>/<rest>`` path."""
    parts = Path(path).parts
    if len(parts) < 3 or Path(path).is_absolute() or ".." in parts[:2]:
        return None
    return parts[0], parts[1], "/".join(parts[2:])


def this_repository(repo_root: Path, environ: Mapping[str, str]) -> tuple[str, str]:
    """``(owner, repo)`` of the repository under test (see the module docstring)."""
    owner, repo = environ.get("REPO_OWNER"), environ.get("REPO_NAME")
    placeholder = (PLACEHOLDERS["REPO_OWNER"], PLACEHOLDERS["REPO_NAME"])
    if owner and repo and (owner, repo) != placeholder:
        return owner, repo
    remote = origin(repo_root)
    if remote is not None:
        return remote
    return repo_root.parent.name, repo_root.name


@functools.lru_cache(maxsize=16)  # mutation: equivalent — a cache size
def origin(repo_root: Path) -> tuple[str, str] | None:
    """``(owner, repo)`` of the ``origin`` remote's URL, if there is one."""
    try:
        result = subprocess.run(
            ["git", "-C", str(repo_root), "remote", "get-url", "origin"],
            capture_output=True,
            text=True,
            timeout=10,  # mutation: equivalent — a local git command answers at once
            check=False,  # mutation: equivalent — a failure is None either way
        )
    except (OSError, subprocess.SubprocessError):
        return None
    match = _REMOTE.search(result.stdout.strip()) if result.returncode == 0 else None
    return (match.group(1), match.group(2)) if match else None


def candidates(owner: str, repo: str, repo_root: Path, repos_dir: Path | None) -> list[Path]:
    """Where a checkout of another repository may be, in the order tried."""
    found = []
    if repos_dir is not None:
        found.append(repos_dir / owner / repo)
    found += [repo_root.parent / repo, repo_root.parent.parent / owner / repo]
    gopath = os.environ.get("GOPATH")
    for base in gopath.split(os.pathsep) if gopath else []:
        if base:
            found.append(Path(base) / "src" / "github.com" / owner / repo)
    resolved = repo_root.resolve()
    return [path for path in dict.fromkeys(found) if _real(path) != resolved]


def _real(path: Path) -> Path | None:
    try:
        return path.resolve()
    except (OSError, ValueError):  # a name too long for the filesystem, a NUL byte
        return None


def _is_checkout(path: Path, explicit: bool) -> bool:
    try:
        return path.is_dir() and (explicit or (path / ".git").exists())
    except (OSError, ValueError):
        return False  # mutation: equivalent[return None] — (None: as false to every caller)


def locate(
    owner: str,
    repo: str,
    repo_root: Path,
    repos_dir: Path | None,
    environ: Mapping[str, str],
) -> Located:
    if (owner, repo) == this_repository(repo_root, environ):
        return Located(owner, repo, repo_root, "this repository")
    tried = candidates(owner, repo, repo_root, repos_dir)
    beside = (repo_root.parent / repo, repo_root.parent.parent / owner / repo)
    for path in tried:
        explicit = repos_dir is not None and path == repos_dir / owner / repo
        # Beside the clone, only a git checkout counts: prow_config.yaml must not make any
        # neighbouring directory readable by naming it.
        if _is_checkout(path, explicit):
            if explicit:
                how = "under the repos dir"
            elif path in beside:
                how = "beside the clone"
            else:
                how = "in $GOPATH"
            return Located(owner, repo, path, how, tuple(tried))
    return Located(owner, repo, None, "", tuple(tried))


def _show(path: Path, repo_root: Path) -> str:
    """Relative to the repository when it is a neighbour (``../testing``), else absolute."""
    try:
        relative = os.path.relpath(path, repo_root)
    except ValueError:
        return str(path)  # mutation: equivalent — only Windows' relpath raises (another drive)
    return relative if not relative.startswith("../../../") else str(path)
