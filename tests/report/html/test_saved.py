from __future__ import annotations

import json
from pathlib import Path

import pytest

from compiler.diagnostics import UsageError
from compiler.report.html import saved

from .builders import WF, node, workflow


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_an_output_dir(tmp_path: Path) -> None:
    failed = workflow(node("root", "DAG", "Failed", children=("a",)), node("a", phase="Failed"))
    debug = {"workflows": [{"name": WF, "failed": [
        {"node_id": "a", "pod": {"name": "a", "found": True, "log_tail": ["boom"],
                                 "events": [{"type": "Warning", "reason": "BackOff",
                                             "message": "m", "count": 3}]}}]}]}  # fmt: skip
    root = write(
        tmp_path / "out",
        {
            f"{WF}.yaml": json.dumps(failed),
            "notes.yaml": "just: a config file\n",  # not a workflow: left alone
            "finished.json": json.dumps(
                {
                    "result": "FAILURE",
                    "metadata": {
                        f"{WF}-phase": "Failed",
                        f"{WF}-ui": "https://argo/wf",
                        "broken-phase": "Invalid",
                    },
                }
            ),
            "started.json": json.dumps(
                {"repos": {"kubeflow/testing": "abc123"}, "pull": "main:000,7:abc123"}
            ),
            "artifacts/junit_e2e.xml": "<testsuite/>",
            "artifacts/kftest-debug.json": json.dumps(debug),
            "artifacts/deep/er/and/deeper/still/junit_lost.xml": "<testsuite/>",
        },
    )
    run = saved.load(str(root), env={})
    assert [w["metadata"]["name"] for w in run.workflows] == [WF]
    assert run.copies == {WF: str(root / f"{WF}.yaml")}
    assert (run.result, run.verdicts(), run.ui_urls()) == (
        "FAILURE",
        {WF: "Failed", "broken": "Invalid"},
        {WF: "https://argo/wf"},
    )
    assert run.missing() == {"broken": "Invalid"}
    assert [path for path, _ in run.junit_files()] == ["artifacts/junit_e2e.xml"]  # not too deep
    [pod] = run.pods()[WF].values()
    assert (pod.found, pod.log_tail, pod.events[0].count) == (True, ("boom",), 3)
    job = run.job
    assert (job.org, job.repo, job.pull_number, job.sha, job.job_name) == (
        "kubeflow", "testing", "7", "abc123", ""
    )  # fmt: skip


def test_the_job_from_prows_layout_and_prowjob_json(tmp_path: Path) -> None:
    presubmit = saved.SavedRun([], location="gs://b/pr-logs/pull/kubeflow_kf-test/12/job-a/99")
    job = saved.job_of(presubmit)
    assert (job.job_type, job.org, job.repo, job.pull_number, job.job_name, job.build) == (
        "presubmit", "kubeflow", "kf-test", "12", "job-a", "99"
    )  # fmt: skip
    periodic = saved.job_of(saved.SavedRun([], location="/dl/logs/nightly/1234"))
    assert (periodic.job_name, periodic.build, periodic.org) == ("nightly", "1234", "")
    prowjob = {"spec": {"type": "postsubmit", "job": "post", "refs": {
        "org": "kubeflow", "repo": "testing", "base_sha": "f00d"}},
        "status": {"build_id": "42"}}  # fmt: skip
    run = saved.SavedRun([], {"prowjob.json": json.dumps(prowjob).encode()}, location="/x")
    job = saved.job_of(run)
    assert (job.job_type, job.job_name, job.build, job.repo_slug, job.sha) == (
        "postsubmit", "post", "42", "kubeflow/testing", "f00d"
    )  # fmt: skip


def test_prows_artifacts_dir_layout(tmp_path: Path) -> None:
    """$ARTIFACTS holds the same files without the artifacts/ prefix."""
    root = write(tmp_path, {"junit_e2e.xml": "<testsuite/>", "kftest-debug.json": "{}",
                            "finished.json": "{}"})  # fmt: skip
    run = saved.load(str(root), env={})
    assert sorted(run.files) == ["finished.json", "junit_e2e.xml", "kftest-debug.json"]
    assert run.pods() == {}


def test_a_directory_with_no_run(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no saved run there"):
        saved.load(str(write(tmp_path, {"readme.md": "x"})), env={})
    with pytest.raises(UsageError, match="no such file or directory"):
        saved.load(str(tmp_path / "missing"), env={})


def test_a_huge_tree_is_not_walked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(saved, "MAX_ENTRIES", 10)
    write(tmp_path, {f"d/f{i}.txt": "" for i in range(20)})
    with pytest.raises(UsageError, match="too many files to be a build directory"):
        saved.load(str(tmp_path), env={})
