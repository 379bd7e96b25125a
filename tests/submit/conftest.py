from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from standins.fixtures import FAST, IMPATIENT, KubeEnv, gcs, gcs_emulator, kube  # noqa: F401

from compiler.cluster.kube import KubeSession


def workflow(name: str, **labels: str) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": name, "labels": {"org": "kubeflow", "repo": "testing", **labels}},
        "spec": {
            "entrypoint": "e2e",
            "templates": [{"name": "e2e", "container": {"image": "x:1"}}],
        },
    }


@pytest.fixture
def session(kube: KubeEnv) -> Iterator[KubeSession]:  # noqa: F811
    session = KubeSession(kubeconfig=str(kube.kubeconfig))
    yield session
    session.close()
