from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from compiler.rules import LintSettings, load_settings

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


def test_a_moving_step_image_is_fixed_in_prow_config() -> None:
    moving = "gcr.io/kubeflow-ci/test-worker:latest"

    def change(document: dict[str, Any]) -> None:
        for item in document["spec"]["templates"]:
            if "container" in item:
                item["container"]["image"] = moving

    base = lib_document()
    compiled = variant(base, change)
    compiled.workflow.entry.params["stepImage"] = moving
    [diagnostic] = found(compiled, "immutable-image")
    assert (diagnostic.file, diagnostic.line) == ("prow_config.yaml", 6)
    assert "moving tag `latest`" in diagnostic.message
    assert "(used by 5 containers); set `params.stepImage` in prow_config.yaml to" in (
        diagnostic.message
    )
    # The same image hard-coded in the component (not the param) is pinned there instead.
    compiled.workflow.entry.params["stepImage"] = "gcr.io/x:v1"
    [diagnostic] = found(compiled, "immutable-image")
    assert diagnostic.file == "ci/workflows/example.jsonnet"
    assert "; pin it in the component to" in diagnostic.message


def test_one_container_is_not_counted() -> None:
    [diagnostic] = found(variant(lib_document(), _sidecar("docker:latest")), "immutable-image")
    assert "used by" not in diagnostic.message
    assert "`latest`, which changes on every push; pin it in the component" in (diagnostic.message)


def test_the_tag_pattern_names_where_it_was_set() -> None:
    pattern = re.compile(r"v\d{8}-[0-9a-f]{7}")
    compiled = variant(lib_document(), _sidecar("docker:v20.10.1"))
    [diagnostic] = found(compiled, "immutable-image", LintSettings(image_tag_pattern=pattern))
    assert "lint.image_tag_pattern `v\\d{8}-[0-9a-f]{7}` (.kftest.yaml)" in diagnostic.message
    settings = LintSettings(image_tag_pattern=pattern, file="pyproject.toml")
    [diagnostic] = found(compiled, "immutable-image", settings)
    assert "(pyproject.toml)" in diagnostic.message
    # A full match is needed: a tag that only starts like the pattern does not pass.
    compiled = variant(lib_document(), _sidecar("docker:v20240101-0123abc-dirty"))
    [diagnostic] = found(compiled, "immutable-image", settings)
    assert "tag `v20240101-0123abc-dirty`" in diagnostic.message


def test_two_containers_of_one_image_are_one_finding() -> None:
    def change(document: dict[str, Any]) -> None:
        template(document, "test")["sidecars"] = [
            {"name": "a", "image": "docker:latest"},
            {"name": "b", "image": "docker:latest"},
        ]

    [diagnostic] = found(variant(lib_document(), change), "immutable-image")
    assert "(used by 2 containers)" in diagnostic.message


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [(".", None), ("", "`lint.image_tag_pattern` must be a regular expression")],
)
def test_the_tag_pattern_option_in_kftest_yaml(
    tmp_path: Path, pattern: str, problem: str | None
) -> None:
    (tmp_path / ".kftest.yaml").write_text(f"lint:\n  image_tag_pattern: '{pattern}'\n")
    settings, diagnostics = load_settings(tmp_path)
    assert [d.message for d in diagnostics] == ([problem] if problem else [])
    if problem is None:
        assert settings.image_tag_pattern is not None
        assert settings.image_tag_pattern.pattern == pattern


def test_a_broken_tag_pattern_is_one_clear_message(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".kftest.yaml").write_text("lint:\n  image_tag_pattern: 'v(['\n")
    _, diagnostics = load_settings(tmp_path)
    assert [d.message for d in diagnostics] == [
        "`lint.image_tag_pattern` is not a valid regular expression: missing ]: [ "
        "(RE2 syntax: no backreferences or lookarounds)"
    ]
    assert capfd.readouterr().err == ""  # RE2's own log line would repeat it on stderr
