"""schemas/tekton.schema.json is exactly what its generator makes of ../shared/tekton."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import REPO_ROOT, SHARED

GENERATOR = REPO_ROOT / "schemas" / "generate_tekton_schema.py"
COMMITTED = REPO_ROOT / "schemas" / "tekton.schema.json"
TEKTON = SHARED / "tekton"

needs_shared = pytest.mark.skipif(
    not (TEKTON / "v0.20.0").is_dir(), reason="../shared/tekton (Tekton's swagger) is absent"
)


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_tekton_schema", GENERATOR)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    return module


@needs_shared
def test_committed_schema_is_what_the_generator_produces() -> None:
    generator = _generator()
    assert generator.render(generator.build_schema(TEKTON)) == COMMITTED.read_text(), (
        "schemas/tekton.schema.json is stale: run python schemas/generate_tekton_schema.py"
    )


@needs_shared
def test_check_mode(tmp_path: Path) -> None:
    generator = _generator()
    stale = tmp_path / "schema.json"
    stale.write_text("{}\n")
    assert generator.main(["--check", "--output", str(stale), "--shared", str(TEKTON)]) == 1
    assert generator.main(["--check", "--output", str(COMMITTED), "--shared", str(TEKTON)]) == 0


def test_every_reference_resolves_and_every_version_has_its_kinds() -> None:
    schema = json.loads(COMMITTED.read_text())
    definitions = schema["definitions"]
    refs: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "$ref":
                    refs.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(definitions)
    missing = {ref for ref in refs if ref.rsplit("/", 1)[-1] not in definitions}
    assert not missing
    assert set(schema["x-roots"]) == {"v1alpha1", "v1beta1", "v1"}
    for kinds in schema["x-roots"].values():
        assert set(kinds) == {"PipelineRun", "Pipeline", "Task"}
        assert all(ref.rsplit("/", 1)[-1] in definitions for ref in kinds.values())
    # v1alpha1 is derived: TaskSpec gains inputs/outputs, PipelineSpec loses finally.
    alpha_task = definitions["v1alpha1:v1beta1.TaskSpec"]["properties"]
    assert {"inputs", "outputs"} <= set(alpha_task)
    assert "finally" in definitions["v1alpha1:v1beta1.PipelineSpec"]["x-removed-fields"]
