from __future__ import annotations

from compiler.cluster import status


def test_phase_and_message() -> None:
    assert status.phase(None) == ""
    assert status.phase({"status": {}}) == ""
    assert status.phase({"status": {"phase": "Running"}}) == "Running"
    assert status.message({"status": {"message": "child failed"}}) == "child failed"


def test_failed_pod_nodes_in_start_order() -> None:
    nodes = {
        "wf": {"type": "DAG", "phase": "Failed"},
        "wf-2": {"type": "Pod", "phase": "Error", "name": "b", "startedAt": "2024-01-01T00:00:09Z"},
        "wf-1": {
            "type": "Pod",
            "phase": "Failed",
            "name": "a",
            "startedAt": "2024-01-01T00:00:05Z",
        },
        "wf-3": {"type": "Pod", "phase": "Succeeded", "name": "c"},
    }
    failed = status.failed_nodes({"status": {"nodes": nodes}})
    assert [node["name"] for node in failed] == ["a", "b"]
    assert status.failed_nodes({"status": {"nodes": None}}) == []


def test_durations() -> None:
    node = {"startedAt": "2024-01-01T00:00:05Z", "finishedAt": "2024-01-01T00:01:07Z"}
    assert status.duration(node) == 62.0
    assert status.duration({"startedAt": "2024-01-01T00:00:05Z"}) is None
    assert status.duration({"startedAt": "garbage", "finishedAt": "2024"}) is None
    assert status.workflow_duration({"status": node}) == 62.0
