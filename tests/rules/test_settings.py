from __future__ import annotations

import errno
import time
from dataclasses import replace
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


def test_settings_in_code_name_only_known_options() -> None:
    with pytest.raises(TypeError, match="no rule has the option 'no_such_option'"):
        LintSettings(no_such_option=1)
    pattern = LintSettings(options={"image_tag_pattern": "a"}, image_tag_pattern="b")
    assert pattern.image_tag_pattern == "b"  # a named option wins over `options`
    assert LintSettings(options={"image_tag_pattern": "a"}).image_tag_pattern == "a"
    with pytest.raises(AttributeError, match="nope"):
        _ = LintSettings().nope
    assert getattr(LintSettings(), "nope", "default") == "default"


def test_broken_input_cannot_be_disabled_or_downgraded_in_code_either() -> None:
    settings = LintSettings(
        disabled=frozenset({"yaml-syntax"}), severity={"yaml-syntax": Severity.WARNING}
    )
    assert not settings.is_disabled("yaml-syntax")
    assert not settings.is_disabled("yaml-syntax", ["yaml-syntax"])
    assert settings.severity_for("yaml-syntax", Severity.ERROR) is Severity.ERROR
    assert settings.severity_for("labels", Severity.ERROR) is Severity.ERROR
    assert not settings.is_disabled("labels")


def test_a_rule_option_may_not_reuse_a_lint_key(monkeypatch: pytest.MonkeyPatch) -> None:
    from compiler import rules
    from compiler.rules import _settings

    clash = replace(rules.all_rules()[0], options={"disable": {"type": "string"}})
    monkeypatch.setattr(rules, "all_rules", lambda: (clash,))
    _settings.schema.cache_clear()
    try:
        with pytest.raises(ValueError, match=f"rule {clash.id}: option 'disable' is already"):
            _settings.schema()
    finally:
        _settings.schema.cache_clear()


def test_a_settings_file_leading_out_of_the_repository_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text("lint:\n  disable: [labels]\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / SETTINGS_FILE).symlink_to(outside)
    settings, [problem] = load_settings(repo)
    assert settings == LintSettings()
    assert (problem.rule, problem.file) == ("import-denied", SETTINGS_FILE)
    assert problem.message == f"{SETTINGS_FILE} resolves to {outside}, outside the repository"


def test_an_unreadable_settings_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests may run as root, whom no file mode stops: the read itself fails here.
    (tmp_path / SETTINGS_FILE).write_text("lint: {}\n")

    def denied(path: Path) -> bytes:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", denied)
    settings, [problem] = load_settings(tmp_path)
    assert settings == LintSettings()
    assert (problem.rule, problem.file, problem.line) == ("config-schema", SETTINGS_FILE, None)
    assert problem.message == "cannot read: Permission denied"
    monkeypatch.setattr(Path, "read_bytes", lambda path: (_ for _ in ()).throw(OSError("odd")))
    assert load_settings(tmp_path)[1][0].message == "cannot read: odd"


def test_a_problem_names_its_line_column_and_key(tmp_path: Path) -> None:
    (tmp_path / SETTINGS_FILE).write_text("lint:\n  severity:\n    labels: info\n")
    settings, [problem] = load_settings(tmp_path)
    assert (problem.line, problem.column, problem.path) == (3, 13, "lint.severity.labels")
    assert settings.severity == {} and settings.file == SETTINGS_FILE


def test_the_run_settings_count_without_a_lint_section(tmp_path: Path) -> None:
    settings, problems = _load(tmp_path, "argo_version: '2.12'\nlint: 3\n")
    assert [line for _, line, _ in problems] == [2]
    assert (settings.argo_version, settings.file) == ("2.12", SETTINGS_FILE)


def test_a_wrong_entry_is_reported_once(tmp_path: Path) -> None:
    settings, problems = _load(tmp_path, "lint:\n  disable:\n    - labels\n    - 3\n")
    assert [(rule, line) for rule, line, _ in problems] == [("config-schema", 4)]
    assert "unknown rule id" not in problems[0][2]
    assert settings.disabled == {"labels"}
    settings, problems = _load(
        tmp_path, "lint:\n  severity:\n    labels: 3\n    immutable-image: warning\n"
    )
    assert [(rule, line) for rule, line, _ in problems] == [("config-schema", 3)]
    assert settings.severity == {"immutable-image": Severity.WARNING}


def test_an_unknown_rule_far_from_any_gets_no_hint(tmp_path: Path) -> None:
    _, [(_, _, message)] = _load(tmp_path, "lint:\n  severity:\n    zzzzzzzz: warning\n")
    assert message == "unknown rule id 'zzzzzzzz' in `lint.severity` (see `kftest rules`)"
