"""Turn a jsonnet binding's error text into a message and the place to report it.

The three bindings word and lay out errors differently:

- go:   ``RUNTIME ERROR: msg`` then ``\\t/f.jsonnet:3:9-15\\tfunction <g>`` frames; syntax
        errors as ``/f.jsonnet:3:1-2 Unexpected: ...`` followed by the offending source.
- cpp:  the same frames; syntax errors as ``STATIC ERROR: /f.jsonnet:3:1: msg``.
- rust: ``runtime error: msg`` (or ``syntax error: ...``, ``no such field: ...``) then
        ``    /f.jsonnet:3:6-13: function <f> call`` frames.

Frames are innermost first in all three.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from compiler.checks import Check

COMPONENT_MISSING = Check(
    "component-missing",
    "an entry's app_dir/component (or py_func, or tekton_run file) does not resolve",
    family="config",
    suppressible=False,
)
JSONNET_ERROR = Check(
    "jsonnet-error",
    "evaluation failed (syntax or runtime), reported at the jsonnet file:line",
    family="jsonnet",
    suppressible=False,
)
IMPORT_DENIED = Check(
    "import-denied",
    "jsonnet tried to import a file outside the allowed roots",
    family="jsonnet",
    suppressible=False,
)
CHECKS = (COMPONENT_MISSING, JSONNET_ERROR, IMPORT_DENIED)

_PREFIXES = re.compile(r"^(?:RUNTIME ERROR|STATIC ERROR|runtime error):\s*")
# file:line:col[-col], or file:(line:col)-(line:col) for a span over several lines
_LOCATION = (
    r"(?P<file>[^\t\n]+?):"
    r"(?:\((?P<l1>\d+):(?P<c1>\d+)\)-\(\d+:\d+\)|(?P<l2>\d+):(?P<c2>\d+)(?:-\d+)?)"
)
_LEADING = re.compile(rf"^{_LOCATION}:?\s+")
_FRAME = re.compile(rf"^\s*{_LOCATION}(?::|\s|$)")
_NOT_FILES = ("<std>", "<builtin>", "<extvar", "<top-level-arg", "<stdin>")
_STACK_WORDS = ("max stack frames exceeded", "stack overflow")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffd]+")


@dataclass(frozen=True)
class Frame:
    file: str
    line: int
    column: int


@dataclass(frozen=True)  # mutation: equivalent — nothing changes or hashes a ParsedError
class ParsedError:
    message: str
    frames: tuple[Frame, ...]


def parse(text: str) -> ParsedError:
    lines = text.strip("\n").splitlines() or [""]
    first = _PREFIXES.sub("", lines[0].strip())
    frames: list[Frame] = []
    leading = _LEADING.match(first)
    if leading:
        frames.append(_frame(leading))
        first = first[leading.end() :]
    for line in lines[1:]:
        match = _FRAME.match(line)
        if match and not match.group("file").strip().startswith(_NOT_FILES):
            frames.append(_frame(match))
    return ParsedError(clean(first), tuple(_dedupe(frames)))


def clean(message: str) -> str:
    """One readable line: no control bytes, no binding boilerplate."""
    message = _CONTROL.sub("", message).strip()
    if any(word in message for word in _STACK_WORDS):
        return "stack depth limit exceeded: infinite recursion?"
    return message.rstrip(".") if message.endswith(".") and not message.endswith("..") else message


def _frame(match: re.Match[str]) -> Frame:
    line = match.group("l1") or match.group("l2")
    column = match.group("c1") or match.group("c2")
    return Frame(match.group("file").strip(), int(line), int(column))


def _dedupe(frames: list[Frame]) -> list[Frame]:
    return list(dict.fromkeys(frames))
