from __future__ import annotations

from typing import Any

from .helpers import found, lib_document, template, variant


def _env(container: dict[str, Any], name: str) -> dict[str, Any]:
    return next(item for item in container["env"] if item["name"] == name)


def test_the_lib_option_is_compliant_and_skips_the_checkout() -> None:
    base = lib_document(kubeconfig=True)
    document = base.workflow.document
    assert "KUBECONFIG" not in {
        e["name"] for e in template(document, "checkout")["container"]["env"]
    }
    value = _env(template(document, "test")["container"], "KUBECONFIG")["value"]
    assert value == f"/mnt/test-data-volume/{document['metadata']['name']}/.kube/config"
    assert found(base, "kubeconfig") == []


def test_different_paths() -> None:
    def change(document: dict[str, Any]) -> None:
        name = document["metadata"]["name"]
        _env(template(document, "test")["container"], "KUBECONFIG")["value"] = (
            f"/mnt/test-data-volume/{name}/.kube/other"
        )

    [diagnostic] = found(variant(lib_document(kubeconfig=True), change), "kubeconfig")
    assert "steps use different kubeconfig paths" in diagnostic.message


def test_kube_config_spelling_and_value_from() -> None:
    def change(document: dict[str, Any]) -> None:
        container = template(document, "build")["container"]
        container["env"].append({"name": "KUBE_CONFIG", "value": "/tmp/config"})
        container = template(document, "test")["container"]
        container["env"].append({"name": "KUBECONFIG", "valueFrom": {"configMapKeyRef": {}}})

    [diagnostic] = found(variant(lib_document(), change), "kubeconfig")
    assert diagnostic.message.startswith("KUBE_CONFIG=/tmp/config is not in this workflow's")
    assert diagnostic.path.startswith("spec.templates[3].container.env[")


def test_exit_handler_steps_may_leave_it_out() -> None:
    def change(document: dict[str, Any]) -> None:
        for name in ("copy-artifacts", "test-dir-delete"):
            container = template(document, name)["container"]
            container["env"] = [e for e in container["env"] if e["name"] != "KUBECONFIG"]

    assert found(variant(lib_document(kubeconfig=True), change), "kubeconfig") == []

    def drop_from_test(document: dict[str, Any]) -> None:
        container = template(document, "test")["container"]
        container["env"] = [e for e in container["env"] if e["name"] != "KUBECONFIG"]

    [diagnostic] = found(variant(lib_document(kubeconfig=True), drop_from_test), "kubeconfig")
    assert "step `test` does not set KUBECONFIG" in diagnostic.message
    assert diagnostic.path == "spec.templates[4].container.env"
