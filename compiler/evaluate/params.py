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
"""

from __future__ import annotations

import json
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


def tla_codes(params: Mapping[str, Any], argo_version: str | None = None) -> dict[str, str]:
    """The modern top-level argument; it also tells kftest's lib the targeted Argo release
    (``argoVersion``, unless the entry sets it) so its output fits that release."""
    if argo_version is not None and ARGO_VERSION_PARAM not in params:
        params = {**params, ARGO_VERSION_PARAM: argo_version}
    return {TLA: to_code(params)}


def to_code(value: Any) -> str:
    # YAML can carry dates and other non-JSON scalars; jsonnet sees them as strings.
    return json.dumps(value, default=str, sort_keys=True)
