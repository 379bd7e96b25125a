"""Error messages of every installed binding, parsed into a message and jsonnet locations."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.evaluate import errors, pool
from compiler.evaluate.backend import MODULES, Backend, JsonnetError, installed

INSTALLED = [name for name in MODULES if installed(name)]


def _error_text(task: tuple[str, str, str], notify: pool.Notify) -> str:
    """In a worker: the Go runtime must not be loaded into the test process (see pool)."""
    name, filename, text = task
    try:
        Backend(name).evaluate(filename, text, import_callback=_read, ext_codes={}, tla_codes={})
    except JsonnetError as exc:
        return str(exc)
    raise AssertionError("no error")


def _read(base: str, rel: str) -> tuple[str, bytes]:
    path = Path(base, rel)
    return str(path), path.read_bytes()


CASES = {
    "syntax": ("{\n  a: 1\n  b: 2,\n}\n", (3, 3), "expected"),
    "runtime": ("local f(x) =\n  error 'boom ' + x;\n{\n  a: [1, f('z')],\n}\n", (2, 3), "boom z"),
    "field": ("local o = {};\n{\n  a: o.missing,\n}\n", (3, 6), "missing"),
    "recursion": ("local f(x) = f(x) + 1;\nf(1)\n", (1, 14), "stack depth limit exceeded"),
}


#: Errors jrsonnet reports without a location: why a failed evaluation is run again with the
#: reference binding (see compiler.evaluate.worker).
NO_LOCATION = {("rust", "field")}


@pytest.mark.parametrize("name", INSTALLED)
@pytest.mark.parametrize("case", CASES)
def test_location_and_message(name: str, case: str, tmp_path: Path) -> None:
    text, (line, column), words = CASES[case]
    path = tmp_path / "wf.jsonnet"
    path.write_text(text)
    [raw] = pool.run([(name, str(path), text)], _error_text, lambda task: 30.0)
    parsed = errors.parse(raw)
    assert words in parsed.message.lower()
    assert "\n" not in parsed.message and "ERROR" not in parsed.message
    if (name, case) in NO_LOCATION:
        assert parsed.frames == ()
        return
    assert (parsed.frames[0].file, parsed.frames[0].line) == (str(path), line)
    if name != "rust":  # jrsonnet points at the start of the expression, not at the culprit
        assert parsed.frames[0].column == column


def test_frames_in_the_standard_library_are_skipped() -> None:
    parsed = errors.parse(
        "RUNTIME ERROR: x\n\t<std>:10:1-5\tfunction <f>\n\t/r/a.jsonnet:2:3-4\t\n"
    )
    assert parsed.frames == (errors.Frame("/r/a.jsonnet", 2, 3),)


def test_multi_line_spans_and_control_bytes() -> None:
    parsed = errors.parse("RUNTIME ERROR: bad\x1a\x7f thing.\n\t/r/a.jsonnet:(75:5)-(77:58)\t\n")
    assert parsed == errors.ParsedError("bad thing", (errors.Frame("/r/a.jsonnet", 75, 5),))


@pytest.mark.parametrize(
    ("text", "message", "frames"),
    [
        ("", "", ()),
        ("\n\n", "", ()),
        # cpp's syntax errors: the location leads the first line
        ("STATIC ERROR: /r/a.jsonnet:3:1: Expected a comma.", "Expected a comma", ((3, 1),)),
        # go's syntax errors: location, message, then the offending source (not a frame)
        ("/r/a.jsonnet:4:7-8 Unexpected: ':'\n\n  b: :\n", "Unexpected: ':'", ((4, 7),)),
        # rust: frames indented, a colon after the span; repeated frames count once
        (
            "runtime error: boom\n    /r/a.jsonnet:2:3-9: function <f> call\n"
            "    /r/a.jsonnet:2:3-9: function <f> call\n    /r/a.jsonnet:5:1-4: field <a>\n",
            "boom",
            ((2, 3), (5, 1)),
        ),
        # top-level arguments and ext vars are no files of the user's
        (
            "RUNTIME ERROR: x\n\t<top-level-arg:params>:1:1-3\t\n\t<extvar:a>:1:1\t\n"
            "\t/r/a.jsonnet:9:2\t\n",
            "x",
            ((9, 2),),
        ),
    ],
)
def test_parse(text: str, message: str, frames: tuple[tuple[int, int], ...]) -> None:
    parsed = errors.parse(text)
    assert parsed.message == message
    assert parsed.frames == tuple(errors.Frame("/r/a.jsonnet", *where) for where in frames)


@pytest.mark.parametrize(
    ("message", "cleaned"),
    [
        ("field does not exist: x.", "field does not exist: x"),
        ("wait for it...", "wait for it..."),
        ("  no dot  ", "no dot"),
        ("max stack frames exceeded.", "stack depth limit exceeded: infinite recursion?"),
        (
            "thread 'main' has overflowed its stack overflow",
            "stack depth limit exceeded: infinite recursion?",
        ),
        ("bad\ufffd\x00 byte\t.", "bad byte\t"),
    ],
)
def test_clean(message: str, cleaned: str) -> None:
    assert errors.clean(message) == cleaned
