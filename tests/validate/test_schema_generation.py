"""The committed Argo schema is exactly what its generator produces, and agrees with the CRD."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
GENERATOR = REPO / "schemas" / "generate_argo_schema.py"
COMMITTED = REPO / "schemas" / "argo-workflow.schema.json"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_argo_schema", GENERATOR)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    return _generator()


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return json.loads(COMMITTED.read_text(encoding="utf-8"))


def test_committed_schema_is_what_the_generator_produces(generator: ModuleType) -> None:
    produced = generator.render(generator.build_schema())
    assert produced == COMMITTED.read_text(encoding="utf-8"), (
        "schemas/argo-workflow.schema.json is stale: run python schemas/generate_argo_schema.py"
    )


def test_check_mode_reports_a_stale_file(generator: ModuleType, tmp_path: Path) -> None:
    stale = tmp_path / "schema.json"
    stale.write_text("{}\n", encoding="utf-8")
    assert generator.main(["--check", "--output", str(stale)]) == 1
    assert generator.main(["--check", "--output", str(COMMITTED)]) == 0


def _walk(node: Any, path: str = "") -> Any:
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            if key in ("properties", "definitions", "x-newer-fields"):
                for name, sub in value.items():
                    yield from _walk(sub, f"{path}/{key}/{name}")
            else:
                yield from _walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for position, item in enumerate(node):
            yield from _walk(item, f"{path}[{position}]")


def test_schema_uses_only_the_keywords_the_validator_implements(
    generator: ModuleType, schema: dict[str, Any]
) -> None:
    allowed = generator.SUPPORTED_KEYWORDS
    for name, definition in schema["definitions"].items():
        for path, node in _walk(definition, name):
            if "/x-newer-fields" in path:
                continue
            assert set(node) <= allowed, f"{path}: {sorted(set(node) - allowed)}"


def test_objects_with_properties_are_closed_and_maps_are_open(schema: dict[str, Any]) -> None:
    definitions = schema["definitions"]
    for name, definition in definitions.items():
        for path, node in _walk(definition, name):
            if node.get("properties") and "/x-newer-fields" not in path:
                assert node.get("additionalProperties") is False, path
    labels = definitions["ObjectMeta"]["properties"]["labels"]
    assert labels["additionalProperties"] == {"type": "string"}
    assert "additionalProperties" not in definitions["Plugin"]  # free-form plugin config
    assert definitions["Item"] == {}  # withItems values are any JSON


def _crd_schema(argo_data: Path) -> dict[str, Any]:
    yaml = pytest.importorskip("yaml")  # PyYAML (a kubernetes dependency): libyaml is fast
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with (argo_data / "workflow-crd.yaml").open(encoding="utf-8") as stream:
        crd = yaml.load(stream, Loader=loader)
    return crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]


@pytest.fixture(scope="module")
def crd_comparison(argo_data: Path, schema: dict[str, Any]) -> dict[str, Any]:
    """Walk the CRD and our schema side by side."""
    definitions = schema["definitions"]

    def resolve(node: dict[str, Any], name: str | None) -> tuple[dict[str, Any], str | None]:
        while True:
            if "$ref" in node:
                name = node["$ref"].rsplit("/", 1)[1]
                node = definitions[name]
            elif "anyOf" in node:
                node = next(b for b in node["anyOf"] if b != {"type": "null"})
            else:
                return node, name

    def types(node: dict[str, Any]) -> set[str]:
        kind = node.get("type", [])
        return {kind} if isinstance(kind, str) else set(kind)

    missing: dict[tuple[str | None, str], str] = {}
    narrow: list[str] = []

    def walk(crd: dict[str, Any], ours: dict[str, Any], path: str, depth: int) -> None:
        ours, name = resolve(ours, None)
        if depth > 25:
            return
        if crd.get("x-kubernetes-int-or-string"):
            if not {"string"} <= types(ours) or not types(ours) & {"integer", "number"}:
                narrow.append(path)
            return
        properties = ours.get("properties") or {}
        for key, sub in (crd.get("properties") or {}).items():
            if key in properties:
                walk(sub, properties[key], f"{path}.{key}", depth + 1)
            elif properties:
                missing.setdefault((name, key), f"{path}.{key}")
        if "items" in crd and "items" in ours:
            walk(crd["items"], ours["items"], f"{path}[]", depth + 1)
        extra = crd.get("additionalProperties")
        if isinstance(extra, dict) and isinstance(ours.get("additionalProperties"), dict):
            walk(extra, ours["additionalProperties"], f"{path}{{}}", depth + 1)

    walk(_crd_schema(argo_data), {"$ref": "#/definitions/Workflow"}, "", 0)
    return {"missing": missing, "narrow": narrow}


def test_every_int_or_string_field_of_the_crd_accepts_both(crd_comparison: dict[str, Any]) -> None:
    assert not crd_comparison["narrow"], crd_comparison["narrow"][:10]


def test_newer_fields_table_matches_the_crd(
    generator: ModuleType, crd_comparison: dict[str, Any]
) -> None:
    """Fields the CRD has and hera's models lack are exactly the table's (per definition)."""
    from_crd: dict[str | None, set[str]] = {}
    for definition, field in crd_comparison["missing"]:
        from_crd.setdefault(definition, set()).add(field)
    table = {name: set(fields) for name, fields in generator.NEWER_FIELDS.items()}
    assert from_crd == table
