"""``kftest run`` end to end: a small repository, the Kubernetes API stand-in with its fake Argo
controller, and the real GCS emulator. Every fault of issue 5 is one case of
``test_faults_never_cost_a_report``."""

from __future__ import annotations

import itertools
import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from standins import WORKFLOWS
from standins.fixtures import (  # noqa: F401
    CANARY_TOKEN,
    FAST,
    IMPATIENT,
    NAMESPACE,
    GcsEnv,
    KubeEnv,
    gcs,
    gcs_emulator,
    kube,
)

from compiler import pipeline
from compiler.commands.run import RunSettings, execute
from compiler.diagnostics import UsageError

REPO_ROOT = Path(__file__).resolve().parents[2]
IMAGE = "gcr.io/kubeflow-ci/test-worker:v20181017-bfeaaf5-dirty-4adcd0"
COMPONENT = """
local kftest = import 'kftest.libsonnet';
function(params)
  local wf = kftest.workflow(params, '{name}');
  wf.dag([wf.step('pytest', ['python', '-m', 'pytest'])])
"""
CONFIG = f"""
workflows:
  - name: unittests
    app_dir: ci
    component: unittests
    params: {{stepImage: "{IMAGE}"}}
  - name: e2e
    app_dir: ci
    component: e2e
    include_dirs: [py/*]
    params: {{stepImage: "{IMAGE}"}}
  - name: broken
    app_dir: ci
    component: broken
    job_types: [presubmit]
    params: {{stepImage: "gcr.io/kubeflow-ci/test-worker:latest"}}
"""
FILES = {
    "prow_config.yaml": CONFIG,
    "ci/unittests.jsonnet": COMPONENT.replace("{name}", "unittests"),
    "ci/e2e.jsonnet": COMPONENT.replace("{name}", "e2e"),
    "ci/broken.jsonnet": COMPONENT.replace("{name}", "broken"),
    "py/a.py": "x = 1\n",
}
PROW: dict[str, dict[str, str]] = {
    "presubmit": {
        "JOB_TYPE": "presubmit",
        "JOB_NAME": "kftest-presubmit",
        "REPO_OWNER": "kubeflow",
        "REPO_NAME": "testing",
        "PULL_NUMBER": "7",
        "PULL_BASE_REF": "main",
        "PULL_BASE_SHA": "0123456789abcdef",
        "PULL_PULL_SHA": "abcdef1234567890",
        "PULL_REFS": "main:0123456789abcdef,7:abcdef1234567890",
        "BUILD_ID": "1500",
        "BUILD_NUMBER": "15",
    },
    "postsubmit": {
        "JOB_TYPE": "postsubmit",
        "JOB_NAME": "kftest-postsubmit",
        "REPO_OWNER": "kubeflow",
        "REPO_NAME": "testing",
        "PULL_BASE_REF": "main",
        "PULL_BASE_SHA": "0123456789abcdef",
        "PULL_REFS": "main:0123456789abcdef",
        "BUILD_ID": "1600",
    },
    "periodic": {
        "JOB_TYPE": "periodic",
        "JOB_NAME": "kftest-periodic",
        "REPO_OWNER": "kubeflow",
        "REPO_NAME": "testing",
        "BUILD_NUMBER": "1700",
    },
}
BUILD_DIRS = {
    "presubmit": "pr-logs/pull/kubeflow_testing/7/kftest-presubmit/1500",
    "postsubmit": "logs/kftest-postsubmit/1600",
    "periodic": "logs/kftest-periodic/1700",
}
LINKS = {
    "presubmit": [
        "pr-logs/directory/kftest-presubmit/1500.txt",
        "pr-logs/directory/kftest-presubmit/latest-build.txt",
        "pr-logs/pull/kubeflow_testing/7/kftest-presubmit/latest-build.txt",
    ],
    "postsubmit": ["logs/kftest-postsubmit/latest-build.txt"],
    "periodic": ["logs/kftest-periodic/latest-build.txt"],
}


class Run:
    """One ``kftest run`` in this process, and what it left behind."""

    def __init__(self, repo: Path, kube_env: KubeEnv, gcs_env: GcsEnv, tmp_path: Path) -> None:
        self.repo, self.kube, self.gcs, self.tmp_path = repo, kube_env, gcs_env, tmp_path
        self.out = tmp_path / "out"
        self.job_type = ""
        self.code: int | None = None

    def __call__(self, job_type: str = "presubmit", **settings: Any) -> int:
        self.job_type = job_type
        extra_env = settings.pop("env", {})
        env = {
            **PROW[job_type],
            **self.kube.env,
            **self.gcs.env,
            "HOME": str(self.tmp_path),
            **extra_env,
        }
        options = pipeline.Options(
            repo_root=self.repo,
            config_path=self.repo / "prow_config.yaml",
            changed_files=["py/a.py"],
            environ=env,
            placeholders=False,
            salt="abcd",
        )
        defaults: dict[str, Any] = {
            "bucket": self.gcs.bucket,
            "output_dir": self.out,
            "retry": FAST,
            "timeout": 20.0,
            "grace": 3.0,
        }
        self.code = execute(options, RunSettings(**{**defaults, **settings}))
        return self.code

    @property
    def build_dir(self) -> str:
        return BUILD_DIRS[self.job_type]

    def local(self) -> dict[str, bytes]:
        return {
            p.relative_to(self.out).as_posix(): p.read_bytes()
            for p in self.out.rglob("*")
            if p.is_file()
        }

    def stored(self, name: str) -> bytes:
        return self.gcs.read(f"{self.build_dir}/{name}")

    def json(self, name: str) -> Any:
        return json.loads(self.stored(name))

    def junit(self, entry: str) -> ET.Element:
        return ET.fromstring(self.stored(f"artifacts/junit_{entry}.xml"))

    def workflow_names(self) -> list[str]:
        return sorted(w["metadata"]["name"] for w in self.kube.api.workflows())

    def assert_complete(self) -> None:
        """The report is all there, and storage holds exactly what was written locally."""
        local = self.local()
        for name in ("started.json", "finished.json", "build-log.txt"):
            assert name in local, name
        assert any(name.startswith("artifacts/junit_") for name in local)
        for name, data in local.items():
            assert self.stored(name) == data, name
        for data in [*local.values(), *(self.gcs.read(n) for n in self.gcs.list())]:
            assert CANARY_TOKEN.encode() not in data

    def assert_created_once(self, entries: list[str]) -> None:
        names = self.workflow_names()
        assert [n.split("-")[2] for n in names] == sorted(entries)
        for name in names:
            assert self.kube.api.store.commits[(WORKFLOWS, NAMESPACE, name)] == 1


@pytest.fixture
def repo(make_repo: Callable[..., Path]) -> Path:
    return make_repo(FILES)


@pytest.fixture
def run(repo: Path, kube: KubeEnv, gcs: GcsEnv, tmp_path: Path) -> Run:  # noqa: F811
    return Run(repo, kube, gcs, tmp_path)


def test_presubmit(run: Run, kube: KubeEnv, gcs: GcsEnv) -> None:  # noqa: F811
    kube.api.controller.set_outcome("-e2e-", "Failed", failed_nodes=2)
    assert run("presubmit") == 1
    run.assert_complete()
    run.assert_created_once(["e2e", "unittests"])
    names = run.workflow_names()
    build_dir = run.build_dir
    assert gcs.list() == sorted(
        [f"{build_dir}/{name}" for name in run.local()] + LINKS["presubmit"]
    )
    assert sorted(run.local()) == sorted(
        [
            "started.json",
            "finished.json",
            "build-log.txt",
            "artifacts/junit_unittests.xml",
            "artifacts/junit_e2e.xml",
            "artifacts/junit_broken.xml",
            "artifacts/kftest-report.html",
            "artifacts/kftest-debug.json",
            *(f"{name}.yaml" for name in names),
        ]
    )
    assert gcs.read(LINKS["presubmit"][0]) == f"gs://{gcs.bucket}/{build_dir}".encode()
    assert gcs.read(LINKS["presubmit"][1]) == b"1500"
    started = run.json("started.json")
    assert started["repos"] == {"kubeflow/testing": "abcdef1234567890"}
    assert started["pull"] == PROW["presubmit"]["PULL_REFS"]
    assert started["metadata"] == {
        f"{name}-ui": f"http://testing-argo.kubeflow.org/workflows/{NAMESPACE}/{name}?tab=workflow"
        for name in names
    }
    finished = run.json("finished.json")
    assert (finished["passed"], finished["result"]) == (False, "FAILURE")
    phases = {k: v for k, v in finished["metadata"].items() if k.endswith("-phase")}
    assert sorted(phases.values()) == ["Failed", "Invalid", "Succeeded"]
    e2e = run.junit("e2e")
    assert (e2e.get("tests"), e2e.get("failures")) == ("3", "3")  # the workflow + 2 pod nodes
    assert [case.get("name") for case in e2e.findall("testcase")][1:] == ["run-tests", "test-1"]
    assert run.junit("unittests").get("failures") == "0"
    broken = run.junit("broken").find("testcase/failure")
    assert "immutable-image" in broken.text and "prow_config.yaml:" in broken.text
    log = run.stored("build-log.txt").decode()
    e2e_name = "kftest-presubmit-e2e-7-abcdef1-15-abcd"
    assert f"workflow {e2e_name}: Failed after" in log
    assert "steps: 0 running, 4 finished (2 failed)" in log
    for step in ("run-tests", "test-1"):  # each failed step, with the command that explains it
        assert (
            f"ERROR workflow {e2e_name}: step {step} failed after" in log
            and f"explain it with: kftest debug {e2e_name} -n {NAMESPACE}" in log
        )
    # The same explanation `kftest debug` gives, so the answer is already in Prow's log.
    assert "failed workflows, explained" in log
    assert "Cloud Logging" in log or "resource.type=" in log
    final = run.stored(f"{names[0]}.yaml").decode()
    assert "phase: Failed" in final and "nodes:" in final
    # The page a person opens: which step failed, and the tail of its log read from the pod.
    page = run.stored("artifacts/kftest-report.html").decode()
    e2e_name = next(name for name in names if "-e2e-" in name)
    assert "<b>run-tests</b></a> failed" in page and 'failed cause failed-path"' in page
    assert f"step run-tests of {e2e_name}\nError (exit code 1)" in page  # the log tail
    assert f"kftest debug gs://{gcs.bucket}/{build_dir}/{e2e_name}.yaml" in page


def test_postsubmit_all_pass(run: Run) -> None:
    assert run("postsubmit") == 0
    run.assert_complete()
    run.assert_created_once(["e2e", "unittests"])  # "broken" runs on presubmits only
    finished = run.json("finished.json")
    assert (finished["passed"], finished["result"]) == (True, "SUCCESS")
    assert finished["metadata"]["repos"] == {"kubeflow/testing": "main:0123456789abcdef"}
    assert run.gcs.list() == sorted(
        [f"{run.build_dir}/{name}" for name in run.local()] + LINKS["postsubmit"]
    )


def test_postsubmit_in_the_kubeflow_layout(run: Run, gcs: GcsEnv) -> None:  # noqa: F811
    assert run("postsubmit", gcs_layout="kubeflow") == 0
    assert gcs.read("logs/kubeflow_testing/kftest-postsubmit/1600/finished.json")
    assert gcs.read("logs/kubeflow_testing/kftest-postsubmit/latest-build.txt") == b"1600"


def test_periodic(run: Run) -> None:
    assert run("periodic") == 0
    run.assert_complete()
    run.assert_created_once(["e2e", "unittests"])
    assert run.gcs.read(LINKS["periodic"][0]) == b"1700"  # BUILD_NUMBER when no BUILD_ID
    assert "pull" not in run.json("started.json")


def test_the_workflows_own_junit_decides_too(run: Run, kube: KubeEnv, gcs: GcsEnv) -> None:  # noqa: F811
    def exit_handler(workflow: dict[str, Any]) -> None:  # what copy-artifacts uploads
        name = workflow["metadata"]["name"]
        report = b'<testsuites><testsuite name="t" tests="3" failures="1"/></testsuites>'
        gcs.write(f"{BUILD_DIRS['periodic']}/artifacts/junit_{name}.xml", report)

    kube.api.controller.on_finish.append(exit_handler)
    assert run("periodic") == 1
    run.assert_complete()
    finished = run.json("finished.json")
    assert finished["result"] == "FAILURE"
    assert set(v for k, v in finished["metadata"].items() if k.endswith("-phase")) == {"Succeeded"}
    assert "2 junit failure(s)" in run.stored("build-log.txt").decode()


FAULTS = [
    ("kube", "create", "500"),
    ("kube", "create", "429"),
    ("kube", "create", "reset"),
    ("kube", "create", "500-after-commit"),
    ("kube", "create", "reset-after-commit"),
    ("kube", "get", "500"),
    ("kube", "get", "429"),
    ("kube", "get", "reset"),
    ("kube", "list", "reset"),
    ("kube", "watch", "drop"),
    ("kube", "watch", "gone"),
    ("kube", "token", "expired"),
    ("gcs", "*", "503"),
    ("gcs", "POST", "corrupt"),
    ("gcs", "POST", "reset"),
]


@pytest.mark.parametrize(("where", "what", "action"), FAULTS)
def test_faults_never_cost_a_report(
    run: Run,
    kube: KubeEnv,  # noqa: F811
    gcs: GcsEnv,  # noqa: F811
    where: str,
    what: str,
    action: str,
) -> None:
    if where == "gcs":
        gcs.proxy.add(action, method=what, times=4)
    elif what == "token":
        kube.expire_token_on("create")
    elif what == "get":
        # A create that was persisted but answered 500, so that the retry must read it back.
        kube.api.faults.add("create", "500-after-commit")
        kube.api.faults.add("get", action, times=2)
    else:
        kube.api.faults.add(what, action, times=2, after_events=1)
    assert run("postsubmit") == 0
    run.assert_complete()
    run.assert_created_once(["e2e", "unittests"])
    if where == "gcs":
        assert len(gcs.proxy.fired) == 4
    elif what == "token":
        assert kube.api.count("POST", status=401) == 1
    else:
        assert kube.api.faults.count(what, action) >= 1


def test_a_rejected_workflow_still_reports(run: Run, kube: KubeEnv) -> None:  # noqa: F811
    kube.api.faults.add("create", "422")
    assert run("postsubmit") == 1
    run.assert_complete()
    assert len(run.workflow_names()) == 1  # the other one still ran
    failures = [run.junit(e).find("testcase/failure") for e in ("unittests", "e2e")]
    rejected = [f for f in failures if f is not None]
    assert len(rejected) == 1 and rejected[0].get("message").startswith("not submitted: ")


def test_timeout(run: Run, kube: KubeEnv) -> None:  # noqa: F811
    kube.api.controller.set_outcome("-e2e-", hang=True)
    assert run("postsubmit", timeout=1.0) == 1
    run.assert_complete()
    failure = run.junit("e2e").find("testcase/failure")
    assert failure.get("message") == "timed out in phase Running"
    assert run.json("finished.json")["result"] == "FAILURE"


def test_cluster_unreachable(run: Run, kube: KubeEnv) -> None:  # noqa: F811
    kube.api.stop()
    assert run("postsubmit", retry=IMPATIENT) == 3
    run.assert_complete()
    assert run.json("finished.json")["result"] == "FAILURE"
    assert "giving up after" in run.stored("build-log.txt").decode()


def test_storage_unreachable(run: Run, kube: KubeEnv, gcs: GcsEnv) -> None:  # noqa: F811
    gcs.proxy.add("503", times=100_000)
    assert run("postsubmit", retry=IMPATIENT) == 3
    assert kube.api.workflows() == []  # nothing is started when its results cannot be kept
    assert json.loads(run.local()["finished.json"])["result"] == "FAILURE"
    assert gcs.list() == []


def test_artifacts_dir(run: Run, tmp_path: Path) -> None:
    artifacts = tmp_path / "prow-artifacts"
    assert run("postsubmit", env={"ARTIFACTS": str(artifacts)}) == 0
    copied = sorted(p.name for p in artifacts.iterdir())
    assert "junit_e2e.xml" in copied and "finished.json" in copied
    assert (artifacts / "junit_e2e.xml").read_bytes() == run.stored("artifacts/junit_e2e.xml")


def test_missing_prow_variables_are_a_usage_error(run: Run) -> None:
    with pytest.raises(UsageError, match="PULL_NUMBER"):
        run("presubmit", env={"PULL_NUMBER": ""})


def postsubmit_environment(
    kube_env: KubeEnv, gcs_env: GcsEnv, tmp_path: Path
) -> tuple[dict[str, str], Path]:
    """The environment of ``kftest run`` as a Prow postsubmit, and its changed-files list."""
    env = {
        **{k: v for k, v in os.environ.items() if k not in PROW["presubmit"]},
        **PROW["postsubmit"],
        **kube_env.env,
        **gcs_env.env,
        "HOME": str(tmp_path),
    }
    changed = tmp_path / "changed.txt"
    changed.write_text("py/a.py\n")
    return env, changed


def test_sigterm_reports_and_exits(repo: Path, kube: KubeEnv, gcs: GcsEnv, tmp_path: Path) -> None:  # noqa: F811
    kube.api.controller.set_outcome(lambda wf: True, hang=True)
    env, changed = postsubmit_environment(kube, gcs, tmp_path)
    process = subprocess.Popen(
        [sys.executable, "-m", "compiler", "run", "--repo-root", str(repo),
         "--changed-files", str(changed), "--bucket", gcs.bucket,
         "--output-dir", str(tmp_path / "out"), "--grace-period", "5s", "--retry-timeout", "2"],
        cwd=REPO_ROOT, env=env, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stderr is not None
    running = 0
    for line in process.stderr:
        running += ": Running after " in line
        if running == 2:
            break
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    rest = process.stderr.read()
    code = process.wait(timeout=15)
    assert code == 1
    assert time.monotonic() - started < 5
    assert "SIGTERM: stopping" in rest
    build_dir = BUILD_DIRS["postsubmit"]
    finished = json.loads(gcs.read(f"{build_dir}/finished.json"))
    assert (finished["passed"], finished["result"]) == (False, "ABORTED")
    junit = ET.fromstring(gcs.read(f"{build_dir}/artifacts/junit_e2e.xml"))
    assert junit.find("testcase/failure").get("message") == "aborted in phase Running"
    local = tmp_path / "out"
    for name in ("started.json", "finished.json", "build-log.txt", "artifacts/junit_e2e.xml"):
        assert gcs.read(f"{build_dir}/{name}") == (local / name).read_bytes()
    # The page too, within the grace period: the running workflows as they were.
    page = gcs.read(f"{build_dir}/artifacts/kftest-report.html").decode()
    assert "<title>ABORTED · kftest-postsubmit #1600</title>" in page
    assert '<span class="badge b-aborted">Aborted</span>' in page


def test_a_timeout_in_days(repo: Path, kube: KubeEnv, gcs: GcsEnv, tmp_path: Path) -> None:  # noqa: F811
    """``run --timeout 1d`` is the same duration ``cleanup --older-than 1d`` accepts."""
    env, changed = postsubmit_environment(kube, gcs, tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "compiler", "run", "--repo-root", str(repo),
         "--changed-files", str(changed), "--bucket", gcs.bucket, "--timeout", "1d",
         "--output-dir", str(tmp_path / "out"), "--retry-timeout", "2"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    finished = json.loads(gcs.read(f"{BUILD_DIRS['postsubmit']}/finished.json"))
    assert finished["result"] == "SUCCESS"


def test_no_upload_reports_locally_and_to_artifacts(run: Run, gcs: GcsEnv, tmp_path: Path) -> None:  # noqa: F811
    artifacts = tmp_path / "prow-artifacts"
    artifacts.mkdir()
    (artifacts / "junit_from_a_step.xml").write_bytes(b'<testsuite failures="1" tests="1"/>')
    assert run("postsubmit", bucket=None, env={"ARTIFACTS": str(artifacts)}) == 1
    assert gcs.list() == []
    assert json.loads((artifacts / "finished.json").read_bytes())["result"] == "FAILURE"
    assert (artifacts / "junit_e2e.xml").read_bytes() == run.local()["artifacts/junit_e2e.xml"]
    assert "1 junit failure(s)" in (artifacts / "build-log.txt").read_text()


class _Lines(logging.Handler):
    """Every line of the build log as it is written, with the time it was written."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[tuple[float, str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append((time.monotonic(), record.levelname, record.getMessage()))


def test_the_build_log_is_never_silent_while_waiting(run: Run, kube: KubeEnv) -> None:  # noqa: F811
    # e2e runs for about 3 s: a checkout, a test that fails after 1.6 s (the step after it never
    # runs), then the exit handler for 0.8 s. With a 0.25 s interval that is many intervals.
    kube.api.controller.set_outcome(
        "-e2e-",
        steps=(("checkout", 0.4, "Succeeded"), ("e2e-test", 1.6, "Failed"), ("never", 1, "")),
        exit_seconds=0.8,
    )
    lines = _Lines()
    logger = logging.getLogger("kftest")
    logger.addHandler(lines)
    try:
        assert run("postsubmit", progress_interval=0.25) == 1
    finally:
        logger.removeHandler(lines)
    name = next(n for n in run.workflow_names() if "-e2e-" in n)
    ui = f"UI: http://testing-argo.kubeflow.org/workflows/{NAMESPACE}/{name}?tab=workflow"
    mine = [
        (t, level, text) for t, level, text in lines.lines if text.startswith(f"workflow {name}:")
    ]
    texts = [text for _, _, text in mine]

    # A line at every phase change, ending with the terminal one.
    changes = [t for t in texts if re.match(rf"workflow {name}: (Pending|Running|Failed) after", t)]
    assert [c.split(": ")[1].split()[0] for c in changes] == ["Pending", "Running", "Failed"]
    assert changes[-1].startswith(f"workflow {name}: Failed after ")
    assert "steps: 0 running, 3 finished (1 failed)" in changes[-1] and changes[-1].endswith(ui)
    # While it runs, at least one line every interval (with slack for a loaded machine).
    running = [t for t, _, text in mine]
    start = next(t for t, _, text in mine if ": Running after " in text)
    end = next(t for t, _, text in mine if ": Failed after " in text)
    during = [t for t in running if start <= t <= end]
    assert end - start > 4 * 0.25
    assert max(b - a for a, b in itertools.pairwise(during)) < 0.25 + 0.5
    still = [t for t in texts if ": still Running after " in t]
    assert len(still) >= 4
    # Each says what runs: counts, the step running longest, and the UI link.
    assert any("steps: 1 running, 1 finished; longest running: e2e-test (" in t for t in still)
    assert all(t.endswith(ui) for t in still)
    # The failed step, at once (before the exit handler is done), once, with the command.
    failure = [
        (t, level, text) for t, level, text in mine if text.startswith(f"workflow {name}: step ")
    ]
    assert len(failure) == 1
    when, level, text = failure[0]
    assert level == "ERROR"
    assert re.fullmatch(
        rf"workflow {name}: step e2e-test failed after \d+s: Error \(exit code 1\); "
        rf"explain it with: kftest debug {name} -n {NAMESPACE}",
        text,
    )
    assert when < end - 0.5  # the exit handler still had 0.8 s to run
    assert any(
        "steps: 1 running, 2 finished (1 failed); longest running: copy-artifacts" in t
        for t in still
    )
    # A finished workflow gets no more progress lines.
    other = [t for t in (text for _, _, text in lines.lines) if "-unittests-" in t]
    done = next(i for i, t in enumerate(other) if ": Succeeded after " in t)
    assert not any(": still " in t for t in other[done:])
