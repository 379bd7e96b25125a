from __future__ import annotations

import copy
from datetime import datetime, timezone

from compiler.operate.debug import ContainerState, EventInfo, PodInfo, summarize
from compiler.operate.render import render_text

from .builders import NAMESPACE, WF, failed_dag, node

APPLY = f"{WF}-2243590372"


def test_failed_dag_names_the_failed_step_and_its_pod() -> None:
    summary = summarize(failed_dag())
    assert (summary.name, summary.namespace, summary.phase) == (WF, NAMESPACE, "Failed")
    assert summary.duration == 6 * 60 + 19
    assert summary.is_failure
    [step] = summary.failed
    assert step.display_name == "kfctl-apply-gcp"
    assert step.template == "kfctl-apply-gcp"
    # The seed README: "id will be the name of the pod".
    assert step.pod_name == APPLY
    assert step.exit_code == 1
    assert step.message == "failed with exit code 1"
    assert step.pod is None  # the cluster was not asked
    assert step.red_herring is False


def test_tree_marks_failed_nodes_and_puts_the_exit_handler_last() -> None:
    summary = summarize(failed_dag())
    shape = [(line.display_name, line.depth, line.failed) for line in summary.nodes]
    assert shape == [
        (WF, 0, True),
        ("checkout", 1, False),
        ("kfctl-apply-gcp", 2, True),
        (f"{WF}.onExit", 0, False),
        ("copy-artifacts", 1, False),
    ]
    text = render_text(summary)
    failed_rows = [row for row in text.splitlines() if row.startswith("X ")]
    assert len(failed_rows) == 2
    assert "kfctl-apply-gcp" in failed_rows[1] and "failed with exit code 1" in failed_rows[1]


def test_cloud_logging_query_for_the_pod() -> None:
    workflow = failed_dag()
    workflow["metadata"]["annotations"] = {"workflows.argoproj.io/pod-name-format": "v1"}
    summary = summarize(workflow, cluster="kubeflow-testing", project="kubeflow-ci")
    query = summary.failed[0].logging_filter
    assert query is not None
    assert query.splitlines() == [
        'resource.type="k8s_container"',
        'resource.labels.cluster_name="kubeflow-testing"',
        f'resource.labels.namespace_name="{NAMESPACE}"',
        f'resource.labels.pod_name="{APPLY}"',
        'resource.labels.container_name="main"',
    ]
    url = summary.failed[0].logging_url
    assert url is not None and url.endswith("?project=kubeflow-ci")
    assert APPLY in url


def test_red_herring_is_explained() -> None:
    message = (
        'failed to get container status {"docker" "b84b751b0102"}: rpc error: code = Unknown '
        "desc = Error: No such container: b84b751b0102"
    )
    summary = summarize(failed_dag(message=message))
    step = summary.failed[0]
    assert step.red_herring
    assert any("red herring" in hint for hint in step.hints)
    assert "red herring" in render_text(summary)


def test_plain_failure_has_no_red_herring_text() -> None:
    assert "red herring" not in render_text(summarize(failed_dag()))


def test_error_phase_with_no_nodes_says_no_step_ran() -> None:
    workflow = failed_dag()
    workflow["status"] = {
        "phase": "Error",
        "message": "invalid spec: templates.e2e.tasks.x template name 'y' undefined",
        "startedAt": "2018-10-17T05:02:11Z",
        "finishedAt": "2018-10-17T05:02:11Z",
    }
    summary = summarize(workflow)
    assert summary.phase == "Error" and summary.is_failure
    assert summary.failed == ()
    assert any("no step ran" in note for note in summary.notes)
    text = render_text(summary)
    assert "phase:    Error: invalid spec" in text


def test_error_node_without_pod_is_a_failed_step() -> None:
    workflow = failed_dag()
    apply = workflow["status"]["nodes"][APPLY]
    apply.update(phase="Error", message="pod deleted")
    del apply["outputs"]
    workflow["status"]["phase"] = "Error"
    step = summarize(workflow).failed[0]
    assert step.phase == "Error" and step.exit_code is None
    assert any("deleted or evicted" in hint for hint in step.hints)


def test_a_successfully_retried_attempt_is_not_a_failure() -> None:
    workflow = failed_dag()
    nodes = workflow["status"]["nodes"]
    retry = node(WF, "flaky", "Succeeded", node_id=f"{WF}-10", type_="Retry",
                 children=[f"{WF}-11", f"{WF}-12"])  # fmt: skip
    first = node(WF, "flaky(0)", "Failed", node_id=f"{WF}-11", message="Error (exit code 2)",
                 template="flaky")  # fmt: skip
    second = node(WF, "flaky(1)", "Succeeded", node_id=f"{WF}-12", template="flaky")
    nodes[f"{WF}-1"]["children"].append(retry["id"])
    nodes.update({n["id"]: n for n in (retry, first, second)})
    summary = summarize(workflow)
    assert [step.display_name for step in summary.failed] == ["kfctl-apply-gcp"]
    retried = next(line for line in summary.nodes if line.id == f"{WF}-11")
    assert retried.retried and not retried.failed
    assert "Failed (retried)" in render_text(summary)


def test_exit_code_from_the_message_when_outputs_lack_it() -> None:
    workflow = failed_dag(message="Error (exit code 137)")
    del workflow["status"]["nodes"][APPLY]["outputs"]
    step = summarize(workflow).failed[0]
    assert step.exit_code == 137
    assert any("memory" in hint for hint in step.hints)


def test_pod_info_adds_log_events_and_state() -> None:
    info = PodInfo(
        name=APPLY,
        found=True,
        phase="Failed",
        container=ContainerState(exit_code=1, reason="Error"),
        log_tail=("Applying kfctl", "Error: deployment failed"),
        events=(
            EventInfo("2018-10-17T05:05:00Z", "Warning", "BackOff", "Back-off pulling image", 3),
        ),
    )
    summary = summarize(failed_dag(), {APPLY: info})
    step = summary.failed[0]
    assert step.pod == info
    text = render_text(summary)
    assert f"pod:        {APPLY} (still exists)" in text
    assert "    | Error: deployment failed" in text
    assert "BackOff (x3): Back-off pulling image" in text


def test_a_pod_missing_from_pod_info_is_gone() -> None:
    summary = summarize(failed_dag(), {})
    step = summary.failed[0]
    assert step.pod is not None and not step.pod.found
    assert any("no longer exists" in hint for hint in step.hints)
    assert "(gone)" in render_text(summary)


def test_v2_pod_names_are_used_when_the_workflow_says_so() -> None:
    workflow = failed_dag()
    workflow["metadata"]["annotations"] = {"workflows.argoproj.io/pod-name-format": "v2"}
    step = summarize(workflow).failed[0]
    assert step.pod_name is not None
    assert step.pod_name.startswith(f"{WF}-kfctl-apply-gcp-")
    assert step.pod_name_candidates == (step.pod_name,)


def test_unknown_pod_name_format_queries_both_names() -> None:
    step = summarize(failed_dag()).failed[0]
    assert step.pod_name_candidates[0] == APPLY and len(step.pod_name_candidates) == 2
    assert step.logging_filter is not None
    assert " OR " in step.logging_filter


def test_running_workflow_duration_counts_until_now() -> None:
    workflow = failed_dag()
    workflow["status"] = {"phase": "Running", "startedAt": "2018-10-17T05:02:11Z"}
    now = datetime(2018, 10, 17, 5, 12, 11, tzinfo=timezone.utc)
    summary = summarize(workflow, now=now)
    assert summary.running and summary.duration == 600
    assert any("still running" in note for note in summary.notes)
    assert summary.is_failure is False


def test_summarize_does_not_change_its_input() -> None:
    workflow = failed_dag()
    del workflow["status"]["nodes"][APPLY]["id"]  # the key is the id; Argo repeats it
    before = copy.deepcopy(workflow)
    assert summarize(workflow, {}).failed[0].node_id == APPLY
    assert workflow == before


def test_broken_status_does_not_crash() -> None:
    workflow = failed_dag()
    nodes = workflow["status"]["nodes"]
    nodes[APPLY]["children"] = [f"{WF}-1"]  # a cycle
    nodes["junk"] = "not a node"
    summary = summarize(workflow)
    assert {line.id for line in summary.nodes} == {n for n in nodes if n != "junk"}
    assert render_text(summary)
    assert summarize({"metadata": {"name": "x"}}).phase == "Pending"


def test_a_task_after_a_retried_one_still_fails() -> None:
    """In a DAG the tasks that depend on a retried task are its children too (of the Retry
    node, or of its last attempt): their failure is not a retried attempt."""
    workflow = failed_dag()
    nodes = workflow["status"]["nodes"]
    retry = node(WF, "deploy", "Succeeded", node_id=f"{WF}-20", type_="Retry",
                 children=[f"{WF}-21", f"{WF}-22", f"{WF}-23"])  # fmt: skip
    first = node(WF, "deploy(0)", "Failed", node_id=f"{WF}-21", template="deploy")
    second = node(WF, "deploy(1)", "Succeeded", node_id=f"{WF}-22", template="deploy",
                  children=[f"{WF}-23"])  # fmt: skip
    after = node(WF, "e2e", "Failed", node_id=f"{WF}-23", message="Error (exit code 1)")
    nodes[f"{WF}-1"]["children"].append(retry["id"])
    nodes.update({n["id"]: n for n in (retry, first, second, after)})
    summary = summarize(workflow)
    assert sorted(step.display_name for step in summary.failed) == ["e2e", "kfctl-apply-gcp"]
    lines = {line.display_name: line for line in summary.nodes}
    assert lines["deploy(0)"].retried and not lines["e2e"].retried
