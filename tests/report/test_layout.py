from __future__ import annotations

import pytest

from compiler.diagnostics import UsageError
from compiler.report.job import JobInfo
from compiler.report.layout import gcs_layout

PROW = {
    "JOB_NAME": "kubeflow-testing-presubmit",
    "REPO_OWNER": "kubeflow",
    "REPO_NAME": "testing",
    "PULL_NUMBER": "77",
    "BUILD_ID": "1234567890",
    "BUILD_NUMBER": "42",
}


def job(job_type: str, **overrides: str) -> JobInfo:
    return JobInfo.from_env({**PROW, **overrides}, job_type)


def test_presubmit() -> None:
    layout = gcs_layout(job("presubmit"), "kubernetes-jenkins")
    build_dir = "pr-logs/pull/kubeflow_testing/77/kubeflow-testing-presubmit/1234567890"
    assert layout.build_dir == build_dir
    assert layout.gs() == f"gs://kubernetes-jenkins/{build_dir}"
    assert layout.gs("started.json") == f"gs://kubernetes-jenkins/{build_dir}/started.json"
    assert layout.pr_link == "pr-logs/directory/kubeflow-testing-presubmit/1234567890.txt"
    assert layout.latest_build == (
        "pr-logs/directory/kubeflow-testing-presubmit/latest-build.txt",
        "pr-logs/pull/kubeflow_testing/77/kubeflow-testing-presubmit/latest-build.txt",
    )


@pytest.mark.parametrize("job_type", ["postsubmit", "periodic", "batch", ""])
def test_other_job_types(job_type: str) -> None:
    layout = gcs_layout(job(job_type, JOB_NAME="job"), "gs://bucket/")
    assert layout.bucket == "bucket"
    assert layout.build_dir == "logs/job/1234567890"
    assert layout.latest_build == ("logs/job/latest-build.txt",)
    assert layout.pr_link is None


def test_kubeflow_postsubmit_variant() -> None:
    layout = gcs_layout(job("postsubmit", JOB_NAME="job"), "b-1", "kubeflow")
    assert layout.build_dir == "logs/kubeflow_testing/job/1234567890"
    assert layout.latest_build == ("logs/kubeflow_testing/job/latest-build.txt",)
    assert gcs_layout(job("periodic", JOB_NAME="job"), "b-1", "kubeflow").build_dir == (
        "logs/job/1234567890"
    )


def test_the_repository_is_needed_only_where_the_path_names_it() -> None:
    unnamed = job("periodic", REPO_OWNER="", REPO_NAME="", JOB_NAME="job")
    assert gcs_layout(unnamed, "b-1").build_dir == "logs/job/1234567890"
    assert gcs_layout(unnamed, "b-1", "kubeflow").build_dir == "logs/job/1234567890"
    with pytest.raises(UsageError, match="REPO_OWNER, REPO_NAME not set"):
        gcs_layout(job("postsubmit", REPO_OWNER="", REPO_NAME=""), "b-1", "kubeflow")


def test_build_number_when_no_build_id() -> None:
    layout = gcs_layout(job("periodic", BUILD_ID=""), "b-1")
    assert layout.build_dir == "logs/kubeflow-testing-presubmit/42"


@pytest.mark.parametrize(
    ("job_type", "unset", "named"),
    [("presubmit", "PULL_NUMBER", "PULL_NUMBER"), ("periodic", "JOB_NAME", "JOB_NAME"),
     ("postsubmit", "BUILD_ID BUILD_NUMBER", "BUILD_ID or BUILD_NUMBER"),
     ("presubmit", "REPO_OWNER", "REPO_OWNER"), ("presubmit", "REPO_NAME", "REPO_NAME")],
)  # fmt: skip
def test_missing_variables(job_type: str, unset: str, named: str) -> None:
    with pytest.raises(UsageError, match=named):
        gcs_layout(job(job_type, **dict.fromkeys(unset.split(), "")), "b-1")


def test_bad_arguments() -> None:
    with pytest.raises(UsageError, match="--gcs-layout"):
        gcs_layout(job("presubmit"), "b-1", "gubernator")
    with pytest.raises(UsageError, match="--bucket"):
        gcs_layout(job("presubmit"), "gs://")
