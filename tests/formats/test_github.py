from __future__ import annotations

from compiler.diagnostics import Diagnostic, Severity
from compiler.formats import Report, render


def _unescape(value: str, *, property_value: bool) -> str:
    # The runner's order: everything else first, then %25, so "%253A" stays "%3A".
    pairs = [("%0D", "\r"), ("%0A", "\n")]
    if property_value:
        pairs += [("%3A", ":"), ("%2C", ",")]
    for escaped, raw in [*pairs, ("%25", "%")]:
        value = value.replace(escaped, raw)
    return value


def parse_command(line: str) -> tuple[str, dict[str, str], str]:
    """Parse one workflow command the way the GitHub Actions runner does."""
    assert line.startswith("::")
    end = line.index("::", 2)
    command, _, raw_properties = line[2:end].partition(" ")
    properties = {}
    for pair in filter(None, raw_properties.split(",")):
        key, _, value = pair.partition("=")
        properties[key] = _unescape(value, property_value=True)
    return command, properties, _unescape(line[end + 2 :], property_value=False)


def test_annotations_carry_file_line_col_and_rule(report: Report) -> None:
    lines = render(report, "github").splitlines()
    assert len(lines) == 5
    command, properties, message = parse_command(lines[0])
    assert command == "error"
    assert properties == {
        "file": "prow_config.yaml",
        "line": "12",
        "col": "7",
        "title": "[immutable-image]",
    }
    assert message == (
        "image gcr.io/x/test:latest uses a moving tag:\nset params.stepImage to a digest"
        " (workflow: unittests; path: spec.templates[1].container.image)"
    )
    assert parse_command(lines[1])[:2] == (
        "warning",
        {"file": "prow_config.yaml", "line": "9", "title": "[dead-include-pattern]"},
    )
    assert parse_command(lines[2])[1] == {"file": "prow_config.yaml", "title": "[yaml-syntax]"}
    assert parse_command(lines[3])[1] == {"title": "[argo-semantic]"}
    assert lines[4] == "3 errors, 1 warning"


def test_hostile_values_survive_the_round_trip() -> None:
    diagnostic = Diagnostic(
        "jsonnet-error",
        "100%0A sure:: not\r\nsplit, really",
        Severity.ERROR,
        file="odd dir/a,b:c%2C.jsonnet",
        line=3,
        column=1,
    )
    (line, _summary) = render(Report("lint", [diagnostic]), "github").splitlines()
    assert "\n" not in line and "\r" not in line
    command, properties, message = parse_command(line)
    assert command == "error"
    assert properties["file"] == "odd dir/a,b:c%2C.jsonnet"
    assert message == "100%0A sure:: not\r\nsplit, really"


def test_column_needs_a_line() -> None:
    diagnostic = Diagnostic("jsonnet-error", "boom", file="c.jsonnet", column=3)
    _command, properties, _ = parse_command(render(Report("lint", [diagnostic]), "github"))
    assert properties == {"file": "c.jsonnet", "title": "[jsonnet-error]"}
