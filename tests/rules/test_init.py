"""The rule framework: registry, suppression, severity, where diagnostics point, crash isolation,
and that every rule survives odd but valid (and plainly broken) documents."""

from __future__ import annotations

import copy
import gc
import time
from collections.abc import Iterator
from typing import Any

import pytest

import compiler.rules as rules
from compiler.diagnostics import Severity
from compiler.model import Entry, Position, ProwConfig
from compiler.rules import LintSettings, Problem, RuleInfo, all_rules, check_config, get_rule

from .helpers import from_document, lib_document, rules_of

GUIDELINE_RULES = [
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
]


def test_the_registry_holds_the_contract_rules_in_order() -> None:
    infos = all_rules()
    assert [info.id for info in infos] == GUIDELINE_RULES
    for info in infos:
        assert info.summary and info.summary == info.doc.splitlines()[0]
        assert len(info.summary) <= 100
    assert get_rule("dead-include-pattern") == RuleInfo(
        id="dead-include-pattern",
        severity=Severity.WARNING,
        summary=infos[-1].summary,
        doc=infos[-1].doc,
        scope="config",
    )
    assert get_rule("no-such-rule") is None


@pytest.mark.parametrize("job_type", ["presubmit", "postsubmit", "periodic", "batch"])
@pytest.mark.parametrize("style", ["dag", "steps"])
def test_a_lib_workflow_is_clean(job_type: str, style: str) -> None:
    assert lib_document(job_type, style).lint() == []


def test_the_rules_leave_no_reference_cycle_behind() -> None:
    # A worker checks thousands of workflows: each document must go as soon as the last
    # reference to it does, not wait for the garbage collector (which then scans them all).
    compiled = lib_document()
    template = {"name": "inline-holder", "container": {"image": "x", "env": [{"name": "A"}]}}
    compiled.workflow.document["spec"]["templates"].append(template)
    assert compiled.lint()  # the rules ran; modules and caches are loaded
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)  # what only the collector could free lands in gc.garbage
    try:
        found = compiled.lint()
        gc.collect()
        left = [type(thing).__name__ for thing in gc.garbage]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert rules_of(found)
    views = {"Workflow", "Template", "Container", "Call", "WorkflowContext"}
    assert not views & set(left), left


def _latest() -> Any:
    compiled = lib_document()
    entry = compiled.workflow.entry
    entry.params["stepImage"] = "gcr.io/kubeflow-ci/test-worker:latest"
    document = copy.deepcopy(compiled.workflow.document)
    for template in document["spec"]["templates"]:
        if "container" in template:
            template["container"]["image"] = entry.params["stepImage"]
    return from_document(document, params=compiled.workflow.params, entry=entry)


def test_a_value_from_prow_config_points_at_its_line() -> None:
    [diagnostic] = _latest().lint()
    assert diagnostic.rule == "immutable-image"
    assert (diagnostic.file, diagnostic.line, diagnostic.column) == ("prow_config.yaml", 6, 18)
    assert diagnostic.path == "spec.templates[2].container.image"
    assert diagnostic.workflow == "unittests"
    assert "params.stepImage" in diagnostic.message


def test_a_problem_in_the_component_points_at_the_component() -> None:
    compiled = lib_document()
    compiled.workflow.document["metadata"]["labels"]["workflow"] = ""
    [diagnostic] = compiled.lint()
    assert (diagnostic.rule, diagnostic.file, diagnostic.line) == (
        "labels",
        "ci/workflows/example.jsonnet",
        None,
    )
    assert diagnostic.path == "metadata.labels.workflow"


def test_without_a_source_it_points_at_the_entry() -> None:
    compiled = lib_document()
    compiled.workflow.document["metadata"]["labels"]["workflow"] = ""
    compiled.workflow.source = None
    [diagnostic] = compiled.lint()
    assert (diagnostic.file, diagnostic.line) == ("prow_config.yaml", 2)


def test_suppression_per_entry_and_per_repository_and_severity() -> None:
    compiled = _latest()
    compiled.workflow.entry.lint_disable = ["immutable-image"]
    assert compiled.lint() == []
    compiled.workflow.entry.lint_disable = []
    assert compiled.lint(LintSettings(disabled=frozenset({"immutable-image"}))) == []
    [warning] = compiled.lint(LintSettings(severity={"immutable-image": Severity.WARNING}))
    assert warning.severity is Severity.WARNING


def test_settings_apply_to_other_stages_diagnostics_but_not_to_broken_input() -> None:
    from compiler.diagnostics import Diagnostic

    found = [
        Diagnostic("argo-schema", "x"),
        Diagnostic("jsonnet-error", "y"),
        Diagnostic("labels", "z"),
    ]
    settings = LintSettings(
        disabled=frozenset({"argo-schema", "jsonnet-error"}),
        severity={"labels": Severity.WARNING, "jsonnet-error": Severity.WARNING},
    )
    kept = settings.apply(found, entry_disable=[])
    assert [(d.rule, d.severity) for d in kept] == [
        ("jsonnet-error", Severity.ERROR),
        ("labels", Severity.WARNING),
    ]
    assert settings.apply(found, entry_disable=["labels"])[-1].rule == "jsonnet-error"


def _crash(ctx: object) -> Iterator[Problem]:
    yield Problem("metadata", "found before the crash")
    raise KeyError("boom")


def test_a_crashing_rule_becomes_one_diagnostic_and_the_others_still_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = rules._rules()
    broken = rules._Rule(RuleInfo("labels", Severity.WARNING, "s", "d"), _crash)
    monkeypatch.setattr(rules, "_rules", lambda: (broken, *real[1:]))
    compiled = lib_document()
    del compiled.workflow.document["spec"]["onExit"]
    found = compiled.lint()
    assert rules_of(found) == ["exit-handler", "labels", "labels"]
    internal = [d for d in found if "internal error" in d.message]
    assert len(internal) == 1
    assert internal[0].rule == "labels" and internal[0].severity is Severity.ERROR
    assert "internal error in rule labels: KeyError" in internal[0].message


def test_entry_lint_disable_with_an_unknown_id_is_a_config_error() -> None:
    entry = Entry(
        name="e",
        index=3,
        position=Position("prow_config.yaml", 20, 5),
        lint_disable=["labels", "label", "jsonnet-error"],
        positions={
            "lint.disable[1]": Position("prow_config.yaml", 24, 9),
            "lint.disable[2]": Position("prow_config.yaml", 25, 9),
        },
    )
    found = check_config(ProwConfig("prow_config.yaml", [entry]), ["a"], LintSettings())
    assert [(d.rule, d.line, d.path) for d in found] == [
        ("config-schema", 24, "workflows[3].lint.disable[1]"),
        ("config-schema", 25, "workflows[3].lint.disable[2]"),
    ]
    assert "did you mean `labels`?" in found[0].message
    assert "cannot be disabled" in found[1].message


# --- robustness: odd but valid workflows, and garbage ---------------------------------------

ODD_DOCUMENTS: dict[str, Any] = {
    "none": None,
    "list": [],
    "string": "apiVersion: v1",
    "empty": {},
    "no templates": {"metadata": {"name": "x"}, "spec": {"entrypoint": "main"}},
    "spec is a list": {"metadata": [], "spec": []},
    "templates not a list": {"spec": {"templates": {"name": "main"}, "volumes": "nfs"}},
    "garbage templates": {
        "spec": {
            "entrypoint": "main",
            "templates": [None, 3, "x", {"name": 5, "container": "x", "steps": "y", "dag": []}],
        }
    },
    "workflowTemplateRef": {
        "metadata": {"name": "w", "labels": {"org": "local"}},
        "spec": {"workflowTemplateRef": {"name": "shared"}},
    },
    "steps and dag mixed": {
        "metadata": {"name": "w"},
        "spec": {
            "entrypoint": "main",
            "onExit": "exit",
            "templates": [
                {"name": "main", "steps": [[{"name": "a", "template": "inner"}], {"name": "b"}]},
                {
                    "name": "inner",
                    "dag": {
                        "tasks": [
                            {"name": "x", "template": "leaf", "depends": "y.Succeeded || (z)"},
                            {"name": "y", "templateRef": {"name": "t", "template": "u"}},
                            {"name": "z", "inline": {"script": {"image": 3, "source": None}}},
                            {"name": "cycle", "template": "inner", "dependencies": ["cycle"]},
                        ]
                    },
                },
                {
                    "name": "leaf",
                    "container": {
                        "image": "img:v1",
                        "env": [None, {"name": "KUBECONFIG"}, {"name": 1, "value": 2}],
                        "volumeMounts": [None, {"name": None}],
                        "command": [None, 1, "checkout.sh"],
                        "args": "not a list",
                    },
                    "sidecars": [None, {"image": None}],
                    "metadata": {"labels": {"k": None, "": "v", 1: 2}},
                },
                {"name": "exit", "steps": [[{"name": "up", "templateRef": {"name": "t"}}]]},
                {"name": "set", "containerSet": {"containers": [None, {"image": "a@sha256:0"}]}},
            ],
        },
    },
    "entrypoint is a container": {
        "metadata": {"name": "w"},
        "spec": {"entrypoint": "main", "templates": [{"name": "main", "container": {}}]},
    },
    "exit hook": {
        "spec": {"hooks": {"exit": {"template": "gone"}}, "templates": [], "volumes": [None]},
    },
}


@pytest.mark.parametrize("job_type", ["presubmit", "periodic"])
@pytest.mark.parametrize("name", list(ODD_DOCUMENTS))
def test_rules_survive_odd_documents(name: str, job_type: str) -> None:
    found = from_document(copy.deepcopy(ODD_DOCUMENTS[name]), job_type=job_type).lint()
    assert [d.message for d in found if "internal error" in d.message] == []
    assert all(d.message and d.rule in GUIDELINE_RULES for d in found)


def _nodes(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _nodes(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nodes(item, (*path, index))


def _replaced(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    copied = copy.copy(document)
    copied[path[0]] = _replaced(document[path[0]], path[1:], value)
    return copied


def test_rules_survive_every_node_of_a_real_workflow_replaced_by_garbage() -> None:
    base = lib_document(kubeconfig=True)
    document = base.workflow.document
    runs = 0
    for path in _nodes(document):
        for garbage in (None, 7, "x", [], {}):
            mutated = _replaced(document, path, garbage)
            found = from_document(mutated, params=base.workflow.params).lint()
            crashes = [d.message for d in found if "internal error" in d.message]
            assert crashes == [], path
            runs += 1
    assert runs > 1000


def test_a_huge_workflow_is_checked_quickly() -> None:
    base = lib_document(style="dag")
    document = copy.deepcopy(base.workflow.document)
    templates = document["spec"]["templates"]
    step = next(t for t in templates if t["name"] == "test")
    tasks = document["spec"]["templates"][0]["dag"]["tasks"]
    previous = "test"
    for index in range(3000):
        name = f"step-{index}"
        templates.append({**copy.deepcopy(step), "name": name})
        tasks.append({"name": name, "template": name, "dependencies": [previous]})
        previous = name
    # CPU time of this process: what the rules cost, whatever else a busy CI machine runs.
    start = time.process_time()
    found = from_document(document, params=base.workflow.params).lint()
    elapsed = time.process_time() - start
    assert found == []
    assert elapsed < 3.0, f"{elapsed:.2f} s of CPU for 3000 tasks"


def test_config_rules_survive_odd_entries() -> None:
    entry = Entry(
        name="e",
        index=0,
        position=Position("prow_config.yaml", 2, 5),
        include_dirs=[None, 3, "[unclosed", "**"],  # type: ignore[list-item]
        lint_disable=[None, 4],  # type: ignore[list-item]
    )
    found = check_config(ProwConfig("prow_config.yaml", [entry]), ["a/b.py"], LintSettings())
    assert [d for d in found if "internal error" in d.message] == []
    assert {d.rule for d in found} == {"config-schema", "dead-include-pattern"}


def test_a_crashing_config_rule_becomes_one_diagnostic_on_the_config_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def crash(ctx: rules.ConfigContext) -> Iterator[rules.ConfigProblem]:
        yield rules.ConfigProblem(ctx.config.workflows[0], "name", "found before the crash")
        raise KeyError("boom")

    real = rules._rules()
    broken = rules._Rule(
        RuleInfo("dead-include-pattern", Severity.WARNING, "s", "d", scope="config"), crash
    )
    monkeypatch.setattr(
        rules, "_rules", lambda: (*[r for r in real if r.info.scope != "config"], broken)
    )
    entry = Entry(
        name="e",
        index=0,
        position=Position("ci/prow_config.yaml", 2, 5),
        lint_disable=["label"],
        positions={
            "lint.disable[0]": Position("ci/prow_config.yaml", 4, 9),
            "name": Position("ci/prow_config.yaml", 2, 11),
        },
    )
    found = check_config(ProwConfig("ci/prow_config.yaml", [entry]), ["a"], LintSettings())
    # The entry's unknown id and what the rule found before it crashed are still reported;
    # the crash is one error on the config file.
    assert [(d.rule, d.severity, d.file, d.line) for d in found] == [
        ("config-schema", Severity.ERROR, "ci/prow_config.yaml", 4),
        ("dead-include-pattern", Severity.WARNING, "ci/prow_config.yaml", 2),
        ("dead-include-pattern", Severity.ERROR, "ci/prow_config.yaml", None),
    ]
    crash = found[2]
    assert crash.severity is Severity.ERROR
    assert "internal error in rule dead-include-pattern: KeyError: 'boom'" in crash.message
