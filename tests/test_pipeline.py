"""The shared compile pipeline: its limit on one run's size."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from compiler import pipeline
from compiler.diagnostics import Diagnostic
from compiler.prow import ProwEnv, workflow_name
from tests.commands.test_compile import RENAMED
from tests.conftest import REPO_ROOT, git, write_files
from tests.test_cli import COMPONENT, CONFIG, TTL_COMPONENT

TEKTON_FIXTURE = REPO_ROOT / "tests/data/tekton-repo"


def test_a_run_too_large_is_refused_with_a_diagnostic(
    make_repo: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    entries = "".join(
        CONFIG.split("workflows:", 1)[1].replace("name: unittests", f"name: unittests-{index}")
        for index in range(3)
    )
    files = {
        "prow_config.yaml": "workflows:" + entries,
        "ci/unittests.jsonnet": COMPONENT,
        "py/a.py": "",
    }
    repo = make_repo(files)
    options = pipeline.Options(repo_root=repo, config_path=repo / "prow_config.yaml", environ={})
    monkeypatch.setattr(pipeline, "MAX_EVALUATIONS", 11)  # 3 entries x 4 job types = 12
    result = pipeline.compile_all(options)
    [limit] = result.diagnostics
    assert (limit.rule, limit.file, limit.line) == ("config-schema", "prow_config.yaml", 2)
    assert "12 evaluations asked for (3 entries, each under every job type" in limit.message
    assert "at most 11 in one run" in limit.message
    assert result.workflows == [] and result.checked == []
    monkeypatch.setattr(pipeline, "MAX_EVALUATIONS", 12)
    result = pipeline.compile_all(options)
    assert result.diagnostics == [] and len(result.workflows) == 12
    # one job type: one evaluation per entry, and the finding is still at the first entry
    monkeypatch.setattr(pipeline, "MAX_EVALUATIONS", 2)
    presubmit = replace(options, job_type="presubmit")
    [limit] = pipeline.compile_all(presubmit).diagnostics
    assert (limit.file, limit.line) == ("prow_config.yaml", 2)


def _options(repo: Path, **flags: object) -> pipeline.Options:
    return pipeline.Options(
        repo_root=repo, config_path=repo / "prow_config.yaml", environ={}, **flags
    )


def _repo(tmp_path: Path, name: str, kftest_yaml: str | None) -> Path:
    repo = tmp_path / name
    repo.mkdir()
    if kftest_yaml is not None:
        (repo / ".kftest.yaml").write_text(kftest_yaml)
    return repo


def test_kftest_yaml_chooses_the_release_interpreter_and_checkouts(tmp_path: Path) -> None:
    repo = _repo(
        tmp_path,
        "repo",
        'argo_version: "2.12"\npython: venv/bin/python\nrepos_dir: ../checkouts\n',
    )
    configured = _options(repo)
    assert configured.argo_release().minor == "2.12"
    assert not configured.argo_release().default
    # A repository-relative interpreter is found from the repository, wherever kftest runs.
    assert configured.python_interpreter() == str(repo / "venv/bin/python")
    assert configured.checkouts_dir() == (tmp_path / "checkouts").resolve()
    # The flags win over the file.
    flags = _options(
        repo, argo_version="3.5", python="/opt/py/bin/python", repos_dir=tmp_path / "elsewhere"
    )
    assert flags.argo_release().minor == "3.5"
    assert flags.python_interpreter() == "/opt/py/bin/python"
    assert flags.checkouts_dir() == tmp_path / "elsewhere"


@pytest.mark.parametrize(
    ("written", "expected"),
    [("python3.6", "python3.6"), ("/opt/py36/bin/python", "/opt/py36/bin/python")],
)
def test_an_interpreter_on_path_or_absolute_is_used_as_written(
    tmp_path: Path, written: str, expected: str
) -> None:
    repo = _repo(tmp_path, "repo", f"python: {written}\n")
    assert _options(repo).python_interpreter() == expected


def test_without_kftest_yaml_the_newest_release_and_no_interpreter_or_checkouts(
    tmp_path: Path,
) -> None:
    plain = _options(_repo(tmp_path, "plain", None))
    assert plain.argo_release().default and plain.argo_release().minor == "4.1"
    assert plain.python_interpreter() is None
    assert plain.checkouts_dir() is None


def test_a_large_config_says_it_is_loading_on_a_terminal(
    make_repo: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo = make_repo({"prow_config.yaml": CONFIG, "ci/unittests.jsonnet": COMPONENT})
    size = (repo / "prow_config.yaml").stat().st_size
    pipeline.load(_options(repo, progress=True))
    assert capsys.readouterr().err == ""  # a small one loads in no time: nothing to say
    monkeypatch.setattr(pipeline, "LARGE_CONFIG", size + 1)
    assert pipeline.load(_options(repo, progress=True)).config is not None
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(pipeline, "LARGE_CONFIG", size)
    assert pipeline.load(_options(repo, progress=False)).config is not None
    assert capsys.readouterr().err == ""  # not a terminal (or --quiet): nothing
    pipeline.load(_options(repo, progress=True))
    shown = capsys.readouterr().err
    assert "kftest: loading prow_config.yaml (0 MB)" in shown
    assert shown.endswith("\r\x1b[K")  # and the line is erased once it is loaded
    padded = CONFIG + "#" * (3 * 2**20 - len(CONFIG) - 2) + "\n"
    (repo / "prow_config.yaml").write_text(padded)
    pipeline.load(_options(repo, progress=True))
    assert "kftest: loading prow_config.yaml (3 MB)" in capsys.readouterr().err


SEED_CONFIG = """
workflows:
  - name: e2e
    app_dir: kubeflow/testing/workflows
    component: e2e
  - name: more
    app_dir: kubeflow/testing/other
    component: more
  - name: local
    app_dir: kubeflow/kubeflow/ci
    component: local
  - name: examples
    app_dir: kubeflow/examples/test/workflows
    component: x
  - name: plain
    app_dir: ci
    component: plain
"""


def test_notes_say_where_each_checkout_was_found_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GOPATH", raising=False)
    github = tmp_path / "src" / "github.com" / "kubeflow"
    repo = github / "kubeflow"
    write_files(repo, {"prow_config.yaml": SEED_CONFIG, "kubeflow/kubeflow/ci/local.jsonnet": ""})
    git(repo, "init", "-q")
    git(repo, "remote", "add", "origin", "git@github.com:kubeflow/kubeflow.git")
    (github / "testing" / ".git").mkdir(parents=True)
    options = _options(repo, job_type="presubmit", changed_files=[])
    notes = pipeline.plan(options).notes
    # kubeflow/testing once, however many entries use it; a path inside the repository is no
    # checkout; a missing one says how to provide it.
    assert notes[0] == "checkout kubeflow/testing: beside the clone (../testing)"
    assert notes[1].startswith("checkout kubeflow/examples: not found (tried ")
    assert len(notes) == 2
    # A py_func builder imports from prow_config.yaml's python_paths and kubeflow/testing/py.
    builders = (
        "python_paths: [kubeflow/pipelines/py]\n"
        "workflows:\n  - name: b\n    py_func: ci.build.create_workflow\n"
    )
    (repo / "prow_config.yaml").write_text(builders)
    notes = pipeline.plan(options).notes
    assert notes[0].startswith("checkout kubeflow/pipelines: not found (tried ")
    assert notes[1:] == ["checkout kubeflow/testing: beside the clone (../testing)"]


def test_notes_name_the_schema_when_targeted_or_when_a_schema_finding_depends_on_it(
    make_repo: Callable[..., Path],
) -> None:
    repo = make_repo({"prow_config.yaml": CONFIG, "ci/unittests.jsonnet": COMPONENT})
    default = _options(repo)
    loaded = pipeline.load(default)
    assert pipeline.context_notes(default, loaded) == []
    assert pipeline.context_notes(default, loaded, [Diagnostic("labels", "x")]) == []
    [note] = pipeline.context_notes(default, loaded, [Diagnostic("argo-schema", "x")])
    assert note.startswith("validating against the Argo 4.1 schema (")
    assert note.endswith(
        "the default); ksonnet apps and py_func builders against the Argo 2.12 of their era "
        "(argo_version sets both)"
    )
    [targeted] = pipeline.context_notes(_options(repo, argo_version="3.5"), loaded)
    assert targeted.startswith("validating against the Argo 3.5 schema (")
    assert targeted.endswith("; argo_version 3.5)")
    assert pipeline.context_notes(default, pipeline.Loaded(None, [])) == []


def test_a_name_kubernetes_refuses_is_shown_whole_or_by_its_head_and_length(
    make_repo: Callable[..., Path],
) -> None:
    names = {"whole": "'Y' * 80", "head": "'Z' * 81"}
    config = "workflows:\n" + "".join(
        f"  - name: {entry}\n    app_dir: ci\n    component: {entry}\n"
        '    params: {stepImage: "gcr.io/kubeflow-ci/test-worker:v20240101-0123abc"}\n'
        for entry in names
    )
    files = {f"ci/{entry}.jsonnet": RENAMED % name for entry, name in names.items()}
    repo = make_repo({"prow_config.yaml": config, **files})
    result = pipeline.compile_all(_options(repo, job_type="presubmit"))
    found = {d.workflow: d for d in result.diagnostics if d.rule == "name-length"}
    assert result.workflows == []  # neither is written
    assert (found["whole"].file, found["whole"].line) == ("ci/whole.jsonnet", None)
    assert f"metadata.name {'Y' * 80!r} is not a Kubernetes object name" in found["whole"].message
    assert f"metadata.name {'Z' * 60!r}... (81 characters) is not" in found["head"].message
    assert found["head"].path == "metadata.name"


TTL_BUILDER = """
def create_workflow(name=None, namespace=None, **kwargs):
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "entrypoint": "e",
            "ttlSecondsAfterFinished": 3600,
            "templates": [{"name": "e", "container": {"image": "alpine:3.19"}}],
        },
    }
"""


@pytest.mark.parametrize(
    ("flags", "severity"),
    [({}, "warning"), ({"argo_version": "3.5"}, "error")],  # the Argo of its era, unless told
)
def test_a_py_func_builder_targets_the_argo_of_its_era_unless_told(
    make_repo: Callable[..., Path], flags: dict[str, str], severity: str
) -> None:
    repo = make_repo(
        {
            "prow_config.yaml": "python_paths: [py]\n"
            "workflows:\n  - name: b\n    py_func: builder.create_workflow\n",
            "py/builder.py": TTL_BUILDER,
        }
    )
    result = pipeline.compile_all(_options(repo, job_type="presubmit", **flags))
    ttl = [d for d in result.diagnostics if d.path == "spec.ttlSecondsAfterFinished"]
    assert [(d.rule, d.severity.value) for d in ttl] == [("argo-schema", severity)]
    # A finding on the emitted document points at the builder that produced it.
    assert (ttl[0].file, ttl[0].line, ttl[0].workflow) == ("py:builder.create_workflow", None, "b")


def test_a_lib_style_finding_names_the_default_release_it_was_checked_against(
    make_repo: Callable[..., Path],
) -> None:
    # Only ksonnet apps and py_func builders move to the seed era's Argo; a lib-style component
    # keeps the default release, and a message that depends on it says which one it was.
    repo = make_repo({"prow_config.yaml": CONFIG, "ci/unittests.jsonnet": TTL_COMPONENT})
    options = _options(repo, job_type="presubmit", salt="abcd")
    result = pipeline.compile_all(options)
    [ttl] = [d for d in result.diagnostics if d.path == "spec.ttlSecondsAfterFinished"]
    default = options.argo_release()
    assert default.default
    assert ttl.message.endswith(f"checked against the {default.describe()}")


def test_what_a_build_keeps_lints_and_emits(make_repo: Callable[..., Path]) -> None:
    latest = CONFIG.replace("v20240101-0123abc", "latest")  # an immutable-image error
    repo = make_repo({"prow_config.yaml": latest, "ci/unittests.jsonnet": COMPONENT, "py/a.py": ""})
    full = pipeline.compile_all(_options(repo, job_type="presubmit", salt="abcd"))
    [workflow] = full.workflows
    assert workflow.document["kind"] == "Workflow"
    assert workflow.text is not None and workflow.text.startswith("apiVersion: argoproj.io/")
    assert [d.rule for d in full.diagnostics] == ["immutable-image"]
    # compile, golden and lint: the document does not travel back from the worker.
    lean = pipeline.compile_all(_options(repo, job_type="presubmit", salt="abcd", documents=False))
    assert lean.workflows[0].document == {} and lean.workflows[0].text == workflow.text
    assert [d.rule for d in lean.diagnostics] == ["immutable-image"]
    quiet = pipeline.compile_all(
        _options(repo, job_type="presubmit", salt="abcd", lint=False, emit=False)
    )
    assert quiet.workflows[0].text is None and quiet.diagnostics == []
    assert quiet.workflows[0].document == workflow.document


def test_compile_all_every_job_type_an_entry_runs_under_or_the_named_entries(
    make_repo: Callable[..., Path],
) -> None:
    two = CONFIG + CONFIG.split("workflows:", 1)[1].replace(
        "name: unittests", "name: nightly\n    job_types: [periodic]"
    )
    repo = make_repo({"prow_config.yaml": two, "ci/unittests.jsonnet": COMPONENT})
    every = pipeline.compile_all(_options(repo))
    assert every.pairs == [
        ("unittests", "presubmit"),
        ("unittests", "postsubmit"),
        ("unittests", "periodic"),
        ("unittests", "batch"),
        ("nightly", "periodic"),
    ]
    assert every.checked == ["unittests", "nightly"] and every.entries_in_config == 2
    assert pipeline.compile_all(_options(repo), only=["nightly"]).pairs == [("nightly", "periodic")]
    presubmit = pipeline.compile_all(_options(repo, job_type="presubmit"))
    assert presubmit.pairs == [("unittests", "presubmit")]


def test_compile_selected_builds_what_the_plan_selects_with_its_python_paths(
    make_repo: Callable[..., Path],
) -> None:
    repo = make_repo(
        {
            "prow_config.yaml": "python_paths: [py]\nworkflows:\n"
            "  - name: b\n    py_func: builder.create_workflow\n    include_dirs: [py/*]\n"
            "  - name: other\n    py_func: builder.create_workflow\n    include_dirs: [x/*]\n",
            "py/builder.py": TTL_BUILDER,
        }
    )
    result = pipeline.compile_selected(_options(repo, changed_files=["py/builder.py"]))
    assert result.plan is not None and result.plan.job_type == "presubmit"
    assert result.pairs == [("b", "presubmit")] and result.entries_in_config == 2
    [workflow] = result.workflows
    # The builder was imported from prow_config.yaml's python_paths.
    assert workflow.entry.name == "b" and workflow.document["spec"]["ttlSecondsAfterFinished"]


def test_a_plan_without_job_type_is_a_presubmit_only_with_placeholders(
    make_repo: Callable[..., Path],
) -> None:
    repo = make_repo({"prow_config.yaml": CONFIG, "ci/unittests.jsonnet": COMPONENT})
    placeholders = pipeline.plan(_options(repo, changed_files=["py/x.py"]))
    assert placeholders.job_type == "presubmit"
    assert placeholders.notes[0].startswith("JOB_TYPE is unset: planning a presubmit")
    assert [entry.name for entry in placeholders.selected()] == ["unittests"]
    # `run` under Prow (no placeholders): no job type is no job type, nothing is assumed.
    real = pipeline.plan(_options(repo, changed_files=["py/x.py"], placeholders=False))
    assert real.job_type is None and not any("JOB_TYPE" in note for note in real.notes)


def test_without_changed_files_git_is_asked_and_its_trouble_noted(
    make_repo: Callable[..., Path],
) -> None:
    files = {"prow_config.yaml": CONFIG, "ci/unittests.jsonnet": COMPONENT}
    repo = make_repo(files, use_git=False)
    the_plan = pipeline.plan(_options(repo, job_type="presubmit"))
    assert the_plan.changed_files == [] and the_plan.selected() == []
    assert the_plan.notes[0].startswith("could not compute changed files with git: ")
    assert the_plan.to_dict()["changed_files"] == []


def test_evaluation_progress_on_a_terminal(
    make_repo: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from compiler import progress

    monkeypatch.setattr(progress, "DELAY", 0.0)
    repo = make_repo({"prow_config.yaml": CONFIG, "ci/unittests.jsonnet": COMPONENT})
    pipeline.compile_all(_options(repo, job_type="presubmit", lint=False))
    assert capsys.readouterr().err == ""
    pipeline.compile_all(_options(repo, job_type="presubmit", lint=False, progress=True))
    shown = capsys.readouterr().err
    assert "kftest: 1/1 evaluated" in shown and shown.endswith("\r\x1b[K")


def test_the_default_limits_are_the_evaluators(tmp_path: Path) -> None:
    from compiler.evaluate import pool

    # Without --eval-memory, a worker gets the evaluator's documented limit (a gibibyte).
    assert _options(tmp_path).memory == pool.DEFAULT_MEMORY == 2**30


def test_the_config_file_as_diagnostics_name_it(tmp_path: Path) -> None:
    repo = _repo(tmp_path, "repo", None)
    assert _options(repo).config_file == "prow_config.yaml"
    nested = pipeline.Options(repo_root=repo, config_path=repo / "ci" / "prow_config.yaml")
    assert nested.config_file == "ci/prow_config.yaml"
    outside = pipeline.Options(repo_root=repo, config_path=tmp_path / "prow_config.yaml")
    assert outside.config_file == str(tmp_path / "prow_config.yaml")


def test_a_release_that_is_not_one_falls_back_to_the_newest(tmp_path: Path) -> None:
    # The command line refuses it first; a caller of the pipeline gets the default.
    release = _options(_repo(tmp_path, "repo", None), argo_version="2.x").argo_release()
    assert release.default and release.minor == "4.1"


def test_lint_runs_the_config_rules_and_reads_kftest_yaml_and_its_disables(
    make_repo: Callable[..., Path],
) -> None:
    files = {"prow_config.yaml": CONFIG, "ci/unittests.jsonnet": COMPONENT}
    repo = make_repo(files)  # py/* matches no file: dead-include-pattern
    found = pipeline.compile_all(_options(repo, job_type="presubmit")).diagnostics
    assert [(d.rule, d.file, d.line) for d in found] == [
        ("dead-include-pattern", "prow_config.yaml", 5)
    ]
    assert pipeline.compile_all(_options(repo, job_type="presubmit", lint=False)).diagnostics == []
    builder = make_repo(
        {
            "prow_config.yaml": "python_paths: [py]\n"
            "workflows:\n  - name: b\n    py_func: builder.create_workflow\n",
            "py/builder.py": TTL_BUILDER,
            ".kftest.yaml": "lint: {disable: [argo-schema, labels]}\nargo_versoin: '3.5'\n",
        },
        name="builder",
    )
    found = pipeline.compile_all(_options(builder, job_type="presubmit")).diagnostics
    rules = {d.rule for d in found}
    assert "argo-schema" not in rules and "labels" not in rules and "exit-handler" in rules
    [typo] = [d for d in found if d.file == ".kftest.yaml"]
    assert (typo.rule, typo.line) == ("config-schema", 2) and "argo_version" in typo.message


NAMELESS = """
{
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Workflow',
  spec: { entrypoint: 'e', templates: [{ name: 'e', container: { image: 'alpine:3.19' } }] },
}
"""


def test_a_workflow_without_a_name_is_named_by_kftest(make_repo: Callable[..., Path]) -> None:
    files = {"prow_config.yaml": CONFIG, "ci/unittests.jsonnet": NAMELESS, "py/a.py": ""}
    repo = make_repo(files)
    result = pipeline.compile_all(_options(repo, job_type="periodic", salt="abcd", lint=False))
    [workflow] = result.workflows
    env = ProwEnv.from_environ({}, None).for_job_type("periodic", placeholders=True)
    assert workflow.name == workflow_name(env, "unittests", "abcd")
    assert workflow.job_type == "periodic"


def test_the_run_size_limit_is_the_readmes(make_repo: Callable[..., Path]) -> None:
    # 12,501 entries under the 4 job types: 50,004 evaluations, refused before any starts.
    entries = "".join(
        f"  - {{name: e{index}, app_dir: ci, component: unittests}}\n" for index in range(12_501)
    )
    repo = make_repo({"prow_config.yaml": "workflows:\n" + entries}, use_git=False)
    [limit] = pipeline.compile_all(_options(repo)).diagnostics
    assert "50,004 evaluations asked for (12,501 entries" in limit.message
    assert "at most 50,000 in one run" in limit.message
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    assert "One run evaluates at most 50,000 (entry, job type)" in " ".join(readme.split())


def test_kftest_yaml_disables_tekton_findings_too(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(TEKTON_FIXTURE, repo, ignore=shutil.ignore_patterns("golden"))
    run_file = repo / "tekton/runs/go-test-run.yaml"
    run_file.write_text(run_file.read_text().replace("serviceAccountName:", "serviceAcountName:"))
    options = pipeline.Options(
        repo_root=repo,
        config_path=repo / "prow_config.yaml",
        environ={"REPO_OWNER": "kubeflow", "REPO_NAME": "kftest"},
        job_type="presubmit",
    )
    found = pipeline.compile_all(options).diagnostics
    assert [(d.rule, d.file, d.line) for d in found] == [
        ("tekton-schema", "tekton/runs/go-test-run.yaml", 17)
    ]
    (repo / ".kftest.yaml").write_text("lint: {disable: [tekton-schema]}\n")
    pipeline._settings.cache_clear()
    assert pipeline.compile_all(options).diagnostics == []


def test_a_missing_config_says_how_to_point_at_one(tmp_path: Path) -> None:
    with pytest.raises(pipeline.UsageError) as raised:
        pipeline.load(_options(tmp_path))
    message = str(raised.value)
    assert (
        message == f"{tmp_path / 'prow_config.yaml'}: no such file (give --config or --repo-root)"
    )


def test_a_tekton_only_repository_needs_no_checkout_of_kubeflow_testing(tmp_path: Path) -> None:
    # kubeflow/testing/py is looked for only for py_func builders (the seed's test helpers)
    repo = tmp_path / "repo"
    shutil.copytree(TEKTON_FIXTURE, repo, ignore=shutil.ignore_patterns("golden"))
    notes = pipeline.plan(_options(repo, job_type="presubmit")).notes
    assert not [note for note in notes if note.startswith("checkout ")], notes
    (repo / "prow_config.yaml").write_text(
        (repo / "prow_config.yaml").read_text()
        + "  - name: builder\n    py_func: ci.build.create_workflow\n"
    )
    notes = pipeline.plan(_options(repo, job_type="presubmit")).notes
    assert [note for note in notes if note.startswith("checkout kubeflow/testing: ")], notes


def test_a_tekton_teardown_is_attributed_to_its_own_file(tmp_path: Path) -> None:
    # A run and its teardown come from two files; a rule's finding names the file it is in.
    repo = tmp_path / "repo"
    shutil.copytree(TEKTON_FIXTURE, repo, ignore=shutil.ignore_patterns("golden"))
    options = pipeline.Options(
        repo_root=repo,
        config_path=repo / "prow_config.yaml",
        environ={"REPO_OWNER": "kubeflow", "REPO_NAME": "kftest"},
        job_type="presubmit",
    )
    result = pipeline.compile_all(options)
    by_name = {w.name: w.source for w in result.workflows if w.entry.name == "go-unittests"}
    [(run, run_file), (teardown, teardown_file)] = sorted(by_name.items(), key=lambda i: len(i[0]))
    assert "-teardown-" in teardown and "-teardown-" not in run
    assert (run_file, teardown_file) == (
        "tekton/runs/go-test-run.yaml",
        "tekton/runs/teardown-run.yaml",
    )


def test_a_rule_finding_on_a_pipelinerun_is_at_its_line_in_that_file(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(TEKTON_FIXTURE, repo, ignore=shutil.ignore_patterns("golden"))
    run_file = repo / "tekton/runs/nb-test-run.yaml"
    text = run_file.read_text().replace("test-worker-py3:v20240612-7c5ac2a", "test-worker-py3")
    run_file.write_text(text)
    options = pipeline.Options(
        repo_root=repo,
        config_path=repo / "prow_config.yaml",
        environ={"REPO_OWNER": "kubeflow", "REPO_NAME": "kftest"},
        job_type="postsubmit",
    )
    found = [d for d in pipeline.compile_all(options).diagnostics if d.workflow == "nb-test"]
    [image] = [d for d in found if d.rule == "immutable-image"]
    line = text.splitlines().index("          image: gcr.io/kubeflow-ci/test-worker-py3") + 1
    assert (image.file, image.line) == ("tekton/runs/nb-test-run.yaml", line)
