"""``kftest run`` of a repository with an Argo entry and a Tekton entry (with a teardown), end
to end against the Kubernetes API stand-in (fake Argo and Tekton controllers) and the GCS
emulator: the same report, artifact for artifact, for both kinds."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML
from standins.fixtures import (  # noqa: F401
    NAMESPACE,
    GcsEnv,
    KubeEnv,
    gcs,
    gcs_emulator,
    kube,
)
from standins.tekton_controller import pipeline_runs

from tests.commands.test_run import (
    BUILD_DIRS,
    COMPONENT,
    IMAGE,
    LINKS,
    REPO_ROOT,
    Run,
    postsubmit_environment,
)


def load_yaml(text: str | bytes) -> Any:
    return YAML(typ="safe").load(text)


RUN = """\
apiVersion: tekton.dev/v1alpha1
kind: PipelineRun
metadata:
  generateName: go-test-
  namespace: kf-ci
spec:
  params:
  - name: artifacts-gcs
    value: gs://manual/run
  serviceAccountName: kf-ci
  resources:
  - name: source-repo
    resourceSpec:
      type: git
      params:
      - name: url
        value: https://github.com/kubeflow/testing.git
      - name: revision
        value: master
  pipelineRef:
    name: go-tests
"""
TEARDOWN = """\
apiVersion: tekton.dev/v1beta1
kind: PipelineRun
metadata:
  generateName: go-test-teardown-
  namespace: kf-ci
spec:
  pipelineRef:
    name: teardown
"""
CONFIG = f"""
workflows:
  - name: unittests
    app_dir: ci
    component: unittests
    params: {{stepImage: "{IMAGE}"}}
  - name: go-tests
    tekton_run: kubeflow/testing/tekton/go-test-run.yaml
    tekton_params: [{{name: cluster-pattern, value: kf-v1}}]
    tekton_teardown: tekton/teardown-run.yaml
"""
FILES = {
    "prow_config.yaml": CONFIG,
    "ci/unittests.jsonnet": COMPONENT.replace("{name}", "unittests"),
    "tekton/go-test-run.yaml": RUN,
    "tekton/teardown-run.yaml": TEARDOWN,
    "py/a.py": "x = 1\n",
}
MAIN = "kftest-presubmit-go-tests-7-abcdef1-15-abcd"
DOWN = "kftest-presubmit-go-tests-teardown-7-abcdef1-15-abcd"
ARGO = "kftest-presubmit-unittests-7-abcdef1-15-abcd"


@pytest.fixture
def run(make_repo: Callable[..., Path], kube: KubeEnv, gcs: GcsEnv, tmp_path: Path) -> Run:  # noqa: F811
    return Run(make_repo(FILES), kube, gcs, tmp_path)


def stored_run(kube: KubeEnv, version: str, name: str) -> dict[str, Any]:  # noqa: F811
    return kube.api.store.get(pipeline_runs(version), "kf-ci", name)


def test_presubmit_argo_and_tekton_end_to_end(run: Run, kube: KubeEnv, gcs: GcsEnv) -> None:  # noqa: F811
    assert run("presubmit") == 0, run.local().get("build-log.txt", b"").decode()
    run.assert_complete()
    # The same layout for both kinds: the final object, a junit file per entry.
    assert sorted(run.local()) == sorted(
        [
            "started.json",
            "finished.json",
            "build-log.txt",
            f"{ARGO}.yaml",
            f"{MAIN}.yaml",
            f"{DOWN}.yaml",
            "artifacts/junit_unittests.xml",
            "artifacts/junit_go-tests.xml",
            "artifacts/junit_go-tests-teardown.xml",
            "artifacts/kftest-report.html",
        ]
    )
    assert gcs.list() == sorted(
        [f"{run.build_dir}/{name}" for name in run.local()] + LINKS["presubmit"]
    )
    # Created through the API as the run's own version, once, kftest's label on it.
    main = stored_run(kube, "v1alpha1", MAIN)
    assert kube.api.store.commits[(pipeline_runs("v1alpha1"), "kf-ci", MAIN)] == 1
    assert main["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "kftest"
    git = main["spec"]["resources"][0]["resourceSpec"]["params"]
    assert git[1] == {"name": "revision", "value": "refs/pull/7/head"}
    params = {p["name"]: p["value"] for p in main["spec"]["params"]}
    assert params["artifacts-gcs"] == f"gs://{gcs.bucket}/{BUILD_DIRS['presubmit']}"
    assert params["cluster-pattern"] == "kf-v1"
    # The teardown (v1beta1) started after the run had finished.
    transitions = {(name, reason): at for name, reason, at in kube.api.tekton.transitions}
    down = stored_run(kube, "v1beta1", DOWN)
    assert transitions[(MAIN, "Succeeded")] < transitions[(DOWN, "Running")]
    assert down["metadata"]["annotations"]["kftest.kubeflow.org/teardown-for"] == MAIN
    # Reported like the workflow.
    finished = run.json("finished.json")
    assert (finished["passed"], finished["result"]) == (True, "SUCCESS")
    assert {k: v for k, v in finished["metadata"].items() if k.endswith("-phase")} == {
        f"{ARGO}-phase": "Succeeded",
        f"{MAIN}-phase": "Succeeded",
        f"{DOWN}-phase": "Succeeded",
    }
    assert finished["metadata"][f"{MAIN}-ui"] == (
        "https://kf-ci-v1.endpoints.kubeflow-ci.cloud.goog/tekton/#/namespaces/kf-ci"
        f"/pipelineruns/{MAIN}"
    )
    assert set(run.json("started.json")["metadata"]) == {f"{ARGO}-ui", f"{MAIN}-ui", f"{DOWN}-ui"}
    for entry in ("unittests", "go-tests", "go-tests-teardown"):
        junit = run.junit(entry)
        assert (junit.get("tests"), junit.get("failures")) == ("1", "0"), entry
    final = load_yaml(run.stored(f"{MAIN}.yaml"))
    assert final["status"]["conditions"][0]["status"] == "True"
    log = run.stored("build-log.txt").decode()
    assert f"PipelineRun {MAIN}: Succeeded after" in log
    assert f"starting its teardown {DOWN}" in log


def test_a_failed_pipeline_run_still_tears_down_and_is_explained(
    run: Run,
    kube: KubeEnv,  # noqa: F811
) -> None:
    kube.api.tekton.set_outcome(MAIN, reason="Failed")
    assert run("presubmit") == 1
    run.assert_complete()
    assert stored_run(kube, "v1beta1", DOWN)["status"]["conditions"][0]["status"] == "True"
    finished = run.json("finished.json")
    assert finished["result"] == "FAILURE"
    assert finished["metadata"][f"{MAIN}-phase"] == "Failed"
    assert finished["metadata"][f"{DOWN}-phase"] == "Succeeded"
    junit = run.junit("go-tests")
    assert (junit.get("tests"), junit.get("failures")) == ("2", "2")  # the run + its TaskRun
    cases = junit.findall("testcase")
    assert cases[1].get("name") == "run-tests"
    assert "exited with code 1" in ET.tostring(cases[1]).decode()
    log = run.stored("build-log.txt").decode()
    assert f"PipelineRun {MAIN}: Failed after" in log and "1 finished (1 failed)" in log
    assert f"PipelineRun {MAIN}: TaskRun run-tests failed after" in log
    # kftest debug's explanation: the failed TaskRun, its pod, the step's log and events.
    assert f"PipelineRun {MAIN} in namespace kf-ci" in log
    assert f"{MAIN}-run-tests-pod" in log
    assert "--- FAIL: TestE2E" in log
    assert "Back-off restarting failed container step-test" in log


def test_a_run_that_times_out_gets_no_teardown(run: Run, kube: KubeEnv) -> None:  # noqa: F811
    kube.api.tekton.set_outcome(MAIN, hang=True)
    assert run("presubmit", timeout=1.0) == 1
    run.assert_complete()
    finished = run.json("finished.json")
    assert finished["metadata"][f"{MAIN}-phase"] == "Running"  # the last phase seen
    assert finished["metadata"][f"{DOWN}-phase"] == "NotSubmitted"
    assert "timed out in phase Running" in ET.tostring(run.junit("go-tests")).decode()
    assert "teardown " + DOWN + " not started" in run.stored("build-log.txt").decode()


@pytest.mark.parametrize(
    ("verb", "action"),
    [("create", "500-after-commit"), ("create", "reset"), ("watch", "drop"), ("list", "503")],
)
def test_api_faults_on_pipeline_runs(run: Run, kube: KubeEnv, verb: str, action: str) -> None:  # noqa: F811
    fault = kube.api.faults.add(verb, action, times=1, resource="pipelineruns")
    assert run("presubmit") == 0, run.local().get("build-log.txt", b"").decode()
    assert kube.api.faults.fired, fault
    run.assert_complete()
    assert kube.api.store.commits[(pipeline_runs("v1alpha1"), "kf-ci", MAIN)] == 1
    assert kube.api.store.commits[(pipeline_runs("v1beta1"), "kf-ci", DOWN)] == 1


@pytest.mark.parametrize("action", ["503", "corrupt"])
def test_gcs_faults_on_a_tekton_run(run: Run, gcs: GcsEnv, action: str) -> None:  # noqa: F811
    gcs.proxy.add(action, method="POST" if action == "corrupt" else "*", times=4)
    assert run("presubmit") == 0
    run.assert_complete()
    assert len(gcs.proxy.fired) == 4


def test_sigterm_stops_waiting_for_a_pipeline_run(
    make_repo: Callable[..., Path],
    kube: KubeEnv,  # noqa: F811
    gcs: GcsEnv,  # noqa: F811
    tmp_path: Path,
) -> None:
    repo = make_repo(FILES)
    kube.api.tekton.set_outcome(lambda run: True, hang=True)
    env, changed = postsubmit_environment(kube, gcs, tmp_path)
    process = subprocess.Popen(
        [sys.executable, "-m", "compiler", "run", "--repo-root", str(repo),
         "--changed-files", str(changed), "--bucket", gcs.bucket,
         "--output-dir", str(tmp_path / "out"), "--grace-period", "5s", "--retry-timeout", "2"],
        cwd=REPO_ROOT, env=env, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stderr is not None
    for line in process.stderr:
        if "PipelineRun " in line and ": Running after " in line:
            break
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    rest = process.stderr.read()
    assert process.wait(timeout=15) == 1
    assert time.monotonic() - started < 5
    assert "SIGTERM: stopping" in rest
    build_dir = BUILD_DIRS["postsubmit"]
    finished = json.loads(gcs.read(f"{build_dir}/finished.json"))
    assert (finished["passed"], finished["result"]) == (False, "ABORTED")
    junit = ET.fromstring(gcs.read(f"{build_dir}/artifacts/junit_go-tests.xml"))
    message = junit.find("testcase/failure").get("message")
    assert message == "aborted in phase Running: Tasks Completed: 0"
    assert gcs.read(f"{build_dir}/artifacts/junit_go-tests-teardown.xml")  # never started


def test_kftest_submit_takes_a_compiled_pipeline_run(
    make_repo: Callable[..., Path],
    kube: KubeEnv,  # noqa: F811
    tmp_path: Path,
) -> None:
    from tests.conftest import run_kftest

    repo = make_repo(FILES)
    env = {"REPO_OWNER": "kubeflow", "REPO_NAME": "testing", "HOME": str(tmp_path)}
    out = tmp_path / "compiled"
    compiled = run_kftest(
        "compile", "--repo-root", str(repo), "--job-type", "periodic", "--all", "--salt", "abcd",
        "--out", str(out), env=env,
    )  # fmt: skip
    assert compiled.code == 0, compiled.stdout + compiled.stderr
    [main] = [p for p in out.glob("*go-tests-[0-9]*.yaml")]
    result = run_kftest(
        "submit", str(main), "--wait", "--kubeconfig", str(kube.kubeconfig), env=env
    )
    assert result.code == 0, result.stderr
    assert f"pipelinerun.tekton.dev/{main.stem} created in kf-ci" in result.stdout
    assert stored_run(kube, "v1alpha1", main.stem)["status"]["conditions"][0]["status"] == "True"


V1_RUN = """\
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  generateName: e2e-
spec:
  taskRunTemplate:
    serviceAccountName: kf-ci
  pipelineSpec:
    params:
    - name: artifacts-gcs
      type: string
    tasks:
    - name: build
      params:
      - name: gcs
        value: $(params.artifacts-gcs)
      taskSpec:
        params:
        - name: gcs
          type: string
        steps:
        - name: build
          image: golang:1.22.1
          script: make && gsutil cp -r artifacts $(params.gcs)
    - name: e2e
      runAfter: [build]
      taskSpec:
        steps:
        - name: test
          image: golang:1.22.1
          script: make e2e
"""


def test_a_failed_v1_run_reports_its_task_runs(
    make_repo: Callable[..., Path],
    kube: KubeEnv,  # noqa: F811
    gcs: GcsEnv,  # noqa: F811
    tmp_path: Path,
) -> None:
    config = "workflows:\n  - name: e2e\n    tekton_run: tekton/e2e-run.yaml\n"
    repo = make_repo({"prow_config.yaml": config, "tekton/e2e-run.yaml": V1_RUN})
    run = Run(repo, kube, gcs, tmp_path)
    name = "kftest-presubmit-e2e-7-abcdef1-15-abcd"
    kube.api.tekton.set_outcome(name, reason="Failed")
    assert run("presubmit") == 1, run.local().get("build-log.txt", b"").decode()
    run.assert_complete()
    cases = run.junit("e2e").findall("testcase")
    assert [case.get("name") for case in cases][1:] == ["e2e"]  # the failed TaskRun
    final = load_yaml(run.stored(f"{name}.yaml"))
    assert [r["metadata"]["name"] for r in final["status"]["kftest/taskRuns"]] == [
        f"{name}-build",
        f"{name}-e2e",
    ]
    assert f"{name}-e2e-pod" in run.stored("build-log.txt").decode()
