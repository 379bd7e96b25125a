"""``kftest debug`` explains a failed Tekton PipelineRun: its failed TaskRuns, their pods, the
failed step's log and the pod's events (against the stand-in's fake Tekton controller)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from operate.builders import invoke
from standins import fixtures as standin
from standins.fixtures import KubeEnv
from standins.tekton_controller import pipeline_runs

from compiler.emit import dump

kube = standin.kube
Capsys = pytest.CaptureFixture[str]
MonkeyPatch = pytest.MonkeyPatch
NAME = "kftest-presubmit-go-tests-7-abcdef1-15-abcd"


def finished_run(kube: KubeEnv, version: str) -> dict:  # type: ignore[type-arg]
    kube.api.tekton.set_outcome(NAME, reason="Failed")
    body = {
        "apiVersion": f"tekton.dev/{version}",
        "kind": "PipelineRun",
        "metadata": {"name": NAME},
        "spec": {"pipelineSpec": {"tasks": [{"name": "build"}, {"name": "e2e"}]}},
    }
    kube.api.store.create(pipeline_runs(version), "kf-ci", body)
    deadline = time.monotonic() + 10
    while True:
        run = kube.api.store.get(pipeline_runs(version), "kf-ci", NAME)
        conditions = (run.get("status") or {}).get("conditions") or [{}]
        if conditions[0].get("status") == "False":
            return run
        assert time.monotonic() < deadline, "the fake Tekton controller did not finish the run"
        time.sleep(0.02)


@pytest.mark.parametrize("version", ["v1beta1", "v1"])
def test_a_failed_pipeline_run_from_the_cluster(
    capsys: Capsys, monkeypatch: MonkeyPatch, kube: KubeEnv, version: str
) -> None:
    finished_run(kube, version)
    outcome = invoke(
        capsys, monkeypatch, "debug", "--kubeconfig", str(kube.kubeconfig), "-n", "kf-ci", NAME
    )
    assert outcome.code == 1, outcome.stderr
    out = outcome.stdout
    assert f"PipelineRun {NAME} in namespace kf-ci" in out
    assert "phase:    Failed:" in out
    assert "TaskRuns (X = failed):" in out
    assert "Failed step 1 of 1: e2e" in out  # v1: the TaskRuns fetched by their label
    assert f"pod:        {NAME}-e2e-pod (still exists)" in out
    assert "exit code:  1" in out
    assert "log (last 3 lines of container step-test):" in out and "--- FAIL: TestE2E" in out
    assert "BackOff" in out
    assert 'resource.labels.container_name="step-test"' in out


def test_the_saved_final_object_needs_no_cluster(
    capsys: Capsys, monkeypatch: MonkeyPatch, kube: KubeEnv, tmp_path: Path
) -> None:
    saved = tmp_path / f"{NAME}.yaml"
    saved.write_text(dump(finished_run(kube, "v1alpha1")))
    kube.api.stop()
    outcome = invoke(capsys, monkeypatch, "debug", str(saved))
    assert outcome.code == 1
    assert "Failed step 1 of 1: e2e" in outcome.stdout
    assert f"{NAME}-e2e-pod" in outcome.stdout


def test_an_unknown_name(capsys: Capsys, monkeypatch: MonkeyPatch, kube: KubeEnv) -> None:
    outcome = invoke(
        capsys, monkeypatch, "debug", "--kubeconfig", str(kube.kubeconfig), "-n", "kf-ci", "nope"
    )
    assert outcome.code == 2
    assert "workflow or PipelineRun nope not found in namespace kf-ci" in outcome.stderr
