from __future__ import annotations

import pytest

from compiler.report.job import JobInfo


def test_from_env_reads_prows_variables_trimmed() -> None:
    env = {
        "JOB_TYPE": " postsubmit ",
        "JOB_NAME": "kftest-postsubmit\n",
        "REPO_OWNER": "kubeflow",
        "REPO_NAME": "testing",
        "PULL_NUMBER": "77",
        "PULL_BASE_SHA": "0123",
        "PULL_PULL_SHA": "abcd",
        "PULL_REFS": "master:0123,77:abcd",
        "BUILD_ID": "1200",
        "BUILD_NUMBER": "12",
        "ARTIFACTS": "/logs/artifacts",
    }
    assert JobInfo.from_env(env) == JobInfo(
        job_type="postsubmit",
        job_name="kftest-postsubmit",
        org="kubeflow",
        repo="testing",
        pull_number="77",
        base_sha="0123",
        pull_sha="abcd",
        pull_refs="master:0123,77:abcd",
        build_id="1200",
        build_number="12",
        artifacts="/logs/artifacts",
    )


def test_the_job_type_argument_wins_over_job_type() -> None:
    assert JobInfo.from_env({"JOB_TYPE": "periodic"}, "presubmit").job_type == "presubmit"
    assert JobInfo.from_env({"JOB_TYPE": "periodic"}, None).job_type == "periodic"
    assert JobInfo.from_env({}).job_type == ""


def test_build_prefers_build_id() -> None:
    assert JobInfo.from_env({"BUILD_ID": "1200", "BUILD_NUMBER": "12"}).build == "1200"
    assert JobInfo.from_env({"BUILD_ID": " ", "BUILD_NUMBER": "12"}).build == "12"
    assert JobInfo.from_env({}).build == ""


@pytest.mark.parametrize(
    ("org", "repo", "slug"),
    [
        ("kubeflow", "testing", "kubeflow/testing"),
        ("kubeflow", "", "kubeflow"),
        ("", "testing", ""),
    ],
)
def test_repo_slug(org: str, repo: str, slug: str) -> None:
    assert JobInfo.from_env({"REPO_OWNER": org, "REPO_NAME": repo}).repo_slug == slug


def test_sha_is_the_pull_sha_then_the_base_sha() -> None:
    both = {"PULL_PULL_SHA": "abcd", "PULL_BASE_SHA": "0123"}
    assert JobInfo.from_env(both).sha == "abcd"
    assert JobInfo.from_env({**both, "PULL_PULL_SHA": ""}).sha == "0123"
