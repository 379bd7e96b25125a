"""Conformance against Argo Workflows v4.1.2's own corpus (shared/argo).

Every Argo document of examples/ must validate without errors (fields newer than the modelled
API may warn), and every fixture that invalid/EXPECTED.json marks invalid for a structural or
semantic reason must be rejected by the layer it names.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml.error import YAMLError

from compiler.diagnostics import Severity
from compiler.validate import validate_workflow
from compiler.validate.schema_nodes import compiled_schema

STRUCTURAL = {"schema-type", "schema-required", "unknown-field"}


def _expected(argo_data: Path) -> dict[str, Any]:
    return json.loads((argo_data / "invalid" / "EXPECTED.json").read_text(encoding="utf-8"))


def test_every_example_validates_without_errors(
    argo_data: Path, conformance_counts: dict[str, int], argo_docs: Any
) -> None:
    checked = warned = 0
    failures = []
    for name, index, document in argo_docs(argo_data / "examples"):
        checked += 1
        diagnostics = validate_workflow(document)
        errors = [d for d in diagnostics if d.severity is Severity.ERROR]
        failures += [f"{name}#{index}: {d.rule} {d.path}: {d.message}" for d in errors]
        warnings = [d for d in diagnostics if d.severity is Severity.WARNING]
        warned += bool(warnings)
        # A warning is allowed only for a field newer than the modelled Argo release.
        version = compiled_schema().argo_version
        for warning in warnings:
            assert warning.rule == "argo-semantic" or version in warning.message, warning
    conformance_counts["examples: Argo documents checked"] = checked
    conformance_counts["examples: false errors"] = len(failures)
    conformance_counts["examples: documents with warnings"] = warned
    assert checked >= 220  # 199 Workflows + templates, cron workflows (README: 228 documents)
    assert not failures, "\n".join(failures)


def _layers(entry: dict[str, Any]) -> set[str]:
    return set(entry["layer"].replace(" (cross-resource)", "").split("+"))


def test_every_invalid_fixture_is_rejected(
    argo_data: Path, conformance_counts: dict[str, int], yaml_load: Any
) -> None:
    rejected = skipped = 0
    missed = []
    for entry in _expected(argo_data)["files"]:
        if entry["expect"] not in ("invalid", "mixed"):
            continue
        layers = _layers(entry)
        if not layers & (STRUCTURAL | {"semantic"}):
            skipped += 1  # yaml and size layers are not ours
            continue
        path = argo_data / entry["file"]
        documents = yaml_load(path.read_text(encoding="utf-8"))
        # A "mixed" file has valid documents too: it is rejected if any document is.
        diagnostics = [
            d for doc in documents if isinstance(doc, dict) for d in validate_workflow(doc)
        ]
        errors = [d for d in diagnostics if d.severity is Severity.ERROR]
        rules = {d.rule for d in errors}
        wanted = set()
        if layers & STRUCTURAL:
            wanted.add("argo-schema")
        if layers == {"semantic"}:
            wanted.add("argo-semantic")
        if errors and wanted <= rules:
            rejected += 1
        else:
            missed.append(f"{entry['file']} ({entry['layer']}): got {sorted(rules) or 'nothing'}")
    conformance_counts["invalid fixtures rejected"] = rejected
    conformance_counts["invalid fixtures missed"] = len(missed)
    conformance_counts["invalid fixtures skipped (yaml/size layer)"] = skipped
    assert rejected >= 13
    assert not missed, "\n".join(missed)


def test_runtime_failures_and_pairs_are_statically_valid(
    argo_data: Path, conformance_counts: dict[str, int], yaml_load: Any
) -> None:
    """Fixtures that fail only at run time, and each half of a template pair, lint clean."""
    clean = 0
    for entry in _expected(argo_data)["files"]:
        if entry["expect"] not in ("valid (fails at run time)", "pair-dependent"):
            continue
        path = argo_data / entry["file"]
        for document in yaml_load(path.read_text(encoding="utf-8")):
            errors = [d for d in validate_workflow(document) if d.is_error]
            assert not errors, f"{entry['file']}: {errors}"
        clean += 1
    pairs = len(_expected(argo_data)["validate_testdata_pairs"]["pairs"])
    conformance_counts["runtime-failure and pair fixtures clean"] = clean
    # Pair verdicts need the referenced WorkflowTemplate's workflow-metadata defaults merged
    # in, which a single-document validator does not do.
    conformance_counts["template pairs skipped (cross-resource)"] = pairs
    assert clean >= 30


def test_unparseable_fixture_is_a_yaml_error(argo_data: Path, yaml_load: Any) -> None:
    with pytest.raises(YAMLError):
        yaml_load((argo_data / "invalid/e2e-misc/basic-invalid.yaml").read_text())
