"""The page's model for a run that just ended and for saved workflows."""

from __future__ import annotations

from compiler.diagnostics import Diagnostic
from compiler.operate.debug import PodInfo, summarize
from compiler.report.html import page
from compiler.report.job import JobInfo
from compiler.report.outcome import WorkflowOutcome

from .builders import WF, node, workflow

JOB = JobInfo("presubmit", job_name="kftest-presubmit", org="kubeflow", repo="testing",
              pull_number="7", base_sha="base123", pull_sha="pull456", build_id="1500",
              build_number="99")  # fmt: skip


def failed_workflow(name: str = WF) -> dict:
    wf = workflow(
        node("root", "DAG", "Failed", children=("a",), start=0, end=40),
        node("a", phase="Failed", start=5, end=40, message="boom"),
        end=40,
    )
    wf["metadata"]["name"] = wf["status"]["nodes"][WF]["name"] = name
    return wf


def succeeded_workflow(start: float = 10, end: float = 100) -> dict:
    wf = workflow(
        node("root", "DAG", children=("b",), start=start, end=end),
        node("b", start=start, end=end),
        phase="Succeeded",
        start=start,
        end=end,
    )
    wf["metadata"]["name"] = "other"
    wf["metadata"]["labels"]["workflow"] = "unit"
    return wf


def kftest_junit(name: str, failed: bool = False) -> bytes:
    """The junit file kftest writes for a workflow: its first testcase is the workflow."""
    failure = '<failure message="failed"/>' if failed else ""
    return (
        f'<testsuite name="kftest" tests="1" failures="{int(failed)}">'
        f'<testcase classname="kftest" name="{name}">{failure}</testcase></testsuite>'
    ).encode()


def test_a_finished_run_has_every_entry_with_why_it_did_or_did_not_run() -> None:
    outcomes = [
        WorkflowOutcome("e2e", WF, submitted=True, object=failed_workflow(), phase="Failed",
                        ui_url="https://argo/e2e"),
        WorkflowOutcome("unit", "other", submitted=True, object=succeeded_workflow(),
                        phase="Succeeded", ui_url="https://argo/unit"),
        WorkflowOutcome("lint", "", diagnostics=[Diagnostic("bad-param", "no such param",
                        file="prow_config.yaml", line=3)]),
        WorkflowOutcome("quota", "kftest-quota", submit_error="403 quota exceeded",
                        ui_url="https://argo/quota"),
    ]  # fmt: skip
    pods = {"a": PodInfo("a", True, log_tail=("the pod's last words",))}
    saved = []
    model = page.for_run(
        JOB,
        outcomes,
        summaries={WF: summarize(failed_workflow(), pods)},
        junit_files=[("artifacts/junit_unit.xml", kftest_junit("other")), ("x.txt", b"")],
        results="gs://bucket/build",
        saved_copy=lambda name: saved.append(name) or f"gs://bucket/build/{name}.yaml",
    )
    views = model.workflows
    assert [(v.label, v.verdict) for v in views] == [
        ("e2e", "Failed"),
        ("unit", "Succeeded"),
        ("lint", "Invalid"),
        ("quota", "NotSubmitted"),
    ]
    # The summary made at the end of the run (with the pods) wins over the object's.
    assert views[0].summary.failed[0].pod.log_tail == ("the pod's last words",)
    assert views[1].summary.name == "other" and views[1].summary.failed == ()
    assert views[2].summary is None and views[3].summary is None
    assert views[2].problems == ("prow_config.yaml:3: error [bad-param] no such param",)
    assert views[3].problems == ("not submitted: 403 quota exceeded",)
    assert [v.ui_url for v in views] == ["https://argo/e2e", "https://argo/unit", "", ""]
    # Only the workflows that ran were saved, and only they can be debugged from the copy.
    assert saved == [WF, "other"]
    assert views[0].debug_commands[-1] == f"kftest debug gs://bucket/build/{WF}.yaml"
    assert views[2].debug_commands == views[3].debug_commands == ()
    # kftest's own junit file for a workflow of this run is recognised as such.
    assert [(f.path, f.by_kftest) for f in model.junit] == [("artifacts/junit_unit.xml", True)]
    assert model.header == page.Header(
        job="kftest-presubmit", job_type="presubmit", repo="kubeflow/testing", pull="7",
        sha="pull456", build="1500", verdict="FAILURE", started_at="2026-01-02T03:00:00Z",
        finished_at="2026-01-02T03:01:40Z", duration=100.0, results="gs://bucket/build",
    )  # fmt: skip


def test_the_verdict_of_a_finished_run() -> None:
    passed = [WorkflowOutcome("unit", "other", submitted=True, object=succeeded_workflow(),
                              phase="Succeeded")]  # fmt: skip
    assert page.for_run(JOB, passed).header.verdict == "SUCCESS"
    # The workflows' junit counts too, and the reporter's verdict has the last word.
    junit = [("artifacts/junit_e2e.xml", kftest_junit("pytest", failed=True))]
    assert page.for_run(JOB, passed, junit_files=junit).header.verdict == "FAILURE"
    assert page.for_run(JOB, passed, result="ABORTED").header.verdict == "ABORTED"


def test_an_outcome_without_object_and_without_name_has_no_summary() -> None:
    outcome = WorkflowOutcome("e2e", WF, submitted=True, phase="Deleted")
    [view] = page.for_run(JOB, [outcome], saved_copy=lambda name: f"{name}.yaml").workflows
    assert view.summary is None and view.verdict == "Deleted" and view.debug_commands == ()


def test_saved_workflows_with_their_verdicts_links_and_copies() -> None:
    given = summarize(failed_workflow(), {"a": PodInfo("a", True, log_tail=("last",))})
    model = page.for_workflows(
        [(failed_workflow(), given), (succeeded_workflow(), None)],
        job=JOB,
        verdicts={WF: "TimedOut"},
        ui_urls={"other": "https://argo/other"},
        junit_files=[("artifacts/junit_lint.xml", kftest_junit("lint", failed=True))],
        results="/tmp/out",
        saved_copy=lambda name: f"/tmp/out/{name}.yaml",
        missing={"lint": "Invalid"},
    )
    views = model.workflows
    assert [(v.label, v.verdict) for v in views] == [
        ("e2e", "TimedOut"),  # the label the entry gave it; the verdict finished.json had
        ("unit", "Succeeded"),  # no verdict known: its phase
        ("lint", "Invalid"),
    ]
    assert views[0].summary is given
    assert views[1].summary.name == "other"
    assert [v.ui_url for v in views] == ["", "https://argo/other", ""]
    assert views[1].debug_commands[-1] == "kftest debug /tmp/out/other.yaml"
    assert views[2].summary is None
    assert views[2].problems == ("Invalid: no workflow ran; its junit file below says why",)
    # The junit file of the entry that never ran is kftest's.
    assert [(f.path, f.by_kftest) for f in model.junit] == [("artifacts/junit_lint.xml", True)]
    assert model.header.verdict == "FAILURE" and model.header.job == "kftest-presubmit"
    assert model.header.results == "/tmp/out"
    assert model.header.started_at == "2026-01-02T03:00:00Z"


def test_a_saved_workflow_without_labels_is_called_by_its_name() -> None:
    wf = succeeded_workflow()
    del wf["metadata"]["labels"]
    [view] = page.for_workflows([(wf, None)]).workflows
    assert view.label == "other"
    wf["metadata"]["labels"] = None
    assert page.for_workflows([(wf, None)]).workflows[0].label == "other"
    wf["metadata"]["labels"] = ["workflow", "e2e"]  # hostile: a list, not a mapping
    assert page.for_workflows([(wf, None)]).workflows[0].label == "other"


def test_the_verdict_of_saved_workflows() -> None:
    ok = [(succeeded_workflow(), None)]
    assert page.for_workflows(ok).header.verdict == "SUCCESS"
    assert page.for_workflows(ok, result="ABORTED").header.verdict == "ABORTED"
    assert page.for_workflows(ok, result="FAILURE").header.verdict == "FAILURE"
    # A verdict that is none of the three (an old finished.json) is made from the workflows.
    assert page.for_workflows(ok, result="PENDING").header.verdict == "SUCCESS"
    assert page.for_workflows([(failed_workflow(), None)], result="").header.verdict == "FAILURE"
    # Without a job the header knows no job.
    assert page.for_workflows(ok).header.job == ""
