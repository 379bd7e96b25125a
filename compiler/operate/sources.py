"""Where ``kftest debug`` finds a workflow: a name in the cluster, a YAML/JSON file (``kubectl
get wf -o yaml``, a List, or a multi-document stream), or the final object ``kftest run`` saved
to ``gs://<bucket>/.../<name>.yaml``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compiler.diagnostics import UsageError
from compiler.durations import plain
from compiler.lenient import collector_paused
from compiler.paths import not_a_file

_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")


@dataclass(frozen=True)
class Target:
    kind: str  # "name", "file", "gcs"
    value: str


def classify(target: str) -> Target:
    if target.startswith("gs://"):
        return Target("gcs", target)
    path = Path(target)
    if path.exists() or "/" in target or path.suffix in (".yaml", ".yml", ".json"):
        why = not_a_file(path)
        if why:
            raise UsageError(f"{target}: {why}")
        return Target("file", target)
    if len(target) <= 253 and _NAME.match(target):
        return Target("name", target)
    raise UsageError(
        f"{target!r} is neither a workflow name, a file, nor a gs://BUCKET/PATH/NAME.yaml URL"
    )


def read_file(path: str) -> list[dict[str, Any]]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read: {exc}") from None
    return parse(text, path)


#: What ``kftest debug`` explains.
RUN_KINDS = ("Workflow", "PipelineRun")


def parse(text: str, source: str) -> list[dict[str, Any]]:
    """Every Workflow in ``text`` (documents, or the items of a List); errors name ``source``."""
    from ruamel.yaml import YAML, YAMLError

    try:
        with collector_paused():
            documents = [plain(doc) for doc in YAML(typ="safe", pure=True).load_all(text)]
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark is not None else source
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise UsageError(f"{where}: not valid YAML: {problem}") from None
    except RecursionError:  # the parser (and plain) recurse per level of nesting
        raise UsageError(f"{source}: not valid YAML: nested too deep") from None
    workflows: list[dict[str, Any]] = []
    for index, document in enumerate(documents, 1):
        if document is None:
            continue
        items = document.get("items") if isinstance(document, dict) else None
        if isinstance(document, dict) and str(document.get("kind", "")).endswith("List"):
            candidates = items if isinstance(items, list) else []
        else:
            candidates = [document]
        for item in candidates:
            kind = item.get("kind") if isinstance(item, dict) else type(item).__name__
            if kind not in RUN_KINDS or not isinstance(item.get("metadata"), dict):
                what = (
                    f"a {kind} without metadata"
                    if kind in RUN_KINDS
                    else (f"a {kind}" if kind else "a document without kind")
                )
                raise UsageError(
                    f"{source}: document {index} is {what}, not an Argo Workflow or a Tekton "
                    "PipelineRun"
                )
            workflows.append(item)
    if not workflows:
        raise UsageError(f"{source}: no Argo Workflow in it")
    return workflows
