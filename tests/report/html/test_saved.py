from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from standins.fixtures import GcsEnv, gcs, gcs_emulator  # noqa: F401

from compiler.diagnostics import UsageError
from compiler.report.html import saved
from compiler.report.job import JobInfo
from compiler.storage import Refused

from .builders import WF, node, workflow


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_an_output_dir(tmp_path: Path) -> None:
    failed = workflow(node("root", "DAG", "Failed", children=("a",)), node("a", phase="Failed"))
    debug = {"workflows": [{"name": WF, "failed": [
        {"node_id": "a", "pod": {"name": "a", "found": True, "log_tail": ["boom"],
                                 "events": [{"type": "Warning", "reason": "BackOff",
                                             "message": "m", "count": 3}]}}]}]}  # fmt: skip
    root = write(
        tmp_path / "out",
        {
            f"{WF}.yaml": json.dumps(failed),
            "notes.yaml": "just: a config file\n",  # not a workflow: left alone
            "finished.json": json.dumps(
                {
                    "result": "FAILURE",
                    "metadata": {
                        f"{WF}-phase": "Failed",
                        f"{WF}-ui": "https://argo/wf",
                        "broken-phase": "Invalid",
                    },
                }
            ),
            "started.json": json.dumps(
                {"repos": {"kubeflow/testing": "abc123"}, "pull": "main:000,7:abc123"}
            ),
            "artifacts/junit_e2e.xml": "<testsuite/>",
            "artifacts/kftest-debug.json": json.dumps(debug),
            "artifacts/deep/er/and/deeper/still/junit_lost.xml": "<testsuite/>",
        },
    )
    run = saved.load(str(root), env={})
    assert [w["metadata"]["name"] for w in run.workflows] == [WF]
    assert run.copies == {WF: str(root / f"{WF}.yaml")}
    assert (run.result, run.verdicts(), run.ui_urls()) == (
        "FAILURE",
        {WF: "Failed", "broken": "Invalid"},
        {WF: "https://argo/wf"},
    )
    assert run.missing() == {"broken": "Invalid"}
    assert [path for path, _ in run.junit_files()] == ["artifacts/junit_e2e.xml"]  # not too deep
    [pod] = run.pods()[WF].values()
    assert (pod.found, pod.log_tail, pod.events[0].count) == (True, ("boom",), 3)
    job = run.job
    assert (job.org, job.repo, job.pull_number, job.sha, job.job_name) == (
        "kubeflow", "testing", "7", "abc123", ""
    )  # fmt: skip


def test_the_job_from_prows_layout_and_prowjob_json(tmp_path: Path) -> None:
    presubmit = saved.SavedRun([], location="gs://b/pr-logs/pull/kubeflow_kf-test/12/job-a/99")
    job = saved.job_of(presubmit)
    assert (job.job_type, job.org, job.repo, job.pull_number, job.job_name, job.build) == (
        "presubmit", "kubeflow", "kf-test", "12", "job-a", "99"
    )  # fmt: skip
    periodic = saved.job_of(saved.SavedRun([], location="/dl/logs/nightly/1234"))
    assert (periodic.job_name, periodic.build, periodic.org) == ("nightly", "1234", "")
    prowjob = {"spec": {"type": "postsubmit", "job": "post", "refs": {
        "org": "kubeflow", "repo": "testing", "base_sha": "f00d"}},
        "status": {"build_id": "42"}}  # fmt: skip
    run = saved.SavedRun([], {"prowjob.json": json.dumps(prowjob).encode()}, location="/x")
    job = saved.job_of(run)
    assert (job.job_type, job.job_name, job.build, job.repo_slug, job.sha) == (
        "postsubmit", "post", "42", "kubeflow/testing", "f00d"
    )  # fmt: skip


def test_prows_artifacts_dir_layout(tmp_path: Path) -> None:
    """$ARTIFACTS holds the same files without the artifacts/ prefix."""
    root = write(tmp_path, {"junit_e2e.xml": "<testsuite/>", "kftest-debug.json": "{}",
                            "finished.json": "{}"})  # fmt: skip
    run = saved.load(str(root), env={})
    assert sorted(run.files) == ["finished.json", "junit_e2e.xml", "kftest-debug.json"]
    assert run.pods() == {}


def test_a_directory_with_no_run(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no saved run there"):
        saved.load(str(write(tmp_path, {"readme.md": "x"})), env={})
    with pytest.raises(UsageError, match="no such file or directory"):
        saved.load(str(tmp_path / "missing"), env={})


def test_a_huge_tree_is_not_walked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(saved, "MAX_ENTRIES", 10)
    write(tmp_path, {f"d/f{i}.txt": "" for i in range(20)})
    with pytest.raises(UsageError, match="too many files to be a build directory"):
        saved.load(str(tmp_path), env={})


def test_what_a_directory_holds_that_the_report_reads(tmp_path: Path) -> None:
    other = workflow(node("root", "DAG", "Succeeded"), phase="Succeeded")
    other["metadata"]["name"] = "second"
    root = write(
        tmp_path,
        {
            "second.yml": json.dumps(other),  # .yml as well as .yaml
            "prowjob.json": "{}",
            "artifacts/copy.yaml": json.dumps(other),  # only the top level's are the run's
            "artifacts/started.json": "{}",  # Prow's files are at the top
            "artifacts/finished.json": "{}",
            "artifacts/prowjob.json": "{}",
            "artifacts/notes.txt": "x",
            "a/b/c/d/junit_four.xml": "<testsuite/>",  # MAX_DEPTH directories down
            "a/b/c/d/e/junit_five.xml": "<testsuite/>",  # one more: not looked at
        },
    )
    run = saved.load(str(root), env={})
    assert [w["metadata"]["name"] for w in run.workflows] == ["second"]
    assert run.copies == {"second": str(root / "second.yml")}
    assert sorted(run.files) == ["a/b/c/d/junit_four.xml", "prowjob.json"]
    assert run.location == str(root)


# The bounds of reading a saved run, as the README states them.
MAX_FILES, MAX_BYTES, MAX_ENTRIES = 500, 20 * 1024 * 1024, 20_000


def test_a_directory_of_max_files_report_files_is_read_and_one_more_is_refused(
    tmp_path: Path,
) -> None:
    write(tmp_path, {f"junit_{i}.xml": "<testsuite/>" for i in range(MAX_FILES)})
    write(tmp_path, {"notes.txt": "not a report file: not counted"})
    assert len(saved.load(str(tmp_path), env={}).junit_files()) == MAX_FILES
    write(tmp_path, {"deeper/junit_last.xml": "<testsuite/>"})
    with pytest.raises(UsageError) as error:
        saved.load(str(tmp_path), env={})
    assert str(error.value) == f"{tmp_path}: more than 500 report files; a build dir?"


def test_a_tree_of_max_entries_names_is_walked_and_one_more_is_not(tmp_path: Path) -> None:
    """The bound is on every name seen (files of any kind and directories)."""
    (tmp_path / "sub").mkdir()
    (tmp_path / "finished.json").write_text("{}")
    (tmp_path / "sub" / "0").touch()
    for i in range(1, MAX_ENTRIES - 2):  # with sub/ and finished.json: MAX_ENTRIES
        os.link(tmp_path / "sub" / "0", tmp_path / "sub" / str(i))  # names are cheaper than files
    assert list(saved.load(str(tmp_path), env={}).files) == ["finished.json"]
    (tmp_path / "sub" / "one-more").touch()
    with pytest.raises(UsageError, match="too many files to be a build directory"):
        saved.load(str(tmp_path), env={})


def test_a_file_over_max_bytes_is_not_read(tmp_path: Path) -> None:
    for name, size in (("junit_max.xml", MAX_BYTES), ("junit_over.xml", MAX_BYTES + 1)):
        with (tmp_path / name).open("wb") as sparse:
            sparse.truncate(size)
    run = saved.load(str(tmp_path), env={})
    assert [(path, len(data)) for path, data in run.junit_files()] == [("junit_max.xml", MAX_BYTES)]


def test_one_workflow_file(tmp_path: Path) -> None:
    path = tmp_path / "saved" / f"{WF}.yaml"
    path.parent.mkdir()
    path.write_text(json.dumps(workflow(node("root", "DAG", "Failed"))))
    run = saved.load(str(path), env={})
    assert [w["metadata"]["name"] for w in run.workflows] == [WF]
    assert (run.copies, run.location, run.files) == ({WF: str(path)}, str(tmp_path / "saved"), {})
    # The job from the workflow's labels: nothing else says it.
    assert (run.job.org, run.job.repo, run.job.job_name) == ("kubeflow", "testing", "")


def test_what_finished_and_started_json_say() -> None:
    def run(finished: object, started: object = None) -> saved.SavedRun:
        files = {"finished.json": json.dumps(finished).encode()}
        if started is not None:
            files["started.json"] = json.dumps(started).encode()
        return saved.SavedRun([], files)

    full = run(
        {
            "result": "SUCCESS",
            "metadata": {
                "a-phase": "Succeeded",
                "b-phase": 3,  # not a phase
                "a-ui": "https://argo/a",
                "b-ui": "",  # no link
                "c-ui": ["https://argo/c"],
                "repo": "kubeflow/testing",
            },
        },
        started={"metadata": {"a-ui": "https://old/a", "d-ui": "https://argo/d"}},
    )
    assert (full.result, full.verdicts()) == ("SUCCESS", {"a": "Succeeded"})
    # finished.json's link wins over started.json's; started.json's own are kept.
    assert full.ui_urls() == {"a": "https://argo/a", "d": "https://argo/d"}
    assert full.missing() == {"a": "Succeeded"}
    for broken in (run({"result": 1, "metadata": ["a-phase"]}), run([1, 2]), run("{")):
        assert (broken.result, broken.verdicts(), broken.ui_urls()) == (None, {}, {})
    not_json = saved.SavedRun([], {"finished.json": b"{not json", "started.json": b"\xff"})
    assert (not_json.result, not_json.metadata, not_json.ui_urls()) == (None, {}, {})


def test_hostile_started_json_metadata_is_ignored() -> None:
    """A regression: a started.json whose metadata is not a mapping made a traceback."""
    for metadata in ([1], "a-ui", 7):
        run = saved.SavedRun([], {"started.json": json.dumps({"metadata": metadata}).encode()})
        assert run.ui_urls() == {}


def test_the_missing_entries_are_those_without_a_workflow() -> None:
    finished = {"metadata": {f"{WF}-phase": "Failed", "broken-phase": "Invalid"}}
    run = saved.SavedRun(
        [workflow(node("root", "DAG", "Failed"))],
        {"finished.json": json.dumps(finished).encode()},
    )
    assert run.missing() == {"broken": "Invalid"}


def debug_json(*workflows: object) -> dict[str, bytes]:
    return {"artifacts/kftest-debug.json": json.dumps({"workflows": list(workflows)}).encode()}


def test_the_pods_as_kftest_debug_json_saved_them() -> None:
    pod = {
        "name": "wf-a-123",
        "found": True,
        "phase": "Failed",
        "container": {"exit_code": 2, "reason": "Error", "message": "oom", "restarts": 3},
        "log_tail": ["line 1", 2],
        "log_error": "truncated",
        "events": [
            {"time": "2026-01-02T03:00:00Z", "type": "Warning", "reason": "BackOff",
             "message": "restarting", "count": 4},
            {},  # every field missing
            "not an event",
        ],
        "events_error": "forbidden",
    }  # fmt: skip
    run = saved.SavedRun(
        [],
        debug_json(
            {
                "name": "wf",
                "failed": [
                    {"node_id": "a", "pod": pod},
                    {"node_id": "b", "pod": {}},
                    {"node_id": "c"},
                    "junk",
                ],
            },
            {"name": "passed", "failed": [{"node_id": "x"}]},  # no pod: not listed
            "junk",
        ),
    )
    pods = run.pods()
    assert sorted(pods) == ["wf"] and sorted(pods["wf"]) == ["a", "b"]
    full, empty = pods["wf"]["a"], pods["wf"]["b"]
    assert (full.name, full.found, full.phase, full.log_tail) == (
        "wf-a-123", True, "Failed", ("line 1", "2")
    )  # fmt: skip
    assert (full.log_error, full.events_error) == ("truncated", "forbidden")
    assert full.container is not None
    assert (full.container.exit_code, full.container.reason, full.container.message) == (
        2, "Error", "oom"
    )  # fmt: skip
    assert full.container.restarts == 3
    [event, blank] = full.events
    assert (event.time, event.type, event.reason, event.message, event.count) == (
        "2026-01-02T03:00:00Z", "Warning", "BackOff", "restarting", 4
    )  # fmt: skip
    assert (blank.time, blank.type, blank.reason, blank.message, blank.count) == (
        None,
        "",
        "",
        "",
        1,
    )
    assert (empty.name, empty.found, empty.phase, empty.container, empty.log_tail) == (
        "", False, None, None, ()
    )  # fmt: skip
    assert (empty.log_error, empty.events, empty.events_error) == (None, (), None)


def test_a_container_of_a_saved_pod_with_fields_missing() -> None:
    pod = {"container": {"exit_code": "2"}}  # an exit code that is not a number: unknown
    run = saved.SavedRun([], debug_json({"name": "wf", "failed": [{"node_id": "a", "pod": pod}]}))
    container = run.pods()["wf"]["a"].container
    assert container is not None
    assert (container.exit_code, container.reason, container.message, container.restarts) == (
        None, None, None, 0
    )  # fmt: skip
    once = {"container": {"exit_code": 0, "restarts": 1}}
    run = saved.SavedRun([], debug_json({"name": "wf", "failed": [{"node_id": "a", "pod": once}]}))
    container = run.pods()["wf"]["a"].container
    assert container is not None and (container.exit_code, container.restarts) == (0, 1)


def test_a_hostile_kftest_debug_json_gives_no_pods_or_what_it_can() -> None:
    """A regression: values of the wrong type in kftest-debug.json made tracebacks."""
    for broken in (b"[1]", b"{", b'{"workflows": {"name": "wf"}}', b'{"workflows": [1]}'):
        assert saved.SavedRun([], {"kftest-debug.json": broken}).pods() == {}
    pod = {"container": {"restarts": "many"}, "log_tail": 5,
           "events": [{"count": "x"}, {"count": []}, {"count": 0}, {"count": -2}]}  # fmt: skip
    run = saved.SavedRun(
        [],
        debug_json(
            {"name": "wf", "failed": [{"node_id": "a", "pod": pod}]},
            {"name": "wf2", "failed": 5},
            {"name": "wf3", "failed": [{"node_id": "b", "pod": {"events": 7, "log_tail": "ab"}}]},
        ),
    )
    pods = run.pods()
    assert sorted(pods) == ["wf", "wf3"]
    found = pods["wf"]["a"]
    assert found.container is not None and found.container.restarts == 0
    assert [e.count for e in found.events] == [1, 1, 1, 1] and found.log_tail == ()
    assert (pods["wf3"]["b"].events, pods["wf3"]["b"].log_tail) == ((), ())


def test_the_first_kftest_debug_json_counts() -> None:
    first = json.dumps({"workflows": [{"name": "one", "failed": [{"node_id": "a", "pod": {}}]}]})
    second = json.dumps({"workflows": [{"name": "two", "failed": [{"node_id": "a", "pod": {}}]}]})
    run = saved.SavedRun(
        [], {"artifacts/kftest-debug.json": first.encode(), "kftest-debug.json": second.encode()}
    )
    assert list(run.pods()) == ["one"]


def job(
    location: str = "/x", workflows: tuple[dict[str, Any], ...] = (), **files: object
) -> JobInfo:
    encoded = {f"{name}.json": json.dumps(value).encode() for name, value in files.items()}
    return saved.job_of(saved.SavedRun(list(workflows), encoded, location=location))


def test_the_job_from_the_path_of_a_build_dir() -> None:
    postsubmit = job("/dl/logs/kubeflow_testing/post-e2e/77")
    assert (postsubmit.job_type, postsubmit.job_name, postsubmit.build) == ("", "post-e2e", "77")
    assert postsubmit.repo_slug == "kubeflow/testing"
    assert job("/dl/catalogs/nightly/1234").job_name == ""  # not Prow's logs/ directory
    assert job("logs/nightly/1234").job_name == "nightly"
    nothing = job("/home/me/out")
    assert (nothing.job_type, nothing.job_name, nothing.build, nothing.repo_slug) == (
        "",
        "",
        "",
        "",
    )


def test_the_job_from_started_json() -> None:
    one = job(started={"repos": {"kubeflow/testing": "abc"}})
    assert (one.repo_slug, one.sha, one.pull_number) == ("kubeflow/testing", "abc", "")
    # Several repositories: which one is tested is unknown.
    two = job(started={"repos": {"kubeflow/a": "1", "kubeflow/b": "2"}})
    assert (two.repo_slug, two.sha) == ("", "")
    no_sha = job(started={"repos": {"kubeflow/testing": 5}})
    assert (no_sha.repo_slug, no_sha.sha) == ("kubeflow/testing", "")
    pull = job(started={"pull": "main:000,7:abc123,8:def"})
    assert (pull.pull_number, pull.sha) == ("7", "abc123")
    for refs in ("main:000", "main:000,feature:abc", 7):
        assert (job(started={"pull": refs}).pull_number, job(started={"pull": refs}).sha) == (
            "",
            "",
        )
    # The repos' commit and the PR number in the path come first.
    both = job("gs://b/pr-logs/pull/kubeflow_testing/12/pre/3",
               started={"repos": {"kubeflow/testing": "abc"}, "pull": "main:0,7:def"})  # fmt: skip
    assert (both.pull_number, both.sha, both.job_type) == ("12", "abc", "presubmit")


def test_the_job_from_prowjob_json() -> None:
    presubmit = {
        "spec": {"type": "presubmit", "job": "pre-e2e", "refs": {
            "org": "kubeflow", "repo": "testing", "base_sha": "f00d",
            "pulls": [{"number": 12, "sha": "beef"}]}},
        "status": {"build_id": "42"},
    }  # fmt: skip
    found = job(prowjob=presubmit)
    assert (found.job_type, found.job_name, found.build, found.repo_slug) == (
        "presubmit", "pre-e2e", "42", "kubeflow/testing"
    )  # fmt: skip
    assert (found.pull_number, found.pull_sha, found.base_sha) == ("12", "beef", "")
    # The build dir's path and started.json come first.
    first = job(
        "/dl/pr-logs/pull/org_name/3/job-x/5",
        started={"repos": {"org/name": "abc"}},
        prowjob=presubmit,
    )
    assert (first.job_name, first.build, first.repo_slug, first.pull_number, first.sha) == (
        "job-x", "5", "org/name", "3", "abc"
    )  # fmt: skip
    odd = {"spec": {"type": "", "job": 5, "refs": {"org": "", "repo": 3, "pulls": [],
           "base_sha": "f00d"}}, "status": {"build_id": 42}}  # fmt: skip
    found = job(prowjob=odd)
    assert (found.job_type, found.job_name, found.build, found.repo_slug, found.sha) == (
        "", "", "", "", "f00d"
    )  # fmt: skip
    no_repo = job(prowjob={"spec": {"refs": {"org": "kubeflow", "repo": 3}}})
    assert (no_repo.org, no_repo.repo, no_repo.repo_slug) == ("kubeflow", "", "kubeflow")
    blank_pull = job(prowjob={"spec": {"refs": {"pulls": [{}], "base_sha": "f00d"}}})
    assert (blank_pull.pull_number, blank_pull.pull_sha, blank_pull.base_sha) == ("", "", "")
    not_a_pull = job(prowjob={"spec": {"refs": {"pulls": ["12"], "base_sha": "f00d"}}})
    assert (not_a_pull.pull_number, not_a_pull.base_sha) == ("", "f00d")
    for broken in ({"spec": ["x"], "status": {"build_id": "42"}}, {"spec": {"refs": ["x"]}}, []):
        found = job(prowjob=broken)
        assert (found.job_type, found.build, found.repo_slug, found.sha) == ("", "", "", "")


def test_the_repository_from_the_workflows_labels_last() -> None:
    def labelled(**labels: object) -> dict[str, Any]:
        wf = workflow(node("root", "DAG", "Failed"))
        wf["metadata"]["labels"] = labels
        return wf

    assert (
        job(workflows=(labelled(org="kubeflow", repo="testing"),)).repo_slug == "kubeflow/testing"
    )
    assert job(workflows=(labelled(org="kubeflow"),)).repo_slug == ""
    assert job(workflows=(labelled(repo="testing"),)).repo_slug == ""
    two = (labelled(org="a", repo="b"), labelled(org="c", repo="d"))
    assert job(workflows=two).repo_slug == "a/b"  # the first workflow's
    known = job(workflows=two, started={"repos": {"kubeflow/testing": "abc"}})
    assert known.repo_slug == "kubeflow/testing"
    # A regression: labels that are not a mapping made a traceback.
    odd = workflow(node("root", "DAG", "Failed"))
    odd["metadata"]["labels"] = ["org", "repo"]
    assert job(workflows=(odd, {"metadata": None})).repo_slug == ""


def test_a_gcs_build_dir(gcs: GcsEnv) -> None:  # noqa: F811
    build = "pr-logs/pull/kubeflow_testing/7/pre-e2e/1500"
    files = {
        f"{build}/{WF}.yaml": json.dumps(workflow(node("root", "DAG", "Failed"))),
        f"{build}/notes.yaml": "just: a config file\n",
        f"{build}/finished.json": json.dumps({"result": "FAILURE"}),
        f"{build}/artifacts/junit_e2e.xml": "<testsuite/>",
        f"{build}/artifacts/readme.md": "not read",
        f"{build}/artifacts/copy.yaml": "not read",
        f"{build}0/finished.json": "{}",  # another build
    }
    for name, text in files.items():
        gcs.write(name, text.encode())
    url = f"gs://{gcs.bucket}/{build}"
    for source in (url, url + "/"):
        run = saved.load(source, env=gcs.env, timeout=10)
        assert [w["metadata"]["name"] for w in run.workflows] == [WF]
        assert run.copies == {WF: f"{url}/{WF}.yaml"} and run.location == url
        assert sorted(run.files) == ["artifacts/junit_e2e.xml", "finished.json"]
        assert (run.result, run.job.job_name, run.job.build) == ("FAILURE", "pre-e2e", "1500")


def test_one_object_in_a_gcs_build_dir(gcs: GcsEnv) -> None:  # noqa: F811
    wf = json.dumps(workflow(node("root", "DAG", "Failed")))
    for name in (f"logs/nightly/12/{WF}.yaml", "logs/nightly/12/wf.yml", "logs/nightly/12/wf.json"):
        gcs.write(name, wf.encode())
        url = f"gs://{gcs.bucket}/{name}"
        run = saved.load(url, env=gcs.env, timeout=10)
        assert [w["metadata"]["name"] for w in run.workflows] == [WF]
        assert (run.copies, run.files) == ({WF: url}, {})
        assert run.location == f"gs://{gcs.bucket}/logs/nightly/12"
        assert (run.job.job_name, run.job.build) == ("nightly", "12")


def test_gcs_sources_that_are_not_a_build_dir(
    gcs: GcsEnv,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for url in (
        f"gs://{gcs.bucket}",
        f"gs://{gcs.bucket}/",
        f"gs://{gcs.bucket}//",
        "gs:///logs/j/1",
    ):
        with pytest.raises(UsageError) as error:
            saved.load(url, env=gcs.env, timeout=10)
        assert str(error.value) == f"{url}: expected gs://BUCKET/PATH/TO/BUILD_DIR"
    gcs.write("logs/j/1/notes.md", b"x")
    with pytest.raises(UsageError) as error:
        saved.load(f"gs://{gcs.bucket}/logs/j/1", env=gcs.env, timeout=10)
    assert "nothing there (no <workflow>.yaml, finished.json or junit)" in str(error.value)
    # Bounded: files over MAX_BYTES are not read, more than MAX_FILES are refused.
    monkeypatch.setattr(saved, "MAX_BYTES", 12)
    monkeypatch.setattr(saved, "MAX_FILES", 2)
    gcs.write("logs/j/2/junit_a.xml", b"<testsuite/>")  # 12 bytes
    gcs.write("logs/j/2/junit_b.xml", b"<testsuite />")
    run = saved.load(f"gs://{gcs.bucket}/logs/j/2", env=gcs.env, timeout=10)
    assert sorted(run.files) == ["junit_a.xml"]
    gcs.write("logs/j/2/finished.json", b"{}")
    with pytest.raises(UsageError) as error:
        saved.load(f"gs://{gcs.bucket}/logs/j/2", env=gcs.env, timeout=10)
    assert str(error.value) == f"gs://{gcs.bucket}/logs/j/2: more than 2 report files; a build dir?"


def test_a_gcs_build_dir_we_may_not_read(gcs: GcsEnv) -> None:  # noqa: F811
    gcs.write("logs/j/1/finished.json", b"{}")
    gcs.proxy.add("403", times=100)
    with pytest.raises(UsageError, match=rf"^gs://{gcs.bucket}/logs/j/1: access denied: "):
        saved.load(f"gs://{gcs.bucket}/logs/j/1", env=gcs.env, timeout=5)


def test_other_gcs_refusals_are_not_usage_errors(gcs: GcsEnv) -> None:  # noqa: F811
    gcs.write("logs/j/1/finished.json", b"{}")
    gcs.proxy.add("400", times=100)
    with pytest.raises(Refused) as error:
        saved.load(f"gs://{gcs.bucket}/logs/j/1", env=gcs.env, timeout=5)
    assert error.value.code == 400


def test_a_public_bucket_is_read_without_credentials(
    gcs: GcsEnv,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Prow's buckets are public: with no credentials at all, kftest reads them anonymously.
    (The real GCS endpoint is the stand-in here: the client library's API_ENDPOINT_OVERRIDE.)"""
    gcs.write("logs/nightly/12/finished.json", json.dumps({"result": "SUCCESS"}).encode())
    monkeypatch.delenv("STORAGE_EMULATOR_HOST", raising=False)
    monkeypatch.setenv("API_ENDPOINT_OVERRIDE", gcs.proxy.url)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "no-such-key.json"))
    run = saved.load(f"gs://{gcs.bucket}/logs/nightly/12", env={}, timeout=5)
    assert (run.result, run.job.job_name, run.job.build) == ("SUCCESS", "nightly", "12")


@pytest.fixture
def token_server() -> Iterator[str]:
    """An OAuth token endpoint that grants every refresh (for credentials GCS then refuses)."""

    class Grant(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = json.dumps({"access_token": "token", "expires_in": 3600}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Grant)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/token"
    finally:
        server.shutdown()
        server.server_close()


def test_credentials_gcs_does_not_accept_are_access_denied(
    gcs: GcsEnv,  # noqa: F811
    token_server: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A 401 (the user's credentials are not accepted) is a usage error, as a 403 is."""
    gcs.write("logs/nightly/12/finished.json", b"{}")
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    key = tmp_path / "key.json"
    account = {"type": "service_account", "client_email": "ci@p.iam.gserviceaccount.com",
               "private_key": pem, "private_key_id": "1", "project_id": "p",
               "token_uri": token_server}  # fmt: skip
    key.write_text(json.dumps(account))
    monkeypatch.delenv("STORAGE_EMULATOR_HOST", raising=False)
    monkeypatch.setenv("API_ENDPOINT_OVERRIDE", gcs.proxy.url)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key))
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "kftest")
    gcs.proxy.add("401", times=100)
    url = f"gs://{gcs.bucket}/logs/nightly/12"
    with pytest.raises(UsageError, match=rf"^{url}: access denied: "):
        saved.load(url, env={}, timeout=5)


def test_files_nested_too_deep_read_as_nothing(tmp_path: Path) -> None:
    """A regression: a finished.json or kftest-debug.json nested deeper than the json module
    recurses made a traceback."""
    deep = "[" * 100_000 + "]" * 100_000
    nested = '{"result": "FAILURE", "metadata": ' + deep + "}"
    root = write(tmp_path, {"finished.json": nested, "started.json": deep,
                            "kftest-debug.json": '{"workflows": ' + deep + "}",
                            "deep.yaml": "a: " + "[" * 700 + "]" * 700})  # fmt: skip
    run = saved.load(str(root), env={})
    assert (run.result, run.verdicts(), run.ui_urls(), run.pods()) == (None, {}, {}, {})
    assert run.workflows == []  # the YAML file beside them is not a workflow
