from __future__ import annotations

from collections.abc import Callable
from typing import Any

from compiler.rules import all_rules


def test_the_listing_names_every_rule_once(kftest: Callable[..., Any]) -> None:
    result = kftest("rules")
    assert result.code == 0, result.stderr
    ids = [line.split()[0] for line in result.stdout.splitlines() if line.startswith("  ")]
    assert len(ids) == len(set(ids)) == 22  # with tekton-schema, tekton-semantic, artifacts-gcs
    assert {"tekton-schema", "tekton-semantic", "artifacts-gcs"} <= set(ids)
    for info in all_rules():
        assert f"  {info.id} " in result.stdout
        assert info.summary in result.stdout


def test_one_rule_prints_its_documentation(kftest: Callable[..., Any]) -> None:
    result = kftest("rules", "immutable-image")
    assert result.code == 0, result.stderr
    assert result.stdout.startswith("immutable-image (error by default)\n")
    assert "```jsonnet non-compliant" in result.stdout
    assert "lint: {disable: [immutable-image]}" in result.stdout


def test_built_in_checks_and_unknown_ids(kftest: Callable[..., Any]) -> None:
    result = kftest("rules", "import-denied")
    assert result.code == 0
    assert "cannot be switched off" in result.stdout
    result = kftest("rules", "nfs-layot")
    assert result.code == 2
    assert "no rule 'nfs-layot'; did you mean nfs-layout?" in result.stderr
    assert "Traceback" not in result.stderr
