from __future__ import annotations

import html
import json
import logging
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from standins.fixtures import FAST, IMPATIENT, GcsEnv

from compiler.operate.debug import PodInfo, summarize
from compiler.report.buildlog import Redactor
from compiler.report.html import escape
from compiler.report.job import JobInfo
from compiler.report.layout import gcs_layout
from compiler.report.outcome import WorkflowOutcome
from compiler.report.reporter import Reporter
from compiler.storage import GcsStorage

PRESUBMIT = {
    "JOB_TYPE": "presubmit",
    "JOB_NAME": "kftest-presubmit",
    "REPO_OWNER": "kubeflow",
    "REPO_NAME": "testing",
    "PULL_NUMBER": "77",
    "PULL_PULL_SHA": "abc1234",
    "PULL_REFS": "master:0123,77:abc1234",
    "BUILD_ID": "1200",
}
BUILD_DIR = "pr-logs/pull/kubeflow_testing/77/kftest-presubmit/1200"


def reporter(gcs: GcsEnv, tmp_path: Path, env: dict[str, str] = PRESUBMIT, **kwargs) -> Reporter:  # type: ignore[no-untyped-def]
    job = JobInfo.from_env(env)
    policy = kwargs.pop("policy", FAST)
    return Reporter(
        job,
        output_dir=tmp_path / "out",
        storage=GcsStorage(gcs.bucket, env=gcs.env, policy=policy),
        layout=gcs_layout(job, gcs.bucket),
        **kwargs,
    )


def outcomes() -> list[WorkflowOutcome]:
    succeeded = {"status": {"phase": "Succeeded"}, "metadata": {"name": "wf-unit"}}
    failed = {"status": {"phase": "Failed", "message": "boom"}, "metadata": {"name": "wf-e2e"}}
    return [
        WorkflowOutcome("unit", "wf-unit", submitted=True, phase="Succeeded", object=succeeded),
        WorkflowOutcome("e2e", "wf-e2e", submitted=True, phase="Failed", object=failed),
    ]


def local_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_everything_lands_in_prows_layout_byte_for_byte(gcs: GcsEnv, tmp_path: Path) -> None:
    report = reporter(gcs, tmp_path)
    report.started([])
    report.started(outcomes())
    verdict = report.finish(outcomes(), build_log=lambda: "the build log\n")
    assert (verdict.passed, verdict.result) == (False, "FAILURE")
    local = local_files(tmp_path / "out")
    assert sorted(local) == [
        "artifacts/junit_e2e.xml",
        "artifacts/junit_unit.xml",
        "artifacts/kftest-report.html",
        "build-log.txt",
        "finished.json",
        "started.json",
        "wf-e2e.yaml",
        "wf-unit.yaml",
    ]
    assert gcs.list() == sorted(
        [f"{BUILD_DIR}/{name}" for name in local]
        + [
            "pr-logs/directory/kftest-presubmit/1200.txt",
            "pr-logs/directory/kftest-presubmit/latest-build.txt",
            "pr-logs/pull/kubeflow_testing/77/kftest-presubmit/latest-build.txt",
        ]
    )
    for name, data in local.items():
        assert gcs.read(f"{BUILD_DIR}/{name}") == data, name
    assert gcs.read("pr-logs/directory/kftest-presubmit/1200.txt") == (
        f"gs://{gcs.bucket}/{BUILD_DIR}".encode()
    )
    assert gcs.read("pr-logs/directory/kftest-presubmit/latest-build.txt") == b"1200"
    started = json.loads(local["started.json"])
    assert started["metadata"] == {}  # no UI links were given
    assert local["build-log.txt"] == b"the build log\n"
    assert json.loads(local["finished.json"])["result"] == "FAILURE"


def test_a_newer_latest_build_is_left_alone(
    gcs: GcsEnv, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    gcs.write("pr-logs/directory/kftest-presubmit/latest-build.txt", b"1300")
    caplog.set_level(logging.INFO, logger="kftest")
    reporter(gcs, tmp_path).finish([])
    assert (
        "pr-logs/directory/kftest-presubmit/latest-build.txt names a newer build (1300); leaving it"
    ) in caplog.messages
    assert gcs.read("pr-logs/directory/kftest-presubmit/latest-build.txt") == b"1300"
    assert gcs.read("pr-logs/pull/kubeflow_testing/77/kftest-presubmit/latest-build.txt") == b"1200"


def test_the_same_build_is_not_called_newer(
    gcs: GcsEnv, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A retried upload of this very build: latest-build.txt already names it.
    gcs.write("pr-logs/directory/kftest-presubmit/latest-build.txt", b"1200")
    caplog.set_level(logging.INFO, logger="kftest")
    reporter(gcs, tmp_path).finish([])
    assert not [m for m in caplog.messages if "newer build" in m]
    assert gcs.read("pr-logs/directory/kftest-presubmit/latest-build.txt") == b"1200"


def test_the_workflows_junit_decides_too(gcs: GcsEnv, tmp_path: Path) -> None:
    gcs.write(f"{BUILD_DIR}/artifacts/junit_e2e-suite.xml", b'<testsuite errors="2"/>')
    gcs.write(f"{BUILD_DIR}/artifacts/junit_x/nested.xml", b"<testsuites/>")
    gcs.write(f"{BUILD_DIR}/artifacts/other.xml", b'<testsuite failures="9"/>')
    succeeded = [o for o in outcomes() if o.passed]
    verdict = reporter(gcs, tmp_path).finish(succeeded)
    assert (verdict.passed, verdict.result, verdict.junit_problems) == (False, "FAILURE", 2)
    clean = reporter(gcs, tmp_path, env={**PRESUBMIT, "BUILD_ID": "1201"}).finish(succeeded)
    assert (clean.passed, clean.result) == (True, "SUCCESS")


def test_aborted(gcs: GcsEnv, tmp_path: Path) -> None:
    verdict = reporter(gcs, tmp_path).finish([], aborted=True)
    assert (verdict.passed, verdict.result) == (False, "ABORTED")
    assert json.loads(gcs.read(f"{BUILD_DIR}/finished.json"))["result"] == "ABORTED"


def test_artifacts_dir_gets_a_copy(gcs: GcsEnv, tmp_path: Path) -> None:
    artifacts = tmp_path / "not/yet/artifacts"  # made as needed
    reporter(gcs, tmp_path, artifacts_dir=artifacts).finish(outcomes())
    copied = local_files(artifacts)
    assert "junit_e2e.xml" in copied and "finished.json" in copied and "wf-unit.yaml" in copied
    assert copied["junit_e2e.xml"] == (tmp_path / "out/artifacts/junit_e2e.xml").read_bytes()


def test_storage_down_keeps_the_local_report(
    gcs: GcsEnv, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    report = reporter(gcs, tmp_path, policy=IMPATIENT)
    report.started([])
    gcs.proxy.add("503", times=100_000)
    report.finish(outcomes())
    assert report.storage_error is not None
    assert "GCS unreachable, cannot read the workflows' junit files" in caplog.text
    assert "finished.json" in local_files(tmp_path / "out")
    assert gcs.list() == [f"{BUILD_DIR}/started.json"]
    uploads = [r for r in gcs.proxy.requests if r[0] == "POST" and r[2] == 503]
    assert len(uploads) < 100  # gave up once, not once per file


def test_secrets_never_reach_a_file(gcs: GcsEnv, tmp_path: Path) -> None:
    secret = "sekret-token-123456"
    # A password with characters HTML escapes: the page must not hide it behind entities.
    password = 'p<a&s>s"w0rd'
    leaky = outcomes()
    leaky[1].object["status"]["message"] = f"auth failed with {secret}"
    wf = leaky[1].object
    wf["status"]["nodes"] = {
        "wf-e2e": {"id": "wf-e2e", "name": "wf-e2e", "displayName": "wf-e2e", "type": "DAG",
                   "phase": "Failed", "children": ["wf-e2e-1"]},
        "wf-e2e-1": {"id": "wf-e2e-1", "name": "wf-e2e.login", "displayName": "login",
                     "type": "Pod", "phase": "Failed", "message": f"bad token {secret}"},
    }  # fmt: skip
    # What `kftest debug` read from the failed pod at the end of the run: its log tail.
    pod = PodInfo("wf-e2e-1", True, log_tail=(f"curl -H 'Bearer {secret}'", f"pw={password}"))
    summaries = {"wf-e2e": summarize(wf, {"wf-e2e-1": pod})}
    report = reporter(gcs, tmp_path, redactor=Redactor([secret, password]))
    report.finish(leaky, build_log=lambda: f"token {secret}\n", summaries=summaries)
    escaped = [html.escape(password).encode(), escape.text(password).encode()]
    for name in gcs.list():
        data = gcs.read(name)
        assert secret.encode() not in data, name
        assert password.encode() not in data and not any(e in data for e in escaped), name
    assert b"[REDACTED]" in (tmp_path / "out/artifacts/junit_e2e.xml").read_bytes()
    page = gcs.read(f"{BUILD_DIR}/artifacts/kftest-report.html").decode()
    assert "curl -H 'Bearer [REDACTED]'" in page and "pw=[REDACTED]" in page
    saved = json.loads(gcs.read(f"{BUILD_DIR}/artifacts/kftest-debug.json"))
    assert saved["workflows"][0]["failed"][0]["pod"]["log_tail"][1] == "pw=[REDACTED]"


def test_the_page_is_written_before_finished_json(gcs: GcsEnv, tmp_path: Path) -> None:
    verdict = reporter(gcs, tmp_path).finish(outcomes())
    written = verdict.written
    assert written.index("artifacts/kftest-report.html") < written.index("finished.json")
    page = gcs.read(f"{BUILD_DIR}/artifacts/kftest-report.html").decode()
    assert page.startswith("<!DOCTYPE html>") and "kftest-presubmit" in page
    assert '<a href="https://github.com/kubeflow/testing/pull/77" target="_blank"' in page


def test_a_broken_page_costs_nothing_else(
    gcs: GcsEnv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object, **kwargs: object) -> bytes:
        raise RuntimeError("a bug in the page")

    monkeypatch.setattr("compiler.report.html.run_files", broken)
    verdict = reporter(gcs, tmp_path).finish(outcomes())
    assert "artifacts/kftest-report.html" not in verdict.written
    assert "finished.json" in verdict.written and verdict.result == "FAILURE"
    assert "could not make artifacts/kftest-report.html: RuntimeError" in caplog.text


def content_type(gcs: GcsEnv, name: str) -> str:
    quoted = urllib.parse.quote(name, safe="")
    url = f"{gcs.emulator.url}/storage/v1/b/{gcs.bucket}/o/{quoted}"
    with urllib.request.urlopen(url, timeout=5) as response:
        return str(json.load(response)["contentType"])


def test_each_file_has_its_content_type(gcs: GcsEnv, tmp_path: Path) -> None:
    # Spyglass and browsers show a file by its stored type: HTML as a page, JSON as text.
    reporter(gcs, tmp_path).finish(outcomes())
    assert content_type(gcs, f"{BUILD_DIR}/artifacts/kftest-report.html") == (
        "text/html; charset=utf-8"
    )
    assert content_type(gcs, f"{BUILD_DIR}/finished.json") == "application/json"
    assert content_type(gcs, f"{BUILD_DIR}/artifacts/junit_e2e.xml") == "application/xml"
    assert content_type(gcs, f"{BUILD_DIR}/wf-e2e.yaml") == "text/yaml"
    assert content_type(gcs, f"{BUILD_DIR}/build-log.txt") == "text/plain"
    assert content_type(gcs, "pr-logs/directory/kftest-presubmit/latest-build.txt") == "text/plain"


def test_timestamps_are_whole_seconds_of_the_clock(gcs: GcsEnv, tmp_path: Path) -> None:
    report = reporter(gcs, tmp_path, clock=lambda: 1700000000.9)
    report.started([])
    report.finish([])
    for name in ("started.json", "finished.json"):
        assert json.loads(gcs.read(f"{BUILD_DIR}/{name}"))["timestamp"] == 1700000000, name


def test_results_that_cannot_be_stored_are_no_pass(gcs: GcsEnv, tmp_path: Path) -> None:
    passed = [o for o in outcomes() if o.passed]
    report = reporter(gcs, tmp_path, policy=IMPATIENT)
    gcs.proxy.add("503", times=100_000)
    verdict = report.finish(passed)
    assert (verdict.passed, verdict.result) == (False, "FAILURE")
    assert json.loads((tmp_path / "out/finished.json").read_bytes())["result"] == "FAILURE"


def test_the_build_log_names_each_workflows_verdict_and_the_result(
    gcs: GcsEnv, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    gcs.write(f"{BUILD_DIR}/artifacts/junit_broken.xml", b"<testsuite")
    gcs.write(f"{BUILD_DIR}/artifacts/junit_suite.xml", b'<testsuite failures="3"/>')
    caplog.set_level(logging.INFO, logger="kftest")
    reporter(gcs, tmp_path).finish(outcomes())
    logged = {(r.levelname, r.getMessage()) for r in caplog.records}
    assert ("INFO", "unit (wf-unit): Succeeded") in logged
    assert ("INFO", "e2e (wf-e2e): Failed") in logged
    assert (
        "INFO",
        "result: FAILURE (2 workflow(s), 4 junit failure(s) in the workflows' artifacts)",
    ) in logged
    assert ("INFO", "artifacts/junit_suite.xml: 3 failure(s) or error(s)") in logged
    [broken] = [m for level, m in logged if m.startswith("artifacts/junit_broken.xml")]
    assert ("WARNING", broken) in logged and "not valid XML" in broken


def test_the_page_lists_kftests_own_junit_files_too(gcs: GcsEnv, tmp_path: Path) -> None:
    reporter(gcs, tmp_path).finish(outcomes())
    page = gcs.read(f"{BUILD_DIR}/artifacts/kftest-report.html").decode()
    junit_section = page[page.index('<h2 id="junit">') :]
    assert "artifacts/junit_e2e.xml" in junit_section
    assert "artifacts/junit_unit.xml" in junit_section


def test_an_unusable_output_directory_is_refused_at_once(gcs: GcsEnv, tmp_path: Path) -> None:
    # Before anything is submitted: `kftest run` turns this into a usage error.
    (tmp_path / "a-file").write_text("")
    with pytest.raises(OSError):
        Reporter(JobInfo.from_env(PRESUBMIT), output_dir=tmp_path / "a-file/out")


def local_reporter(tmp_path: Path, **kwargs) -> Reporter:  # type: ignore[no-untyped-def]
    return Reporter(JobInfo.from_env(PRESUBMIT), output_dir=tmp_path / "out", **kwargs)


def test_without_a_bucket_the_report_is_local_and_in_artifacts(tmp_path: Path) -> None:
    artifacts = tmp_path / "artifacts"
    # What the workflows' exit handlers copied into $ARTIFACTS on a local run.
    (artifacts / "suite").mkdir(parents=True)
    (artifacts / "suite/junit_e2e-suite.xml").write_bytes(b'<testsuite failures="2"/>')
    (artifacts / "other.xml").write_bytes(b'<testsuite failures="9"/>')
    succeeded = [o for o in outcomes() if o.passed]
    verdict = local_reporter(tmp_path, artifacts_dir=artifacts).finish(succeeded)
    assert (verdict.passed, verdict.result, verdict.junit_problems) == (False, "FAILURE", 2)
    assert "finished.json" in local_files(tmp_path / "out")
    assert "finished.json" in local_files(artifacts)
    clean = local_reporter(tmp_path, artifacts_dir=tmp_path / "none").finish(succeeded)
    assert (clean.passed, clean.result, clean.junit_problems) == (True, "SUCCESS", 0)
    assert local_reporter(tmp_path / "bare").finish(succeeded).result == "SUCCESS"


def test_only_workflows_that_exist_are_saved(tmp_path: Path) -> None:
    never = WorkflowOutcome("broken", "")  # did not compile
    refused = WorkflowOutcome("late", "wf-late", submit_error="forbidden")  # no object
    verdict = local_reporter(tmp_path).finish([*outcomes(), never, refused])
    assert [name for name in verdict.written if name.endswith(".yaml")] == [
        "wf-unit.yaml",
        "wf-e2e.yaml",
    ]


def test_started_after_finish_changes_nothing(gcs: GcsEnv, tmp_path: Path) -> None:
    # The worker thread may learn the UI links only after the main thread finished (SIGTERM).
    report = reporter(gcs, tmp_path)
    report.started([])
    report.finish([])
    before = gcs.read(f"{BUILD_DIR}/started.json")
    late = outcomes()
    late[0].ui_url = "https://argo.example/workflows/wf-unit"
    report.started(late)
    assert gcs.read(f"{BUILD_DIR}/started.json") == before
    assert (tmp_path / "out/started.json").read_bytes() == before
    assert report.written[-1] == "finished.json"


def test_an_artifacts_copy_that_fails_is_logged_and_the_rest_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "artifacts").write_text("a file, not a directory")
    verdict = local_reporter(tmp_path, artifacts_dir=tmp_path / "artifacts").finish(outcomes())
    assert "finished.json" in local_files(tmp_path / "out") and verdict.result == "FAILURE"
    assert "could not copy finished.json into $ARTIFACTS" in caplog.text


def test_once_gcs_is_down_nothing_more_is_sent(
    gcs: GcsEnv, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    report = reporter(gcs, tmp_path, policy=IMPATIENT)
    gcs.proxy.add("503", times=100_000)
    report.started([])
    assert "GCS unreachable, skipping the remaining uploads" in caplog.text
    sent = len(gcs.proxy.requests)
    report.finish(outcomes())
    assert gcs.proxy.requests[sent:] == []
    assert "finished.json" in local_files(tmp_path / "out")
