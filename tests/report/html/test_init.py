"""What ``kftest run`` adds to the artifacts: the page, and the failed workflows as JSON."""

from __future__ import annotations

import json
from pathlib import Path

from compiler.operate.debug import PodInfo, summarize
from compiler.report import html
from compiler.report.layout import GcsLayout
from compiler.report.outcome import WorkflowOutcome

from .builders import WF
from .test_page import JOB, failed_workflow, succeeded_workflow

LAYOUT = GcsLayout("bucket", "pr-logs/pull/kubeflow_testing/7/kftest-presubmit/1500", ())


def hide(text: str) -> str:
    return text.replace("s3cr3t", "[REDACTED]")


def test_a_failed_run_leaves_its_page_and_its_failed_workflows(tmp_path: Path) -> None:
    wf = failed_workflow()
    pods = {"a": PodInfo("a", True, log_tail=("token=s3cr3t", 'quote " s3cr3t'))}
    outcome = WorkflowOutcome("e2e", WF, submitted=True, object=wf, phase="Failed")
    files = html.run_files(
        JOB,
        [outcome],
        summaries={WF: summarize(wf, pods)},
        junit_files=[],
        result="FAILURE",
        layout=LAYOUT,
        output_dir=tmp_path,
        redact=hide,
        dot_timeout=0,
    )
    assert [name for name, _ in files] == [html.ARTIFACT, html.DEBUG_JSON]
    text = files[0][1].decode()
    assert text.startswith("<!DOCTYPE html>") and "s3cr3t" not in text
    assert "token=[REDACTED]" in text
    # The saved copy in the bucket is what "kftest debug" is pointed at.
    assert f"kftest debug gs://bucket/{LAYOUT.build_dir}/{WF}.yaml" in text
    assert f">gs://bucket/{LAYOUT.build_dir}</a>" in text  # the results
    assert "No drawing: no time was left to lay the graph out." in text
    data = files[1][1]
    assert data.endswith(b"}\n") and b'\n "workflows": [\n' in data  # indented by one
    saved = json.loads(data)
    # Every string redacted, also inside lists, before JSON escaping could hide a secret.
    [summary] = saved["workflows"]
    assert summary["failed"][0]["pod"]["log_tail"] == ["token=[REDACTED]", 'quote " [REDACTED]']
    assert b"s3cr3t" not in data
    # What is not a string stays what it was.
    assert summary["failed"][0]["duration"] == 35.0 and summary["running"] is False
    assert summary["failed"][0]["pod"]["found"] is True and summary["namespace"] is not None
    assert summary == json.loads(json.dumps(summarize(wf, pods).to_dict())) | {
        "failed": summary["failed"]
    }


def test_a_run_without_failures_leaves_only_its_page(tmp_path: Path) -> None:
    outcome = WorkflowOutcome("unit", "other", submitted=True, object=succeeded_workflow(),
                              phase="Succeeded")  # fmt: skip
    files = html.run_files(
        JOB,
        [outcome],
        summaries={},
        junit_files=[],
        result="SUCCESS",
        layout=None,
        output_dir=tmp_path,
        redact=hide,
        dot_timeout=0,
    )
    assert [name for name, _ in files] == [html.ARTIFACT]
    text = files[0][1].decode()
    # Without a bucket the results, and the workflow's copy, are in the output directory.
    assert f"<span>results: <b>{tmp_path}</b></span>" in text
    assert f"kftest debug {tmp_path / 'other.yaml'}" in text
