"""The Prow environment: prow_env string and workflow names (seed §2.5, made DNS-1123 safe)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from compiler.prow import ProwEnv, check_salt, new_salt, workflow_name
from tests.conftest import Result

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


def test_names_use_all_63_characters_and_keep_the_whole_suffix() -> None:
    env = ProwEnv.from_environ(
        {"JOB_TYPE": "periodic", "JOB_NAME": "kubeflow-periodic-" + "x" * 80, "BUILD_NUMBER": "42"}
    )
    name = workflow_name(env, "e2e", "00ff")
    assert len(name) == 63 and DNS1123.match(name), name
    assert name.endswith("x-42-00ff")
    # A Tekton run's teardown: the role goes after the shortened head, still 63 in all.
    teardown = workflow_name(env, "e2e", "00ff", role="teardown")
    assert len(teardown) == 63 and DNS1123.match(teardown), teardown
    assert teardown.endswith("x-teardown-42-00ff")


def test_suffix_parts_that_sanitize_to_nothing_are_dropped() -> None:
    env = ProwEnv.from_environ(
        {"JOB_TYPE": "presubmit", "JOB_NAME": "j", "PULL_NUMBER": "#", "BUILD_NUMBER": "7"}
    )
    # No empty segment ("j-wf--7-00ff") where the PR number had no valid character.
    assert workflow_name(env, "wf", "00ff") == "j-wf-7-00ff"


def test_placeholders_follow_what_prow_sets_per_job_type() -> None:
    empty = ProwEnv.from_environ({})
    periodic = empty.for_job_type("periodic", placeholders=True)
    assert periodic.get("JOB_NAME") == "kftest-local" and periodic.get("BUILD_NUMBER") == "1"
    # Periodic jobs have no pull request and no base commit: no placeholder pretends they do.
    for key in ("PULL_NUMBER", "PULL_PULL_SHA", "PULL_BASE_SHA", "PULL_BASE_REF"):
        assert not periodic.get(key), key
    presubmit = empty.for_job_type("presubmit", placeholders=True)
    assert presubmit.get("PULL_NUMBER") == "1" and presubmit.get("PULL_BASE_REF") == "main"
    assert presubmit.prow_env_string().startswith("BUILD_ID=1,BUILD_NUMBER=1,JOB_NAME=")
    real = empty.for_job_type("presubmit", placeholders=False)
    assert real.values == {"JOB_TYPE": "presubmit"}


def test_a_job_type_given_on_the_command_line_reaches_prow_env() -> None:
    env = ProwEnv.from_environ({"JOB_NAME": "j"}, job_type="postsubmit")
    assert env.get("JOB_TYPE") == "postsubmit"
    assert env.prow_env_string() == "JOB_NAME=j,JOB_TYPE=postsubmit"


def test_salts_are_four_hex_digits_and_differ_between_runs() -> None:
    salts = {new_salt() for _ in range(64)}
    assert all(check_salt(salt) == salt for salt in salts)
    assert len(salts) > 32  # 65,536 values: repeats among 64 draws are rare


def test_two_compiles_without_salt_name_their_workflows_differently(
    make_repo: Callable[..., Path], kftest: Callable[..., Result]
) -> None:
    """Two runs of one job must not collide in the cluster: the salt is what separates them."""
    repo = make_repo(
        {
            "prow_config.yaml": """
                workflows:
                  - name: unittests
                    app_dir: ci
                    component: unittests
                    params: {stepImage: "gcr.io/kubeflow-ci/test-worker:v20240101-0123abc"}
            """,
            "ci/unittests.jsonnet": """
                local kftest = import 'kftest.libsonnet';
                function(params)
                  local wf = kftest.workflow(params, 'unittests');
                  wf.dag([wf.step('pytest', ['python', '-m', 'pytest'])])
            """,
        }
    )
    names = []
    for _ in range(2):
        result = kftest("compile", "--repo-root", str(repo), "--job-type", "periodic")
        assert result.code == 0, result.stderr
        names += re.findall(
            r"^  name: (kftest-local-unittests-1-[0-9a-f]{4})$", result.stdout, re.M
        )
    assert len(names) == 2 and names[0] != names[1]
    pinned = kftest("compile", "--repo-root", str(repo), "--job-type", "periodic", "--salt", "beef")
    assert "  name: kftest-local-unittests-1-beef\n" in pinned.stdout
