"""``{{...}}`` tags in a template: the variables Argo substitutes at run time."""

from __future__ import annotations

import json
import re
from typing import Any

from compiler.lenient import as_dict, as_list

_TAG = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
# In JSON text without escapes every '"' ends a string: a tag never runs across one.
_JSON_TAG = re.compile(r'\{\{([^"]*?)\}\}')


def tags_in(template: dict[Any, Any]) -> list[str]:
    """Every ``{{...}}`` tag (trimmed) in the keys and strings of ``template``, in document
    order, skipping its inline templates (checked as templates of their own). Keys count: Argo
    resolves the tags of a template's whole JSON."""
    if not _has_inline(template):
        # One C-speed serialisation and one regex scan beat walking the tree in Python. Text
        # with an escape (a quote, a newline) is walked instead, to read tags as written.
        text = _dump(template)
        if text is not None and "\\" not in text:
            return [tag.strip() for tag in _JSON_TAG.findall(text)] if "{{" in text else []
    tags = []
    stack: list[object] = [template]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "{{" in item:
                tags.extend(match.strip() for match in _TAG.findall(item))
        elif isinstance(item, dict):
            # Pushed last to first, so that they pop in document order, each key before its value.
            for key, value in reversed(item.items()):
                if key != "inline":
                    stack.append(value)
                stack.append(key)
        elif isinstance(item, list):
            stack.extend(reversed(item))
    return tags


def _dump(value: object) -> str | None:
    """``value`` as JSON; None if it is not serialisable (nested too deeply for the encoder)."""
    try:
        # mutation: equivalent — a fast path: without it the walk in tags_in finds the same tags
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        return None


def _has_inline(template: dict[Any, Any]) -> bool:
    """Whether a step or task of this template (steps[][] or dag.tasks[]) has an inline one."""
    calls = [c for group in as_list(template.get("steps")) for c in as_list(group)]
    calls += as_list(as_dict(template.get("dag")).get("tasks"))
    return any(isinstance(call, dict) and "inline" in call for call in calls)


_TEMPLATE_PATH = re.compile(r"(spec(?:\.workflowSpec)?\.templates\[\d+\])[.\[]")


def group_by_template(tagged: list[tuple[str, str]], spec_path: str) -> dict[str, list[str]]:
    """The tags of each template, keyed by the template's path.

    A string inside an inline template belongs to that template (the path up to its last
    ``.inline``), not to the template whose step holds it.
    """
    grouped: dict[str, list[str]] = {}
    for path, text in tagged:
        match = _TEMPLATE_PATH.match(path)
        if match is None or not match.group(1).startswith(f"{spec_path}.templates["):
            continue  # outside spec.templates: no template scope to resolve in
        owner = match.group(1)
        inline = path.rfind(".inline", len(owner))
        if inline != -1:
            owner = path[: inline + len(".inline")]
        grouped.setdefault(owner, []).extend(tag.strip() for tag in _TAG.findall(text))
    return grouped
