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


def test_one_finding_per_wrong_path_however_many_steps_use_it() -> None:
    def change(document: dict[str, Any]) -> None:
        for name in ("build", "test", "copy-artifacts", "test-dir-delete"):
            _env(template(document, name)["container"], "KUBECONFIG")["value"] = "/tmp/kube"

    diagnostics = found(variant(lib_document(kubeconfig=True), change), "kubeconfig")
    assert [d.message.split(" is ")[0] for d in diagnostics] == ["KUBECONFIG=/tmp/kube"]
    assert diagnostics[0].path.startswith("spec.templates[3].container.env[")


def test_a_mount_elsewhere_is_found_from_any_template() -> None:
    """The NFS volume mounted at /mnt/nfs: a step that does not mount it still has its
    kubeconfig judged against /mnt/nfs/<workflow>, not the seed's default mount."""

    def change(document: dict[str, Any]) -> None:
        name = document["metadata"]["name"]
        for template_ in document["spec"]["templates"]:
            for mount in (template_.get("container") or {}).get("volumeMounts", []):
                if mount["mountPath"] == "/mnt/test-data-volume":
                    mount["mountPath"] = "/mnt/nfs"
            for item in (template_.get("container") or {}).get("env", []):
                if item["name"] == "KUBECONFIG":
                    item["value"] = f"/mnt/nfs/{name}/.kube/config"
        test = template(document, "test")["container"]
        test["volumeMounts"] = [m for m in test["volumeMounts"] if m["mountPath"] != "/mnt/nfs"]

    assert found(variant(lib_document(kubeconfig=True), change), "kubeconfig") == []


def test_different_paths_point_at_the_first_step_and_name_the_path_in_use() -> None:
    def change(document: dict[str, Any]) -> None:
        name = document["metadata"]["name"]
        _env(template(document, "test")["container"], "KUBECONFIG")["value"] = (
            f"/mnt/test-data-volume/{name}/.kube/other"
        )

    compiled = variant(lib_document(kubeconfig=True), change)
    build_env = template(compiled.workflow.document, "build")["container"]["env"]
    index = next(i for i, e in enumerate(build_env) if e["name"] == "KUBECONFIG")
    [different] = found(compiled, "kubeconfig")
    assert different.path == f"spec.templates[3].container.env[{index}].value"

    def drop_from_test(document: dict[str, Any]) -> None:
        container = template(document, "test")["container"]
        container["env"] = [e for e in container["env"] if e["name"] != "KUBECONFIG"]

    dropped = variant(lib_document(kubeconfig=True), drop_from_test)
    [missing] = found(dropped, "kubeconfig")
    name = dropped.workflow.document["metadata"]["name"]
    assert f"(/mnt/test-data-volume/{name}/.kube/config)" in missing.message
