"""``--format sarif``: a SARIF 2.1.0 log with one run, for GitHub code scanning and other viewers.

Files are repo-relative URIs against the ``SRCROOT`` base id, which the viewer binds to the
checkout. Region parts that are unknown are left out rather than guessed. The entry name and
the path inside the workflow go into the result's ``properties`` and, because viewers show
only the message, into the message text as well.
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from compiler import __version__
from compiler.diagnostics import Diagnostic, Severity
from compiler.formats import Report, RuleMeta, context_suffix, rule_meta

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
INFORMATION_URI = "https://github.com/kubeflow/kftest"
URI_BASE_ID = "SRCROOT"


def _rules(report: Report) -> list[RuleMeta]:
    """The report's rule metadata, plus a bare entry for any rule only a diagnostic names."""
    rules: dict[str, RuleMeta] = {}
    for rule in report.rules:
        meta = rule_meta(rule)
        rules.setdefault(meta.id, meta)
    for diagnostic in report.diagnostics:
        rules.setdefault(
            diagnostic.rule, RuleMeta(diagnostic.rule, diagnostic.rule, diagnostic.severity)
        )
    return list(rules.values())


def _rule_descriptor(meta: RuleMeta) -> dict[str, Any]:
    return {
        "id": meta.id,
        "shortDescription": {"text": meta.summary or meta.id},
        "defaultConfiguration": {"level": _level(meta.severity)},
    }


def _level(severity: Severity) -> str:
    return "error" if severity is Severity.ERROR else "warning"


def _artifact_location(file: str) -> dict[str, str]:
    # A file outside the repository (a -J library dir) is reported by its absolute path.
    if PurePosixPath(file).is_absolute():
        return {"uri": PurePosixPath(file).as_uri()}
    return {"uri": quote(file), "uriBaseId": URI_BASE_ID}


def _result(diagnostic: Diagnostic, rule_index: int) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": diagnostic.rule,
        "ruleIndex": rule_index,
        "level": _level(diagnostic.severity),
        "message": {"text": diagnostic.message + context_suffix(diagnostic)},
    }
    if diagnostic.file:
        physical: dict[str, Any] = {"artifactLocation": _artifact_location(diagnostic.file)}
        # SARIF places a column only within a known line.
        if diagnostic.line is not None:
            region: dict[str, int] = {"startLine": diagnostic.line}
            if diagnostic.column is not None:
                region["startColumn"] = diagnostic.column
            physical["region"] = region
        result["locations"] = [{"physicalLocation": physical}]
    properties = {"workflow": diagnostic.workflow, "path": diagnostic.path}
    properties = {key: value for key, value in properties.items() if value is not None}
    if properties:
        result["properties"] = properties
    return result


def render(report: Report) -> str:
    rules = _rules(report)
    index = {meta.id: position for position, meta in enumerate(rules)}
    log = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "kftest",
                        "version": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": [_rule_descriptor(meta) for meta in rules],
                    }
                },
                "automationDetails": {"id": f"kftest/{report.command}/"},
                # ruamel.yaml and jsonnet count columns in code points, not UTF-16 units.
                "columnKind": "unicodeCodePoints",
                "results": [_result(d, index[d.rule]) for d in report.diagnostics],
            }
        ],
    }
    return json.dumps(log, indent=2)
