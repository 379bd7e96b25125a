"""Generate schemas/argo-workflow.schema.json from hera's models of the Argo Workflows API.

Pinned source: ``hera==7.1.0`` (its ``hera.workflows.models`` are generated from the Argo
Workflows v4.0.5 OpenAPI spec). The script refuses to run against another hera version, so the
committed schema always matches the pin; bump ``HERA_VERSION`` and regenerate together.

Run from the repository root::

    python schemas/generate_argo_schema.py          # rewrite the committed file
    python schemas/generate_argo_schema.py --check  # exit 1 if the committed file is stale

What the output adds to pydantic's JSON schema, so that it matches what Kubernetes accepts:

* ``additionalProperties: false`` on every object with declared properties (strict unknown-field
  checking, as ``kubectl`` strict validation and Argo's CRD tests do). Free-form maps (labels,
  annotations, ``additionalProperties``-typed maps) and property-less objects (``plugin``,
  ``withItems`` items) stay open.
* IntOrString accepts integer or string; Quantity accepts number or string (``cpu: 1``); where
  hera's types are narrower than Kubernetes' or Argo's (``httpGet.port`` is IntOrString in
  Kubernetes; parameter values are Argo ``AnyString``, which takes numbers and booleans), the
  ``_FIELD_OVERRIDES`` table widens them.
* Fields that Argo releases newer than hera's models added are listed per definition under
  ``x-newer-fields`` (field -> the Argo release known to have it), so the validator can warn
  ("not checked: newer than the modelled API") instead of calling them unknown.
* ``null`` is accepted wherever a field is optional: the API server drops nulls of non-nullable
  fields before validating.
* titles, descriptions, defaults and formats are dropped; keys are sorted: the output is small
  and byte-for-byte reproducible.

The document kind is chosen by ``kind``: the root points at ``Workflow``; ``WorkflowTemplate``,
``ClusterWorkflowTemplate`` and ``CronWorkflow`` are definitions of their own.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

HERA_VERSION = "7.1.0"
OUTPUT = Path(__file__).resolve().parent / "argo-workflow.schema.json"
KINDS = ("Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow")

# Keywords the generated schema may contain; compiler/validate/schema.py implements exactly these.
SUPPORTED_KEYWORDS = frozenset(
    {"$ref", "additionalProperties", "anyOf", "items", "properties", "required", "type"}
    | {"x-newer-fields"}
)
_DROPPED = frozenset({"title", "description", "default", "format", "examples"})
_INT_OR_STRING: dict[str, Any] = {"type": ["integer", "string"]}
_QUANTITY: dict[str, Any] = {"type": ["number", "string"]}
_INLINED = {"IntOrString": _INT_OR_STRING, "Quantity": _QUANTITY}
_MODULE_PREFIX = "hera__workflows__models__"
_ANY_STRING: dict[str, Any] = {"type": ["string", "number", "boolean", "null"]}

# (definition, field) -> schema, where hera's type is narrower than what the cluster accepts.
_FIELD_OVERRIDES: dict[tuple[str, str], dict[str, Any]] = {
    # Kubernetes types HTTPGetAction.port as IntOrString (a port number or a named port).
    ("HTTPGetAction", "port"): _INT_OR_STRING,
    # Argo's AnyString unmarshals int, float and bool into a string.
    ("Parameter", "value"): _ANY_STRING,
    ("Parameter", "default"): _ANY_STRING,
    ("Parameter", "enum"): {
        "type": ["array", "null"],
        "items": {"type": ["string", "number", "boolean"]},
    },
    ("ValueFrom", "default"): _ANY_STRING,
    # Both are strings on the wire; kubectl needs them.
    **{(kind, key): {"type": "string"} for kind in KINDS for key in ("apiVersion", "kind")},
}

# Fields of Argo v4.1.2's CRD (shared/argo/workflow-crd.yaml) that hera's v4.0.5 models lack.
# tests/validate/test_schema_generation.py checks this table against the CRD.
NEWER_FIELDS: dict[str, dict[str, str]] = {
    "Container": {"restartPolicyRules": "v4.1.2"},
    "ContainerNode": {"restartPolicyRules": "v4.1.2"},
    "EnvVarSource": {"fileKeyRef": "v4.1.2"},
    "HTTPArtifact": {"saveStreamViaFile": "v4.1.2"},
    "S3Artifact": {"addressingStyle": "v4.1.2"},
    "S3ArtifactRepository": {"addressingStyle": "v4.1.2"},
    "ScriptTemplate": {"restartPolicyRules": "v4.1.2"},
    "Template": {
        "pendingTimeout": "v4.1.2",
        "podResources": "v4.1.2",
        "resourceClaims": "v4.1.2",
    },
    "UserContainer": {"restartPolicyRules": "v4.1.2"},
    "VolumeProjection": {"podCertificate": "v4.1.2"},
    "WorkflowSpec": {
        "executorPlugins": "v4.1.2",
        "podResources": "v4.1.2",
        "resourceClaims": "v4.1.2",
    },
}


def _argo_version() -> str:
    """The Argo release hera's models were generated from (named in the models' header)."""
    import hera.workflows.models.io.argoproj.workflow.v1alpha1 as v1alpha1

    source = Path(v1alpha1.__file__).read_text(encoding="utf-8")
    marker = "argo-workflows-"
    start = source.index(marker) + len(marker)
    return "v" + source[start : source.index(".json", start)]


def _def_name(name: str) -> str:
    # pydantic qualifies colliding class names (HTTPHeader) with their module path.
    if name.startswith(_MODULE_PREFIX):
        return name[len(_MODULE_PREFIX) :].replace("__", ".")
    return name


def _ref_target(ref: str) -> str:
    return ref.rsplit("/", 1)[1]


def _transform(node: Any) -> Any:
    if isinstance(node, list):
        return [_transform(item) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target = _def_name(_ref_target(node["$ref"]))
        if target in _INLINED:
            return dict(_INLINED[target])
        return {"$ref": f"#/definitions/{target}"}
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROPPED:
            continue
        if key == "properties":
            out[key] = {name: _transform(sub) for name, sub in value.items()}
        else:
            out[key] = _transform(value)
    if "anyOf" in out:
        out = _simplify_any_of(out)
    if out.get("properties"):
        out["additionalProperties"] = False
    unknown = set(out) - SUPPORTED_KEYWORDS
    if unknown:
        raise SystemExit(f"generate_argo_schema: unsupported keywords {sorted(unknown)}")
    return out


def _types(schema: dict[str, Any]) -> list[str]:
    kind = schema["type"]
    return list(kind) if isinstance(kind, list) else [kind]


def _simplify_any_of(node: dict[str, Any]) -> dict[str, Any]:
    """Merge ``anyOf`` branches that are plain types into one ``type`` list.

    ``anyOf: [{type: string}, {type: null}]`` becomes ``type: [string, null]``; a ``$ref`` or
    structured branch keeps the ``anyOf`` (with the null branch after it).
    """
    branches = node["anyOf"]
    plain = [b for b in branches if set(b) == {"type"}]
    if len(plain) == len(branches):
        merged: list[str] = []
        for branch in plain:
            merged.extend(t for t in _types(branch) if t not in merged)
        rest = {k: v for k, v in node.items() if k != "anyOf"}
        return {**rest, "type": merged}
    structured = [b for b in branches if set(b) != {"type"}]
    if len(structured) == 1 and "type" in structured[0] and "$ref" not in structured[0]:
        # {type: array, items: ...} or null: fold the null into the structured branch's type.
        extra = [t for b in plain for t in _types(b)]
        branch = dict(structured[0])
        branch["type"] = _types(branch) + [t for t in extra if t not in _types(branch)]
        return branch
    ordered = structured + plain
    return {**node, "anyOf": ordered}


def build_schema() -> dict[str, Any]:
    """The strict schema, as a dict (deterministic for a given hera version)."""
    import hera
    from hera.workflows import models
    from pydantic.json_schema import models_json_schema

    installed = getattr(hera, "__version__", None) or _installed_version("hera")
    if installed != HERA_VERSION:
        raise SystemExit(
            f"generate_argo_schema: hera {installed} is installed but the schema is pinned to "
            f"hera=={HERA_VERSION}; install the pin (or bump HERA_VERSION and regenerate)"
        )
    kinds = [getattr(models, kind) for kind in KINDS]
    _, raw = models_json_schema(
        [(model, "validation") for model in kinds],
        ref_template="#/definitions/{model}",
        by_alias=True,
    )
    definitions = {
        _def_name(name): _transform(schema)
        for name, schema in raw["$defs"].items()
        if _def_name(name) not in _INLINED
    }
    for (definition, field), schema in _FIELD_OVERRIDES.items():
        properties = definitions[definition]["properties"]
        if field not in properties:
            raise SystemExit(f"generate_argo_schema: no field {definition}.{field} to override")
        properties[field] = schema
    for definition, fields in NEWER_FIELDS.items():
        clash = set(fields) & set(definitions[definition]["properties"])
        if clash:
            raise SystemExit(f"generate_argo_schema: {definition} already has {sorted(clash)}")
        definitions[definition]["x-newer-fields"] = dict(fields)
    for kind in KINDS:
        # kubectl needs both; hera leaves them optional because it fills them in itself.
        definitions[kind]["required"] = sorted(
            {"apiVersion", "kind", *definitions[kind].get("required", [])}
        )
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$comment": (
            f"Generated by schemas/generate_argo_schema.py from hera=={HERA_VERSION} "
            f"(Argo Workflows {_argo_version()} API). Do not edit by hand."
        ),
        "x-argo-version": _argo_version(),
        "x-hera-version": HERA_VERSION,
        "$ref": "#/definitions/Workflow",
        "definitions": definitions,
    }


def _installed_version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=1, sort_keys=True, ensure_ascii=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the committed file is stale")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    text = render(build_schema())
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is stale: run schemas/generate_argo_schema.py", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
