"""Which Argo release the workflows are validated for: ``argo_version`` -> a shipped schema.

kftest ships the Workflow schema of Argo 2.4, 2.7, 2.12, 3.0, 3.3, 3.5 and 4.1
(``schemas/argo/releases.json`` lists them; 4.1 is the default). A target release
(``--argo-version``, ``.kftest.yaml`` ``argo_version``; ``X.Y`` or ``vX.Y.Z``) is validated
against the newest shipped schema not newer than it. Argo's API changed between releases:
``spec.ttlSecondsAfterFinished`` is valid up to 2.12 and gone from 3.0, so a seed-era workflow
is right for the Argo 2.x its cluster ran and wrong for a 3.x one.

Without a target, the seed's own kinds of entry — a ksonnet app (its ``app.yaml`` is
ksonnet's) and a py_func builder — are validated for ``SEED_ERA``: ksonnet was retired in 2019
and Argo 3.0 came out in 2021, so every cluster they were written for ran Argo 2.x, and "legacy
apps compile unchanged" means with the Argo of their time. Everything else (jsonnet components,
kftest's lib) gets the newest release. ``argo_version`` overrides both.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, replace
from typing import Any

from compiler.paths import SCHEMAS_DIR

INDEX_FILE = SCHEMAS_DIR / "argo" / "releases.json"
#: The Argo release a seed-era entry targets when nothing says otherwise: the last 2.x.
SEED_ERA = "2.12"
# What an unparsable shipped minor would sort as.
_UNPARSED = (0, 0)  # mutation: equivalent — every shipped minor parses (test_releases checks)
_VERSION = re.compile(r"v?(\d+)\.(\d+)(?:\.\d+)?(?:[-+].*)?")


@dataclass(frozen=True)
class Release:
    """A shipped schema: the ``X.Y`` it stands for, its exact tag and file."""

    minor: str  # "2.12"
    tag: str  # "v2.12.13"
    file: str  # relative to schemas/
    target: str  # what the user asked for ("2.12", "v2.12.4"), or the default's minor
    default: bool = False  # no target was given

    def describe(self) -> str:
        """``Argo 2.12 schema (v2.12.13; argo_version 2.12)``, for notes and messages."""
        asked = "the default" if self.default else f"argo_version {self.target}"
        return f"Argo {self.minor} schema ({self.tag}; {asked})"


def parse(text: str) -> tuple[int, int] | None:
    """``(major, minor)`` of ``2.12``, ``v2.12.13``, ``3.0.0-rc1``; None when it is not one."""
    match = _VERSION.fullmatch(str(text).strip())
    return (int(match.group(1)), int(match.group(2))) if match else None


@functools.lru_cache(maxsize=1)  # mutation: equivalent — a cache size
def index() -> dict[str, Any]:
    return json.loads(INDEX_FILE.read_text(encoding="utf-8"))


def shipped() -> list[str]:
    """The shipped ``X.Y`` releases, oldest first."""
    return sorted(index()["releases"], key=lambda minor: parse(minor) or _UNPARSED)


def newest() -> str:
    return str(index()["newest"])


def choose(target: str | None) -> Release:
    """The schema to validate a target release with. Raises ValueError for a malformed one."""
    releases = index()["releases"]
    if target is None:
        chosen = newest()
        return Release(chosen, releases[chosen]["tag"], releases[chosen]["file"], chosen, True)
    wanted = parse(target)
    if wanted is None:
        raise ValueError(
            f"argo_version {target!r} is not a release (write X.Y or vX.Y.Z, e.g. 2.12)"
        )
    fitting = [minor for minor in shipped() if (parse(minor) or _UNPARSED) <= wanted]
    chosen = fitting[-1] if fitting else shipped()[0]
    return Release(chosen, releases[chosen]["tag"], releases[chosen]["file"], str(target))


@functools.lru_cache(maxsize=16)  # mutation: equivalent — a cache size
def for_seed_era(release: Release) -> Release:
    """The release a seed-era entry is validated for: the targeted one, else ``SEED_ERA``."""
    if not release.default:
        return release
    return replace(choose(SEED_ERA), target=f"{SEED_ERA}, assumed for a seed-era entry")


def older_field(definition: str | None, field: str) -> dict[str, str] | None:
    """``{"last": "2.12", "replacement": ...}`` for a field only older releases have."""
    if definition is None:
        return None
    return index()["older-fields"].get(definition, {}).get(field)
