"""The params a component sees, and how they are handed to jsonnet.

Precedence, lowest first: the component's defaults in ``components/params.libsonnet`` (ksonnet),
the entry's ``params`` in prow_config.yaml (YAML types kept: ``true`` stays a boolean, ``10`` a
number), the run parameters (``name``, ``namespace``, ``prow_env``, ``bucket``).

They reach jsonnet two ways, both always present:

- modern: the top-level argument ``params`` (``function(params) ...``), with ``argoVersion``
  (the targeted Argo release, ``X.Y``) added for kftest's lib;
- legacy: ``std.extVar('__ksonnet/params').components.<component>``, as ksonnet provided it
  (``global`` and the other components' defaults included), with a minimal
  ``std.extVar('__ksonnet/environments')`` (``name``, ``namespace``, ``server``,
  ``destination``).

**Cost.** ``params.libsonnet`` holds every component's defaults, so handing each component all
of them costs O(entries) per entry. A component gets only its own params and ``global``
(``own_ext_codes``) when no file its evaluation read can see more: every mention of the ext var
in them is ``std.extVar('__ksonnet/params').components.<its own name>`` (or ``.global``), and
``std`` is never used other than as ``std.<function>`` (``reads_only_own``). Anything else (a
component reading another's defaults, ``std.objectFields`` of them, ``std.extVar`` passed
around or its name computed) is evaluated again with all of them, as ksonnet gave them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

PARAMS_VAR = "__ksonnet/params"
ENVIRONMENTS_VAR = "__ksonnet/environments"
TLA = "params"
ARGO_VERSION_PARAM = "argoVersion"
IN_CLUSTER_SERVER = "https://kubernetes.default.svc"


def merge(
    defaults: Mapping[str, Any], entry_params: Mapping[str, Any], run_params: Mapping[str, Any]
) -> dict[str, Any]:
    return {**defaults, **entry_params, **run_params}


def environments(run_params: Mapping[str, Any]) -> dict[str, Any]:
    namespace = run_params.get("namespace")
    return {
        "name": run_params.get("name"),
        "namespace": namespace,
        "server": IN_CLUSTER_SERVER,
        "destination": {"namespace": namespace, "server": IN_CLUSTER_SERVER},
    }


def ext_codes(
    component: str,
    params: Mapping[str, Any],
    ksonnet_params: Mapping[str, Any],
    run_params: Mapping[str, Any],
) -> dict[str, str]:
    components = dict(ksonnet_params.get("components") or {})
    components[component] = dict(params)
    legacy = {"components": components, "global": ksonnet_params.get("global") or {}}
    return {PARAMS_VAR: to_code(legacy), ENVIRONMENTS_VAR: to_code(environments(run_params))}


def has_others(ksonnet_params: Mapping[str, Any], component: str) -> bool:
    """Whether params.libsonnet has defaults for other components than ``component``."""
    components = ksonnet_params.get("components") or {}
    return len(components) > (1 if component in components else 0)


def own_ext_codes(
    component: str,
    params: Mapping[str, Any],
    ksonnet_params: Mapping[str, Any],
    run_params: Mapping[str, Any],
) -> dict[str, str]:
    """``ext_codes`` without the other components' defaults (see ``reads_only_own``)."""
    own = {"components": {}, "global": ksonnet_params.get("global")}
    return ext_codes(component, params, own, run_params)


_STD = re.compile(r"\bstd\b(?!\s*\.\s*[A-Za-z_])")
_EXT_VAR = re.compile(r"extVar")
_NAMED = re.compile(r"""extVar\s*\(\s*(['"])([^'"\\]*)\1\s*\)""")
_READ = re.compile(
    rf"""extVar\s*\(\s*(['"]){re.escape(PARAMS_VAR)}\1\s*\)\s*\.\s*"""
    r"""(?:global(?!\w)|components\s*(?:\.\s*([A-Za-z_]\w*)(?!\w)|\[\s*(['"])([^'"\\]*)\3\s*\]))"""
)
_BYTES = (PARAMS_VAR.encode(), b"extVar", b"std")
_ANY = object()  # a file that may read any part of the ext var
#: path -> (content, the components it reads or _ANY): the helpers every component imports are
#: checked once per worker process, not once per component.
_READS: dict[str, tuple[bytes, Any]] = {}


def reads_only_own(files: Mapping[str, bytes], component: str) -> bool:
    """Whether jsonnet code in ``files`` can see no more of ``__ksonnet/params`` than the
    component's own params and ``global``.

    Conservative: it may say False for code that reads only its own params (then the component
    is evaluated again with every component's, which is correct, only slower), never True for
    code that can read more, short of rebinding ``std`` under another name.
    """
    for path, content in files.items():
        cached = _READS.get(path)
        # mutation: equivalent[Or -> And|0 -> 1] — a miss only reads the same content again
        if cached is not None and (cached[0] is content or cached[0] == content):
            reads = cached[1]
        else:
            if any(word in content for word in _BYTES):
                reads = _reads(content.decode("utf-8", errors="replace"))
            else:
                reads = frozenset()
            # mutation: equivalent — the cache's size bound: any bound gives the same answers
            if len(_READS) >= 4096:
                _READS.clear()  # mutation: equivalent — (the bound, as above)
            _READS[path] = (content, reads)
        if reads is _ANY or not reads <= {component}:
            return False
    return True


def _reads(text: str) -> Any:
    """The components whose params ``text`` reads from the ext var, or ``_ANY``."""
    if _STD.search(text):
        return _ANY  # std passed around, or indexed with a computed name: anything goes
    reads: set[str] = set()
    for match in _EXT_VAR.finditer(text):
        named = _NAMED.match(text, match.start())
        if named is None:
            return _ANY  # extVar not called with a literal name
        if named.group(2) != PARAMS_VAR:
            continue
        read = _READ.match(text, match.start())
        if read is None:
            return _ANY  # the whole ext var, or its components, handed on
        if read.group(2) or read.group(3):
            reads.add(read.group(2) or read.group(4))
    if text.count(PARAMS_VAR) != len(_READ.findall(text)):
        return _ANY  # the name also appears elsewhere (built up, or in a string)
    return frozenset(reads)


def tla_codes(params: Mapping[str, Any], argo_version: str | None = None) -> dict[str, str]:
    """The modern top-level argument; it also tells kftest's lib the targeted Argo release
    (``argoVersion``, unless the entry sets it) so its output fits that release."""
    if argo_version is not None and ARGO_VERSION_PARAM not in params:
        params = {**params, ARGO_VERSION_PARAM: argo_version}
    return {TLA: to_code(params)}


def to_code(value: Any) -> str:
    # YAML can carry dates and other non-JSON scalars; jsonnet sees them as strings.
    text = json.dumps(value, default=str, sort_keys=True)  # mutation: equivalent — jsonnet sorts
    return text
