from __future__ import annotations

from typing import Any

import pytest

from .helpers import found, lib_document, template, variant


def _extra_repos(value: str) -> Any:
    def change(document: dict[str, Any]) -> None:
        env = template(document, "checkout")["container"]["env"]
        next(item for item in env if item["name"] == "EXTRA_REPOS")["value"] = value

    return change


@pytest.mark.parametrize(
    "value",
    [
        "",
        "kubeflow/testing@HEAD",
        "kubeflow/testing@HEAD;kubeflow/tf-operator@0123abc:1042",
        "my-org/my.repo_x@0123456789abcdef0123456789abcdef01234567",
    ],
)
def test_valid_values(value: str) -> None:
    assert found(variant(lib_document(), _extra_repos(value)), "extra-repos") == []


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("kubeflow/testing@HEAD,kubeflow/kubeflow@HEAD", "separated by `,`; use `;`"),
        ("kubeflow/testing@HEAD;", "empty item"),
        ("kubeflow/testing@HEAD;;a/b@HEAD", "empty item"),
        ("kubeflow/testing", "has no `@sha` (write `kubeflow/testing@HEAD`"),
        ("kubeflow/testing@master", "'master' is not a commit SHA or HEAD"),
        ("kubeflow/testing@HEAD:pr12", "'pr12' is not a number"),
        ("kubeflow@HEAD", "is not org/repo@sha[:pr]"),
        (" kubeflow/testing@HEAD", "contains spaces"),
        ("kubeflow/testing@HEAD; kubeflow/kubeflow@HEAD", "contains spaces"),  # only inside
        ("kubeflow/testing@HEAD\n", "contains spaces"),  # only around it, no blank
    ],
)
def test_invalid_values(value: str, fragment: str) -> None:
    compiled = variant(lib_document(), _extra_repos(value))
    [diagnostic] = found(compiled, "extra-repos")
    assert fragment in diagnostic.message
    assert diagnostic.file == "ci/workflows/example.jsonnet"  # not the param's value
    env = template(compiled.workflow.document, "checkout")["container"]["env"]
    index = [item["name"] for item in env].index("EXTRA_REPOS")
    assert diagnostic.path == f"spec.templates[2].container.env[{index}].value"


def test_one_finding_per_value() -> None:
    def change(document: dict[str, Any]) -> None:
        for name in ("build", "test"):
            template(document, name)["container"]["env"].append(
                {"name": "EXTRA_REPOS", "value": "a/b"}
            )

    assert len(found(variant(lib_document(), change), "extra-repos")) == 1


def test_each_problem_is_named_once() -> None:
    value = "kubeflow/testing@HEAD;;a/b@master"
    [diagnostic] = found(variant(lib_document(), _extra_repos(value)), "extra-repos")
    reasons = diagnostic.message.split(". The checkout expects")[0]
    assert reasons == (
        f"EXTRA_REPOS={value!r}: it has an empty item (a doubled or trailing `;`); "
        "in 'a/b@master', 'master' is not a commit SHA or HEAD"
    )
