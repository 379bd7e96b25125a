from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from compiler import __version__
from compiler.diagnostics import Diagnostic
from compiler.formats import Report, render

SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"
SCHEMA_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    # The committed copy must be the official schema, unmodified (see data/README.md).
    assert hashlib.sha256(SCHEMA.read_bytes()).hexdigest() == SCHEMA_SHA256
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())


def _sarif(report: Report, validator: jsonschema.protocols.Validator) -> dict[str, Any]:
    log = json.loads(render(report, "sarif"))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(log)]
    assert errors == []
    return log


def test_the_schema_rejects_a_broken_log(validator: jsonschema.protocols.Validator) -> None:
    # Proves the validation below can fail.
    log = json.loads(render(Report("lint", []), "sarif"))
    log["runs"][0]["results"] = [{"ruleId": "x", "level": "fatal", "message": {"text": "m"}}]
    assert not validator.is_valid(log)


def test_valid_log_with_tool_rules_and_results(
    report: Report, validator: jsonschema.protocols.Validator
) -> None:
    log = _sarif(report, validator)
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-schema-2.1.0.json")
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("kftest", __version__)
    rules = driver["rules"]
    # Rules from the report's metadata first, then any rule only a diagnostic names.
    assert [rule["id"] for rule in rules] == [
        "immutable-image",
        "dead-include-pattern",
        "yaml-syntax",
        "argo-semantic",
    ]
    assert rules[0]["shortDescription"]["text"] == "images have an immutable tag or a digest"
    assert rules[1]["defaultConfiguration"]["level"] == "warning"

    results = run["results"]
    assert [rules[r["ruleIndex"]]["id"] for r in results] == [r["ruleId"] for r in results]
    assert [r["level"] for r in results] == ["error", "warning", "error", "error"]
    first = results[0]
    assert first["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "prow_config.yaml", "uriBaseId": "SRCROOT"},
        "region": {"startLine": 12, "startColumn": 7},
    }
    assert first["properties"] == {
        "workflow": "unittests",
        "path": "spec.templates[1].container.image",
    }
    assert (
        "(workflow: unittests; path: spec.templates[1].container.image)"
        in (first["message"]["text"])
    )
    assert results[1]["locations"][0]["physicalLocation"]["region"] == {"startLine": 9}
    assert "region" not in results[2]["locations"][0]["physicalLocation"]
    assert "locations" not in results[3]


def test_odd_paths_are_valid_uris(validator: jsonschema.protocols.Validator) -> None:
    diagnostics = [
        Diagnostic("jsonnet-error", "m", file="my dir/a#b.jsonnet", line=1, column=2),
        Diagnostic("jsonnet-error", "m", file="/opt/lib/k.libsonnet", line=4),
    ]
    (run,) = _sarif(Report("lint", diagnostics), validator)["runs"]
    locations = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in run["results"]]
    assert locations == [
        {"uri": "my%20dir/a%23b.jsonnet", "uriBaseId": "SRCROOT"},
        {"uri": "file:///opt/lib/k.libsonnet"},
    ]


def test_clean_report_is_valid(validator: jsonschema.protocols.Validator) -> None:
    (run,) = _sarif(Report("golden", []), validator)["runs"]
    assert run["results"] == []
