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


# The bounds, as the README states them.
DOCUMENTED_MAX_BYTES, DOCUMENTED_MAX_CASES, MESSAGE_CHARS, DETAIL_CHARS = (
    5 * 1024 * 1024,
    50,
    300,
    2000,
)


def test_a_file_of_the_largest_size_is_read_and_one_byte_more_is_not() -> None:
    xml = (
        b'<testsuite tests="1" failures="1"><testcase name="t"><failure message="m"/>'
        b"</testcase></testsuite>"
    )
    largest = xml + b" " * (DOCUMENTED_MAX_BYTES - len(xml))
    assert read("junit_x.xml", largest).cases[0].name == "t"
    over = read("junit_x.xml", largest + b" ")
    assert (over.tests, over.failures, over.errors, over.skipped, over.cases) == (0, 0, 1, 0, ())
    assert over.note == "not read: larger than 5242880 bytes"


def test_fifty_failed_cases_are_listed_per_file() -> None:
    cases = b"".join(
        b'<testcase name="t%d"><failure message="m"/></testcase>' % i for i in range(51)
    )
    result = read("junit_x.xml", b"<testsuite>" + cases + b"</testsuite>")
    assert [case.name for case in result.cases] == [f"t{i}" for i in range(DOCUMENTED_MAX_CASES)]
    assert result.failures == 51


def test_messages_and_details_are_clipped() -> None:
    def failure(message: str, text: str) -> bytes:
        return (f'<testsuite><testcase name="t"><failure message="{message}">{text}</failure>'
                "</testcase></testsuite>").encode()  # fmt: skip

    whole = read("junit_x.xml", failure("m" * MESSAGE_CHARS, "d" * DETAIL_CHARS)).cases[0]
    assert (whole.message, whole.detail) == ("m" * MESSAGE_CHARS, "d" * DETAIL_CHARS)
    clipped = read("junit_x.xml", failure("m" * 301, "d" * 2001)).cases[0]
    assert clipped.message == "m" * (MESSAGE_CHARS - 1) + "…"
    assert clipped.detail == "d" * (DETAIL_CHARS - 1) + "…"
    long_names = (
        f'<testsuite name="{"s" * 301}"><testcase name="{"n" * 301}"><error/></testcase>'
        "</testsuite>"
    ).encode()
    [case] = read("junit_x.xml", long_names).cases
    assert (case.suite, case.name) == ("s" * 299 + "…", "n" * 299 + "…")
    assert (case.kind, case.message, case.detail) == ("error", "", "")
    spaced = read("junit_x.xml", failure("  padded  ", "\n  trace  \n")).cases[0]
    assert (spaced.message, spaced.detail) == ("padded", "trace")


def test_counts_from_the_attributes_and_the_cases() -> None:
    # More cases than the attributes say, and attributes that are not numbers or negative.
    result = read(
        "junit_x.xml",
        b'<testsuite name="s" tests="1" failures="x" errors="-3" skipped="-1">'
        b'<testcase name="a"><failure/></testcase><testcase name="b"><error/></testcase>'
        b'<testcase name="c"><skipped/></testcase><testcase name="d"/></testsuite>',
    )
    assert (result.tests, result.failures, result.errors, result.skipped) == (4, 1, 1, 1)
    # A case with a failure and an error counts once, as the failure.
    both = read(
        "junit_x.xml",
        b'<testsuite><testcase classname="c" name="t"><failure message="f"/><error message="e"/>'
        b"</testcase></testsuite>",
    )
    assert (both.failures, both.errors) == (1, 0)
    assert [(c.kind, c.message) for c in both.cases] == [("failure", "f")]
    # Several suites add up; a case without a classname is named after its suite.
    suites = read(
        "junit_x.xml",
        b'<testsuites><testsuite name="one" tests="3" skipped="2" failures="2">'
        b'<testcase name="a"><failure/></testcase></testsuite>'
        b'<testsuite name="two"><testcase name="b"><error>boom</error></testcase>'
        b'<testcase name="c"><failure/></testcase></testsuite></testsuites>',
    )
    assert (suites.tests, suites.failures, suites.errors, suites.skipped) == (5, 3, 1, 2)
    assert [(c.suite, c.name, c.kind, c.message) for c in suites.cases] == [
        ("one", "a", "failure", ""), ("two", "b", "error", "boom"), ("two", "c", "failure", "")
    ]  # fmt: skip
    nameless = read("junit_x.xml", b"<testsuite><testcase><failure/></testcase></testsuite>")
    assert [(c.suite, c.name) for c in nameless.cases] == [("", "")]


def test_the_verdicts_count_wins_where_it_says_more() -> None:
    # <testsuites failures="4">: the verdict counts 4 problems; the cases show none.
    result = read("junit_x.xml", b'<testsuites failures="4"><testsuite name="s"/></testsuites>')
    assert (result.failures, result.errors, result.problems) == (0, 4, 4)
    wrong_root = read("junit_x.xml", b"<report><testcase/></report>")
    counts = (wrong_root.tests, wrong_root.failures, wrong_root.errors, wrong_root.skipped)
    assert (counts, wrong_root.cases) == ((0, 0, 1, 0), ())
    assert wrong_root.note == "root element is <report>, not <testsuite> or <testsuites>"


def test_which_files_kftest_wrote() -> None:
    def by_kftest(xml: bytes) -> bool:
        return read("junit_e2e.xml", xml, workflows={"wf-e2e", "e2e"}).by_kftest

    own = b'<testsuite name="e2e"><testcase classname="e2e" name="wf-e2e"/></testsuite>'
    assert by_kftest(own)
    assert not read("junit_e2e.xml", own).by_kftest  # no workflows known
    assert not by_kftest(own.replace(b'name="wf-e2e"', b'name="test_x"'))  # not a workflow's
    assert not by_kftest(own.replace(b'classname="e2e"', b'classname="pkg"'))  # another suite's
    assert not by_kftest(b'<testsuite name="e2e"/>')  # no testcase
    # kftest writes one <testsuite>; <testsuites> files are the steps' own.
    assert not by_kftest(b"<testsuites>" + own + b"</testsuites>")
    # kftest's testcase is a child of the root, not of a suite nested in it.
    nested = b'<testsuite name="e2e"><testsuite>' + own.split(b">", 1)[1] + b"</testsuite>"
    assert not by_kftest(nested)


def test_files_are_listed_by_path_kftests_last_and_the_last_of_one_path_counts() -> None:
    own = b'<testsuite name="e2e"><testcase classname="e2e" name="wf-e2e"/></testsuite>'
    files = read_all(
        [
            ("junit_b.xml", b'<testsuite tests="1"/>'),
            ("junit_a.xml", own),
            ("junit_c.xml", b'<testsuite tests="2"/>'),
            ("junit_b.xml", b'<testsuite tests="3"/>'),
        ],
        workflows={"wf-e2e"},
    )
    assert [(f.path, f.tests) for f in files] == [
        ("junit_b.xml", 3), ("junit_c.xml", 2), ("junit_a.xml", 1)
    ]  # fmt: skip


def test_an_entity_bomb_is_an_unreadable_file_not_a_hang() -> None:
    entities = "".join(f'<!ENTITY e{i} "{f"&e{i - 1};" * 10 if i else "lol"}">' for i in range(10))
    bomb = (
        f'<?xml version="1.0"?><!DOCTYPE t [{entities}]><testsuite><testcase name="t">'
        '<failure message="&e9;"/></testcase></testsuite>'
    ).encode()
    result = read("junit_x.xml", bomb)
    assert (result.errors, result.cases) == (1, ())
    assert result.note is not None and result.note.startswith("not valid XML")


def test_an_unreadable_file_is_the_steps_own_and_listed_with_them() -> None:
    own = b'<testsuite name="e2e"><testcase classname="e2e" name="wf-e2e"/></testsuite>'
    files = read_all(
        [
            ("junit_a.xml", own),
            ("junit_y.xml", b"<testsuite"),
            ("junit_z.xml", b" " * (MAX_BYTES + 1)),
        ],
        workflows={"wf-e2e"},
    )
    assert [(f.path, f.by_kftest, f.problems) for f in files] == [
        ("junit_y.xml", False, 1), ("junit_z.xml", False, 1), ("junit_a.xml", True, 0)
    ]  # fmt: skip


def test_mangled_counts_are_no_counts_but_the_verdict_counts_them_as_errors() -> None:
    result = read("junit_x.xml", b'<testsuite tests="x" failures="x" errors="2.5" skipped="?"/>')
    assert (result.tests, result.failures, result.errors, result.skipped) == (0, 0, 2, 0)
