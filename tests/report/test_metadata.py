from __future__ import annotations

import json

from compiler.report.job import JobInfo
from compiler.report.metadata import finished_json, started_json
from compiler.report.outcome import WorkflowOutcome

ENV = {
    "REPO_OWNER": "kubeflow",
    "REPO_NAME": "testing",
    "PULL_PULL_SHA": "abc1234def",
    "PULL_BASE_SHA": "0123456789",
    "PULL_REFS": "master:0123456789,77:abc1234def",
}


def outcomes() -> list[WorkflowOutcome]:
    ok = WorkflowOutcome("unit", "job-unit-77", ui_url="http://ui/unit", submitted=True)
    ok.phase = "Succeeded"
    bad = WorkflowOutcome("e2e", "job-e2e-77", ui_url="http://ui/e2e", submitted=True)
    bad.phase = "Failed"
    never = WorkflowOutcome("broken", "", ui_url="http://ui/broken", diagnostics=[object()])  # type: ignore[list-item]
    return [ok, bad, never]


def test_started() -> None:
    data = json.loads(started_json(JobInfo.from_env(ENV, "presubmit"), outcomes(), 1700000000))
    assert data == {
        "timestamp": 1700000000,
        "repos": {"kubeflow/testing": "abc1234def"},
        "pull": "master:0123456789,77:abc1234def",
        "metadata": {"job-unit-77-ui": "http://ui/unit", "job-e2e-77-ui": "http://ui/e2e"},
    }


def test_started_without_a_repository() -> None:
    data = json.loads(started_json(JobInfo.from_env({}, "periodic"), [], 5))
    assert data == {"timestamp": 5, "repos": {}, "metadata": {}}


def test_postsubmit_names_the_base_sha() -> None:
    env = {**ENV, "PULL_PULL_SHA": ""}
    data = json.loads(started_json(JobInfo.from_env(env, "postsubmit"), [], 5))
    assert data["repos"] == {"kubeflow/testing": "0123456789"}


def test_finished() -> None:
    job = JobInfo.from_env(ENV, "presubmit")
    data = json.loads(finished_json(job, outcomes(), result="FAILURE", timestamp=1700000100))
    assert data == {
        "timestamp": 1700000100,
        "passed": False,
        "result": "FAILURE",
        "metadata": {
            "repos": {"kubeflow/testing": "master:0123456789,77:abc1234def"},
            "job-unit-77-phase": "Succeeded",
            "job-unit-77-ui": "http://ui/unit",
            "job-e2e-77-phase": "Failed",
            "job-e2e-77-ui": "http://ui/e2e",
            "broken-phase": "Invalid",
            "broken-ui": "",
        },
    }
    passed = json.loads(finished_json(job, [], result="SUCCESS", timestamp=1))
    assert passed["passed"] is True and passed["result"] == "SUCCESS"


def test_the_files_are_sorted_indented_json_with_a_final_newline() -> None:
    # Stable bytes: the same run gives the same file, and a diff of two builds reads line by line.
    job = JobInfo.from_env({"REPO_OWNER": "kubeflow", "PULL_BASE_SHA": "0123"}, "periodic")
    assert started_json(job, [], 5) == (
        b'{\n  "metadata": {},\n  "repos": {\n    "kubeflow": "0123"\n  },\n  "timestamp": 5\n}\n'
    )


def test_finished_names_the_repository_only_with_both_owner_and_refs() -> None:
    no_owner = JobInfo.from_env({"PULL_REFS": "master:0123"}, "periodic")
    no_refs = JobInfo.from_env({"REPO_OWNER": "kubeflow", "REPO_NAME": "testing"}, "periodic")
    for job in (no_owner, no_refs):
        data = json.loads(finished_json(job, [], result="SUCCESS", timestamp=1))
        assert data["metadata"] == {}, job
