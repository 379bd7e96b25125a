from __future__ import annotations

from typing import Any

import pytest

from .helpers import found, lib_document, template, variant


def _tasks(document: dict[str, Any]) -> list[dict[str, Any]]:
    return template(document, "e2e")["dag"]["tasks"]


def test_depends_expressions_count_as_dependencies() -> None:
    def change(document: dict[str, Any]) -> None:
        tasks = _tasks(document)
        tasks[1].pop("dependencies")
        tasks[1]["depends"] = "checkout.Succeeded"
        tasks[2].pop("dependencies")
        tasks[2]["depends"] = "(build.Succeeded || build.Failed) && !checkout.Errored"

    assert found(variant(lib_document(), change), "checkout-first") == []


def test_a_task_outside_the_checkout_chain() -> None:
    def change(document: dict[str, Any]) -> None:
        _tasks(document)[2]["dependencies"] = ["other"]
        _tasks(document).append({"name": "other", "template": "build"})

    messages = [d.message for d in found(variant(lib_document(), change), "checkout-first")]
    assert len(messages) == 2
    assert all("does not depend on the checkout" in m for m in messages)


def test_the_checkout_must_not_wait() -> None:
    def change(document: dict[str, Any]) -> None:
        _tasks(document)[0]["dependencies"] = ["build"]

    [diagnostic] = found(variant(lib_document(), change), "checkout-first")
    assert "depends on `build`" in diagnostic.message


def test_no_checkout_at_all() -> None:
    def change(document: dict[str, Any]) -> None:
        template(document, "e2e")["dag"]["tasks"] = _tasks(document)[1:]
        _tasks(document)[0].pop("dependencies")

    [diagnostic] = found(variant(lib_document(), change), "checkout-first")
    assert "no task of the DAG `e2e` checks the code out" in diagnostic.message


@pytest.mark.parametrize(
    ("command", "fragment"),
    [
        (["/usr/local/bin/checkout.sh", "/mnt/test-data-volume/other/src"], "writes to"),
        (["/usr/local/bin/checkout.sh"], "does not say where"),
        (["sh", "-c", "checkout.sh /src"], "writes to /src"),
        (["checkout_repos.sh", "--repos=a/b@HEAD", "--src_dir=/mnt/test-data-volume/x/src"], ""),
        (["kftest", "checkout", "/mnt/test-data-volume/other/src"], "writes to"),
        (["kftest", "checkout", "--depth", "all"], "kftest checkout <dir>"),
        (["sh", "-c", "kftest checkout --depth 2 /src && make"], "writes to /src,"),
    ],
)
def test_the_checkout_directory(command: list[str], fragment: str) -> None:
    def change(document: dict[str, Any]) -> None:
        template(document, "checkout")["container"]["command"] = command

    [diagnostic] = found(variant(lib_document(), change), "checkout-first")
    assert fragment in diagnostic.message
    assert diagnostic.path == "spec.templates[2].container"


@pytest.mark.parametrize(
    "command",
    [
        ["/usr/local/bin/checkout.sh", "/mnt/test-data-volume/{{workflow.name}}/src/"],
        ["checkout_repos.sh", "--src_dir={{workflow.name}}"],
        ["kftest", "checkout", "--depth", "all", "/mnt/test-data-volume/{{workflow.name}}/src"],
        [
            "/bin/sh",
            "-c",
            "kftest checkout '/mnt/test-data-volume/{{workflow.name}}/src' --depth=1",
        ],
        [
            "python3",
            "-m",
            "kftest",
            "checkout",
            "--repos",
            "a/b@HEAD",
            "/mnt/test-data-volume/{{workflow.name}}/src",
        ],
    ],
)
def test_accepted_directories(command: list[str]) -> None:
    def change(document: dict[str, Any]) -> None:
        name = document["metadata"]["name"]
        words = [
            w.replace("--src_dir={{workflow.name}}", f"--src_dir=/mnt/test-data-volume/{name}/src")
            for w in command
        ]
        template(document, "checkout")["container"]["command"] = words

    assert found(variant(lib_document(), change), "checkout-first") == []


def test_steps_style() -> None:
    base = lib_document(style="steps")
    assert found(base, "checkout-first") == []

    def reorder(document: dict[str, Any]) -> None:
        steps = template(document, "e2e")["steps"]
        steps[0], steps[1] = steps[1], steps[0]

    [diagnostic] = found(variant(base, reorder), "checkout-first")
    assert "runs `build`, not the checkout" in diagnostic.message
    assert diagnostic.path == "spec.templates[0].steps[0]"


def test_a_template_ref_named_checkout_is_trusted() -> None:
    def change(document: dict[str, Any]) -> None:
        _tasks(document)[0] = {"name": "checkout", "templateRef": {"name": "lib", "template": "co"}}

    assert found(variant(lib_document(), change), "checkout-first") == []


def test_a_single_container_entrypoint() -> None:
    def change(document: dict[str, Any]) -> None:
        document["spec"]["entrypoint"] = "build"

    [diagnostic] = found(variant(lib_document(), change), "checkout-first")
    assert "is a single container" in diagnostic.message


def test_nothing_to_say_without_an_entrypoint_here() -> None:
    def change(document: dict[str, Any]) -> None:
        document["spec"]["entrypoint"] = "elsewhere"

    assert found(variant(lib_document(), change), "checkout-first") == []


def _gopath(document: dict[str, Any], used: bool) -> None:
    """The seed's GOPATH layout: check out into <test dir>/src/github.com."""
    test_dir = f"/mnt/test-data-volume/{document['metadata']['name']}"
    template(document, "checkout")["container"]["command"] = [
        "/usr/local/bin/checkout.sh",
        f"{test_dir}/src/github.com",
    ]
    for name in ("build", "test"):
        container = template(document, name)["container"]
        container["workingDir"] = (
            f"{test_dir}/src/github.com/kubeflow/kubeflow" if used else f"{test_dir}/elsewhere"
        )
        container["env"] = [{"name": "GOPATH", "value": test_dir}]


def test_a_gopath_checkout_under_the_test_dir_that_the_steps_use() -> None:
    assert found(variant(lib_document(), lambda d: _gopath(d, used=True)), "checkout-first") == []


def test_a_checkout_under_the_test_dir_that_no_step_uses() -> None:
    [diagnostic] = found(
        variant(lib_document(), lambda d: _gopath(d, used=False)), "checkout-first"
    )
    assert "src/github.com, inside this workflow's test dir, but no other step works there" in (
        diagnostic.message
    )


def test_a_gopath_checkout_must_still_come_first() -> None:
    def change(document: dict[str, Any]) -> None:
        _gopath(document, used=True)
        _tasks(document)[0]["dependencies"] = ["build"]

    [diagnostic] = found(variant(lib_document(), change), "checkout-first")
    assert "depends on `build`" in diagnostic.message
