"""JUnit for Spyglass and TestGrid: writing one file per entry, and reading a verdict from all.

``junit_<entry>.xml`` holds a testsuite named after the entry with one testcase for the
workflow (failing unless it Succeeded) and one per failed pod node (display name, pod id,
message, duration). An entry that failed validation gets a single failing testcase listing
its diagnostics.

The verdict counts ``failures`` and ``errors`` in every junit file, whether its root is
``<testsuite>`` or ``<testsuites>`` (the seed read only the root's ``failures``). A file that
does not parse counts as one error: a broken report must not read as a pass.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

from compiler.cluster import status
from compiler.formats.junit import xml_text
from compiler.formats.text import format_diagnostic
from compiler.report.outcome import WorkflowOutcome

_FILE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


def file_name(entry: str) -> str:
    return f"junit_{_FILE_NAME.sub('-', entry)}.xml"


def is_junit(path: str) -> bool:
    """A junit file: an ``.xml`` whose name, or a directory above it, starts with ``junit``."""
    parts = path.split("/")
    return path.endswith(".xml") and any(part.startswith("junit") for part in parts)


def _seconds(value: float | None) -> str:
    return f"{value:.3f}" if value is not None else "0"


def _testcase(
    suite: ET.Element, classname: str, name: str, seconds: float | None, failure: str | None,
    detail: str = "",
) -> None:  # fmt: skip
    case = ET.SubElement(
        suite, "testcase", {"classname": xml_text(classname), "name": xml_text(name),
                            "time": _seconds(seconds)}
    )  # fmt: skip
    if failure is not None:
        element = ET.SubElement(case, "failure", {"message": xml_text(failure.splitlines()[0])})
        element.text = xml_text(detail or failure)


def render(outcome: WorkflowOutcome) -> bytes:
    suite = ET.Element("testsuite", {"name": xml_text(outcome.entry)})
    verdict = outcome.verdict
    if outcome.diagnostics:
        listing = "\n".join(format_diagnostic(d) for d in outcome.diagnostics)
        count = len(outcome.diagnostics)
        _testcase(
            suite, outcome.entry, outcome.label, None,
            f"not submitted: {count} error{'s' if count != 1 else ''} in the configuration",
            listing,
        )  # fmt: skip
    else:
        obj = outcome.object
        _testcase(
            suite, outcome.entry, outcome.label, status.workflow_duration(obj),
            None if verdict == "Succeeded" else _workflow_failure(outcome),
        )  # fmt: skip
        for node in status.failed_nodes(obj):
            _testcase(
                suite, outcome.label, str(node.get("displayName") or node.get("name") or "?"),
                status.duration(node), _node_failure(node), _node_detail(node),
            )  # fmt: skip
    tests = len(suite)
    failures = sum(1 for case in suite if case.find("failure") is not None)
    suite.attrib.update({"tests": str(tests), "failures": str(failures), "errors": "0"})
    seconds = status.workflow_duration(outcome.object)
    suite.set("time", _seconds(seconds))
    ET.indent(suite)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suite, "unicode") + "\n"
    ).encode()


def _workflow_failure(outcome: WorkflowOutcome) -> str:
    verdict = outcome.verdict
    if outcome.submit_error:
        return f"not submitted: {outcome.submit_error}"
    reason = {
        "TimedOut": f"timed out in phase {outcome.phase or 'unknown'}",
        "Aborted": f"aborted in phase {outcome.phase or 'unknown'}",
        "Deleted": "the workflow was deleted before it finished",
        "Unknown": f"final state unknown, last seen in phase {outcome.phase or 'unknown'}",
        "NotSubmitted": "not submitted",
    }.get(verdict, f"phase {verdict}")
    message = status.message(outcome.object)
    return f"{reason}: {message}" if message else reason


def _node_failure(node: dict[str, Any]) -> str:
    return f"{node.get('phase')}: {node.get('message') or 'no message'} (pod {node.get('id')})"


def _node_detail(node: dict[str, Any]) -> str:
    return "\n".join(
        f"{key}: {node.get(key)}"
        for key in ("name", "id", "phase", "message", "startedAt", "finishedAt")
        if node.get(key)
    )


@dataclass(frozen=True)
class Count:
    problems: int  # failures + errors
    note: str | None = None  # why a file counted as an error, if it did not parse


def count(data: bytes) -> Count:
    """failures + errors of a junit file (``<testsuite>`` or ``<testsuites>`` root)."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        return Count(1, f"not valid XML ({exc})")
    if root.tag not in ("testsuite", "testsuites"):
        return Count(1, f"root element is <{root.tag}>, not <testsuite> or <testsuites>")
    suites = [root] if root.tag == "testsuite" else root.findall(".//testsuite")
    total = sum(_suite_problems(suite) for suite in suites)
    if root.tag == "testsuites":
        total = max(total, _attrs(root) or 0)
    return Count(total)


def _attrs(element: ET.Element) -> int | None:
    values = [element.get("failures"), element.get("errors")]
    if all(value is None for value in values):
        return None
    total = 0
    for value in values:
        try:
            total += int(value or 0)
        except ValueError:
            total += 1  # a mangled count is not a pass
    return total


def _suite_problems(suite: ET.Element) -> int:
    from_attrs = _attrs(suite)
    from_cases = sum(
        1
        for case in suite.iter("testcase")
        if case.find("failure") is not None or case.find("error") is not None
    )
    return max(from_attrs or 0, from_cases)
