from __future__ import annotations

import pytest
from standins.fixtures import GcsEnv

from compiler.diagnostics import InfraError, UsageError
from compiler.operate.storage import read, split_url


def test_split_url() -> None:
    assert split_url("gs://b/pr-logs/1/wf.yaml") == ("b", "pr-logs/1/wf.yaml")
    for bad in ("gs://b", "gs://b/", "gs:///x.yaml", "s3://b/x.yaml", "gs://b/dir/"):
        with pytest.raises(UsageError, match="not a GCS object URL"):
            split_url(bad)


def test_read_from_the_emulator(gcs: GcsEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in gcs.env.items():
        monkeypatch.setenv(key, value)
    gcs.write("logs/wf.yaml", b"kind: Workflow\n")
    assert read(f"gs://{gcs.bucket}/logs/wf.yaml") == b"kind: Workflow\n"
    with pytest.raises(UsageError, match="no such object"):
        read(f"gs://{gcs.bucket}/logs/missing.yaml")


def test_unavailable_storage(gcs: GcsEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in gcs.env.items():
        monkeypatch.setenv(key, value)
    gcs.write("wf.yaml", b"x")
    gcs.proxy.add("503", times=1000, method="GET")
    with pytest.raises(
        InfraError, match=r"wf\.yaml: GCS did not answer after retrying for 1s: HTTP 503"
    ):
        read(f"gs://{gcs.bucket}/wf.yaml", timeout=1.0)
