from __future__ import annotations

import copy
import json
from pathlib import Path

from standins.fixtures import KubeEnv
from standins.gcs import free_port

from compiler.cluster.kube import KubeSession
from compiler.operate.explain import explain, render

from .builders import IMPATIENT, WF, failed_dag, put_pod, put_workflow

APPLY = f"{WF}-2243590372"


def succeeded(name: str) -> dict:
    workflow = failed_dag(name)
    workflow["status"]["phase"] = "Succeeded"
    return workflow


def test_only_failed_workflows_are_reported() -> None:
    assert render(explain([succeeded("wf-ok")])) == ""
    report = render(explain([succeeded("wf-ok"), failed_dag(), failed_dag("wf-two")]))
    assert "Workflow wf-ok" not in report
    assert report.count("Failed step 1 of 1: kfctl-apply-gcp") == 2
    assert "-" * 80 in report


def test_with_a_session_the_pods_are_looked_up(kube: KubeEnv) -> None:
    workflow = put_workflow(kube, failed_dag())
    put_pod(kube, APPLY, WF, log="quota exceeded\n")
    session = KubeSession(kubeconfig=str(kube.kubeconfig))
    try:
        report = render(explain([workflow], session=session, policy=IMPATIENT, tail=10))
    finally:
        session.close()
    assert "    | quota exceeded" in report
    assert "(still exists)" in report


def test_pods_that_cannot_be_looked_up_are_a_note(kube: KubeEnv, tmp_path: Path) -> None:
    workflow = failed_dag()
    config = json.loads(kube.kubeconfig.read_text())
    config["clusters"][0]["cluster"]["server"] = f"http://127.0.0.1:{free_port()}"
    down = tmp_path / "down.json"
    down.write_text(json.dumps(config))
    session = KubeSession(kubeconfig=str(down))
    try:
        report = render(explain([copy.deepcopy(workflow)], session=session, policy=IMPATIENT))
    finally:
        session.close()
    assert "note:     the failed steps' pods could not be looked up: list pods" in report
    assert "Failed step 1 of 1: kfctl-apply-gcp" in report
