"""``kftest debug`` end to end, against the Kubernetes API stand-in and the GCS emulator."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from operate.builders import (
    WF,
    Outcome,
    failed_dag,
    invoke,
    node,
    put_event,
    put_pod,
    put_workflow,
)
from standins import WORKFLOWS
from standins import fixtures as standin
from standins.fixtures import CANARY_TOKEN, NAMESPACE, GcsEnv, KubeEnv, wait_until
from standins.gcs import free_port

from compiler.emit import dump

# The stand-ins' fixtures, made visible to this module's tests.
kube, gcs, gcs_emulator = standin.kube, standin.gcs, standin.gcs_emulator
APPLY = f"{WF}-2243590372"
Capsys = pytest.CaptureFixture[str]
MonkeyPatch = pytest.MonkeyPatch


def debug(
    capsys: Capsys, monkeypatch: MonkeyPatch, kube: KubeEnv, *args: str, **env: str
) -> Outcome:
    return invoke(capsys, monkeypatch, "debug", "--kubeconfig", str(kube.kubeconfig), *args, **env)


def test_failed_dag_with_its_pod_log_and_events(
    kube: KubeEnv,
    kftest: Callable[..., object],
) -> None:
    """The real entry point in a subprocess, as a user runs it after a red Prow job."""
    name = "kubeflow-presubmit-unittests-42-abc1234-1234-5678"
    kube.api.controller.set_outcome(name, "Failed", message="failed with exit code 1")
    body = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
            "metadata": {"name": name}, "spec": {"entrypoint": "e2e"}}  # fmt: skip
    kube.api.store.create(WORKFLOWS, NAMESPACE, body)
    wait_until(lambda: kube.api.store.pod_logs, "the fake controller to fail the workflow")
    pod = next(
        n["id"]
        for n in kube.api.store.get(WORKFLOWS, NAMESPACE, name)["status"]["nodes"].values()
        if n["phase"] == "Failed" and n["type"] == "Pod"
    )
    put_event(
        kube, pod, "Failed", 'Error: failed to pull image "gcr.io/x/y:v1"', "2030-01-01T00:00:03Z"
    )
    result = kftest("debug", name, "--kubeconfig", str(kube.kubeconfig), "--tail", "1")
    assert result.code == 1, result.stderr  # type: ignore[attr-defined]
    out = result.stdout  # type: ignore[attr-defined]
    assert f"Workflow {name} in namespace {NAMESPACE}" in out
    assert "X run-tests" in out
    assert "Failed step 1 of 1: run-tests" in out
    assert f"pod:        {pod} (still exists)" in out
    assert "exit code:  1" in out
    assert "    | failed with exit code 1" in out
    assert "step run-tests of" not in out  # --tail 1
    assert "Failed: Error: failed to pull image" in out
    assert "image could not be pulled" in out
    assert f'resource.labels.pod_name="{pod}"' in out
    assert CANARY_TOKEN not in out + result.stderr  # type: ignore[attr-defined]


def test_error_phase_workflow(capsys: Capsys, monkeypatch: MonkeyPatch, kube: KubeEnv) -> None:
    workflow = failed_dag()
    workflow["status"] = {
        "phase": "Error",
        "message": "Pod was active on the node longer than the specified deadline",
        "startedAt": "2018-10-17T05:02:11Z",
        "finishedAt": "2018-10-17T06:02:11Z",
        "nodes": {WF: node(WF, WF, "Error", node_id=WF, type_="DAG", template="e2e",
                           message="Step exceeded its deadline")},
    }  # fmt: skip
    put_workflow(kube, workflow)
    result = debug(capsys, monkeypatch, kube, WF, "--format", "json")
    assert result.code == 1
    [summary] = json.loads(result.stdout)["workflows"]
    assert summary["phase"] == "Error"
    [step] = summary["failed"]
    assert step["type"] == "DAG" and step["pod_name"] is None and step["logging_filter"] is None
    assert any("ran out of time" in hint for hint in step["hints"])


def test_workflow_whose_pods_are_gone(
    capsys: Capsys, monkeypatch: MonkeyPatch, kube: KubeEnv
) -> None:
    message = (
        'failed to get container status {"docker" "b84b751b0102"}: rpc error: code = Unknown '
        "desc = Error: No such container: b84b751b0102"
    )
    workflow = failed_dag(message=message)
    workflow["metadata"]["annotations"] = {"workflows.argoproj.io/pod-name-format": "v1"}
    put_workflow(kube, workflow)
    put_pod(kube, f"{WF}-1", WF, log="checkout done\n")  # only a step that passed is left
    result = debug(capsys, monkeypatch, kube, WF, "--cluster", "kubeflow-testing")
    assert result.code == 1
    assert f"pod:        {APPLY} (gone)" in result.stdout
    assert "red herring" in result.stdout
    assert "no longer exists" in result.stdout
    assert 'resource.labels.cluster_name="kubeflow-testing"' in result.stdout
    assert f'resource.labels.pod_name="{APPLY}"' in result.stdout
    assert "checkout done" not in result.stdout


def test_saved_yaml_from_the_bucket(
    capsys: Capsys,
    monkeypatch: MonkeyPatch,
    kube: KubeEnv,
    gcs: GcsEnv,
) -> None:
    path = f"pr-logs/pull/kubeflow_kubeflow/1810/kubeflow-presubmit/3900/{WF}.yaml"
    gcs.write(path, dump(failed_dag()).encode())
    url = f"gs://{gcs.bucket}/{path}"
    result = debug(capsys, monkeypatch, kube, url, "--project", "kubeflow-ci", **gcs.env)
    assert result.code == 1, result.stderr
    assert f"source:   {url}" in result.stdout
    assert "Failed step 1 of 1: kfctl-apply-gcp" in result.stdout
    assert "console.cloud.google.com/logs/query" in result.stdout
    assert kube.api.requests == []  # a saved object needs no cluster

    missing = debug(capsys, monkeypatch, kube, f"gs://{gcs.bucket}/nope.yaml", **gcs.env)
    assert missing.code == 2 and "no such object" in missing.stderr


def test_file_and_succeeded_workflow(
    capsys: Capsys, monkeypatch: MonkeyPatch, kube: KubeEnv, tmp_path: Path
) -> None:
    workflow = failed_dag()
    workflow["status"]["phase"] = "Succeeded"
    for item in workflow["status"]["nodes"].values():
        item["phase"] = "Succeeded"
    saved = tmp_path / "wf.yaml"
    saved.write_text(dump(workflow))
    result = debug(capsys, monkeypatch, kube, str(saved))
    assert result.code == 0
    assert "phase:    Succeeded" in result.stdout and "Failed step" not in result.stdout


def test_not_found_and_unreachable(
    capsys: Capsys, monkeypatch: MonkeyPatch, kube: KubeEnv, tmp_path: Path
) -> None:
    missing = debug(capsys, monkeypatch, kube, "no-such-workflow")
    assert missing.code == 2
    assert "not found in namespace kubeflow-test-infra" in missing.stderr
    assert "kftest debug gs://" in missing.stderr

    config = json.loads(kube.kubeconfig.read_text())
    config["clusters"][0]["cluster"]["server"] = f"http://127.0.0.1:{free_port()}"
    down = tmp_path / "down.json"
    down.write_text(json.dumps(config))
    result = invoke(
        capsys, monkeypatch, "debug", "wf", "--kubeconfig", str(down), "--retry-timeout", "0.3"
    )
    assert result.code == 3
    assert "kftest: get workflow kubeflow-test-infra/wf: giving up" in result.stderr
    assert "Traceback" not in result.stderr


def test_usage_errors(
    capsys: Capsys, monkeypatch: MonkeyPatch, kube: KubeEnv, tmp_path: Path
) -> None:
    assert debug(capsys, monkeypatch, kube, str(tmp_path / "missing.yaml")).code == 2
    assert debug(capsys, monkeypatch, kube, "gs://bucket-only").code == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: Workflow\nmetadata:\n  labels: a: b\n")
    result = debug(capsys, monkeypatch, kube, str(bad))
    assert result.code == 2 and f"{bad}:3:" in result.stderr
    # Not a workflow: the file named on the command line is wrong (2), no workflow failed (1).
    configmap = tmp_path / "cm.yaml"
    configmap.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    result = debug(capsys, monkeypatch, kube, str(configmap))
    assert result.code == 2 and "is a ConfigMap, not an Argo Workflow" in result.stderr
    directory = tmp_path / "dir.yaml"
    directory.mkdir()
    result = debug(capsys, monkeypatch, kube, str(directory))
    assert result.code == 2 and "is a directory" in result.stderr


def test_pods_hidden_by_rbac_still_give_a_summary(
    capsys: Capsys, monkeypatch: MonkeyPatch, kube: KubeEnv
) -> None:
    put_workflow(kube, failed_dag())
    kube.api.faults.add("list", "403", resource="pods", times=10)
    result = debug(capsys, monkeypatch, kube, WF)
    assert result.code == 1, result.stderr
    assert "the failed steps' pods could not be looked up" in result.stdout
    assert "HTTP 403" in result.stdout
    assert "Failed step 1 of 1: kfctl-apply-gcp" in result.stdout
    assert "(gone)" not in result.stdout  # unknown, not gone
