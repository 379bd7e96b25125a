"""Compiled PipelineRuns are validated against the Tekton API of their apiVersion."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from compiler.diagnostics import Diagnostic
from compiler.model import CompiledWorkflow, Entry, Position
from compiler.validate import tekton
from compiler.validate.tekton import (
    TEARDOWN_FOR,
    Placer,
    api_version,
    check_document,
    is_pipeline_run,
    repository_definitions,
    teardown_of,
    validate_compiled,
)
from tests.conftest import REPO_ROOT, run_kftest

FIXTURE = REPO_ROOT / "tests/data/tekton-repo"
ENV = {"REPO_OWNER": "kubeflow", "REPO_NAME": "kftest"}


def run(api: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": f"tekton.dev/{api}",
        "kind": "PipelineRun",
        "metadata": {"name": "r", "namespace": "kf-ci", "labels": {"org": "kubeflow"}},
        "spec": spec,
    }


def problems(document: dict[str, Any]) -> list[tuple[str, str | None, str]]:
    return [(d.rule, d.path, d.message) for d in check_document(document)]


SEED_SPEC = {
    "params": [{"name": "artifacts-gcs", "value": "gs://b/x"}],
    "serviceAccountName": "kf-ci",
    "resources": [
        {
            "name": "source-repo",
            "resourceSpec": {
                "type": "git",
                "params": [{"name": "url", "value": "https://github.com/kubeflow/testing.git"}],
            },
        }
    ],
    "pipelineRef": {"name": "go-tests"},
    "timeout": "1h",
}


def test_the_seed_era_run_is_valid_v1alpha1_and_v1beta1() -> None:
    assert problems(run("v1alpha1", SEED_SPEC)) == []
    assert problems(run("v1beta1", SEED_SPEC)) == []


def test_v1_has_no_pipeline_resources() -> None:
    found = {path: message for _, path, message in problems(run("v1", SEED_SPEC))}
    assert "unknown field 'resources' in PipelineRunSpec" in found["spec.resources"]
    # v1 moved it to taskRunTemplate and renamed timeout to timeouts
    assert "spec.serviceAccountName" in found and "spec.timeout" in found


@pytest.mark.parametrize(
    ("api", "spec", "path", "fact"),
    [
        ("v1beta1", {"serviceAcountName": "x"}, "spec.serviceAcountName",
         "did you mean 'serviceAccountName'"),
        ("v1alpha1", {"params": [{"name": "a", "value": 3}]}, "spec.params[0].value", "expected"),
        ("v1", {"params": [{"value": "x"}]}, "spec.params[0]", "missing required field 'name'"),
        ("v1", {"pipelineRef": "go-tests"}, "spec.pipelineRef", "expected a mapping, got a string"),
        ("v1beta1", {"pipelineSpec": {"tasks": [{"name": "t", "conditions": []}]}},
         "spec.pipelineSpec.tasks[0].conditions", "removed after Tekton v0.20.0"),
        ("v1alpha1", {"pipelineSpec": {"finally": []}}, "spec.pipelineSpec.finally",
         "not part of tekton.dev/v1alpha1 (tekton.dev/v1beta1 has it)"),
        ("v1beta1", {"pipelineSpec": {"tasks": [{"name": "t", "taskSpec": {"steps": [
            {"name": "s", "image": "busybox:1.36", "env": [{"name": "A", "valu": "1"}]}]}}]}},
         "spec.pipelineSpec.tasks[0].taskSpec.steps[0].env[0].valu", "did you mean 'value'"),
    ],
)  # fmt: skip
def test_structural_problems(api: str, spec: dict[str, Any], path: str, fact: str) -> None:
    found = problems(run(api, spec))
    assert any(p == path and fact in m and r == "tekton-schema" for r, p, m in found), found


def test_v1alpha1_task_inputs_and_outputs() -> None:
    task_spec = {
        "inputs": {"params": [{"name": "p"}], "resources": [{"name": "src", "type": "git"}]},
        "steps": [{"name": "s", "image": "golang:1.14.4"}],
    }
    spec = {"pipelineSpec": {"tasks": [{"name": "t", "taskSpec": task_spec}]}}
    assert problems(run("v1alpha1", spec)) == []
    assert any("inputs" in m for _, _, m in problems(run("v1beta1", spec)))


def test_param_values_take_the_wire_formats() -> None:
    params = [
        {"name": "s", "value": "x"},
        {"name": "a", "value": ["x", "y"]},
        {"name": "o", "value": {"k": "v"}},
    ]
    assert problems(run("v1", {"params": params})) == []


def test_repository_definitions_index_pipelines_and_tasks() -> None:
    index = repository_definitions(FIXTURE.resolve())
    assert set(index["Pipeline"]) == {"go-tests", "teardown"}
    assert set(index["Task"]) == {"go-test", "echo"}
    assert index["Task"]["echo"].file == "tekton/tasks/go-test.yaml"


def lint(repo: Path) -> dict[str, Any]:
    result = run_kftest("lint", "--repo-root", str(repo), "--format", "json", env=ENV)
    return json.loads(result.stdout) | {"code": result.code}


def test_fixture_lints_clean() -> None:
    report = lint(FIXTURE)
    assert report["code"] == 0 and report["diagnostics"] == [], report


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURE, repo, ignore=shutil.ignore_patterns("golden"))
    return repo


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_diagnostics_point_at_the_file_and_line_to_change(broken: Path) -> None:
    run_file = broken / "tekton/runs/go-test-run.yaml"
    edit(run_file, "  serviceAccountName: kf-ci", "  serviceAcountName: kf-ci")
    edit(broken / "tekton/pipelines/go-tests.yaml", "      name: go-test\n", "      name: go-tst\n")
    edit(run_file, "    name: go-tests", "    name: go-test")  # a Task's name, not a Pipeline's
    report = lint(broken)
    assert report["code"] == 1
    found = {(d["rule"], d["file"], d["line"], d["workflow"]): d for d in report["diagnostics"]}
    schema = found[("tekton-schema", "tekton/runs/go-test-run.yaml", 17, "go-unittests")]
    assert "did you mean 'serviceAccountName'" in schema["message"] and schema["column"] == 3
    ref = found[("tekton-semantic", "tekton/runs/go-test-run.yaml", 28, "go-unittests")]
    assert "pipelineRef 'go-test' names no Pipeline" in ref["message"]
    assert "did you mean 'go-tests'" in ref["message"]
    # The v1 run still names go-tests: its task's dangling taskRef is in the Pipeline's file.
    task = found[("tekton-semantic", "tekton/pipelines/go-tests.yaml", 19, "lint-v1")]
    assert "taskRef 'go-tst' names no Task" in task["message"]


def test_a_tekton_params_value_is_blamed_on_prow_config(broken: Path) -> None:
    config = broken / "prow_config.yaml"
    edit(config, "    tekton_teardown_params: [{name: utter, value: bar}]",
         "    tekton_teardown_params: [{name: utter, value: {a: [1]}}]")  # fmt: skip
    report = lint(broken)
    [diagnostic] = [d for d in report["diagnostics"] if d["rule"] == "tekton-schema"]
    assert (diagnostic["file"], diagnostic["line"]) == ("prow_config.yaml", 17), diagnostic


def test_refs_with_a_resolver_or_in_a_repository_without_definitions_are_not_judged(
    broken: Path,
) -> None:
    run_file = broken / "tekton/runs/go-test-run.yaml"
    edit(
        run_file,
        "  pipelineRef:\n    name: go-tests",
        "  pipelineRef:\n    name: elsewhere\n    bundle: gcr.io/x/y:v1",
    )
    assert lint(broken)["code"] == 0
    shutil.rmtree(broken / "tekton/pipelines")
    shutil.rmtree(broken / "tekton/tasks")
    edit(run_file, "    bundle: gcr.io/x/y:v1\n", "")
    assert lint(broken)["code"] == 0


# --- what is a PipelineRun -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "is_run", "api"),
    [
        ({"apiVersion": "tekton.dev/v1", "kind": "PipelineRun"}, True, "v1"),
        ({"apiVersion": "tekton.dev/v1beta1"}, True, "v1beta1"),
        ({"apiVersion": "tekton.dev/v1alpha1", "kind": "TaskRun"}, True, "v1alpha1"),
        ({"apiVersion": "tekton.dev/v2", "kind": "PipelineRun"}, True, None),
        ({"kind": "PipelineRun"}, True, None),
        ({"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow"}, False, None),
        ({"apiVersion": "tekton.devx/v1", "kind": "Workflow"}, False, None),
        ({"apiVersion": 3, "kind": "Workflow"}, False, None),
        ([], False, None),
    ],
)
def test_pipeline_runs_and_their_api_versions(document: Any, is_run: bool, api: str | None) -> None:
    assert is_pipeline_run(document) is is_run
    if isinstance(document, dict):
        assert api_version(document) == api


@pytest.mark.parametrize(
    ("metadata", "teardown"),
    [
        ({"annotations": {"kftest.kubeflow.org/teardown-for": "go-unittests"}}, "go-unittests"),
        ({"annotations": {"kftest.kubeflow.org/teardown-for": 3}}, None),
        ({"annotations": {"other": "x"}}, None),
        ({"annotations": ["kftest.kubeflow.org/teardown-for"]}, None),
        ({"annotations": None}, None),
        (None, None),
    ],
)
def test_a_teardown_run_names_the_run_it_tears_down(metadata: Any, teardown: str | None) -> None:
    assert teardown_of({"metadata": metadata}) == teardown


@pytest.mark.parametrize("api", ["tekton.dev/v2", "argoproj.io/v1alpha1", None])
def test_an_unknown_api_version_is_one_finding(api: str | None) -> None:
    document = {**run("v1", {}), "apiVersion": api}
    assert problems(document) == [
        (
            "tekton-schema",
            "apiVersion",
            f"apiVersion {api!r} is not one of tekton.dev/v1alpha1, tekton.dev/v1beta1, "
            "tekton.dev/v1",
        )
    ]


def test_schema_problems_are_capped_at_twenty() -> None:
    found = problems(run("v1", {f"bogus{i:02}": 1 for i in range(25)}))
    assert [path for _, path, _ in found] == [f"spec.bogus{i:02}" for i in range(20)]


def test_a_field_tekton_removed_says_why() -> None:
    spec = {"pipelineSpec": {"tasks": [{"name": "t", "conditions": []}]}}
    [(_, path, message)] = problems(run("v1beta1", spec))
    assert path == "spec.pipelineSpec.tasks[0].conditions"
    assert message.startswith(
        "field 'conditions' in PipelineTask is not part of tekton.dev/v1beta1 ("
    )


# --- references, in-process ------------------------------------------------------------------

TASKS = """\
apiVersion: tekton.dev/v1beta1
kind: Task
metadata: {name: build}
---
apiVersion: tekton.dev/v1beta1
kind: ClusterTask
metadata: {name: shared}
"""


def compiled_run(
    repo: Path, text: str, entry: Entry | None = None, source: str = "runs/run.yaml"
) -> CompiledWorkflow:
    (repo / source).parent.mkdir(parents=True, exist_ok=True)
    (repo / source).write_text(text)
    loaded = YAML(typ="safe").load(text)
    entry = entry or Entry(name="e", index=0, position=Position("prow_config.yaml", 3, 5))
    return CompiledWorkflow(entry, "presubmit", "r", loaded, source=source)


def placed(repo: Path, compiled: CompiledWorkflow) -> list[tuple[str, str | None, int | None, str]]:
    return [
        (d.rule, d.file, d.line, d.message)
        for d in validate_compiled(compiled, repo)
        if d.workflow == compiled.entry.name and d.rule == "tekton-semantic"
    ]


INLINE_RUN = """\
apiVersion: tekton.dev/v1beta1
kind: PipelineRun
metadata: {generateName: r-}
spec:
  pipelineSpec:
    tasks:
    - name: a
      taskRef: {name: buld}
    - name: b
      taskRef: {name: build}
    - name: c
      taskRef: {name: nope, kind: Custom}
    - name: d
      taskRef: {name: nope, resolver: git}
    - name: e
      taskRef: {name: nope, bundle: 'gcr.io/x/y:v1'}
    - name: f
      taskRef: {name: ""}
    - name: g
      taskSpec: {steps: [{name: s, image: busybox}]}
    finally:
    - name: z
      taskRef:
        kind: ClusterTask
        name: shard
"""


def test_task_refs_of_an_inline_pipeline_are_checked_at_their_lines(tmp_path: Path) -> None:
    (tmp_path / "tekton").mkdir()
    (tmp_path / "tekton/tasks.yaml").write_text(TASKS)
    assert placed(tmp_path, compiled_run(tmp_path, INLINE_RUN)) == [
        (
            "tekton-semantic",
            "runs/run.yaml",
            8,
            "taskRef 'buld' names no Task of this repository (it defines build); "
            "did you mean 'build'?",
        ),
        (
            "tekton-semantic",
            "runs/run.yaml",
            25,
            "taskRef 'shard' names no ClusterTask of this repository (it defines shared); "
            "did you mean 'shared'?",
        ),
    ]


def test_without_definitions_of_a_kind_its_refs_are_not_judged(tmp_path: Path) -> None:
    (tmp_path / "tekton").mkdir()
    (tmp_path / "tekton/tasks.yaml").write_text(TASKS.split("---")[0])  # no ClusterTask
    found = placed(tmp_path, compiled_run(tmp_path, INLINE_RUN))
    assert [line for _, _, line, _ in found] == [8]


def test_a_long_list_of_definitions_is_cut_after_five(tmp_path: Path) -> None:
    (tmp_path / "tasks.yaml").write_text(
        "\n---\n".join(
            f"apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {{name: t{i}}}" for i in range(6)
        )
    )
    (tmp_path / "five.yaml").write_text(
        "\n---\n".join(
            f"apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {{name: p{i}}}" for i in range(5)
        )
    )
    text = "apiVersion: tekton.dev/v1\nkind: PipelineRun\nspec:\n  pipelineSpec:\n    tasks:\n"
    text += "    - {name: a, taskRef: {name: zzz}}\n"
    text += "  pipelineRef: {name: yyy}\n"
    messages = [message for _, _, _, message in placed(tmp_path, compiled_run(tmp_path, text))]
    assert messages == [
        "pipelineRef 'yyy' names no Pipeline of this repository (it defines p0, p1, p2, p3, p4)",
        "taskRef 'zzz' names no Task of this repository (it defines t0, t1, t2, t3, t4, ...)",
    ]


def test_a_referenced_pipeline_is_followed_to_its_own_file(tmp_path: Path) -> None:
    (tmp_path / "tekton").mkdir()
    (tmp_path / "tekton/tasks.yaml").write_text(TASKS)
    (tmp_path / "tekton/pipeline.yaml").write_text(
        "# the pipeline\napiVersion: tekton.dev/v1beta1\nkind: Pipeline\n"
        "metadata: {name: p}\nspec:\n  tasks:\n  - name: a\n    taskRef: {name: build}\n"
        "  finally:\n  - name: b\n    taskRef:\n      name: biuld\n"
    )
    text = "apiVersion: tekton.dev/v1beta1\nkind: PipelineRun\nspec:\n  pipelineRef: {name: p}\n"
    assert placed(tmp_path, compiled_run(tmp_path, text)) == [
        (
            "tekton-semantic",
            "tekton/pipeline.yaml",
            12,
            "taskRef 'biuld' names no Task of this repository (it defines build); did you mean "
            "'build'? (in Pipeline 'p', which the run's pipelineRef names)",
        )
    ]


# --- the repository's definitions --------------------------------------------------------------


def test_only_tekton_definitions_outside_skipped_directories_are_indexed(tmp_path: Path) -> None:
    def task(name: str, api: str = "tekton.dev/v1", kind: str = "Task") -> str:
        return f"apiVersion: {api}\nkind: {kind}\nmetadata: {{name: {name}}}\n"

    files = {
        "a/first.yaml": task("dup") + "---\n" + task("kept"),
        "b/second.yml": task("dup") + "---\n" + task("pipe", kind="Pipeline"),
        "c/other.yaml": task("argo", api="argoproj.io/v1alpha1") + "# tekton.dev/ mentioned\n",
        "c/kinds.yaml": task("run", kind="PipelineRun") + "---\n" + task("ct", kind="ClusterTask"),
        "c/names.yaml": "apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: [x]}\n---\n"
        "apiVersion: tekton.dev/v1\nkind: Task\nmetadata: []\n---\n- a list\n",
        "c/broken.yaml": task("before-error") + "---\nkey: [unclosed\n---\n" + task("after"),
        "c/notes.txt": task("text"),
        "c/plain.yaml": "apiVersion: v1\nkind: Task\nmetadata: {name: plain}\n",
        ".hidden/h.yaml": task("hidden"),
        "node_modules/n.yaml": task("module"),
        "golden/g.yaml": task("golden"),
        "sub/.git/x.yaml": task("git"),
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    (tmp_path / "c/huge.yaml").write_text(task("huge") + "#" * (1 << 20))
    index = repository_definitions(tmp_path.resolve())
    assert {kind: sorted(names) for kind, names in index.items()} == {
        "Task": ["before-error", "dup", "kept"],
        "Pipeline": ["pipe"],
        "ClusterTask": ["ct"],
    }
    assert index["Task"]["dup"].file == "a/first.yaml"  # the first one found wins
    assert index["Task"]["kept"].lines[("metadata", "name")] == 7  # lines of the file


def test_the_scan_of_the_repository_is_bounded(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(tekton, "MAX_FILES", 3)
    for i in range(5):
        (tmp_path / f"t{i}.yaml").write_text(
            f"apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {{name: t{i}}}\n"
        )
    assert sorted(repository_definitions(tmp_path.resolve())["Task"]) == ["t0", "t1", "t2"]


# --- where a finding is placed ------------------------------------------------------------------

PARAMS_RUN = """\
apiVersion: tekton.dev/v1alpha1
kind: PipelineRun
metadata: {generateName: r-}
spec:
  params:
  - name: from-file
    value: 3
  - name: only-compiled
    value: x
  serviceAcountName: kf-ci
"""


def params_entry() -> Entry:
    return Entry(
        name="e",
        index=0,
        position=Position("prow_config.yaml", 3, 5),
        tekton_run="runs/run.yaml",
        tekton_params=[("other", "v"), ("mine", {"a": 1})],
        tekton_teardown_params=[("down", {"b": 2})],
        positions={
            "tekton_run": Position("prow_config.yaml", 4, 17),
            "tekton_params[1]": Position("prow_config.yaml", 6, 9),
            "tekton_params[1].value": Position("prow_config.yaml", 6, 30),
            "tekton_teardown": Position("prow_config.yaml", 7, 22),
            "tekton_teardown_params[0]": Position("prow_config.yaml", 8, 9),
            "tekton_teardown_params[0].value": Position("prow_config.yaml", 8, 30),
        },
    )


def compiled_params(tmp_path: Path, *, teardown: bool = False) -> CompiledWorkflow:
    compiled = compiled_run(tmp_path, PARAMS_RUN, params_entry())
    spec = compiled.document["spec"]
    # As the compile orders them: kftest's params, the entry's, then the file's own.
    spec["params"] = [
        {"name": "artifacts-gcs", "value": 3},
        {"name": "down" if teardown else "mine", "value": {"a": 1}, "bogus": 1},
        *spec["params"],
    ]
    if teardown:
        compiled.document["metadata"]["annotations"] = {TEARDOWN_FOR: "e"}
    return compiled


def schema_places(compiled: CompiledWorkflow, repo: Path) -> list[tuple[str | None, Any, Any]]:
    return [
        (d.path, d.file, (d.line, d.column))
        for d in validate_compiled(compiled, repo)
        if d.rule == "tekton-schema"
    ]


def test_param_findings_point_at_the_line_that_set_the_param(tmp_path: Path) -> None:
    assert schema_places(compiled_params(tmp_path), tmp_path) == [
        ("spec.params[0].value", "prow_config.yaml", (4, 17)),  # kftest's: the tekton_run line
        ("spec.params[1].value.a", "prow_config.yaml", (6, 30)),
        ("spec.params[1].bogus", "prow_config.yaml", (6, 9)),
        ("spec.params[2].value", "runs/run.yaml", (7, 5)),  # the file's own, where it is
        ("spec.serviceAcountName", "runs/run.yaml", (10, 3)),
    ]


def test_teardown_param_findings_point_at_the_teardown_lines(tmp_path: Path) -> None:
    assert schema_places(compiled_params(tmp_path, teardown=True), tmp_path)[:3] == [
        ("spec.params[0].value", "prow_config.yaml", (7, 22)),
        ("spec.params[1].value.a", "prow_config.yaml", (8, 30)),
        ("spec.params[1].bogus", "prow_config.yaml", (8, 9)),
    ]


def test_a_param_the_file_does_not_have_points_at_its_params(tmp_path: Path) -> None:
    compiled = compiled_params(tmp_path)
    compiled.document["spec"]["params"].append({"name": "added", "value": 4})
    assert schema_places(compiled, tmp_path)[-2] == (
        "spec.params[4].value",
        "runs/run.yaml",
        (5, 3),
    )


def test_a_finding_in_a_value_block_points_at_its_key_then_up_the_path(tmp_path: Path) -> None:
    text = PARAMS_RUN.replace("  serviceAcountName: kf-ci\n", "  timeout:\n    h: 1\n")
    compiled = compiled_run(tmp_path, text, params_entry())
    compiled.document["spec"]["params"][0]["value"] = "ok"
    compiled.document["spec"]["podTemplate"] = {"nodeSelector": 3}  # only in the compiled run
    assert schema_places(compiled, tmp_path) == [
        ("spec.timeout", "runs/run.yaml", (10, 3)),
        ("spec.podTemplate.nodeSelector", "runs/run.yaml", (5, 3)),
    ]


def test_without_its_source_file_a_finding_names_the_file_without_a_line(tmp_path: Path) -> None:
    compiled = compiled_params(tmp_path)
    (tmp_path / "runs/run.yaml").unlink()
    tekton._located.cache_clear()
    places = schema_places(compiled, tmp_path)
    assert places[0] == ("spec.params[0].value", "prow_config.yaml", (4, 17))
    assert places[-1] == ("spec.serviceAcountName", "runs/run.yaml", (None, None))
    assert all(d.workflow == "e" for d in validate_compiled(compiled, tmp_path))


def test_a_run_nested_too_deeply_is_one_finding_not_a_crash() -> None:
    pipeline: dict[str, Any] = {"tasks": [{"name": "t", "taskRef": {"name": "x"}}]}
    for _ in range(400):
        pipeline = {"tasks": [{"name": "t", "pipelineSpec": pipeline}]}
    assert problems(run("v1", {"pipelineSpec": pipeline})) == [
        ("tekton-schema", None, "the document is nested too deeply to check")
    ]


def test_a_finding_about_the_whole_run_names_its_file(tmp_path: Path) -> None:
    compiled = compiled_run(tmp_path, "apiVersion: tekton.dev/v1\nspec: {}\n")
    assert [(d.path, d.file, d.line, d.message) for d in validate_compiled(compiled, tmp_path)] == [
        (None, "runs/run.yaml", None, "missing required field 'kind' in PipelineRun")
    ]


@pytest.mark.parametrize(
    ("api", "version"),
    [("tekton.dev/v1/extra", None), ("tekton.dev/", None), ("tekton.dev/v1beta1", "v1beta1")],
)
def test_the_version_is_all_that_follows_the_group(api: str, version: str | None) -> None:
    assert api_version({"apiVersion": api}) == version


def test_a_rules_finding_about_the_run_is_placed_at_its_line(tmp_path: Path) -> None:
    compiled = compiled_run(tmp_path, PARAMS_RUN, params_entry())
    finding = Diagnostic("some-rule", "m", file="runs/run.yaml", path="spec.serviceAcountName")
    assert Placer(compiled, tmp_path).place(finding) == replace(
        finding, line=10, column=3, workflow="e"
    )
    elsewhere = replace(finding, file="other.yaml", line=2, workflow="w")
    assert Placer(compiled, tmp_path).place(elsewhere) == elsewhere


def test_a_finding_below_what_the_file_has_points_at_the_nearest_part(tmp_path: Path) -> None:
    text = "apiVersion: tekton.dev/v1\nkind: PipelineRun\nspec:\n  timeouts: {pipeline: 1h}\n"
    text += "  taskRunTemplate:\n    serviceAccountName: a\n"
    compiled = compiled_run(tmp_path, text)
    compiled.document["spec"]["taskRunTemplate"]["bogus"] = 1
    assert schema_places(compiled, tmp_path) == [
        ("spec.taskRunTemplate.bogus", "runs/run.yaml", (6, 5))
    ]


def test_odd_params_are_placed_in_the_run_file(tmp_path: Path) -> None:
    text = "apiVersion: tekton.dev/v1\nkind: PipelineRun\nspec:\n  params: x\n"
    assert schema_places(compiled_run(tmp_path, text), tmp_path) == [
        ("spec.params", "runs/run.yaml", (4, 3))
    ]
    text = "apiVersion: tekton.dev/v1\nkind: PipelineRun\nspec:\n  params:\n  - x\n"
    text += "  - {value: v}\n  - name: a\n"
    compiled = compiled_run(tmp_path, text, source="runs/other.yaml")
    compiled.document["spec"]["params"].insert(0, {"name": "artifacts-gcs", "value": "gs://b"})
    assert schema_places(compiled, tmp_path) == [
        ("spec.params[1]", "runs/other.yaml", (4, 3)),  # no name: which one is not known
        ("spec.params[2]", "runs/other.yaml", (4, 3)),
        ("spec.params[3]", "runs/other.yaml", (7, 5)),  # a's value is missing: a's line
    ]


def test_a_pipeline_without_a_spec_has_no_task_refs(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(
        "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {name: p}\n"
    )
    (tmp_path / "t.yaml").write_text("apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: t}\n")
    text = "apiVersion: tekton.dev/v1\nkind: PipelineRun\nspec:\n  pipelineRef: {name: p}\n"
    assert placed(tmp_path, compiled_run(tmp_path, text)) == []


def test_a_task_ref_name_that_is_not_a_string_is_the_schemas_finding(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text("apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: t}\n")
    text = "apiVersion: tekton.dev/v1\nkind: PipelineRun\nspec:\n  pipelineSpec:\n    tasks:\n"
    text += "    - {name: a, taskRef: {name: 3}}\n"
    compiled = compiled_run(tmp_path, text)
    assert placed(tmp_path, compiled) == []
    assert schema_places(compiled, tmp_path) == [
        ("spec.pipelineSpec.tasks[0].taskRef.name", "runs/run.yaml", (6, 27))
    ]


def test_definition_files_up_to_the_size_bound_and_unreadable_ones(tmp_path: Path) -> None:
    task = "apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: exact}\n#"
    (tmp_path / "exact.yaml").write_text(task + "x" * ((1 << 20) - len(task)))
    (tmp_path / "a-broken-link.yaml").symlink_to(tmp_path / "nowhere.yaml")
    assert (tmp_path / "exact.yaml").stat().st_size == 1 << 20
    assert sorted(repository_definitions(tmp_path.resolve())["Task"]) == ["exact"]


def test_a_run_file_over_a_mebibyte_is_refused(broken: Path) -> None:
    run_file = broken / "tekton/runs/go-test-run.yaml"
    text = run_file.read_text() + "#"
    run_file.write_text(text + "x" * ((1 << 20) + 1 - len(text)))
    report = lint(broken)
    messages = [(d["rule"], d["file"], d["message"]) for d in report["diagnostics"]]
    assert (
        "tekton-schema",
        "tekton/runs/go-test-run.yaml",
        "the file is larger than 1024 KiB; is it really a PipelineRun?",
    ) in messages


def test_a_custom_task_naming_a_pipeline_kind_is_left_to_its_controller(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(
        "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {name: p}\n"
    )
    text = "apiVersion: tekton.dev/v1beta1\nkind: PipelineRun\nspec:\n  pipelineSpec:\n    tasks:\n"
    text += "    - {name: a, taskRef: {apiVersion: tekton.dev/v1alpha1, kind: Pipeline, name: q}}\n"
    assert placed(tmp_path, compiled_run(tmp_path, text)) == []
