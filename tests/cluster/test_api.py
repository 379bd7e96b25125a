from __future__ import annotations

import json
from pathlib import Path

import pytest
from standins.fixtures import IMPATIENT, NAMESPACE, KubeEnv
from standins.gcs import free_port

from compiler.cluster.api import Cluster, NotFound, gke_cluster_and_project
from compiler.cluster.kube import KubeSession
from compiler.cluster.retry import policy_for
from compiler.diagnostics import InfraError


def test_gke_context_names() -> None:
    assert gke_cluster_and_project("gke_kubeflow-ci_us-east1-d_kubeflow-testing") == (
        "kubeflow-testing",
        "kubeflow-ci",
    )
    assert gke_cluster_and_project("minikube") == (None, None)


def test_gke_location_from_the_kubeconfig(kube: KubeEnv, tmp_path: Path) -> None:
    config = json.loads(kube.kubeconfig.read_text())
    config["clusters"][0]["name"] = "gke_kubeflow-ci_us-east1-d_kubeflow-testing"
    config["contexts"][0]["context"]["cluster"] = "gke_kubeflow-ci_us-east1-d_kubeflow-testing"
    path = tmp_path / "gke.json"
    path.write_text(json.dumps(config))
    cluster = Cluster(KubeSession(kubeconfig=str(path)), IMPATIENT)
    assert cluster.gke_location() == ("kubeflow-testing", "kubeflow-ci")
    with pytest.raises(NotFound):
        cluster.get_workflow(NAMESPACE, "no-such-workflow")


def test_unreachable_cluster_is_an_infra_error(kube: KubeEnv, tmp_path: Path) -> None:
    config = json.loads(kube.kubeconfig.read_text())
    config["clusters"][0]["cluster"]["server"] = f"http://127.0.0.1:{free_port()}"
    path = tmp_path / "down.json"
    path.write_text(json.dumps(config))
    cluster = Cluster(KubeSession(kubeconfig=str(path)), IMPATIENT)
    with pytest.raises(InfraError, match="list workflows"):
        list(cluster.list_workflows(NAMESPACE, None))


def test_policy_for_shrinks_every_delay() -> None:
    assert policy_for(300).timeout == 300 and policy_for(600).initial == 1.0
    quick = policy_for(1.0)
    assert quick.timeout == 1.0 and quick.initial <= 0.1 and quick.maximum <= 0.25
