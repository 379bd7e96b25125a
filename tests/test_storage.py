from __future__ import annotations

import pytest
from standins.fixtures import FAST, IMPATIENT, GcsEnv, gcs, gcs_emulator  # noqa: F401

from compiler.cluster.retry import policy_for
from compiler.diagnostics import InfraError, UsageError
from compiler.storage import GcsStorage, read_url, split_url


def storage(gcs: GcsEnv, policy=FAST) -> GcsStorage:  # type: ignore[no-untyped-def]  # noqa: F811
    return GcsStorage(gcs.bucket, env=gcs.env, policy=policy)


def test_upload_read_list(gcs: GcsEnv) -> None:  # noqa: F811
    store = storage(gcs)
    store.upload("logs/job/1/started.json", b'{"timestamp": 1}\n', "application/json")
    store.upload("logs/job/1/artifacts/junit_a.xml", b"<testsuite/>", "application/xml")
    assert gcs.read("logs/job/1/started.json") == b'{"timestamp": 1}\n'
    assert store.read("logs/job/1/artifacts/junit_a.xml") == b"<testsuite/>"
    assert store.read("logs/job/1/nothing-here") is None
    assert store.list("logs/job/1/artifacts/") == ["logs/job/1/artifacts/junit_a.xml"]


@pytest.mark.parametrize("action", ["503", "429", "500", "reset"])
def test_bursts_of_failures_are_retried(gcs: GcsEnv, action: str) -> None:  # noqa: F811
    gcs.proxy.add(action, times=4)
    storage(gcs).upload("a/b.txt", b"payload", "text/plain")
    assert len(gcs.proxy.fired) == 4
    assert gcs.read("a/b.txt") == b"payload"


def test_a_broken_upload_is_detected_and_repeated(gcs: GcsEnv) -> None:  # noqa: F811
    gcs.proxy.add("corrupt", method="POST", path="/upload/")
    data = b'{"passed": true}\n'
    storage(gcs).upload("a/finished.json", data, "application/json")
    assert [fault[2] for fault in gcs.proxy.fired] == ["corrupt"]
    uploads = [r for r in gcs.proxy.requests if r[0] == "POST"]
    assert len(uploads) == 2  # the corrupted one, read back and found wrong, and the retry
    assert gcs.read("a/finished.json") == data


def test_reads_and_lists_are_retried(gcs: GcsEnv) -> None:  # noqa: F811
    gcs.write("x/junit_1.xml", b"<testsuite/>")
    gcs.proxy.add("503", method="GET", times=3)
    store = storage(gcs)
    assert store.list("x/") == ["x/junit_1.xml"]
    gcs.proxy.add("reset", method="GET", times=2)
    assert store.read("x/junit_1.xml") == b"<testsuite/>"


def test_storage_unreachable_is_infra_error(gcs: GcsEnv) -> None:  # noqa: F811
    gcs.proxy.add("503", times=100_000)
    with pytest.raises(InfraError, match=r"upload gs://.*giving up after \d+ attempts"):
        storage(gcs, IMPATIENT).upload("a/b.txt", b"x", "text/plain")


def test_permission_denied_is_infra_error_at_once(gcs: GcsEnv) -> None:  # noqa: F811
    gcs.proxy.add("403", times=100)
    with pytest.raises(InfraError, match="HTTP 403"):
        storage(gcs).upload("a/b.txt", b"x", "text/plain")
    assert [fault[0] for fault in gcs.proxy.fired].count("POST") == 1  # not retried


def test_split_url() -> None:
    assert split_url("gs://b/pr-logs/1/wf.yaml") == ("b", "pr-logs/1/wf.yaml")
    for bad in ("gs://b", "gs://b/", "gs:///x.yaml", "s3://b/x.yaml", "gs://b/dir/"):
        with pytest.raises(UsageError, match="not a GCS object URL"):
            split_url(bad)


def test_read_a_url_from_the_emulator(gcs: GcsEnv, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    for key, value in gcs.env.items():
        monkeypatch.setenv(key, value)
    gcs.write("logs/wf.yaml", b"kind: Workflow\n")
    assert read_url(f"gs://{gcs.bucket}/logs/wf.yaml", policy=FAST) == b"kind: Workflow\n"
    with pytest.raises(UsageError, match="no such object"):
        read_url(f"gs://{gcs.bucket}/logs/missing.yaml", policy=FAST)


def test_an_unavailable_url(gcs: GcsEnv, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    for key, value in gcs.env.items():
        monkeypatch.setenv(key, value)
    gcs.write("wf.yaml", b"x")
    gcs.proxy.add("503", times=1000, method="GET")
    with pytest.raises(
        InfraError, match=r"wf\.yaml: GCS did not answer after retrying for 1s: HTTP 503"
    ):
        read_url(f"gs://{gcs.bucket}/wf.yaml", policy=policy_for(1.0))
