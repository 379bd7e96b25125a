from __future__ import annotations

from typing import Any

import pytest

from .helpers import found, lib_document, template, variant


def _arg(word: str) -> Any:
    def change(document: dict[str, Any]) -> None:
        name = document["metadata"]["name"]
        template(document, "build")["container"]["args"] = [word.replace("NAME", name)]

    return change


@pytest.mark.parametrize(
    "word",
    [
        "/mnt/test-data-volume/NAME",
        "/mnt/test-data-volume/NAME/src/kubeflow/testing/py",
        "--junitxml=/mnt/test-data-volume/NAME/outputs/artifacts/junit_x.xml",
        "/mnt/test-data-volume/{{workflow.name}}/.kube/config",
        "cp a /mnt/test-data-volume/NAME/outputs/a;ls /mnt/test-data-volume2/x",
        "/other/mnt/test-data-volume/x",
    ],
)
def test_inside_the_layout(word: str) -> None:
    assert found(variant(lib_document(), _arg(word)), "nfs-layout") == []


@pytest.mark.parametrize(
    ("word", "fragment"),
    [
        ("/mnt/test-data-volume", "is the root of the NFS volume"),
        ("rm -rf /mnt/test-data-volume/", "is the root of the NFS volume"),
        ("/mnt/test-data-volume/other-run/src", "is not in this workflow's directory"),
        ("PYTHONPATH=/mnt/test-data-volume/NAME/py:/x", "is outside the layout"),
        ("/mnt/test-data-volume/NAME/kfctl_test/.kube/kubeconfig", "is outside the layout"),
    ],
)
def test_outside_the_layout(word: str, fragment: str) -> None:
    [diagnostic] = found(variant(lib_document(), _arg(word)), "nfs-layout")
    assert fragment in diagnostic.message
    assert diagnostic.path == "spec.templates[3].container.args[0]"


def test_one_finding_per_path_and_env_and_working_dir_count() -> None:
    def change(document: dict[str, Any]) -> None:
        for name in ("build", "test"):
            container = template(document, name)["container"]
            container["workingDir"] = "/mnt/test-data-volume/shared"
            container["env"].append({"name": "X", "value": "/mnt/test-data-volume/cache"})

    compiled = variant(lib_document(), change)
    last = len(template(compiled.workflow.document, "build")["container"]["env"]) - 1
    paths = [d.path for d in found(compiled, "nfs-layout")]
    assert paths == [
        "spec.templates[3].container.workingDir",
        f"spec.templates[3].container.env[{last}].value",
    ]


def test_the_mount_is_read_from_the_template() -> None:
    def change(document: dict[str, Any]) -> None:
        container = template(document, "build")["container"]
        container["volumeMounts"][0]["mountPath"] = "/data"
        container["args"] = ["/data/elsewhere", "/mnt/test-data-volume/ignored-here"]

    [diagnostic] = found(variant(lib_document(), change), "nfs-layout")
    assert diagnostic.message.startswith("/data/elsewhere is not in this workflow's directory")


def test_output_and_outputs_together_are_one_finding_at_the_first_output() -> None:
    def change(document: dict[str, Any]) -> None:
        name = document["metadata"]["name"]
        template(document, "build")["container"]["args"] = [
            f"cp a /mnt/test-data-volume/{name}/outputs/a"
        ]
        template(document, "test")["container"]["args"] = [
            f"cp b /mnt/test-data-volume/{name}/output/b"
        ]

    diagnostics = found(variant(lib_document(), change), "nfs-layout")
    both = [d for d in diagnostics if "both output/ and outputs/" in d.message]
    assert [d.path for d in both] == ["spec.templates[4].container.args[0]"]
    assert found(lib_document(), "nfs-layout") == []  # lib uses outputs/ alone
