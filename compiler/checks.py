"""The one registry of check ids: every id a diagnostic can carry, with its family, summary,
documentation, default severity and whether ``.kftest.yaml`` may switch it off.

A check is declared where it is reported. A stage's check is a :class:`Check` in the
``CHECKS`` tuple of the module that emits it (``yamlpos``, ``config``, ``evaluate.errors``,
``validate.schema``, ``validate.checker``: :data:`EMITTERS`), and the emitters write
``rule=YAML_SYNTAX.id`` rather than the string. A guideline rule is a module of
``compiler/rules/`` (``ID``, ``SEVERITY``, docstring, family ``guidelines``). The registry
collects both, lazily (the emitters are imported by name, so this module stays at the bottom
of the import order), in :data:`ORDER`, the contract's order; a test checks that ``ORDER``
and the declarations name exactly the same ids. ``kftest rules``, SARIF, the JUnit families
and the ``.kftest.yaml`` checks all read :func:`catalogue`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import lru_cache

from compiler.diagnostics import Severity

#: JUnit testcase families, in the data path's order (``formats/junit.py``).
FAMILIES = ("config", "jsonnet", "argo", "tekton", "guidelines")

#: Every id of the contract, in its order (listings, SARIF).
ORDER = (
    "yaml-syntax",
    "config-schema",
    "duplicate-name",
    "component-missing",
    "jsonnet-error",
    "import-denied",
    "argo-schema",
    "argo-semantic",
    "tekton-schema",
    "tekton-semantic",
    "labels",
    "step-image",
    "immutable-image",
    "checkout-first",
    "nfs-volume",
    "nfs-layout",
    "kubeconfig",
    "exit-handler",
    "artifacts-gcs",
    "extra-repos",
    "name-length",
    "dead-include-pattern",
)

#: The modules whose ``CHECKS`` declare the stages' checks.
EMITTERS = (
    "compiler.yamlpos",
    "compiler.config",
    "compiler.evaluate.errors",
    "compiler.validate.schema",
    "compiler.validate.checker",
    "compiler.validate.tekton",
)


@dataclass(frozen=True)
class Check:
    """One id a diagnostic can carry.

    ``suppressible=False``: the check reports broken input (the file does not parse, the
    component cannot be evaluated); nothing after it can be trusted, so it can neither be
    disabled nor downgraded. ``scope``: ``stage`` for a stage's check, else the rule's scope
    (``workflow`` or ``config``).
    """

    id: str
    summary: str
    family: str
    doc: str = ""
    severity: Severity = Severity.ERROR
    suppressible: bool = True
    scope: str = "stage"

    @property
    def documentation(self) -> str:
        return self.doc or f"{self.summary}."


@lru_cache(maxsize=1)
def catalogue() -> dict[str, Check]:
    """Every declared check by id, in :data:`ORDER` (undeclared-in-ORDER ones last)."""
    found: dict[str, Check] = {}
    for name in EMITTERS:
        for check in importlib.import_module(name).CHECKS:
            found[check.id] = check
    rules = importlib.import_module("compiler.rules")
    for info in rules.all_rules():
        found[info.id] = Check(
            info.id, info.summary, "guidelines", info.doc, info.severity, True, info.scope
        )
    position = {rule_id: index for index, rule_id in enumerate(ORDER)}
    ordered = sorted(found.values(), key=lambda c: (position.get(c.id, len(ORDER)), c.id))
    return {check.id: check for check in ordered}


def get(rule_id: str) -> Check | None:
    return catalogue().get(rule_id)


def family_of(rule_id: str) -> str:
    """The check's family; an id no check declares (e.g. ``golden``) is a family of its own."""
    check = catalogue().get(rule_id)
    return check.family if check is not None else rule_id


def stage_checks() -> list[Check]:
    return [check for check in catalogue().values() if check.scope == "stage"]


def suppressible(rule_id: str) -> bool:
    check = catalogue().get(rule_id)
    return check is None or check.suppressible
