from __future__ import annotations

import pytest
from standins import WORKFLOWS
from standins.fixtures import NAMESPACE, KubeEnv

from compiler.cluster.kube import KubeSession
from compiler.diagnostics import InfraError
from compiler.submit.create import SubmitError, check_document, create_workflow, prepare

from .conftest import FAST, IMPATIENT, workflow


def commits(kube: KubeEnv, name: str) -> int:
    return kube.api.store.commits.get((WORKFLOWS, NAMESPACE, name), 0)


def test_creates_in_the_namespace(kube: KubeEnv, session: KubeSession) -> None:
    created = create_workflow(session, prepare(workflow("wf-a"), NAMESPACE), policy=FAST)
    assert created.state == "created"
    assert created.object["metadata"]["resourceVersion"]
    assert [w["metadata"]["name"] for w in kube.api.workflows(NAMESPACE)] == ["wf-a"]


def test_dry_run_validates_without_creating(kube: KubeEnv, session: KubeSession) -> None:
    created = create_workflow(
        session, prepare(workflow("wf-dry"), NAMESPACE), policy=FAST, dry_run=True
    )
    assert created.state == "dry-run"
    assert kube.api.workflows() == []
    assert kube.api.requests[-1].query == "dryRun=All"
    with pytest.raises(SubmitError, match="Invalid value"):
        create_workflow(
            session, prepare(workflow("Bad_Name"), NAMESPACE), policy=FAST, dry_run=True
        )


def test_same_spec_again_is_not_an_error(kube: KubeEnv, session: KubeSession) -> None:
    body = prepare(workflow("wf-again"), NAMESPACE)
    create_workflow(session, body, policy=FAST)
    again = create_workflow(session, body, policy=FAST)
    assert again.state == "exists"
    assert commits(kube, "wf-again") == 1


def test_different_spec_is_an_error(session: KubeSession) -> None:
    create_workflow(session, prepare(workflow("wf-diff"), NAMESPACE), policy=FAST)
    other = workflow("wf-diff")
    other["spec"]["entrypoint"] = "other"
    with pytest.raises(SubmitError, match="already exists with a different spec"):
        create_workflow(session, prepare(other, NAMESPACE), policy=FAST)


def test_rejected_workflow_names_the_reason(session: KubeSession) -> None:
    with pytest.raises(SubmitError, match=r"HTTP 422.*Bad_Name"):
        create_workflow(session, prepare(workflow("Bad_Name"), NAMESPACE), policy=FAST)


@pytest.mark.parametrize(
    "action", ["500", "429", "503", "reset", "500-after-commit", "reset-after-commit"]
)
def test_create_faults_create_exactly_once(
    kube: KubeEnv, session: KubeSession, action: str
) -> None:
    kube.api.faults.add("create", action, times=2)
    created = create_workflow(session, prepare(workflow("wf-fault"), NAMESPACE), policy=FAST)
    assert kube.api.faults.count("create", action) == 2
    assert commits(kube, "wf-fault") == 1
    assert len(kube.api.workflows()) == 1
    # After a create the server did persist, the retry sees 409 and adopts the object.
    assert created.state == ("exists" if action.endswith("after-commit") else "created")


@pytest.mark.parametrize("action", ["500", "429", "reset"])
def test_get_faults_while_adopting_are_retried(
    kube: KubeEnv, session: KubeSession, action: str
) -> None:
    kube.api.faults.add("create", "500-after-commit")
    kube.api.faults.add("get", action, times=2)
    created = create_workflow(session, prepare(workflow("wf-get"), NAMESPACE), policy=FAST)
    assert created.state == "exists"
    assert kube.api.faults.count("get", action) == 2
    assert commits(kube, "wf-get") == 1


def test_generate_name_is_fixed_before_retrying(kube: KubeEnv, session: KubeSession) -> None:
    document = workflow("unused")
    document["metadata"] = {"generateName": "e2e-"}
    body = prepare(document, NAMESPACE)
    assert body["metadata"]["name"].startswith("e2e-")
    kube.api.faults.add("create", "reset-after-commit")
    create_workflow(session, body, policy=FAST)
    assert [w["metadata"]["name"] for w in kube.api.workflows()] == [body["metadata"]["name"]]


def test_expired_token_reloads_credentials(kube: KubeEnv, session: KubeSession) -> None:
    kube.rotate_token("fresh-token-after-refresh")
    created = create_workflow(session, prepare(workflow("wf-token"), NAMESPACE), policy=FAST)
    assert created.state == "created"
    assert kube.api.count("POST", status=401) == 1


def test_token_never_refreshed_is_infra_error(kube: KubeEnv, session: KubeSession) -> None:
    kube.api.rotate_token("a-token-nobody-has", notify=False)
    with pytest.raises(InfraError, match="reloading the credentials"):
        create_workflow(session, prepare(workflow("wf-401"), NAMESPACE), policy=FAST)


def test_unreachable_cluster_is_infra_error(kube: KubeEnv, session: KubeSession) -> None:
    kube.api.stop()
    with pytest.raises(InfraError, match="giving up after"):
        create_workflow(session, prepare(workflow("wf-gone"), NAMESPACE), policy=IMPATIENT)


def test_persistent_500_is_infra_error(kube: KubeEnv, session: KubeSession) -> None:
    kube.api.faults.add("create", "500", times=10_000)
    with pytest.raises(InfraError, match="HTTP 500"):
        create_workflow(session, prepare(workflow("wf-500"), NAMESPACE), policy=IMPATIENT)
    assert kube.api.workflows() == []


def test_check_document() -> None:
    assert check_document(workflow("ok")) is None
    assert "kind" in (check_document({**workflow("x"), "kind": "Pod"}) or "")
    assert "metadata.name" in (check_document({**workflow("x"), "metadata": {}}) or "")
    assert check_document(["not", "a", "mapping"]) == "not a mapping"
