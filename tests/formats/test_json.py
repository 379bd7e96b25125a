from __future__ import annotations

import json

from compiler.formats import Report, render

CONTRACT_KEYS = ["rule", "severity", "file", "line", "column", "workflow", "path", "message"]


def test_contract_object(report: Report) -> None:
    output = json.loads(render(report, "json"))
    assert list(output) == ["diagnostics", "errors", "warnings"]
    assert (output["errors"], output["warnings"]) == (3, 1)
    assert [list(item) for item in output["diagnostics"]] == [CONTRACT_KEYS] * 4
    first = output["diagnostics"][0]
    assert first["rule"] == "immutable-image"
    assert (first["file"], first["line"], first["column"]) == ("prow_config.yaml", 12, 7)
    assert first["path"] == "spec.templates[1].container.image"
    last = output["diagnostics"][-1]
    assert [last[key] for key in ("file", "line", "column", "workflow")] == [None] * 3 + ["e2e"]


def test_clean_report() -> None:
    assert json.loads(render(Report("compile", []), "json")) == {
        "diagnostics": [],
        "errors": 0,
        "warnings": 0,
    }
