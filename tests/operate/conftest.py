"""A cluster connection to the Kubernetes API stand-in (see builders.py for the data)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from standins.fixtures import KubeEnv, gcs, gcs_emulator, kube  # noqa: F401

from compiler.cluster.api import Cluster
from compiler.cluster.kube import KubeSession

from .builders import FAST


@pytest.fixture
def cluster(kube: KubeEnv) -> Iterator[Cluster]:  # noqa: F811
    connection = Cluster(KubeSession(kubeconfig=str(kube.kubeconfig)), FAST)
    yield connection
    connection.close()
