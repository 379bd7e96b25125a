"""Generate schemas/tekton.schema.json from Tekton's published OpenAPI (swagger) documents.

Sources (``../shared/tekton/``, unmodified copies of tektoncd/pipeline's
``pkg/apis/pipeline/<version>/swagger.json``):

==================  =====================================================================
API version         schema
==================  =====================================================================
``tekton.dev/v1``   ``v1.15.0-head/v1-swagger.json``
``tekton.dev/       ``v1.15.0-head/v1beta1-swagger.json`` (what a current cluster serves);
v1beta1``           fields that Tekton v0.20.0's v1beta1 had and the current one dropped
                    are listed per definition under ``x-removed-fields`` (so the message
                    can say "removed after v0.20.0" instead of "unknown")
``tekton.dev/       derived, see below: Tekton never published a swagger document for it
v1alpha1``
==================  =====================================================================

**v1alpha1** (the seed era, Tekton v0.11-v0.16). Its Go types
(``pkg/apis/pipeline/v1alpha1/*_types.go`` of those tags) are the v1beta1 types of the same
release with a few differences, and v0.20.0 is the oldest v1beta1 swagger published. So the
v1alpha1 schema is v0.20.0's v1beta1 schema with ``V1ALPHA1_ADDED`` (the deprecated
``inputs``/``outputs`` of a v1alpha1 ``TaskSpec``, which v1beta1 replaced with top-level
``params`` and ``resources``) and without ``V1ALPHA1_REMOVED`` (fields added to v1beta1 only:
``finally`` tasks, ``when`` expressions). A removed field is listed under
``x-removed-fields`` (``{field: {reason}}``, not among the definition's properties, unlike the
Argo schema's fields a later release removed) with the API that has it, so the diagnostic
names it.

**Kubernetes types** (``ObjectMeta``, ``EnvVar``, ``ResourceRequirements``, ...) are referenced
but not defined by Tekton's documents: they are taken from schemas/argo-workflow.schema.json
(generated from the Kubernetes models hera ships), so a step's ``env`` or the run's
``metadata`` is checked as strictly as an Argo container's. A reference that names neither a
Tekton definition nor one of those is left open (anything goes). A ``v1.X`` reference inside
the v1beta1 document that the v1 document of the same release defines (``v1.Param``) is a
Tekton v1 type, not a Kubernetes one.

**Wire formats.** ``ArrayOrString``/``ParamValue`` are a string, a list of strings or a map of
strings on the wire (custom JSON marshalling), not the Go struct the swagger describes;
``Duration`` and ``Time`` are strings; ``RawExtension`` is any value.

As for the Argo schema: ``additionalProperties: false`` on every object with declared
properties; ``null`` accepted for optional fields; descriptions, defaults, formats and the
``x-kubernetes-*`` annotations dropped; keys sorted, so the output is reproducible byte for
byte. Run from the repository root::

    python schemas/generate_tekton_schema.py          # rewrite the committed file
    python schemas/generate_tekton_schema.py --check  # exit 1 if the committed file is stale
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "tekton.schema.json"
ARGO_SCHEMA = HERE / "argo-workflow.schema.json"
SHARED = HERE.parent.parent / "shared" / "tekton"
OLD = "v0.20.0"
CURRENT = "v1.15.0-head"
KINDS = ("PipelineRun", "Pipeline", "Task")

SUPPORTED_KEYWORDS = frozenset(
    {"$ref", "additionalProperties", "anyOf", "items", "properties", "required", "type"}
    | {"x-removed-fields"}
)
_DROPPED = frozenset({"description", "default", "format", "example"})
_PARAM_VALUE: dict[str, Any] = {
    "type": ["string", "array", "object"],
    "items": {"type": "string"},
    "additionalProperties": {"type": "string"},
}
#: Swagger names (after the version prefix) whose wire format is not what the swagger says.
_WIRE: dict[str, dict[str, Any]] = {
    "ArrayOrString": _PARAM_VALUE,
    "ParamValue": _PARAM_VALUE,
    "Duration": {"type": "string"},
    "Time": {"type": "string"},
    "RawExtension": {},
}

#: tekton.dev/v1alpha1 additions to v0.20.0's v1beta1 (pkg/apis/pipeline/v1alpha1 of v0.16:
#: ``TaskSpec{v1beta1.TaskSpec; Inputs *Inputs; Outputs *Outputs}``).
V1ALPHA1_ADDED: dict[str, dict[str, Any]] = {
    "v1beta1.TaskSpec": {
        "inputs": {"$ref": "#/definitions/v1alpha1.Inputs"},
        "outputs": {"$ref": "#/definitions/v1alpha1.Outputs"},
    },
    "v1beta1.EmbeddedTask": {
        "inputs": {"$ref": "#/definitions/v1alpha1.Inputs"},
        "outputs": {"$ref": "#/definitions/v1alpha1.Outputs"},
    },
}
V1ALPHA1_DEFINITIONS: dict[str, dict[str, Any]] = {
    "v1alpha1.Inputs": {
        "type": "object",
        "properties": {
            "params": {"type": "array", "items": {"$ref": "#/definitions/v1beta1.ParamSpec"}},
            "resources": {
                "type": "array",
                "items": {"$ref": "#/definitions/v1beta1.TaskResource"},
            },
        },
    },
    "v1alpha1.Outputs": {
        "type": "object",
        "properties": {
            "resources": {
                "type": "array",
                "items": {"$ref": "#/definitions/v1beta1.TaskResource"},
            },
        },
    },
}
#: Fields only v1beta1 had (finally: v0.14, when: v0.16); the v1alpha1 API dropped them.
V1ALPHA1_REMOVED: dict[str, tuple[str, ...]] = {
    "v1beta1.PipelineSpec": ("finally",),
    "v1beta1.PipelineTask": ("when",),
}


def _load(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise SystemExit(f"generate_tekton_schema: {path} is missing (../shared/tekton)")
    return json.loads(path.read_text(encoding="utf-8"))["definitions"]


class _Version:
    """One API version's definitions, named ``<api>:<swagger name>`` in the output."""

    def __init__(
        self,
        api: str,
        definitions: dict[str, Any],
        extra: dict[str, Any],
        k8s: dict[str, Any],
    ) -> None:
        self.api = api
        self.definitions = definitions
        self.extra = extra  # another document's definitions that "v1.X" may name (v1 types)
        self.k8s = k8s
        self.out: dict[str, Any] = {}
        self.k8s_used: set[str] = set()

    def name(self, swagger: str) -> str:
        return f"{self.api}:{swagger}"

    def ref(self, target: str) -> dict[str, Any]:
        short = target.rsplit(".", 1)[-1]
        if short in _WIRE:
            return copy.deepcopy(_WIRE[short])
        for definitions in (self.definitions, self.extra):
            if target in definitions:
                if self.name(target) not in self.out:
                    self.out[self.name(target)] = {}  # reserved: recursion
                    self.out[self.name(target)] = self.transform(definitions[target], target)
                return {"$ref": f"#/definitions/{self.name(target)}"}
        if target.startswith("v1.") and short in self.k8s:
            self.k8s_used.add(short)
            return {"$ref": f"#/definitions/k8s.{short}"}
        return {}  # not modelled: open

    def transform(self, node: Any, owner: str | None = None) -> Any:
        if isinstance(node, list):
            return [self.transform(item) for item in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            return self.ref(node["$ref"].rsplit("/", 1)[-1])
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in _DROPPED or key.startswith("x-kubernetes-"):
                continue
            if key == "properties":
                out[key] = {name: self.transform(sub) for name, sub in value.items()}
            elif key == "additionalProperties" and isinstance(value, dict):
                out[key] = self.transform(value)
            else:
                out[key] = self.transform(value)
        if out.get("properties"):
            out["additionalProperties"] = False
            required = set(out.get("required", ()))
            for name, sub in out["properties"].items():
                if name not in required:
                    out["properties"][name] = _nullable(sub)
        unknown = set(out) - SUPPORTED_KEYWORDS
        if unknown:
            raise SystemExit(f"generate_tekton_schema: unsupported keywords {sorted(unknown)}")
        return out


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if not schema:
        return schema
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    kind = schema.get("type")
    if kind is None:
        return schema
    kinds = [kind] if isinstance(kind, str) else list(kind)
    return {**schema, "type": kinds if "null" in kinds else [*kinds, "null"]}


def _k8s_closure(argo: dict[str, Any], names: set[str]) -> dict[str, Any]:
    """The Kubernetes definitions of the Argo schema that ``names`` need, renamed k8s.X."""
    out: dict[str, Any] = {}
    todo = sorted(names)
    while todo:
        name = todo.pop()
        if f"k8s.{name}" in out:
            continue
        definition = copy.deepcopy(argo[name])

        def rename(node: Any) -> Any:
            if isinstance(node, list):
                return [rename(item) for item in node]
            if not isinstance(node, dict):
                return node
            if "$ref" in node:
                target = node["$ref"].rsplit("/", 1)[-1]
                todo.append(target)
                return {"$ref": f"#/definitions/k8s.{target}"}
            return {k: rename(v) for k, v in node.items() if k != "x-newer-fields"}

        out[f"k8s.{name}"] = rename(definition)
    return out


def build_schema(shared: Path = SHARED) -> dict[str, Any]:
    old_beta = _load(shared / OLD / "v1beta1-swagger.json")
    beta = _load(shared / CURRENT / "v1beta1-swagger.json")
    v1 = _load(shared / CURRENT / "v1-swagger.json")
    argo = json.loads(ARGO_SCHEMA.read_text(encoding="utf-8"))["definitions"]
    alpha = copy.deepcopy(old_beta)
    for definition, fields in V1ALPHA1_ADDED.items():
        alpha[definition]["properties"].update(copy.deepcopy(fields))
    alpha.update(copy.deepcopy(V1ALPHA1_DEFINITIONS))
    alpha_removed: dict[str, dict[str, dict[str, str]]] = {}
    for definition, fields in V1ALPHA1_REMOVED.items():
        for field in fields:
            del alpha[definition]["properties"][field]
            alpha_removed.setdefault(definition, {})[field] = {
                "reason": "tekton.dev/v1beta1 has it"
            }
    versions = {
        "v1alpha1": (_Version("v1alpha1", alpha, {}, argo), "v1beta1", alpha_removed),
        "v1beta1": (
            _Version("v1beta1", beta, v1, argo),
            "v1beta1",
            _removed_since(old_beta, beta, f"removed after Tekton {OLD}"),
        ),
        "v1": (_Version("v1", v1, {}, argo), "v1", {}),
    }
    definitions: dict[str, Any] = {}
    roots: dict[str, dict[str, str]] = {}
    k8s_used: set[str] = set()
    for api, (version, prefix, removed) in versions.items():
        roots[api] = {}
        for kind in KINDS:
            ref = version.ref(f"{prefix}.{kind}")
            roots[api][kind] = ref["$ref"]
            target = version.out[version.name(f"{prefix}.{kind}")]
            target["properties"]["apiVersion"] = {"type": "string"}
            target["properties"]["kind"] = {"type": "string"}
            target["required"] = sorted({"apiVersion", "kind", *target.get("required", ())})
        for swagger, fields in removed.items():
            name = version.name(swagger)
            if name in version.out:
                version.out[name]["x-removed-fields"] = dict(sorted(fields.items()))
        definitions.update(version.out)
        k8s_used |= version.k8s_used
    definitions.update(_k8s_closure(argo, k8s_used))
    return {
        "$comment": (
            "Generated by schemas/generate_tekton_schema.py from Tekton's swagger documents "
            f"({OLD}: v1beta1; {CURRENT}: v1beta1, v1) and the Kubernetes types of "
            "argo-workflow.schema.json. Do not edit by hand."
        ),
        "x-sources": {"v1alpha1": f"derived from {OLD} v1beta1", "v1beta1": CURRENT, "v1": CURRENT},
        "x-roots": roots,
        "definitions": dict(sorted(definitions.items())),
    }


def _removed_since(
    old: dict[str, Any], new: dict[str, Any], reason: str
) -> dict[str, dict[str, dict[str, str]]]:
    removed: dict[str, dict[str, dict[str, str]]] = {}
    for name, definition in old.items():
        before = set(definition.get("properties") or {})
        after = set((new.get(name) or {}).get("properties") or {})
        if name in new and after and before - after:
            removed[name] = {field: {"reason": reason} for field in sorted(before - after)}
    return removed


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=1, sort_keys=True, ensure_ascii=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the committed file is stale")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--shared", type=Path, default=SHARED, help="the ../shared/tekton dir")
    args = parser.parse_args(argv)
    text = render(build_schema(args.shared))
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is stale: run schemas/generate_tekton_schema.py", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
