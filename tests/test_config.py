"""prow_config.yaml loading: schema, positions, and every bad input a diagnostic at file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.config import _explain, load_config
from compiler.model import Position
from compiler.rules import LintSettings
from compiler.schemacheck import SchemaError
from compiler.yamlpos import load as load_yaml


def load(tmp_path: Path, text: str | bytes):
    path = tmp_path / "prow_config.yaml"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return load_config(path, tmp_path)


def only(diagnostics, rule: str):
    assert [d.rule for d in diagnostics] == [rule], diagnostics
    return diagnostics[0]


GOOD = """\
python_paths:
  - kubeflow/kubeflow/py
workflows:
  - name: unittests
    app_dir: kubeflow/kubeflow/testing/workflows
    component: unit_tests
    job_types: [presubmit, postsubmit]
    include_dirs:
      - py/*
      - testing/*
    params:
      stepImage: gcr.io/kubeflow-ci/test-worker:v20190802-c6f9140-e3b0c4
      useIstio: true
      replicas: 3
  - name: kfctl
    py_func: kubeflow.kubeflow.ci.kfctl_e2e_workflow.create_workflow
    kwargs: {use_basic_auth: false}
    lint:
      disable: [step-image]
"""


def test_entries_keep_types_and_positions(tmp_path: Path) -> None:
    config, diagnostics = load(tmp_path, GOOD)
    assert diagnostics == []
    assert config is not None
    first, second = config.workflows
    assert first.params == {
        "stepImage": "gcr.io/kubeflow-ci/test-worker:v20190802-c6f9140-e3b0c4",
        "useIstio": True,
        "replicas": 3,
    }
    assert type(first.params["replicas"]) is int
    assert first.include_dirs == ["py/*", "testing/*"]
    assert first.where("params.stepImage").line == 12
    assert first.where("include_dirs[1]").line == 10
    assert first.where("params.unknown").line == 11  # falls back to the nearest key set
    # A key stands where the key is, not its value; an entry (a list item: no key) where it
    # starts. Lint and compile diagnostics point there.
    assert first.position == Position("prow_config.yaml", 4, 5)
    assert first.where("component") == Position("prow_config.yaml", 6, 5)
    assert first.where("include_dirs") == Position("prow_config.yaml", 8, 5)  # a block below
    assert first.where("include_dirs[1]") == Position("prow_config.yaml", 10, 9)
    assert second.where("kwargs.use_basic_auth") == Position("prow_config.yaml", 17, 14)
    assert second.kwargs == {"use_basic_auth": False}
    assert second.lint_disable == ["step-image"]
    assert config.python_paths == ["kubeflow/kubeflow/py"]


@pytest.mark.parametrize("text", ["workflows: []\n", "workflows: {}\n", "workflows:\n"])
def test_no_workflows_forms(tmp_path: Path, text: str) -> None:
    config, diagnostics = load(tmp_path, text)
    assert diagnostics == [] and config is not None and config.workflows == []


def test_malformed_yaml(tmp_path: Path) -> None:
    config, diagnostics = load(tmp_path, "workflows:\n  - name: a\n   app_dir: [x\n")
    diagnostic = only(diagnostics, "yaml-syntax")
    assert config is None
    assert diagnostic.file == "prow_config.yaml" and diagnostic.line == 3


def test_non_mapping_top_level(tmp_path: Path) -> None:
    config, diagnostics = load(tmp_path, "- name: a\n")
    diagnostic = only(diagnostics, "config-schema")
    assert config is None and "top level must be a mapping" in diagnostic.message


def test_scalar_job_types_and_include_dirs(tmp_path: Path) -> None:
    # The seed's own docstring wrote these as scalars; it then matched substrings/characters.
    _, diagnostics = load(
        tmp_path,
        "workflows:\n  - name: a\n    app_dir: x\n    component: y\n"
        "    job_types:\n      presubmit\n    include_dirs:\n      tensorflow/*\n",
    )
    assert [(d.rule, d.line, d.path) for d in diagnostics] == [
        ("config-schema", 6, "workflows[0].job_types"),
        ("config-schema", 8, "workflows[0].include_dirs"),
    ]
    assert "must be a list" in diagnostics[0].message
    assert "[presubmit]" in diagnostics[0].message


def test_unknown_key_did_you_mean(tmp_path: Path) -> None:
    _, diagnostics = load(
        tmp_path,
        "workflows:\n  - name: a\n    app_dir: x\n    component: y\n    include_dir: [a]\n",
    )
    diagnostic = only(diagnostics, "config-schema")
    assert (diagnostic.line, diagnostic.column) == (5, 5)
    assert "did you mean `include_dirs`" in diagnostic.message


def test_unknown_top_level_key(tmp_path: Path) -> None:
    _, diagnostics = load(tmp_path, "workflow: []\n")
    messages = sorted(d.message for d in diagnostics)
    assert any("did you mean `workflows`" in m for m in messages)
    assert any("missing the top-level `workflows:`" in m for m in messages)


def test_both_app_dir_and_py_func(tmp_path: Path) -> None:
    config, diagnostics = load(
        tmp_path, "workflows:\n  - name: a\n    app_dir: x\n    component: y\n    py_func: a.b\n"
    )
    diagnostic = only(diagnostics, "config-schema")
    assert diagnostic.line == 2 and "not both" in diagnostic.message
    assert config is not None and config.workflows == []  # the broken entry is not compiled


def test_neither_component_nor_py_func(tmp_path: Path) -> None:
    _, diagnostics = load(tmp_path, "workflows:\n  - name: a\n    app_dir: x\n")
    assert "needs a `component`" in only(diagnostics, "config-schema").message


def test_bad_job_type_value(tmp_path: Path) -> None:
    _, diagnostics = load(
        tmp_path, "workflows:\n  - name: a\n    py_func: a.b\n    job_types: [presubmitt]\n"
    )
    diagnostic = only(diagnostics, "config-schema")
    assert diagnostic.line == 4 and "did you mean `presubmit`" in diagnostic.message


def test_tekton_entry_loads(tmp_path: Path) -> None:
    config, diagnostics = load(
        tmp_path,
        "workflows:\n"
        "  - name: go-unittests\n"
        "    tekton_run: kubeflow/testing/tekton/runs/go-test-run.yaml\n"
        "    tekton_params: [{name: testing-cluster-pattern, value: 'kf-v1-(?!n\\d\\d)'}]\n"
        "    tekton_teardown: kubeflow/testing/tekton/testing/dummy-teardown-run.yaml\n"
        "    tekton_teardown_params: [{name: utter, value: bar}]\n"
        "    kwargs: {test_target_name: go-tests}\n"
        "    include_dirs: [py/*]\n",
    )
    assert diagnostics == []
    assert config is not None
    entry = config.workflows[0]
    assert entry.kind == "tekton"
    assert entry.tekton_params == [("testing-cluster-pattern", "kf-v1-(?!n\\d\\d)")]
    assert entry.tekton_teardown_params == [("utter", "bar")]
    assert entry.tekton_teardown == "kubeflow/testing/tekton/testing/dummy-teardown-run.yaml"
    assert entry.where("tekton_params[0].value").line == 4


def test_a_tekton_entry_without_params_has_none(tmp_path: Path) -> None:
    config, diagnostics = load(tmp_path, "workflows:\n  - name: a\n    tekton_run: x.yaml\n")
    assert diagnostics == [] and config is not None
    [entry] = config.workflows
    assert (entry.tekton_params, entry.tekton_teardown_params) == ([], [])


@pytest.mark.parametrize(
    ("extra", "fact"),
    [
        ("    py_func: a.b\n", "this entry has `py_func` and `tekton_run`"),
        ("    app_dir: ci\n    component: x\n", "`app_dir` + `component` and `tekton_run`"),
    ],
)
def test_tekton_with_another_kind(tmp_path: Path, extra: str, fact: str) -> None:
    text = "workflows:\n  - name: a\n    tekton_run: x.yaml\n" + extra
    config, diagnostics = load(tmp_path, text)
    diagnostic = only(diagnostics, "config-schema")
    assert diagnostic.line == 2 and fact in diagnostic.message
    assert "exactly one of" in diagnostic.message
    assert config is not None and config.workflows == []


def test_tekton_keys_without_tekton_run(tmp_path: Path) -> None:
    _, diagnostics = load(
        tmp_path, "workflows:\n  - name: a\n    py_func: a.b\n    tekton_teardown: t.yaml\n"
    )
    assert (
        "`tekton_teardown` only belong to a `tekton_run` entry"
        in only(diagnostics, "config-schema").message
    )


def test_no_kind_at_all(tmp_path: Path) -> None:
    _, diagnostics = load(tmp_path, "workflows:\n  - name: a\n")
    message = only(diagnostics, "config-schema").message
    assert "exactly one of" in message and "`tekton_run`" in message and "`py_func`" in message


@pytest.mark.parametrize(
    ("params", "line", "fact"),
    [
        ("[{name: a}]", 4, "missing `value`"),
        ("[{name: 'bad name', value: x}]", 4, "not a valid Tekton param name"),
        ("{a: b}", 4, "must be a list"),
        ("[{name: a, value: x, extra: 1}]", 4, "unknown key `extra`"),
    ],
)
def test_bad_tekton_params(tmp_path: Path, params: str, line: int, fact: str) -> None:
    _, diagnostics = load(
        tmp_path, f"workflows:\n  - name: a\n    tekton_run: x.yaml\n    tekton_params: {params}\n"
    )
    diagnostic = only(diagnostics, "config-schema")
    assert diagnostic.line == line and fact in diagnostic.message, diagnostic


def test_test_target_name_must_be_a_string(tmp_path: Path) -> None:
    _, diagnostics = load(
        tmp_path,
        "workflows:\n  - name: a\n    tekton_run: x.yaml\n    kwargs: {test_target_name: [1]}\n",
    )
    assert only(diagnostics, "config-schema").line == 4


def test_non_utf8(tmp_path: Path) -> None:
    config, diagnostics = load(tmp_path, b"workflows:\n  - name: caf\xe9\n")
    diagnostic = only(diagnostics, "yaml-syntax")
    assert config is None and diagnostic.line == 2 and "UTF-8" in diagnostic.message


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_empty_file(tmp_path: Path, text: str) -> None:
    config, diagnostics = load(tmp_path, text)
    diagnostic = only(diagnostics, "config-schema")
    assert config is None and "empty" in diagnostic.message
    assert (diagnostic.line, diagnostic.column) == (1, 1)


def test_duplicate_names_only_for_overlapping_job_types(tmp_path: Path) -> None:
    # The seed's common pattern: one name, presubmit and postsubmit variants.
    _, diagnostics = load(
        tmp_path,
        "workflows:\n"
        "  - {name: e2e, py_func: a.b, job_types: [presubmit]}\n"
        "  - {name: e2e, py_func: a.b, job_types: [postsubmit]}\n"
        "  - {name: e2e, py_func: a.b}\n",
    )
    diagnostic = only(diagnostics, "duplicate-name")
    assert diagnostic.line == 4 and diagnostic.workflow == "e2e"


def test_duplicate_yaml_key(tmp_path: Path) -> None:
    _, diagnostics = load(tmp_path, "workflows: []\nworkflows: []\n")
    assert only(diagnostics, "yaml-syntax").line == 2


def test_bad_entry_name(tmp_path: Path) -> None:
    _, diagnostics = load(tmp_path, "workflows:\n  - {name: 'my test!', py_func: a.b}\n")
    assert "letters, digits" in only(diagnostics, "config-schema").message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (  # a mapping where the list belongs (only the empty one means "no workflows")
            "workflows: {a: 1}\n",
            [(1, "workflows", None, "`workflows` must be a list of entries (`- name: ...`)")],
        ),
        (
            "workflows:\n  - name: a\n    py_func: a.b\n    include_dirs: ['']\n",
            [
                (
                    4,
                    "workflows[0].include_dirs[0]",
                    "a",
                    "include_dirs[0] of entry 'a' must not be empty",
                )
            ],
        ),
        (
            "workflows:\n  - name: a\n    py_func: a.b\n    params: 3\n    job_types: {x: 1}\n"
            "    kwargs: 'x'\n    include_dirs: [null]\n    lint: [1]\n",
            [
                (4, "workflows[0].params", "a", "params of entry 'a' must be of type"),
                (4, "workflows[0].params", "a", ", not int 3"),
                (
                    5,
                    "workflows[0].job_types",
                    "a",
                    "job_types of entry 'a' must be a list, not a mapping",
                ),
                (6, "workflows[0].kwargs", "a", ", not the string 'x'"),
                (7, "workflows[0].include_dirs[0]", "a", "must be of type string, not null"),
                (
                    8,
                    "workflows[0].lint",
                    "a",
                    "lint of entry 'a' must be of type object, not a list",
                ),
            ],
        ),
        (  # no usable name: the entry is numbered, and no workflow is named in the diagnostic
            "workflows:\n  - py_func: a.b\n    params: 3\n",
            [
                (2, "workflows[0]", None, "entry #1 is missing `name`"),
                (3, "workflows[0].params", None, "params of entry #1 must be"),
            ],
        ),
        (
            "python_paths: 3\nworkflows: []\n",
            [(1, "python_paths", None, "python_paths must be a list, not int 3")],
        ),
        (
            "workflows:\n  - name: a\n    py_func: 'a b'\n",
            [(3, "workflows[0].py_func", "a", "`py_func` 'a b' must be a dotted path")],
        ),
        (
            "workflows:\n  - name: a\n    py_func: a.b\n    lint: {disable: [Bad_Rule]}\n",
            [
                (
                    4,
                    "workflows[0].lint.disable[0]",
                    "a",
                    "lint.disable[0] of entry 'a': 'Bad_Rule' does not match",
                )
            ],
        ),
        (
            "workflows:\n  - name: a\n    component: c\n",
            [(2, "workflows[0]", "a", "entry 'a': `component` needs an `app_dir`")],
        ),
        (
            "workflows:\n  - name: a\n    py_func: a.b\n    lint: {disabl: []}\n",
            [
                (
                    4,
                    "workflows[0].lint.disabl",
                    "a",
                    "unknown key `disabl` in lint of entry 'a'; did you mean `disable`?",
                )
            ],
        ),
        (
            "workflows: 'abc'\n",
            [
                (
                    1,
                    "workflows",
                    None,
                    "workflows must be a list, not the string 'abc'; write `[abc]`",
                )
            ],
        ),
    ],
)
def test_schema_errors_name_the_place_and_the_fix(
    tmp_path: Path, text: str, expected: list[tuple[int, str, str | None, str]]
) -> None:
    config, diagnostics = load(tmp_path, text)
    assert [d.rule for d in diagnostics] == ["config-schema"] * len({e[:2] for e in expected})
    for line, path, workflow, fragment in expected:
        assert any(
            (d.line, d.path, d.workflow) == (line, path, workflow) and fragment in d.message
            for d in diagnostics
        ), (line, path, fragment, diagnostics)
    assert config is not None and config.workflows == []  # the broken entries are not compiled


def test_an_unknown_top_level_key_is_named_with_the_fix(tmp_path: Path) -> None:
    _, diagnostics = load(tmp_path, "workflows: []\npython_path: [a]\n")
    diagnostic = only(diagnostics, "config-schema")
    assert (diagnostic.line, diagnostic.path, diagnostic.workflow) == (2, "python_path", None)
    assert diagnostic.message == (
        "unknown key `python_path`; did you mean `python_paths`? (allowed: python_paths, workflows)"
    )


def test_config_problems_cannot_be_switched_off(tmp_path: Path) -> None:
    _, diagnostics = load(
        tmp_path,
        "workflows:\n  - {name: e2e, py_func: a.b}\n  - {name: e2e, py_func: a.b}\n"
        "  - {name: x, py_func: a.b, job_types: [nope]}\n",
    )
    assert sorted(d.rule for d in diagnostics) == ["config-schema", "duplicate-name"]
    settings = LintSettings(disabled=frozenset({"config-schema", "duplicate-name"}))
    assert settings.apply(diagnostics, ["config-schema", "duplicate-name"]) == diagnostics


def test_a_schema_keyword_without_its_own_words_still_names_the_place() -> None:
    # Every keyword the schema uses today has its own message; one added later falls back to
    # the validator's message, still at the right line and entry.
    located, _ = load_yaml(b"workflows:\n  - {name: a, py_func: a.b}\n", "prow_config.yaml")
    error = SchemaError(
        validator="uniqueItems",
        validator_value=True,
        instance="a.b",
        schema={},
        absolute_path=("workflows", 0, "py_func"),
        message="is not unique",
    )
    [diagnostic] = _explain(error, located, "prow_config.yaml")
    assert (diagnostic.line, diagnostic.workflow) == (2, "a")
    assert diagnostic.message == "py_func of entry 'a': is not unique"
    # At the top-level list too: only maxProperties there means "a mapping, not a list".
    error = SchemaError("minItems", 1, [], {}, ("workflows",), "should be non-empty")
    [diagnostic] = _explain(error, located, "prow_config.yaml")
    assert diagnostic.message == "workflows: should be non-empty"


def test_a_schema_node_may_word_its_own_message() -> None:
    located, _ = load_yaml(b"workflows:\n  - {name: a, py_func: a.b}\n", "prow_config.yaml")

    def explain(validator: str) -> list[str]:
        error = SchemaError(
            validator=validator,
            validator_value=1,
            instance={"x": 1},
            schema={"x-message": "`{key}` must be a word, not {value}", "properties": {}},
            absolute_path=("workflows", 0, "py_func"),
            message="'x' is a required property",
        )
        return [d.message for d in _explain(error, located, "prow_config.yaml")]

    assert explain("type") == ["`py_func` must be a word, not {'x': 1}"]
    # Unknown and missing keys keep their own words (the node's message is about its value).
    assert explain("additionalProperties")[0].startswith("unknown key `x`")
    assert explain("required") == ["py_func of entry 'a' is missing `x`"]


def test_a_read_error_is_a_usage_error_not_a_schema_error(tmp_path: Path) -> None:
    from compiler.diagnostics import UsageError

    (tmp_path / "prow_config.yaml").mkdir()  # read_bytes fails as it does for mode 000
    with pytest.raises(UsageError, match=r"prow_config.yaml: cannot read: Is a directory"):
        load_config(tmp_path / "prow_config.yaml", tmp_path)


def test_a_config_symlinked_out_of_the_repository_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text("workflows: []\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "prow_config.yaml").symlink_to(outside)
    config, diagnostics = load_config(repo / "prow_config.yaml", repo)
    assert config is None
    [diagnostic] = diagnostics
    assert (diagnostic.rule, diagnostic.file) == ("import-denied", "prow_config.yaml")
    assert diagnostic.message == (
        f"prow_config.yaml resolves to {outside}, outside the repository; "
        "kftest reads configuration only from inside it"
    )


def test_the_cached_result_is_the_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import compiler.config

    store = tmp_path / "cache"
    monkeypatch.setenv("KFTEST_CACHE_DIR", str(store))
    path = tmp_path / "prow_config.yaml"
    path.write_text(GOOD)
    assert load_config(path, tmp_path) == load_config(path, tmp_path, cached=False)
    assert not store.exists()  # uncached unless asked
    first = load_config(path, tmp_path, cached=True)
    assert len(list(store.iterdir())) == 1

    def broken(raw: bytes, file: str) -> None:
        raise AssertionError("parsed again instead of read from the cache")

    with monkeypatch.context() as patch:
        patch.setattr(compiler.config, "_load_bytes", broken)
        assert load_config(path, tmp_path, cached=True) == first
    # A changed file is parsed again, and a file over the size limit is not cached.
    path.write_text(GOOD.replace("unittests", "unit"))
    config, _ = load_config(path, tmp_path, cached=True)
    assert config is not None and config.workflows[0].name == "unit"
    monkeypatch.setattr(compiler.config, "CACHED_BYTES", len(path.read_bytes()))
    with monkeypatch.context() as patch:  # a file of exactly the limit is still cached
        patch.setattr(compiler.config, "_load_bytes", broken)
        assert load_config(path, tmp_path, cached=True) == (config, [])
    monkeypatch.setattr(compiler.config, "CACHED_BYTES", 10)
    with monkeypatch.context() as patch:
        patch.setattr(compiler.config, "_load_bytes", broken)
        with pytest.raises(AssertionError, match="parsed again"):
            load_config(path, tmp_path, cached=True)
