"""Which pod ran an Argo node: the node id (Argo v2, ``POD_NAMES=v1``) or, with the v2 pod
name format of Argo v3+, ``<workflow>-<template>-<fnv32a(node name)>``.

The rules are those of Argo's ``workflow/util/pod_name.go``: the controller records the format
in the workflow annotation ``workflows.argoproj.io/pod-name-format``. Without the annotation
(workflows from the seed era, or controllers that do not stamp it) the node id is the best
guess, and the other spelling is kept as an alternative.
"""

from __future__ import annotations

from typing import Any

POD_NAME_FORMAT_ANNOTATION = "workflows.argoproj.io/pod-name-format"
# Set on every pod Argo creates; what matches a live pod to its node whatever its name.
NODE_ID_ANNOTATION = "workflows.argoproj.io/node-id"
WORKFLOW_LABEL = "workflows.argoproj.io/workflow"

_MAX_NAME = 253
_HASH_LENGTH = 10
_MAX_PREFIX = _MAX_NAME - _HASH_LENGTH - 1


def fnv32a(text: str) -> int:
    value = 0x811C9DC5
    for byte in text.encode("utf-8"):
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return value


def template_of(node: dict[str, Any]) -> str:
    ref = node.get("templateRef")
    ref_template = ref.get("template") if isinstance(ref, dict) else None
    return str(node.get("templateName") or ref_template or "")


def v2_name(workflow_name: str, node: dict[str, Any]) -> str:
    node_name = str(node.get("name") or "")
    if node.get("type") == "Container":  # a containerSet's container runs in its parent's pod
        node_name = node_name.rsplit(".", 1)[0]
    if node_name == workflow_name:
        return workflow_name
    template = template_of(node)
    prefix = f"{workflow_name}-{template}" if template else workflow_name
    return f"{prefix[:_MAX_PREFIX]}-{fnv32a(node_name)}"


def pod_name_format(workflow: dict[str, Any]) -> str | None:
    annotations = (workflow.get("metadata") or {}).get("annotations") or {}
    value = annotations.get(POD_NAME_FORMAT_ANNOTATION) if isinstance(annotations, dict) else None
    return value if value in ("v1", "v2") else None


def candidates(workflow: dict[str, Any], node: dict[str, Any]) -> list[str]:
    """The pod's possible names, the likeliest first (one name when the format is recorded)."""
    name = str((workflow.get("metadata") or {}).get("name") or "")
    node_id = str(node.get("id") or "")
    v2 = v2_name(name, node)
    found = pod_name_format(workflow)
    if found == "v2":
        return [v2]
    if found == "v1" or v2 == node_id:
        return [node_id]
    return [node_id, v2]
