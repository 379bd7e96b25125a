"""The Prow environment: prow_env string and workflow names (seed §2.5, made DNS-1123 safe)."""

from __future__ import annotations

import re

import pytest

from compiler.prow import ProwEnv, check_salt, workflow_name

DNS1123 = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def test_seed_unit_test_name() -> None:
    # seed-system.md §8.1's example.
    env = ProwEnv.from_environ(
        {
            "JOB_TYPE": "presubmit",
            "JOB_NAME": "kubeflow-presubmit",
            "PULL_NUMBER": "77",
            "PULL_PULL_SHA": "123abc",
            "BUILD_NUMBER": "1234",
        }
    )
    assert re.match(
        r"^kubeflow-presubmit-wf-77-123abc-1234-[0-9a-z]{4}$", workflow_name(env, "wf", "ab12")
    )


def test_postsubmit_and_periodic_names() -> None:
    post = ProwEnv.from_environ(
        {
            "JOB_TYPE": "postsubmit",
            "JOB_NAME": "j",
            "PULL_BASE_SHA": "deadbeefcafe",
            "BUILD_NUMBER": "123456",
        }
    )
    assert workflow_name(post, "e2e", "00ff") == "j-e2e-deadbee-3456-00ff"
    periodic = ProwEnv.from_environ({"JOB_TYPE": "periodic", "JOB_NAME": "j", "BUILD_NUMBER": "7"})
    assert workflow_name(periodic, "e2e", "00ff") == "j-e2e-7-00ff"


def test_long_and_invalid_names_become_dns1123_keeping_the_suffix() -> None:
    env = ProwEnv.from_environ(
        {
            "JOB_TYPE": "presubmit",
            "JOB_NAME": "Kubeflow_Presubmit_" + "x" * 80,
            "PULL_NUMBER": "12345",
            "PULL_PULL_SHA": "ABCDEF0123",
            "BUILD_NUMBER": "99887766",
        }
    )
    name = workflow_name(env, "My.Test", "a1b2")
    assert len(name) <= 63 and DNS1123.match(name), name
    assert name.endswith("-12345-abcdef0-7766-a1b2")
    assert name.startswith("kubeflow-presubmit-")


def test_prow_env_string_is_sorted_and_skips_unset() -> None:
    env = ProwEnv.from_environ(
        {
            "REPO_OWNER": "kubeflow",
            "JOB_NAME": "j",
            "BUILD_ID": "",
            "PULL_REFS": "x",
            "JOB_TYPE": "periodic",
        }
    )
    assert env.prow_env_string() == "JOB_NAME=j,JOB_TYPE=periodic,REPO_OWNER=kubeflow"


def test_job_type_override_and_placeholders() -> None:
    env = ProwEnv.from_environ({"JOB_TYPE": "periodic"}, job_type="presubmit")
    assert env.job_type == "presubmit"
    filled = env.for_job_type("postsubmit", placeholders=True)
    assert filled.get("REPO_OWNER") and filled.get("PULL_BASE_SHA")
    assert not filled.get("PULL_NUMBER")  # Prow sets PR variables on presubmits only


@pytest.mark.parametrize("salt", ["abc", "ABCD", "12345", "zzzz"])
def test_bad_salt(salt: str) -> None:
    with pytest.raises(ValueError):
        check_salt(salt)
