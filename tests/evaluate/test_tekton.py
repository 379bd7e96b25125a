"""tekton_run entries compile as the seed's Tekton mode did (seed-system.md §2.9)."""

from __future__ import annotations

import json
import os
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from compiler.diagnostics import Diagnostic
from compiler.evaluate import EvalRequest
from compiler.evaluate.tekton import evaluate_tekton, prepare, prow_labels, pull_revision
from compiler.prow import ProwEnv
from compiler.validate.tekton import MAX_BYTES
from compiler.yamlpos import load
from tests.conftest import REPO_ROOT, Result, run_kftest
from tests.evaluate.conftest import make_entry, make_request, write_files


def load_yaml(text: str | bytes) -> Any:
    return YAML(typ="safe").load(text)


FIXTURE = REPO_ROOT / "tests/data/tekton-repo"
PROW = {
    "REPO_OWNER": "kubeflow",
    "REPO_NAME": "testing",
    "JOB_NAME": "kubeflow-testing-presubmit",
    "PULL_NUMBER": "77",
    "PULL_PULL_SHA": "123abc4567",
    "PULL_BASE_SHA": "fedcba9876",
    "BUILD_ID": "1234",
    "BUILD_NUMBER": "1234",
}
RUN = """\
    # the seed's go-test-run.yaml, shortened
    apiVersion: tekton.dev/v1alpha1
    kind: PipelineRun
    metadata:
      generateName: go-test-
      labels: {pipeline: go-test}
    spec:
      params:
      - name: artifacts-gcs
        value: gs://manual/run
      - name: go-version
        value: "1.14"
      - name: cluster-pattern
        value: from-file
      resources:
      - name: source-repo
        resourceSpec:
          type: git
          params:
          - name: url
            value: https://github.com/kubeflow/testing.git
          - name: revision
            value: master
      pipelineRef: {name: go-tests}
"""
CONFIG = """\
    workflows:
      - name: go-unittests
        tekton_run: kubeflow/testing/tekton/run.yaml
        tekton_params: [{name: cluster-pattern, value: from-config}, {name: extra, value: 3}]
        tekton_teardown: tekton/teardown.yaml
        tekton_teardown_params: [{name: utter, value: bar}]
"""
TEARDOWN = """\
    apiVersion: tekton.dev/v1beta1
    kind: PipelineRun
    metadata: {generateName: teardown-}
    spec:
      pipelineRef: {name: teardown}
"""


def compile_json(repo: Path, job_type: str = "presubmit", **env: str) -> tuple[Result, Any]:
    result = run_kftest(
        "compile", "--repo-root", str(repo), "--job-type", job_type, "--all", "--salt", "ab12",
        "--out", str(repo / "out"), "--format", "json", env={**PROW, **env},
    )  # fmt: skip
    return result, json.loads(result.stdout)


def compiled(repo: Path) -> dict[str, dict[str, Any]]:
    return {p.stem: load_yaml(p.read_text()) for p in sorted((repo / "out").glob("*.yaml"))}


@pytest.fixture
def seed_repo(make_repo: Callable[..., Path]) -> Path:
    return make_repo(
        {"prow_config.yaml": CONFIG, "tekton/run.yaml": RUN, "tekton/teardown.yaml": TEARDOWN}
    )


# In-process: prepare() and evaluate_tekton() as the evaluate stage calls them.

SOURCE = "tekton/run.yaml"
RUN_HEAD = "apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata: {generateName: x-}\n"


def prow_env(job_type: str = "presubmit", **env: str) -> ProwEnv:
    values = {key: value for key, value in {**PROW, **env}.items() if value}
    return ProwEnv.from_environ(values, job_type).for_job_type(job_type, placeholders=False)


def prepared(
    text: str, env: ProwEnv | None = None, source: str = SOURCE, **options: Any
) -> tuple[dict[str, Any] | None, list[Diagnostic]]:
    located, problems = load(textwrap.dedent(text).encode(), source)
    assert problems == [] and located is not None
    arguments: dict[str, Any] = {
        "name": "run-1",
        "entry_name": "go-unittests",
        "test_target_name": "go-unittests",
        "extra_params": [],
        "bucket": "kubernetes-jenkins",
        **options,
    }
    return prepare(located, source, env or prow_env(), **arguments)


def only_problem(text: str, **options: Any) -> tuple[str, int | None, int | None, str | None, str]:
    document, [problem] = prepared(text, **options)
    assert document is None and problem.file == SOURCE
    return problem.rule, problem.line, problem.column, problem.path, problem.message


def test_params_become_tekton_strings_after_kftest_s_own() -> None:
    text = """\
        apiVersion: tekton.dev/v1beta1
        kind: PipelineRun
        metadata: {generateName: go-test-}
        spec:
          params:
          - just-a-string
          - {name: 5, value: five}
          - {value: nameless}
          - {name: test-target-name, value: from-file}
          - {name: go-version, value: "1.14"}
          - {name: s, value: from-file}
    """
    extra = [
        ("flag", True), ("off", False), ("n", 10), ("x", 1.5), ("list", [1, True]),
        ("obj", {"a": 2, 3: None}), ("s", "text"),
    ]  # fmt: skip
    document, problems = prepared(text, prow_env("periodic"), extra_params=extra)
    assert problems == [] and document is not None
    assert document["spec"]["params"] == [
        {"name": "test-target-name", "value": "go-unittests"},
        {"name": "artifacts-gcs", "value": "gs://kubernetes-jenkins/logs/kubeflow-testing-presubmit/1234"},
        {"name": "junit-path", "value": "artifacts/junit_go-test-"},
        {"name": "flag", "value": "true"},
        {"name": "off", "value": "false"},
        {"name": "n", "value": "10"},
        {"name": "x", "value": "1.5"},
        {"name": "list", "value": ["1", "true"]},
        {"name": "obj", "value": {"a": "2", "3": None}},
        {"name": "s", "value": "text"},
        {"name": "go-version", "value": "1.14"},
    ]  # fmt: skip


def test_metadata_keeps_the_file_s_namespace_and_annotations() -> None:
    text = """\
        apiVersion: tekton.dev/v1
        kind: PipelineRun
        metadata:
          generateName: go-test-
          namespace: ci
          labels: [not, a, mapping]
          annotations: {note: kept}
        spec: {pipelineRef: {name: go-tests}}
    """
    document, problems = prepared(text, entry_name="a" * 70, teardown_for="main-run")
    assert problems == [] and document is not None
    assert document["metadata"] == {
        "name": "run-1",
        "namespace": "ci",
        "labels": {"org": "kubeflow", "repo": "testing", "workflow": "a" * 63, "pr": "77"},
        "annotations": {
            "note": "kept",
            "kftest.kubeflow.org/source": SOURCE,
            "kftest.kubeflow.org/teardown-for": "main-run",
        },
    }
    # tekton.dev/v1 has no PipelineResources: nothing to point at the pull request.
    assert "resources" not in document["spec"]


def test_labels_without_prow_s_values() -> None:
    env = prow_env("presubmit", REPO_OWNER="", REPO_NAME="", PULL_NUMBER="")
    assert prow_labels(env, "--") == {
        "org": "notset", "repo": "notset", "workflow": "notset", "pr": "notset"
    }  # fmt: skip
    assert prow_labels(prow_env("batch"), "e2e") == {
        "org": "kubeflow", "repo": "testing", "workflow": "e2e"
    }  # fmt: skip


def test_the_revision_of_each_job_type() -> None:
    assert pull_revision(prow_env("presubmit")) == "refs/pull/77/head"
    assert pull_revision(prow_env("postsubmit", PULL_NUMBER="")) == "fedcba9876"
    assert pull_revision(prow_env("postsubmit", PULL_NUMBER="", PULL_BASE_SHA="")) == "master"


def test_only_the_git_resource_of_the_repository_under_test_is_rewritten() -> None:
    text = """\
        apiVersion: tekton.dev/v1alpha1
        kind: PipelineRun
        metadata: {generateName: go-test-}
        spec:
          resources:
          - just-a-string
          - {name: a, resourceSpec: not-a-mapping}
          - {name: b, resourceSpec: {params: not-a-list}}
          - {name: c, resourceSpec: {params: [x, {name: url, value: "https://github.com/o/r.git"}]}}
          - name: d
            resourceSpec:
              type: git
              params:
              - {name: revision, value: master}
              - {name: url, value: "https://github.com/kubeflow/testing.git"}
              - {name: depth, value: "1"}
    """
    document, problems = prepared(text)
    assert problems == [] and document is not None
    resources = document["spec"]["resources"]
    assert resources[:4] == load_yaml(textwrap.dedent(text))["spec"]["resources"][:4]
    assert resources[4]["resourceSpec"] == {
        "type": "git",
        "params": [
            {"name": "url", "value": "https://github.com/kubeflow/testing.git"},
            {"name": "revision", "value": "refs/pull/77/head"},
        ],
    }


def test_offline_the_clone_or_the_seed_path_names_the_repository() -> None:
    text = """\
        apiVersion: tekton.dev/v1beta1
        kind: PipelineRun
        metadata: {generateName: go-test-}
        spec:
          resources:
          - name: source-repo
            resourceSpec:
              type: git
              params: [{name: url, value: "https://github.com/kubeflow/testing.git"}]
    """
    offline = prow_env("presubmit", REPO_OWNER="local", REPO_NAME="repo")
    clone = Path("/work/kubeflow/testing")
    seed_paths = [("kubeflow/testing/tekton/run.yaml", None), ("kubeflow/testing/run.yaml", None)]
    for source, root in [(SOURCE, clone), *seed_paths]:
        document, problems = prepared(text, offline, source=source, repo_root=root)
        assert problems == [] and document is not None, (source, problems)
    # Online, Prow's names only; a two-part path names no repository.
    for env, source, root in [
        (prow_env("presubmit", REPO_NAME="other"), SOURCE, clone),
        (offline, "kubeflow/testing", None),
    ]:
        document, [problem] = prepared(text, env, source=source, repo_root=root)
        assert document is None and problem.rule == "tekton-semantic"
        assert f"the param url = https://github.com/{env.get('REPO_OWNER')}/" in problem.message
        assert (problem.line, problem.column, problem.path) == (6, 3, "spec.resources")


def test_a_teardown_needs_no_git_resource() -> None:
    text = RUN_HEAD.replace("v1", "v1beta1") + "spec: {}\n"
    document, problems = prepared(text, teardown_for="run-1", require_git=False)
    assert problems == [] and document is not None
    document, [problem] = prepared(text)
    assert document is None and problem.rule == "tekton-semantic"
    assert problem.message.startswith("no git resource of the repository under test: a presubmit")
    # No `spec.resources`: the problem stands at `spec`.
    assert (problem.line, problem.column, problem.path) == (4, 7, "spec")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[a, b]\n", ("tekton-schema", 1, 1, None, "the file must hold one PipelineRun mapping")),
        (
            "apiVersion: tekton.dev/v1\nmetadata: {generateName: x-}\nspec: {}\n",
            ("tekton-schema", 1, 1, None, "`kind` must be PipelineRun, not None"),
        ),
        (
            RUN_HEAD.replace("v1", "v2") + "spec: {}\n",
            (
                "tekton-schema", 1, 13, "apiVersion", "`apiVersion` 'tekton.dev/v2' is not a "
                "Tekton API kftest knows (tekton.dev/v1alpha1, tekton.dev/v1beta1, tekton.dev/v1)",
            ),
        ),
        (
            RUN_HEAD.replace("x-", "''") + "spec: {}\n",
            ("tekton-schema", 3, 11, "metadata", "`metadata.generateName` is required (the seed "
             "named runs after it; kftest uses it for the junit-path param)"),
        ),
        (
            RUN_HEAD.replace("x-", "5") + "spec: {}\n",
            ("tekton-schema", 3, 11, "metadata", "`metadata.generateName` is required (the seed "
             "named runs after it; kftest uses it for the junit-path param)"),
        ),
        (
            RUN_HEAD,
            ("tekton-schema", 1, 1, None, "`spec` must be a mapping"),
        ),
    ],
)  # fmt: skip
def test_not_a_pipeline_run_in_process(text: str, expected: tuple[Any, ...]) -> None:
    assert only_problem(text) == expected


def test_no_bucket_no_artifacts_gcs() -> None:
    assert only_problem(RUN_HEAD + "spec: {}\n", bucket="") == (
        "tekton-semantic", 4, 7, "spec", "cannot set artifacts-gcs: --bucket must name a GCS bucket"
    )  # fmt: skip


def tekton_request(root: Path, **fields: Any) -> EvalRequest:
    entry = make_entry(name="go-unittests", **{"tekton_run": SOURCE, **fields})
    return make_request(root, entry, environ=PROW)


def test_evaluate_a_run_and_its_teardown(tmp_path: Path) -> None:
    write_files(tmp_path, {SOURCE: RUN, "tekton/teardown.yaml": TEARDOWN})
    request = tekton_request(
        tmp_path,
        tekton_teardown="tekton/teardown.yaml",
        tekton_teardown_params=[("only", "teardown")],
        kwargs={"test_target_name": "go-tests"},
    )
    result = evaluate_tekton(request)
    assert result.diagnostics == []
    run, down = result.documents
    name = request.run_params["name"]
    assert (run["metadata"]["name"], down["metadata"]["name"]) == (name, f"{name}-teardown")
    assert run["metadata"]["annotations"]["kftest.kubeflow.org/teardown"] == f"{name}-teardown"
    assert down["metadata"]["annotations"]["kftest.kubeflow.org/teardown-for"] == name
    assert result.source == SOURCE
    assert result.imports == {SOURCE, "tekton/teardown.yaml"}
    assert result.params == {p["name"]: p["value"] for p in run["spec"]["params"]}
    assert result.params["test-target-name"] == "go-tests" and "only" not in result.params


def test_a_missing_teardown_stops_its_run_too(tmp_path: Path) -> None:
    write_files(tmp_path, {SOURCE: RUN})
    result = evaluate_tekton(tekton_request(tmp_path, tekton_teardown="tekton/nope.yaml"))
    assert result.documents == []
    [problem] = result.diagnostics
    assert (problem.rule, problem.file, problem.line, problem.column) == (
        "component-missing", "prow_config.yaml", 3, 5
    )  # fmt: skip
    assert (problem.workflow, problem.path) == ("go-unittests", "workflows[0].tekton_teardown")
    assert problem.message == (
        "`tekton_teardown` 'tekton/nope.yaml': no such PipelineRun file inside the repository "
        "or --repos-dir (tried tekton/nope.yaml)"
    )


def test_a_run_that_does_not_parse(tmp_path: Path) -> None:
    write_files(tmp_path, {SOURCE: "kind: [\n"})
    result = evaluate_tekton(tekton_request(tmp_path))
    assert result.documents == [] and result.source == SOURCE
    [problem] = result.diagnostics
    assert (problem.rule, problem.file, problem.workflow) == ("yaml-syntax", SOURCE, "go-unittests")


def test_a_directory_is_no_pipeline_run(tmp_path: Path) -> None:
    (tmp_path / SOURCE).mkdir(parents=True)
    [problem] = evaluate_tekton(tekton_request(tmp_path)).diagnostics
    assert problem.rule == "component-missing" and "no such PipelineRun file" in problem.message


def test_the_repos_dir_comes_first(tmp_path: Path) -> None:
    seed_path = "kubeflow/testing/tekton/run.yaml"
    repos, clone = tmp_path / "repos", tmp_path / "clone"
    write_files(repos, {seed_path: RUN.replace("go-test-", "from-repos-")})
    write_files(clone, {seed_path: RUN})
    entry = make_entry(name="go-unittests", tekton_run=seed_path)
    result = evaluate_tekton(make_request(clone, entry, environ=PROW, repos_dir=repos))
    assert result.diagnostics == []
    params = {p["name"]: p["value"] for p in result.documents[0]["spec"]["params"]}
    assert params["junit-path"] == "artifacts/junit_from-repos-"


def test_a_run_in_another_checkout_beside_the_clone(tmp_path: Path) -> None:
    clone = tmp_path / "kubeflow" / "kubeflow"
    other = tmp_path / "kubeflow" / "testing"
    run = RUN.replace("kubeflow/testing.git", "kubeflow/kubeflow.git")
    write_files(other, {SOURCE: run, ".git/HEAD": "ref: refs/heads/master\n"})
    clone.mkdir()
    env = {**PROW, "REPO_NAME": "kubeflow"}
    entry = make_entry(name="go-unittests", tekton_run="kubeflow/testing/tekton/run.yaml")
    result = evaluate_tekton(make_request(clone, entry, environ=env))
    assert result.diagnostics == [] and len(result.documents) == 1
    missing = make_entry(name="go-unittests", tekton_run="kubeflow/website/tekton/run.yaml")
    [problem] = evaluate_tekton(make_request(clone, missing, environ=env)).diagnostics
    assert problem.message.startswith(
        "`tekton_run` 'kubeflow/website/tekton/run.yaml': no such PipelineRun file inside the "
        "repository or --repos-dir (tried kubeflow/website/tekton/run.yaml; the checkout of "
        "kubeflow/website is missing: tried ../website; clone it beside this repository"
    )


def test_a_pipeline_run_may_be_a_mebibyte(tmp_path: Path) -> None:
    body = textwrap.dedent(RUN).rstrip("\n")  # its last byte matters: `}`
    text = "#" + "x" * (MAX_BYTES - 2 - len(body.encode())) + "\n" + body
    assert len(text.encode()) == MAX_BYTES
    write_files(tmp_path, {SOURCE: text})
    result = evaluate_tekton(tekton_request(tmp_path))
    assert result.diagnostics == [] and len(result.documents) == 1
    write_files(tmp_path, {SOURCE: " " + text})
    [problem] = evaluate_tekton(tekton_request(tmp_path)).diagnostics
    assert (problem.rule, problem.file, problem.line, problem.workflow) == (
        "tekton-schema", SOURCE, None, "go-unittests"
    )  # fmt: skip
    assert problem.message == "the file is larger than 1024 KiB; is it really a PipelineRun?"


def test_presubmit_compiles_like_the_seed(seed_repo: Path) -> None:
    result, report = compile_json(seed_repo)
    assert result.code == 0, result.stdout + result.stderr
    runs = compiled(seed_repo)
    name = "kubeflow-testing-presubmit-go-unittests-77-123abc4-1234-ab12"
    teardown = "kubeflow-testing-presubmit-go-uni-teardown-77-123abc4-1234-ab12"  # <= 63
    assert set(runs) == {name, teardown}
    run = runs[name]
    assert run["metadata"]["name"] == name and "generateName" not in run["metadata"]
    assert run["metadata"]["namespace"] == "kf-ci"
    assert run["metadata"]["labels"] == {
        "pipeline": "go-test",
        "org": "kubeflow",
        "repo": "testing",
        "pr": "77",
        "workflow": "go-unittests",
    }
    # The seed's order and precedence: kftest's three, tekton_params, then the file's others.
    assert run["spec"]["params"] == [
        {"name": "test-target-name", "value": "go-unittests"},
        {
            "name": "artifacts-gcs",
            "value": "gs://kubernetes-jenkins/pr-logs/pull/kubeflow_testing/77/"
            "kubeflow-testing-presubmit/1234",
        },
        {"name": "junit-path", "value": "artifacts/junit_go-test-"},
        {"name": "cluster-pattern", "value": "from-config"},
        {"name": "extra", "value": "3"},
        {"name": "go-version", "value": "1.14"},
    ]
    assert run["spec"]["resources"][0]["resourceSpec"]["params"] == [
        {"name": "url", "value": "https://github.com/kubeflow/testing.git"},
        {"name": "revision", "value": "refs/pull/77/head"},
    ]
    assert run["metadata"]["annotations"]["kftest.kubeflow.org/teardown"] == teardown
    down = runs[teardown]
    assert down["metadata"]["annotations"]["kftest.kubeflow.org/teardown-for"] == name
    assert down["metadata"]["annotations"]["kftest.kubeflow.org/source"] == "tekton/teardown.yaml"
    assert [p["name"] for p in down["spec"]["params"]] == [
        "test-target-name", "artifacts-gcs", "junit-path", "utter",
    ]  # fmt: skip
    assert report["errors"] == 0


def test_postsubmit_revision_is_the_base_sha(seed_repo: Path) -> None:
    env = {"JOB_NAME": "kubeflow-testing-postsubmit", "PULL_NUMBER": "", "PULL_PULL_SHA": ""}
    result, _ = compile_json(seed_repo, "postsubmit", **env)
    assert result.code == 0, result.stdout
    run = compiled(seed_repo)["kubeflow-testing-postsubmit-go-unittests-fedcba9-1234-ab12"]
    assert run["spec"]["resources"][0]["resourceSpec"]["params"][1] == {
        "name": "revision",
        "value": "fedcba9876",
    }
    assert "pr" not in run["metadata"]["labels"]
    params = {p["name"]: p["value"] for p in run["spec"]["params"]}
    assert (
        params["artifacts-gcs"] == "gs://kubernetes-jenkins/logs/kubeflow-testing-postsubmit/1234"
    )


def test_test_target_name_from_kwargs(seed_repo: Path) -> None:
    config = seed_repo / "prow_config.yaml"
    config.write_text(config.read_text() + "    kwargs: {test_target_name: go-tests}\n")
    compile_json(seed_repo)
    run = compiled(seed_repo)["kubeflow-testing-presubmit-go-unittests-77-123abc4-1234-ab12"]
    assert run["spec"]["params"][0] == {"name": "test-target-name", "value": "go-tests"}


def test_missing_git_resource_is_an_error_not_a_silent_skip(seed_repo: Path) -> None:
    run = seed_repo / "tekton/run.yaml"
    run.write_text(run.read_text().replace("kubeflow/testing.git", "kubeflow/other.git"))
    result, report = compile_json(seed_repo)
    assert result.code == 1
    [diagnostic] = report["diagnostics"]
    assert diagnostic["rule"] == "tekton-semantic"
    assert (diagnostic["file"], diagnostic["line"]) == ("tekton/run.yaml", 16)
    assert "https://github.com/kubeflow/testing.git" in diagnostic["message"]
    assert diagnostic["workflow"] == "go-unittests"
    assert compiled(seed_repo) == {}  # neither the run nor its teardown
    # A periodic tests the default branch: no resource to rewrite, no error.
    result, _ = compile_json(seed_repo, "periodic", PULL_NUMBER="", PULL_PULL_SHA="")
    assert result.code == 0, result.stdout


@pytest.mark.parametrize(
    ("old", "new", "line", "fact"),
    [
        ("kind: PipelineRun", "kind: TaskRun", 3, "`kind` must be PipelineRun"),
        ("  generateName: go-test-\n", "  name: fixed\n", 5, "`metadata.generateName` is required"),
        ("tekton.dev/v1alpha1", "tekton.dev/v2", 2, "not a Tekton API kftest knows"),
        ("spec:", "spec: [\n  ]\nunused:", 7, "`spec` must be a mapping"),
        ("  pipelineRef: {name: go-tests}", "  pipelineRef: [", 24, "flow node"),
    ],
)
def test_not_a_seed_pipeline_run(seed_repo: Path, old: str, new: str, line: int, fact: str) -> None:
    run = seed_repo / "tekton/run.yaml"
    text = run.read_text()
    assert old in text
    run.write_text(text.replace(old, new))
    result, report = compile_json(seed_repo)
    assert result.code == 1
    [diagnostic] = [d for d in report["diagnostics"] if d["file"] == "tekton/run.yaml"]
    assert diagnostic["line"] == line and fact in diagnostic["message"], diagnostic


def test_missing_or_escaping_file(seed_repo: Path, tmp_path: Path) -> None:
    (tmp_path / "secret.yaml").write_text(RUN)
    os.symlink(tmp_path / "secret.yaml", seed_repo / "tekton/link.yaml")
    for path in ("tekton/nope.yaml", "../secret.yaml", "tekton/link.yaml"):
        (seed_repo / "prow_config.yaml").write_text(
            CONFIG.replace("kubeflow/testing/tekton/run.yaml", path).replace("    ", "", 1)
        )
        result, report = compile_json(seed_repo)
        assert result.code == 1
        [diagnostic] = report["diagnostics"]
        assert diagnostic["rule"] == "component-missing", diagnostic
        assert (diagnostic["file"], diagnostic["line"]) == ("prow_config.yaml", 3)


def test_an_unreadable_pipeline_run_is_an_error_naming_it(seed_repo: Path) -> None:
    (seed_repo / "tekton/run.yaml").chmod(0)
    result = run_kftest(
        "lint", "--repo-root", str(seed_repo), "--format", "json", env=PROW, unprivileged=True
    )
    assert result.code == 1, result.stderr
    [diagnostic] = json.loads(result.stdout)["diagnostics"]
    assert diagnostic["rule"] == "component-missing", diagnostic
    assert (diagnostic["file"], diagnostic["workflow"]) == ("tekton/run.yaml", "go-unittests")
    assert diagnostic["message"] == "cannot read: Permission denied"


def test_names_stay_valid_with_a_long_job_name(seed_repo: Path) -> None:
    result, _ = compile_json(seed_repo, JOB_NAME="a-very-long-prow-job-name-" * 4)
    assert result.code == 0, result.stdout
    names = list(compiled(seed_repo))
    assert len(names) == 2 and all(len(name) <= 63 for name in names)
    assert all(name.endswith("-77-123abc4-1234-ab12") for name in names)


def test_output_is_deterministic(seed_repo: Path) -> None:
    compile_json(seed_repo)
    first = {p.name: p.read_bytes() for p in (seed_repo / "out").iterdir()}
    compile_json(seed_repo)
    assert first == {p.name: p.read_bytes() for p in (seed_repo / "out").iterdir()}


def test_fixture_golden_files_are_current() -> None:
    result = run_kftest("golden", "--repo-root", str(FIXTURE))
    assert result.code == 0, result.stderr + result.stdout
    kinds = {load_yaml(path.read_text())["kind"] for path in FIXTURE.glob("golden/*/*.yaml")}
    assert kinds == {"Workflow", "PipelineRun"}


def test_job_types_and_include_dirs_select_tekton_entries(seed_repo: Path) -> None:
    config = seed_repo / "prow_config.yaml"
    config.write_text(
        config.read_text() + "    include_dirs: [tekton/*]\n    job_types: [presubmit]\n"
    )
    for changed, job_type, runs in [
        ("tekton/run.yaml\n", "presubmit", True),
        ("py/x.py\n", "presubmit", False),
        ("tekton/run.yaml\n", "postsubmit", False),
    ]:
        result = run_kftest(
            "plan", "--repo-root", str(seed_repo), "--job-type", job_type, "--changed-files",
            "-", "--format", "json", stdin=changed, env=PROW,
        )  # fmt: skip
        [entry] = json.loads(result.stdout)["entries"]
        assert (entry["name"], entry["run"]) == ("go-unittests", runs), entry


def test_lint_of_changed_yaml_checks_the_tekton_entries(seed_repo: Path) -> None:
    run_file = seed_repo / "tekton/run.yaml"
    run_file.write_text(run_file.read_text().replace("pipelineRef:", "pipelineRf:"))
    result = run_kftest(
        "lint", "--repo-root", str(seed_repo), "--format", "json", str(run_file), env=PROW
    )
    report = json.loads(result.stdout)
    assert result.code == 1
    assert any(
        d["rule"] == "tekton-schema" and "did you mean 'pipelineRef'" in d["message"]
        for d in report["diagnostics"]
    ), report
