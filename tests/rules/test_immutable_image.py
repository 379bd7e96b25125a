from __future__ import annotations

import re
from typing import Any

import pytest

from compiler.rules import LintSettings

from .helpers import found, lib_document, template, variant


def _sidecar(image: str) -> Any:
    def change(document: dict[str, Any]) -> None:
        template(document, "test")["sidecars"] = [{"name": "s", "image": image}]

    return change


@pytest.mark.parametrize(
    "image",
    [
        "docker:v20.10.1",
        "localhost:5000/tools/dind:v1",
        "gcr.io/x/y@sha256:" + "a" * 64,
        "gcr.io/x/y:latest@sha256:" + "a" * 64,
        "{{inputs.parameters.image}}",
    ],
)
def test_immutable_images(image: str) -> None:
    assert found(variant(lib_document(), _sidecar(image)), "immutable-image") == []


@pytest.mark.parametrize(
    ("image", "fragment"),
    [
        ("docker", "has no tag"),
        ("localhost:5000/tools/dind", "has no tag"),
        ("docker:latest", "moving tag `latest`"),
        ("docker:Nightly", "moving tag `Nightly`"),
        ("docker:main", "moving tag `main`"),
        ("docker:edge", "moving tag `edge`"),
    ],
)
def test_moving_images(image: str, fragment: str) -> None:
    [diagnostic] = found(variant(lib_document(), _sidecar(image)), "immutable-image")
    assert fragment in diagnostic.message
    assert diagnostic.path == "spec.templates[4].sidecars[0].image"
    assert diagnostic.file == "ci/workflows/example.jsonnet"


def test_the_repository_tag_pattern() -> None:
    settings = LintSettings(
        image_tag_pattern=re.compile(r"v\d{8}-[0-9a-f]{7}"), file=".kftest.yaml"
    )
    compiled = variant(lib_document(), _sidecar("docker:v20.10.1"))
    [diagnostic] = found(compiled, "immutable-image", settings)
    assert "does not match this repository's lint.image_tag_pattern" in diagnostic.message
    assert "(.kftest.yaml)" in diagnostic.message
    assert found(lib_document(), "immutable-image", settings) == []
