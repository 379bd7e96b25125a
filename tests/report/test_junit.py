from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from compiler.diagnostics import Diagnostic
from compiler.report import junit
from compiler.report.outcome import WorkflowOutcome

NODES = {
    "wf": {"id": "wf", "type": "DAG", "phase": "Failed"},
    "wf-111": {
        "id": "wf-111",
        "name": "wf.run-tests",
        "displayName": "run-tests",
        "type": "Pod",
        "phase": "Failed",
        "message": "Error (exit code 1)",
        "startedAt": "2024-01-01T00:00:00Z",
        "finishedAt": "2024-01-01T00:00:42Z",
    },
    "wf-222": {"id": "wf-222", "displayName": "checkout", "type": "Pod", "phase": "Succeeded"},
}


def parse(data: bytes) -> ET.Element:
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n')
    return ET.fromstring(data)


def failed_outcome() -> WorkflowOutcome:
    status = {
        "phase": "Failed",
        "message": "child 'wf-111' failed",
        "startedAt": "2024-01-01T00:00:00Z",
        "finishedAt": "2024-01-01T00:01:00Z",
        "nodes": NODES,
    }
    return WorkflowOutcome("e2e", "wf", submitted=True, phase="Failed", object={"status": status})


def test_a_failed_workflow_and_its_failed_node() -> None:
    suite = parse(junit.render(failed_outcome()))
    assert suite.tag == "testsuite"
    assert (suite.get("name"), suite.get("tests"), suite.get("failures")) == ("e2e", "2", "2")
    workflow, node = suite.findall("testcase")
    assert (workflow.get("name"), workflow.get("time")) == ("wf", "60.000")
    assert workflow.find("failure").get("message") == "phase Failed: child 'wf-111' failed"
    assert (node.get("classname"), node.get("name"), node.get("time")) == (
        "wf",
        "run-tests",
        "42.000",
    )
    message = node.find("failure").get("message")
    assert message == "Failed: Error (exit code 1) (pod wf-111)"
    assert "id: wf-111" in node.find("failure").text


def test_a_succeeded_workflow() -> None:
    outcome = WorkflowOutcome("unit", "wf-u", submitted=True, phase="Succeeded", object={})
    suite = parse(junit.render(outcome))
    assert (suite.get("tests"), suite.get("failures")) == ("1", "0")
    assert suite.find("testcase/failure") is None


def test_an_invalid_entry_lists_its_diagnostics() -> None:
    diagnostics = [
        Diagnostic(
            "immutable-image", "uses :latest", file="prow_config.yaml", line=3, workflow="x"
        ),
        Diagnostic("labels", "no org label", file="c.jsonnet", workflow="x"),
    ]
    suite = parse(junit.render(WorkflowOutcome("x", "", diagnostics=diagnostics)))
    failure = suite.find("testcase/failure")
    assert failure.get("message") == "not submitted: 2 errors in the configuration"
    assert "prow_config.yaml:3: error [immutable-image] uses :latest" in failure.text
    assert "c.jsonnet: error [labels] no org label" in failure.text


@pytest.mark.parametrize(
    ("outcome", "message"),
    [
        (WorkflowOutcome("a", "wf", submitted=True, phase="Running", timed_out=True),
         "timed out in phase Running"),
        (WorkflowOutcome("a", "wf", submitted=True, phase="Running", aborted=True),
         "aborted in phase Running"),
        (WorkflowOutcome("a", "wf", submit_error="HTTP 422: bad name"),
         "not submitted: HTTP 422: bad name"),
        (WorkflowOutcome("a", "wf", submitted=True, phase="Deleted"),
         "the workflow was deleted before it finished"),
        (WorkflowOutcome("a", "wf", submitted=True, phase="Pending"),
         "final state unknown, last seen in phase Pending"),
    ],
)  # fmt: skip
def test_why_a_workflow_failed(outcome: WorkflowOutcome, message: str) -> None:
    assert parse(junit.render(outcome)).find("testcase/failure").get("message") == message


def test_control_characters_do_not_break_the_xml() -> None:
    outcome = failed_outcome()
    outcome.object["status"]["message"] = "bad \x1b[31mcolour\x00"
    assert "colour" in parse(junit.render(outcome)).find("testcase/failure").get("message")


@pytest.mark.parametrize(
    ("xml", "problems"),
    [
        ('<testsuite failures="2" errors="1"/>', 3),
        ("<testsuite><testcase/><testcase><failure/></testcase>"
         "<testcase><error/></testcase></testsuite>", 2),
        ('<testsuites><testsuite failures="1"/><testsuite errors="2"/></testsuites>', 3),
        ('<testsuites failures="4"><testsuite failures="1"/></testsuites>', 4),
        ("<testsuites><testsuite><testcase><failure/></testcase></testsuite></testsuites>", 1),
        ('<testsuite failures="0" errors="0"><testcase/></testsuite>', 0),
        ('<testsuite failures="x"/>', 1),
    ],
)  # fmt: skip
def test_count(xml: str, problems: int) -> None:
    assert junit.count(xml.encode()) == junit.Count(problems)


def test_unreadable_files_count_as_errors() -> None:
    assert junit.count(b"<testsuite").problems == 1
    broken = junit.count(b"<html/>")
    assert broken.problems == 1 and "<html>" in (broken.note or "")


def test_names() -> None:
    assert junit.file_name("e2e tests/gpu") == "junit_e2e-tests-gpu.xml"
    assert junit.is_junit("junit_foo.xml")
    assert junit.is_junit("junit_foo/bar.xml")
    assert junit.is_junit("deep/junit-x.xml")
    assert not junit.is_junit("results.xml")
    assert not junit.is_junit("junit_foo.txt")


def test_one_diagnostic_and_the_times_of_a_suite_that_never_ran() -> None:
    diagnostic = Diagnostic("labels", "no org label", file="c.jsonnet", workflow="x")
    suite = parse(junit.render(WorkflowOutcome("x", "", diagnostics=[diagnostic])))
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("1", "1", "0")
    assert suite.get("time") == "0"
    [case] = suite.findall("testcase")
    assert (case.get("classname"), case.get("name"), case.get("time")) == ("x", "x", "0")
    failure = case.find("failure")
    assert failure.get("message") == "not submitted: 1 error in the configuration"
    assert failure.text == "c.jsonnet: error [labels] no org label (workflow: x)"


def test_the_suite_time_is_the_workflows() -> None:
    suite = parse(junit.render(failed_outcome()))
    assert (suite.get("time"), suite.get("errors")) == ("60.000", "0")


def test_a_multi_line_reason_keeps_its_first_line_as_the_message() -> None:
    outcome = failed_outcome()
    outcome.object["status"]["message"] = "step failed\nsecond line"
    failure = parse(junit.render(outcome)).find("testcase/failure")
    assert failure.get("message") == "phase Failed: step failed"
    assert failure.text == "phase Failed: step failed\nsecond line"


def test_nodes_without_a_display_name_message_or_times() -> None:
    outcome = failed_outcome()
    nodes = outcome.object["status"]["nodes"]
    nodes["wf-111"] = {"id": "wf-111", "name": "wf.build", "type": "Pod", "phase": "Error"}
    nodes["wf-333"] = {"id": "wf-333", "type": "Pod", "phase": "Failed"}
    cases = parse(junit.render(outcome)).findall("testcase")[1:]
    by_name = {case.get("name"): case for case in cases}
    assert set(by_name) == {"wf.build", "?"}
    failure = by_name["wf.build"].find("failure")
    assert failure.get("message") == "Error: no message (pod wf-111)"
    assert failure.text == "name: wf.build\nid: wf-111\nphase: Error"
    assert by_name["wf.build"].get("time") == "0"


@pytest.mark.parametrize(
    ("outcome", "message"),
    [
        (WorkflowOutcome("a", "wf", submitted=True, timed_out=True), "timed out in phase unknown"),
        (WorkflowOutcome("a", "wf", submitted=True, aborted=True), "aborted in phase unknown"),
        (WorkflowOutcome("a", "wf", submitted=True),
         "final state unknown, last seen in phase unknown"),
        (WorkflowOutcome("a", "wf"), "not submitted"),
        (WorkflowOutcome("a", "wf", submitted=True, phase="Error"), "phase Error"),
    ],
)  # fmt: skip
def test_why_a_workflow_failed_without_a_phase(outcome: WorkflowOutcome, message: str) -> None:
    failure = parse(junit.render(outcome)).find("testcase/failure")
    assert (failure.get("message"), failure.text) == (message, message)


def test_count_without_counts_on_the_root() -> None:
    xml = (
        b'<testsuites><testsuite failures="0"><testcase><error/></testcase></testsuite>'
        b"</testsuites>"
    )
    assert junit.count(xml) == junit.Count(1)
    assert junit.count(b'<testsuite errors="2"/>') == junit.Count(2)
    assert junit.count(b"<testsuite/>") == junit.Count(0)
    assert junit.count(b"<testsuites><testsuite/></testsuites>") == junit.Count(0)


def test_the_file_is_indented_for_people() -> None:
    data = junit.render(failed_outcome())
    assert b'\n  <testcase classname="e2e" name="wf" time="60.000">\n    <failure' in data
