from __future__ import annotations

import re
from pathlib import Path

from compiler import checks, rules
from compiler.diagnostics import Severity

REPO_ROOT = Path(__file__).resolve().parents[1]


def test_the_registry_and_the_declarations_name_the_same_ids() -> None:
    catalogue = checks.catalogue()
    assert list(catalogue) == list(checks.ORDER)
    assert {check.family for check in catalogue.values()} == set(checks.FAMILIES)
    for check in catalogue.values():
        assert check.summary and check.documentation
        assert check.scope in ("stage", "workflow", "config")


def test_stage_checks_live_with_their_emitters() -> None:
    stage = {check.id: check for check in checks.stage_checks()}
    assert list(stage) == list(checks.ORDER[:10])  # with tekton-schema, tekton-semantic
    assert {rule_id for rule_id, check in stage.items() if not check.suppressible} == {
        "yaml-syntax", "config-schema", "duplicate-name", "component-missing",
        "jsonnet-error", "import-denied",
    }  # fmt: skip
    assert checks.family_of("import-denied") == "jsonnet"
    assert checks.family_of("labels") == "guidelines"
    assert checks.family_of("golden") == "golden"
    assert all(info.id in checks.catalogue() for info in rules.all_rules())
    assert checks.get("dead-include-pattern").severity is Severity.WARNING  # type: ignore[union-attr]


def test_no_module_spells_a_stage_check_id_outside_its_declaration() -> None:
    """Emitters write ``rule=JSONNET_ERROR.id``: the id string appears once, in the Check."""
    stage_ids = [check.id for check in checks.stage_checks()]
    pattern = re.compile(r"[\"'](" + "|".join(map(re.escape, stage_ids)) + r")[\"']")
    seen: dict[str, list[str]] = {}
    for path in sorted((REPO_ROOT / "compiler").rglob("*.py")):
        if path.name == "checks.py":
            continue  # ORDER, the registry's index
        for match in pattern.finditer(path.read_text(encoding="utf-8")):
            seen.setdefault(match[1], []).append(str(path.relative_to(REPO_ROOT)))
    assert {rule_id: len(places) for rule_id, places in seen.items()} == dict.fromkeys(
        stage_ids, 1
    ), seen
