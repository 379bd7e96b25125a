"""What the rules read in a compiled Tekton PipelineRun: its pipeline, tasks and step images."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compiler.lenient import as_dict, as_list, str_or_none

ARTIFACTS_PARAM = "artifacts-gcs"


@dataclass(frozen=True)  # mutation: equivalent — nothing assigns to or hashes one
class Image:
    path: str  # in the compiled run
    image: str


@dataclass(frozen=True)  # mutation: equivalent — nothing assigns to or hashes one
class RunPipeline:
    """The pipeline a run executes, when kftest can see it."""

    spec: dict[str, Any]
    where: str  # "the embedded pipelineSpec" or "Pipeline 'x' (file)"
    path: str  # in the compiled run: spec.pipelineSpec or spec.pipelineRef


def embedded_images(document: dict[str, Any]) -> Iterator[Image]:
    """Images of the steps, sidecars and step templates the run embeds (pipelineSpec ->
    taskSpec); referenced Tasks are pinned where they are defined."""
    pipeline = as_dict(as_dict(document.get("spec")).get("pipelineSpec"))
    for section in ("tasks", "finally"):
        for index, task in enumerate(as_list(pipeline.get(section))):
            base = f"spec.pipelineSpec.{section}[{index}].taskSpec"
            task_spec = as_dict(as_dict(task).get("taskSpec"))
            for kind in ("steps", "sidecars"):
                for position, container in enumerate(as_list(task_spec.get(kind))):
                    image = str_or_none(as_dict(container).get("image"))
                    if image:
                        yield Image(f"{base}.{kind}[{position}].image", image)
            template = str_or_none(as_dict(task_spec.get("stepTemplate")).get("image"))
            if template:
                yield Image(f"{base}.stepTemplate.image", template)


def run_pipeline(document: dict[str, Any], repo_root: Path | None) -> RunPipeline | None:
    spec = as_dict(document.get("spec"))
    embedded = spec.get("pipelineSpec")
    if isinstance(embedded, dict):
        return RunPipeline(embedded, "the embedded pipelineSpec", "spec.pipelineSpec")
    ref = as_dict(spec.get("pipelineRef"))
    name = str_or_none(ref.get("name"))
    if name is None or ref.get("resolver") or ref.get("bundle") or repo_root is None:
        return None
    from compiler.validate.tekton import repository_definitions

    found = repository_definitions(repo_root.resolve()).get("Pipeline", {}).get(name)
    if found is None:
        return None
    pipeline_spec = as_dict(found.document.get("spec"))
    return RunPipeline(pipeline_spec, f"Pipeline {name!r} ({found.file})", "spec.pipelineRef")
