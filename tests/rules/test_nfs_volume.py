from __future__ import annotations

from typing import Any

from .helpers import found, lib_document, template, variant


def test_the_claim_comes_from_the_param() -> None:
    base = lib_document()
    assert found(base, "nfs-volume") == []
    params = {**base.workflow.params, "nfsClaim": "nfs-staging"}
    from .helpers import from_document

    moved = from_document(base.workflow.document, params=params, entry=base.workflow.entry)
    [diagnostic] = found(moved, "nfs-volume")
    assert diagnostic.path == "spec.volumes[0].persistentVolumeClaim.claimName"
    assert "the NFS claim is `nfs-staging` (the `nfsClaim` param)" in diagnostic.message


def test_no_pvc_at_all() -> None:
    def change(document: dict[str, Any]) -> None:
        document["spec"]["volumes"] = document["spec"]["volumes"][1:]

    [diagnostic] = found(variant(lib_document(), change), "nfs-volume")
    assert diagnostic.path == "spec.volumes"
    assert "no volume mounts the NFS PVC `nfs-external` (the default" in diagnostic.message


def test_every_container_template_mounts_it() -> None:
    def change(document: dict[str, Any]) -> None:
        template(document, "build")["container"]["volumeMounts"] = []
        document["spec"]["templates"].append(
            {
                "name": "set",
                "containerSet": {
                    "volumeMounts": [
                        {"name": "kubeflow-test-volume", "mountPath": "/mnt/test-data-volume"}
                    ],
                    "containers": [{"name": "a", "image": "x:v1"}],
                },
            }
        )
        document["spec"]["templates"].append({"name": "pause", "suspend": {}})

    [diagnostic] = found(variant(lib_document(), change), "nfs-volume")
    assert diagnostic.path == "spec.templates[3].container.volumeMounts"
    assert "step `build` does not mount" in diagnostic.message


def test_workflow_template_refs_are_not_checked() -> None:
    def change(document: dict[str, Any]) -> None:
        document["spec"] = {"workflowTemplateRef": {"name": "shared"}}

    assert found(variant(lib_document(), change), "nfs-volume") == []


def test_a_workflow_template_ref_beside_its_own_templates_still_checks_them() -> None:
    def change(document: dict[str, Any]) -> None:
        document["spec"]["workflowTemplateRef"] = {"name": "shared"}
        template(document, "build")["container"]["volumeMounts"] = []

    [diagnostic] = found(variant(lib_document(), change), "nfs-volume")
    assert diagnostic.path == "spec.templates[3].container.volumeMounts"
    assert "step `build` does not mount" in diagnostic.message
