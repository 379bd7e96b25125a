from __future__ import annotations

from standins import WORKFLOWS
from standins.fixtures import NAMESPACE, KubeEnv, wait_until

from compiler.cluster.api import Cluster
from compiler.operate.debug import summarize
from compiler.operate.pod_names import NODE_ID_ANNOTATION, v2_name
from compiler.operate.pods import gather
from compiler.operate.render import render_text

from .builders import WF, failed_dag, put_event, put_pod, put_workflow

APPLY = f"{WF}-2243590372"


def run_to_failure(kube: KubeEnv, name: str) -> dict:
    """Submit a workflow to the stand-in and let its fake Argo controller fail it."""
    kube.api.controller.set_outcome(name, "Failed", message="failed with exit code 1")
    body = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
            "metadata": {"name": name}, "spec": {"entrypoint": "e2e"}}  # fmt: skip
    kube.api.store.create(WORKFLOWS, NAMESPACE, body)
    wait_until(lambda: kube.api.controller.phase_of(NAMESPACE, name) == "Failed", "the failure")
    # Pods are written right after the final status.
    wait_until(lambda: kube.api.store.pod_logs, "the failed workflow's pod logs")
    return kube.api.store.get(WORKFLOWS, NAMESPACE, name)


def test_failed_dag_from_the_controller(kube: KubeEnv, cluster: Cluster) -> None:
    workflow = run_to_failure(kube, "wf-dag")
    [failed] = [n for n in workflow["status"]["nodes"].values() if n["phase"] == "Failed"
                and n["type"] == "Pod"]  # fmt: skip
    put_event(kube, failed["id"], "BackOff", "Back-off restarting failed container",
              "2030-01-01T00:00:05Z", count=4)  # fmt: skip
    put_event(kube, failed["id"], "Pulled", "Container image already present",
              "2030-01-01T00:00:01Z", type="Normal")  # fmt: skip
    put_event(kube, "some-other-pod", "Killing", "not this one", "2030-01-01T00:00:02Z")
    info = gather(cluster, workflow, tail=50)
    assert set(info) == {failed["id"]}
    pod = info[failed["id"]]
    assert pod.found and pod.name == failed["id"]
    assert pod.log_tail == ("step run-tests of wf-dag", "failed with exit code 1")
    assert [(e.reason, e.count) for e in pod.events] == [("Pulled", 1), ("BackOff", 4)]
    text = render_text(summarize(workflow, info))
    assert "    | failed with exit code 1" in text
    assert "BackOff (x4): Back-off restarting failed container" in text
    assert "not this one" not in text


def test_tail_keeps_the_last_lines(kube: KubeEnv, cluster: Cluster) -> None:
    workflow = put_workflow(kube, failed_dag())
    put_pod(kube, APPLY, WF, log="".join(f"line {i}\n" for i in range(100)))
    pod = gather(cluster, workflow, tail=3)[APPLY]
    assert pod.log_tail == ("line 97", "line 98", "line 99")


def test_pods_that_are_gone(kube: KubeEnv, cluster: Cluster) -> None:
    workflow = put_workflow(kube, failed_dag())
    put_pod(kube, f"{WF}-1", WF, log="checkout ok\n")  # a pod of a step that succeeded
    info = gather(cluster, workflow)
    assert info == {}
    summary = summarize(workflow, info)
    assert summary.failed[0].pod is not None and not summary.failed[0].pod.found
    assert "Cloud Logging" in render_text(summary)


def test_v2_pod_found_by_its_node_id_annotation(kube: KubeEnv, cluster: Cluster) -> None:
    workflow = failed_dag()
    node = workflow["status"]["nodes"][APPLY]
    pod_name = v2_name(WF, node)
    put_workflow(kube, workflow)
    put_pod(kube, pod_name, WF, log="boom\n", annotations={NODE_ID_ANNOTATION: APPLY})
    info = gather(cluster, workflow)
    assert info[APPLY].name == pod_name and info[APPLY].log_tail == ("boom",)
    step = summarize(workflow, info).failed[0]
    assert step.pod_name == pod_name
    assert step.logging_filter is not None and APPLY not in step.logging_filter


def test_container_state_and_unreadable_log(kube: KubeEnv, cluster: Cluster) -> None:
    workflow = failed_dag(message="Error (exit code 137)")
    put_workflow(kube, workflow)
    status = {"phase": "Failed", "containerStatuses": [
        {"name": "wait", "state": {"terminated": {"exitCode": 0}}},
        {"name": "main", "restartCount": 0,
         "state": {"terminated": {"exitCode": 137, "reason": "OOMKilled"}}},
    ]}  # fmt: skip
    put_pod(kube, APPLY, WF, status=status)
    kube.api.faults.add("log_", "400", resource="pods")
    pod = gather(cluster, workflow)[APPLY]
    assert pod.container is not None
    assert (pod.container.exit_code, pod.container.reason) == (137, "OOMKilled")
    assert pod.log_error is not None and "400" in pod.log_error
    text = render_text(summarize(workflow, {APPLY: pod}))
    assert "container:  main OOMKilled" in text
    assert "more memory than its limit" in text
    assert "log:        could not be read: HTTP 400" in text


def test_nothing_to_ask_for_a_workflow_without_failures(kube: KubeEnv, cluster: Cluster) -> None:
    workflow = failed_dag()
    for node in workflow["status"]["nodes"].values():
        node["phase"] = "Succeeded"
    before = len(kube.api.requests)
    assert gather(cluster, workflow) == {}
    assert len(kube.api.requests) == before
