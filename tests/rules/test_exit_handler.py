from __future__ import annotations

from typing import Any

import pytest

from .helpers import found, lib_document, template, variant


def _command(words: list[str]) -> Any:
    def change(document: dict[str, Any]) -> None:
        name = document["metadata"]["name"]
        template(document, "copy-artifacts")["container"]["command"] = [
            word.replace("NAME", name) for word in words
        ]

    return change


@pytest.mark.parametrize(
    "words",
    [
        ["gsutil", "-m", "rsync", "-r", "/mnt/test-data-volume/NAME/output", "gs://b/logs"],
        ["sh", "-c", "gcloud storage cp -r /mnt/test-data-volume/{{workflow.name}}/outputs gs://b"],
        ["python", "upload.py", "/mnt/test-data-volume/NAME/outputs", "gs://bucket/x"],
    ],
)
def test_uploads_of_the_outputs_dir(words: list[str]) -> None:
    assert found(variant(lib_document(), _command(words)), "exit-handler") == []


def test_an_upload_of_something_else() -> None:
    compiled = variant(lib_document(), _command(["gsutil", "cp", "/tmp/log", "gs://b/"]))
    [diagnostic] = found(compiled, "exit-handler")
    assert "uploads to GCS, but not this workflow's outputs dir" in diagnostic.message
    assert diagnostic.path == "spec.templates[5].container"


def test_the_exit_hook_form_and_template_refs() -> None:
    def hook(document: dict[str, Any]) -> None:
        document["spec"]["hooks"] = {"exit": {"template": document["spec"].pop("onExit")}}

    assert found(variant(lib_document(), hook), "exit-handler") == []

    def external(document: dict[str, Any]) -> None:
        template(document, "exit-handler")["steps"] = [
            [{"name": "upload", "templateRef": {"name": "shared", "template": "upload"}}]
        ]

    assert found(variant(lib_document(), external), "exit-handler") == []


def test_a_dangling_handler_is_left_to_argo_semantic() -> None:
    def change(document: dict[str, Any]) -> None:
        document["spec"]["onExit"] = "nowhere"

    assert found(variant(lib_document(), change), "exit-handler") == []


def test_an_exit_hook_counts_only_for_argo_releases_that_run_it() -> None:
    from compiler.rules import LintSettings, check_workflow
    from compiler.validate import releases

    def hook(document: dict[str, Any]) -> None:
        document["spec"]["hooks"] = {"exit": {"template": document["spec"].pop("onExit")}}

    compiled = variant(lib_document(), hook)

    def exit_findings(target: str | None) -> list[str]:
        diagnostics = check_workflow(
            compiled.workflow,
            compiled.env,
            LintSettings(),
            "prow_config.yaml",
            releases.choose(target),
        )
        return [d.message for d in diagnostics if d.rule == "exit-handler"]

    assert exit_findings(None) == []
    assert exit_findings("3.3") == []
    [message] = exit_findings("2.12")
    assert "spec.hooks.exit needs Argo 3.3 or newer" in message
    assert "targets Argo 2.12" in message and "set spec.onExit to `exit-handler`" in message
