from __future__ import annotations

from compiler.report.html.junit_results import MAX_BYTES, MAX_CASES, read, read_all

SUITES = b"""<?xml version="1.0"?>
<testsuites>
  <testsuite name="py" tests="4" failures="1" errors="1" skipped="1">
    <testcase classname="test_a" name="test_ok"/>
    <testcase classname="test_a" name="test_bad"><failure message="assert 1 == 2">Traceback
  assert 1 == 2</failure></testcase>
    <testcase classname="test_b" name="test_boom"><error message="">KeyError: 'x'</error></testcase>
    <testcase classname="test_b" name="test_skip"><skipped/></testcase>
  </testsuite>
</testsuites>"""


def test_counts_and_failed_cases() -> None:
    result = read("artifacts/junit_py.xml", SUITES)
    assert (result.tests, result.failures, result.errors, result.skipped) == (4, 1, 1, 1)
    assert [(c.suite, c.name, c.kind, c.message) for c in result.cases] == [
        ("test_a", "test_bad", "failure", "assert 1 == 2"),
        ("test_b", "test_boom", "error", "KeyError: 'x'"),  # no message: the text
    ]
    assert result.cases[0].detail == "Traceback\n  assert 1 == 2"
    assert result.problems == 2 and not result.by_kftest


def test_attributes_count_when_cases_are_missing() -> None:
    result = read("junit_x.xml", b'<testsuite tests="9" failures="3"/>')
    assert (result.tests, result.failures, result.cases) == (9, 3, ())


def test_broken_files_count_as_errors() -> None:
    broken = read("junit_x.xml", b"<testsuite")
    assert broken.errors == 1 and broken.note is not None and "not valid XML" in broken.note
    huge = read("junit_x.xml", b" " * (MAX_BYTES + 1))
    assert huge.errors == 1 and huge.note == f"not read: larger than {MAX_BYTES} bytes"


def test_many_failures_are_capped() -> None:
    cases = b"".join(b'<testcase name="t%d"><failure message="m"/></testcase>' % i
                     for i in range(200))  # fmt: skip
    result = read("junit_x.xml", b"<testsuite>" + cases + b"</testsuite>")
    assert result.failures == 200 and len(result.cases) == MAX_CASES


def test_kftests_own_files_are_told_apart_and_listed_last() -> None:
    own = (
        b'<testsuite name="e2e" tests="1" failures="1"><testcase classname="e2e" '
        b'name="wf-e2e"><failure message="phase Failed"/></testcase></testsuite>'
    )
    files = read_all(
        [
            ("artifacts/junit_e2e.xml", own),
            ("artifacts/junit_py.xml", SUITES),
            ("artifacts/other.xml", SUITES),  # not a junit file by its name
            ("artifacts/junit_py.xml", SUITES),  # the same file twice: once
        ],
        workflows=["wf-e2e"],
    )
    assert [(f.path, f.by_kftest) for f in files] == [
        ("artifacts/junit_py.xml", False),
        ("artifacts/junit_e2e.xml", True),
    ]
