from __future__ import annotations

import time
from pathlib import Path

import pytest

from compiler.diagnostics import Severity
from compiler.rules import SETTINGS_FILE, LintSettings, load_settings


def _load(tmp_path: Path, text: str) -> tuple[LintSettings, list[tuple[str, int | None, str]]]:
    (tmp_path / SETTINGS_FILE).write_text(text)
    settings, diagnostics = load_settings(tmp_path)
    for diagnostic in diagnostics:
        assert diagnostic.file == SETTINGS_FILE
    return settings, [(d.rule, d.line, d.message) for d in diagnostics]


def test_no_file_means_defaults(tmp_path: Path) -> None:
    assert load_settings(tmp_path) == (LintSettings(), [])


def test_a_complete_file(tmp_path: Path) -> None:
    settings, problems = _load(
        tmp_path,
        """\
        lint:
          disable: [dead-include-pattern, argo-schema]
          severity:
            immutable-image: warning
            labels: error
          image_tag_pattern: 'v\\d{8}-[0-9a-f]{7}.*'
        """.replace("        ", ""),
    )
    assert problems == []
    assert settings.disabled == {"dead-include-pattern", "argo-schema"}
    assert settings.severity == {"immutable-image": Severity.WARNING, "labels": Severity.ERROR}
    assert settings.image_tag_pattern is not None
    assert settings.image_tag_pattern.fullmatch("v20240101-0123abc-dirty")
    assert settings.is_disabled("argo-schema") and not settings.is_disabled("labels")
    assert settings.is_disabled("labels", ["labels"])
    assert settings.severity_for("immutable-image", Severity.ERROR) is Severity.WARNING


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lint: [", [("yaml-syntax", 1, "YAML syntax error")]),
        ("- lint\n", [("config-schema", 1, "must be a mapping with a `lint:` section")]),
        ("lnt: {}\n", [("config-schema", 1, "unknown key `lnt`; did you mean `lint`?")]),
        ("lint: 3\n", [("config-schema", 1, "`lint` must be a mapping")]),
        ("lint:\n  disabled: []\n", [("config-schema", 2, "did you mean `disable`?")]),
        ("lint:\n  disable: labels\n", [("config-schema", 2, "must be a list of rule ids")]),
        (
            "lint:\n  disable:\n    - labels\n    - label\n",
            [("config-schema", 4, "unknown rule id 'label' in `lint.disable`; did you mean")],
        ),
        (
            "lint:\n  disable: [yaml-syntax]\n",
            [("config-schema", 2, "`yaml-syntax` reports input kftest cannot read")],
        ),
        ("lint:\n  severity: [labels]\n", [("config-schema", 2, "must map rule ids")]),
        (
            "lint:\n  severity:\n    labels: info\n",
            [("config-schema", 3, "severity of `labels` must be `error` or `warning`, not 'info'")],
        ),
        (
            "lint:\n  image_tag_pattern: 'v(['\n",
            [("config-schema", 2, "is not a valid regular expression")],
        ),
        ("lint:\n  image_tag_pattern: 12\n", [("config-schema", 2, "must be a regular expr")]),
        (
            "lint:\n  disable: []\n  image_tag_pattern: '(a)\\1'\n",
            [("config-schema", 3, "no backreferences")],
        ),
    ],
)
def test_problems_are_diagnostics_at_their_line(
    tmp_path: Path, text: str, expected: list[tuple[str, int, str]]
) -> None:
    _, problems = _load(tmp_path, text)
    assert [(rule, line) for rule, line, _ in problems] == [(r, n) for r, n, _ in expected]
    for (_, _, message), (_, _, fragment) in zip(problems, expected, strict=True):
        assert fragment in message


def test_good_parts_survive_a_bad_one(tmp_path: Path) -> None:
    settings, problems = _load(tmp_path, "lint:\n  disable: [labels, nope]\n")
    assert settings.disabled == {"labels"}
    assert len(problems) == 1


def test_an_empty_file_is_fine(tmp_path: Path) -> None:
    assert _load(tmp_path, "# nothing yet\n") == (LintSettings(file=SETTINGS_FILE), [])


def test_the_repository_settings_beside_lint(tmp_path: Path) -> None:
    settings, problems = _load(
        tmp_path, 'argo_version: "2.12"\npython: .venv/bin/python\nrepos_dir: ../..\n'
    )
    assert problems == []
    assert (settings.argo_version, settings.python, settings.repos_dir) == (
        "2.12",
        ".venv/bin/python",
        "../..",
    )
    # An unquoted X.Y is a YAML number; it is read back as written.
    assert _load(tmp_path, "argo_version: 3.5\n")[0].argo_version == "3.5"


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("argo_version: latest\n", 1, "must be an Argo release such as"),
        ("argo_version: [2.12]\n", 1, "must be an Argo release such as"),
        ("lint: {}\npython: ''\n", 2, "`python` must be the path of an interpreter"),
        ("repos_dir: 3\n", 1, "`repos_dir` must be a directory"),
        ("argo_versions: '2.12'\n", 1, "did you mean `argo_version`?"),
    ],
)
def test_bad_repository_settings(tmp_path: Path, text: str, line: int, fragment: str) -> None:
    settings, [(rule, at, message)] = _load(tmp_path, text)
    assert (rule, at) == ("config-schema", line)
    assert fragment in message
    assert settings.argo_version is None


def test_a_catastrophic_pattern_matches_in_linear_time(tmp_path: Path) -> None:
    # `(a+)+$` backtracks exponentially in Python's re: 2^40 steps for 40 a's and a "!".
    settings, problems = _load(tmp_path, "lint:\n  image_tag_pattern: '(a+)+$'\n")
    assert problems == []
    started = time.monotonic()
    assert not settings.image_tag_pattern.fullmatch("a" * 40 + "!")
    assert settings.image_tag_pattern.fullmatch("a" * 40)
    assert time.monotonic() - started < 1.0


def test_the_schema_is_the_file_plus_each_rules_options() -> None:
    from jsonschema import Draft202012Validator

    from compiler.rules._settings import SCHEMA_FILE, schema

    Draft202012Validator.check_schema(schema())
    lint = schema()["properties"]["lint"]["properties"]
    assert set(lint) == {"disable", "severity", "image_tag_pattern"}
    assert "image_tag_pattern" not in SCHEMA_FILE.read_text()  # immutable_image.CONF owns it


def test_a_rule_option_is_read_by_its_rule(tmp_path: Path) -> None:
    settings, problems = _load(tmp_path, "lint:\n  image_tag_patern: 'v.*'\n  disable: null\n")
    assert [(rule, line) for rule, line, _ in problems] == [("config-schema", 2)]
    assert "did you mean `image_tag_pattern`?" in problems[0][2]
    assert settings.image_tag_pattern is None and settings.options == {"image_tag_pattern": None}
    settings, problems = _load(tmp_path, "lint:\n  image_tag_pattern: 'v[0-9]+'\n")
    assert problems == [] and settings.image_tag_pattern.fullmatch("v12")
