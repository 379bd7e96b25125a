from __future__ import annotations

import pytest
from standins.fixtures import FAST, IMPATIENT, GcsEnv

from compiler.diagnostics import InfraError
from compiler.report.storage import GcsStorage


def storage(gcs: GcsEnv, policy=FAST) -> GcsStorage:  # type: ignore[no-untyped-def]
    return GcsStorage(gcs.bucket, env=gcs.env, policy=policy)


def test_upload_read_list(gcs: GcsEnv) -> None:
    store = storage(gcs)
    store.upload("logs/job/1/started.json", b'{"timestamp": 1}\n', "application/json")
    store.upload("logs/job/1/artifacts/junit_a.xml", b"<testsuite/>", "application/xml")
    assert gcs.read("logs/job/1/started.json") == b'{"timestamp": 1}\n'
    assert store.read("logs/job/1/artifacts/junit_a.xml") == b"<testsuite/>"
    assert store.read("logs/job/1/nothing-here") is None
    assert store.list("logs/job/1/artifacts/") == ["logs/job/1/artifacts/junit_a.xml"]


@pytest.mark.parametrize("action", ["503", "429", "500", "reset"])
def test_bursts_of_failures_are_retried(gcs: GcsEnv, action: str) -> None:
    gcs.proxy.add(action, times=4)
    storage(gcs).upload("a/b.txt", b"payload", "text/plain")
    assert len(gcs.proxy.fired) == 4
    assert gcs.read("a/b.txt") == b"payload"


def test_a_broken_upload_is_detected_and_repeated(gcs: GcsEnv) -> None:
    gcs.proxy.add("corrupt", method="POST", path="/upload/")
    data = b'{"passed": true}\n'
    storage(gcs).upload("a/finished.json", data, "application/json")
    assert [fault[2] for fault in gcs.proxy.fired] == ["corrupt"]
    uploads = [r for r in gcs.proxy.requests if r[0] == "POST"]
    assert len(uploads) == 2  # the corrupted one, read back and found wrong, and the retry
    assert gcs.read("a/finished.json") == data


def test_reads_and_lists_are_retried(gcs: GcsEnv) -> None:
    gcs.write("x/junit_1.xml", b"<testsuite/>")
    gcs.proxy.add("503", method="GET", times=3)
    store = storage(gcs)
    assert store.list("x/") == ["x/junit_1.xml"]
    gcs.proxy.add("reset", method="GET", times=2)
    assert store.read("x/junit_1.xml") == b"<testsuite/>"


def test_storage_unreachable_is_infra_error(gcs: GcsEnv) -> None:
    gcs.proxy.add("503", times=100_000)
    with pytest.raises(InfraError, match=r"upload gs://.*giving up after \d+ attempts"):
        storage(gcs, IMPATIENT).upload("a/b.txt", b"x", "text/plain")


def test_permission_denied_is_infra_error_at_once(gcs: GcsEnv) -> None:
    gcs.proxy.add("403", times=100)
    with pytest.raises(InfraError, match="HTTP 403"):
        storage(gcs).upload("a/b.txt", b"x", "text/plain")
    assert [fault[0] for fault in gcs.proxy.fired].count("POST") == 1  # not retried
