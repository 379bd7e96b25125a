from __future__ import annotations

import xml.etree.ElementTree as ET

from compiler.checks import FAMILIES, family_of
from compiler.diagnostics import Diagnostic, Severity
from compiler.formats import Report, render


def _suite(report: Report) -> ET.Element:
    root = ET.fromstring(render(report, "junit"))
    assert root.tag == "testsuites"
    (suite,) = root
    assert suite.tag == "testsuite"
    assert {key: root.get(key) for key in ("tests", "failures", "errors", "skipped")} == {
        key: suite.get(key) for key in ("tests", "failures", "errors", "skipped")
    }
    return suite


def _cases(suite: ET.Element) -> dict[str, ET.Element]:
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert len(cases) == len(suite), "testcase names are unique"
    return cases  # type: ignore[return-value]


def test_one_testcase_per_entry_and_family(report: Report) -> None:
    suite = _suite(report)
    assert suite.get("name") == "kftest lint"
    cases = _cases(suite)
    entry_cases = [f"{entry} [{family}]" for entry in report.checked for family in FAMILIES]
    assert list(cases)[: len(entry_cases)] == entry_cases
    # The diagnostic with no entry becomes a testcase named for its file.
    assert list(cases)[len(entry_cases) :] == ["prow_config.yaml [config]"]
    assert suite.get("tests") == str(len(cases))

    failing = sorted(name for name, case in cases.items() if case.find("failure") is not None)
    assert failing == ["e2e [argo]", "prow_config.yaml [config]", "unittests [guidelines]"]
    assert suite.get("failures") == "3"
    assert (suite.get("errors"), suite.get("skipped")) == ("0", "0")


def test_failure_lists_the_errors_and_warnings_go_to_system_out(report: Report) -> None:
    case = _cases(_suite(report))["unittests [guidelines]"]
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("type") == "immutable-image"
    assert failure.get("message") == (
        "[immutable-image] image gcr.io/x/test:latest uses a moving tag:"
    )
    assert failure.text is not None
    assert failure.text.startswith("prow_config.yaml:12:7: error [immutable-image]")
    assert "dead-include-pattern" not in failure.text
    system_out = case.find("system-out")
    assert system_out is not None and system_out.text is not None
    assert system_out.text.startswith("prow_config.yaml:9: warning [dead-include-pattern]")


def test_warnings_alone_do_not_fail() -> None:
    warning = Diagnostic("dead-include-pattern", "no match", Severity.WARNING, workflow="a")
    suite = _suite(Report("lint", [warning], checked=["a"]))
    assert suite.get("failures") == "0"
    case = _cases(suite)["a [guidelines]"]
    assert case.find("failure") is None
    assert case.find("system-out") is not None


def test_clean_run_lists_passing_testcases() -> None:
    suite = _suite(Report("compile", [], checked=["a", "b"]))
    assert suite.get("name") == "kftest compile"
    assert (suite.get("tests"), suite.get("failures")) == (str(2 * len(FAMILIES)), "0")


def test_several_errors_in_one_testcase_and_unknown_rules() -> None:
    errors = [
        Diagnostic("argo-schema", "first", workflow="a"),
        Diagnostic("argo-semantic", "second", workflow="a"),
        Diagnostic("golden-mismatch", "differs from golden/a.yaml", workflow="a"),
    ]
    cases = _cases(_suite(Report("golden", errors, checked=["a", "b"])))
    argo = cases["a [argo]"].find("failure")
    assert argo is not None and argo.text is not None
    assert argo.get("message") == "[argo-schema] first (and 1 more)"
    assert len(argo.text.splitlines()) == 2
    # A rule outside the known families is a family of its own, listed for every entry.
    assert cases["a [golden-mismatch]"].find("failure") is not None
    assert cases["b [golden-mismatch]"].find("failure") is None


def test_control_characters_do_not_break_the_xml() -> None:
    diagnostic = Diagnostic("jsonnet-error", "bad \x1b[31mcolour\x00 & <tag>", workflow="a")
    case = _cases(_suite(Report("lint", [diagnostic])))["a [jsonnet]"]
    failure = case.find("failure")
    assert failure is not None
    assert "& <tag>" in (failure.get("message") or "")


def test_every_contract_rule_has_a_family() -> None:
    contract_rules = [
        "yaml-syntax", "config-schema", "duplicate-name", "component-missing", "jsonnet-error",
        "import-denied", "argo-schema", "argo-semantic", "tekton-schema", "tekton-semantic",
        "labels", "step-image", "immutable-image", "checkout-first", "nfs-volume", "nfs-layout",
        "kubeconfig", "exit-handler", "artifacts-gcs", "extra-repos", "name-length",
        "dead-include-pattern",
    ]  # fmt: skip
    assert {family_of(rule) for rule in contract_rules} == set(FAMILIES)
    assert family_of("tekton-schema") == "tekton"
    assert family_of("labels") == "guidelines" and family_of("argo-schema") == "argo"
    assert family_of("golden") == "golden"  # not a rule of any family: a family of its own
