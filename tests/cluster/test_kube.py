from __future__ import annotations

import json
from pathlib import Path

import pytest
import urllib3
from kubernetes.client.exceptions import ApiException
from standins.fixtures import CANARY_TOKEN, NAMESPACE, KubeEnv

from compiler.cluster.kube import GROUP, PLURAL, VERSION, KubeSession, classify, describe
from compiler.cluster.retry import Action
from compiler.diagnostics import InfraError, UsageError


def reachable(session: KubeSession) -> bool:
    page = session.custom.list_namespaced_custom_object(GROUP, VERSION, NAMESPACE, PLURAL)
    return page["kind"] == "WorkflowList"


def test_named_kubeconfig_must_exist(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no-such-file"):
        KubeSession.from_environment({}, kubeconfig=tmp_path / "no-such-file")


def test_kubeconfig_from_the_environment(kube: KubeEnv, tmp_path: Path) -> None:
    env = {"KUBECONFIG": f"{tmp_path / 'missing'}:{kube.kubeconfig}", "HOME": str(tmp_path)}
    assert reachable(KubeSession.from_environment(env))


def test_kubeconfig_in_home(kube: KubeEnv, tmp_path: Path) -> None:
    (tmp_path / ".kube").mkdir()
    kube.kubeconfig.rename(tmp_path / ".kube" / "config")
    assert reachable(KubeSession.from_environment({"HOME": str(tmp_path)}))


def test_context_selects_the_cluster(kube: KubeEnv) -> None:
    config = json.loads(kube.kubeconfig.read_text())
    config["clusters"].append({"name": "dead", "cluster": {"server": "http://127.0.0.1:9"}})
    config["contexts"].append(
        {"name": "dead", "context": {"cluster": "dead", "user": "standin-user"}}
    )
    config["current-context"] = "dead"
    kube.kubeconfig.write_text(json.dumps(config))
    session = KubeSession.from_environment({}, kubeconfig=kube.kubeconfig, context="standin")
    assert reachable(session)
    # A context the kubeconfig does not have is the user's mistake (exit 2), not the cluster's.
    with pytest.raises(UsageError, match=r"not a usable kubeconfig \(--context nope\)"):
        KubeSession.from_environment({}, kubeconfig=kube.kubeconfig, context="nope")


@pytest.mark.parametrize(
    "text", ["clusters: [unclosed\n", "clusters: 5\ncontexts: x\ncurrent-context: 7\n", "[]\n"]
)
def test_a_broken_kubeconfig_is_a_usage_error_naming_it(text: str, tmp_path: Path) -> None:
    broken = tmp_path / "broken-kubeconfig"
    broken.write_text(text)
    with pytest.raises(UsageError, match=f"{broken}: not a usable kubeconfig"):
        KubeSession.from_environment({}, kubeconfig=broken)
    with pytest.raises(UsageError, match=f"{broken}: not a usable kubeconfig"):
        KubeSession.from_environment({"KUBECONFIG": str(broken), "HOME": str(tmp_path)})


def test_kubeconfig_naming_a_missing_file_says_which(tmp_path: Path) -> None:
    missing = tmp_path / "missing-kubeconfig"
    with pytest.raises(UsageError, match=f"KUBECONFIG={missing}: no such file"):
        KubeSession.from_environment({"KUBECONFIG": str(missing), "HOME": str(tmp_path)})


def test_no_credentials_anywhere(tmp_path: Path) -> None:
    with pytest.raises(InfraError, match="no Kubernetes credentials"):
        KubeSession.from_environment({"HOME": str(tmp_path)})


def test_in_cluster_without_a_service_account(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "KUBERNETES_SERVICE_HOST": "10.0.0.1"}
    with pytest.raises(InfraError, match="cannot load Kubernetes credentials"):
        KubeSession.from_environment(env)


def test_the_token_is_known_as_a_secret(kube: KubeEnv) -> None:
    assert CANARY_TOKEN in KubeSession(kubeconfig=str(kube.kubeconfig)).secrets


@pytest.mark.parametrize(
    ("status", "action"),
    [(401, Action.RELOAD), (403, Action.RELOAD), (429, Action.RETRY), (500, Action.RETRY),
     (503, Action.RETRY), (400, Action.FATAL), (404, Action.FATAL), (409, Action.FATAL),
     (422, Action.FATAL)],
)  # fmt: skip
def test_classify_api_errors(status: int, action: Action) -> None:
    assert classify(ApiException(status=status))[0] is action


def test_classify_connection_errors() -> None:
    assert classify(urllib3.exceptions.ProtocolError("reset"))[0] is Action.RETRY
    assert classify(ConnectionResetError())[0] is Action.RETRY
    assert classify(ValueError("a bug"))[0] is Action.FATAL


def test_a_refused_call_is_described_without_the_request(kube: KubeEnv) -> None:
    kube.api.rotate_token("another-token", notify=False)
    session = KubeSession(kubeconfig=str(kube.kubeconfig))
    with pytest.raises(ApiException) as caught:
        reachable(session)
    text = describe(caught.value)
    assert text == "HTTP 401 Unauthorized: Unauthorized"
    assert CANARY_TOKEN not in text
