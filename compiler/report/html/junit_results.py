"""The junit files of a run as the report shows them: counts, and the failed testcases with
their messages. The verdict itself is ``compiler.report.junit.count``'s; this reads names.

Files are untrusted (a step wrote them): a file over ``MAX_BYTES`` is not parsed, and at most
``MAX_CASES`` failed testcases per file are kept, their texts clipped.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Collection, Iterable

from compiler.report import junit
from compiler.report.html.model import JunitCase, JunitFile

MAX_BYTES = 5 * 1024 * 1024
MAX_CASES = 50
MESSAGE_CHARS = 300
DETAIL_CHARS = 2000


def _clip(text: str | None, limit: int) -> str:
    text = (text or "").strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _int(value: str | None) -> int:
    try:
        return max(0, int(value or 0))
    except ValueError:
        return 0


def read(path: str, data: bytes, workflows: Collection[str] = ()) -> JunitFile:
    """One junit file (``<testsuite>`` or ``<testsuites>`` root). ``workflows``: the names
    (and entries) of the run's workflows, to recognise the files kftest wrote about them
    (their first testcase is named after the workflow, see ``compiler.report.junit``)."""
    if len(data) > MAX_BYTES:
        return JunitFile(path, 0, 0, 1, 0, (), f"not read: larger than {MAX_BYTES} bytes")
    counted = junit.count(data)
    if counted.note:
        return JunitFile(path, 0, 0, counted.problems, 0, (), counted.note)
    root = ET.fromstring(data)
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    cases: list[JunitCase] = []
    tests = failures = errors = skipped = 0
    for suite in suites:
        suite_cases = list(suite.iter("testcase"))
        tests += max(_int(suite.get("tests")), len(suite_cases))
        skipped += max(
            _int(suite.get("skipped")), sum(1 for c in suite_cases if c.find("skipped") is not None)
        )
        suite_failures = suite_errors = 0
        for case in suite_cases:
            for kind in ("failure", "error"):
                element = case.find(kind)
                if element is None:
                    continue
                if kind == "failure":
                    suite_failures += 1
                else:
                    suite_errors += 1
                if len(cases) < MAX_CASES:
                    classname = case.get("classname") or suite.get("name") or ""
                    cases.append(
                        JunitCase(
                            suite=_clip(classname, MESSAGE_CHARS),
                            name=_clip(case.get("name"), MESSAGE_CHARS),
                            kind=kind,
                            message=_clip(element.get("message") or element.text, MESSAGE_CHARS),
                            detail=_clip(element.text, DETAIL_CHARS),
                        )
                    )
                break
        failures += max(_int(suite.get("failures")), suite_failures)
        errors += max(_int(suite.get("errors")), suite_errors)
    # The verdict's count wins where the attributes say more than the cases show.
    errors = max(errors, counted.problems - failures)
    first = root.find(".//testcase") if root.tag == "testsuites" else root.find("testcase")
    by_kftest = (
        root.tag == "testsuite"
        and first is not None
        and first.get("name") in workflows
        and first.get("classname") == root.get("name")
    )
    return JunitFile(path, tests, failures, errors, skipped, tuple(cases), by_kftest=by_kftest)


def read_all(
    files: Iterable[tuple[str, bytes]], workflows: Collection[str] = ()
) -> tuple[JunitFile, ...]:
    """The junit files among ``files`` (path relative to the build dir, bytes): the
    workflows' own first, then kftest's, each by path; of two with the same path, the last."""
    by_path = {path: data for path, data in files if junit.is_junit(path)}
    found = [read(path, by_path[path], workflows) for path in sorted(by_path)]
    return tuple(sorted(found, key=lambda item: item.by_kftest))
