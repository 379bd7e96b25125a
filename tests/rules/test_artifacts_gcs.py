"""artifacts-gcs: a Tekton run's pipeline declares and uses the `artifacts-gcs` param."""

from __future__ import annotations

from pathlib import Path

from compiler.validate.tekton import TEARDOWN_FOR
from tests.rules.helpers import compile_tekton, found
from tests.rules.test_tekton_rules import RUN

UNDECLARED = RUN.replace("    params:\n    - name: artifacts-gcs\n      type: string\n", "")


def test_a_pipeline_without_the_param_is_one_error(tmp_path: Path) -> None:
    compiled = compile_tekton(tmp_path, UNDECLARED.replace("$(params.artifacts-gcs)", "gs://x"))
    [problem] = found(compiled, "artifacts-gcs")
    assert problem.path == "spec.pipelineSpec" and problem.file == "tekton/run.yaml"
    assert problem.message.startswith(
        "the embedded pipelineSpec does not declare the `artifacts-gcs` param"
    )


def test_using_it_without_declaring_it_is_still_undeclared(tmp_path: Path) -> None:
    [problem] = found(compile_tekton(tmp_path, UNDECLARED), "artifacts-gcs")
    assert "does not declare the `artifacts-gcs` param" in problem.message


def test_a_finally_task_may_be_the_one_that_uploads(tmp_path: Path) -> None:
    moved = RUN.replace("value: $(params.artifacts-gcs)", "value: gs://fixed") + (
        "    finally:\n    - name: upload\n      params:\n      - name: gcs\n"
        "        value: $(params.artifacts-gcs)\n      taskRef: {name: upload}\n"
    )
    assert found(compile_tekton(tmp_path, moved), "artifacts-gcs") == []


def test_a_teardown_run_is_not_held_to_it(tmp_path: Path) -> None:
    compiled = compile_tekton(tmp_path, UNDECLARED)
    assert len(found(compiled, "artifacts-gcs")) == 1
    # What kftest marks on the run of a `tekton_teardown` file.
    compiled.workflow.document["metadata"].setdefault("annotations", {})[TEARDOWN_FOR] = "unit"
    assert found(compiled, "artifacts-gcs") == []
