"""``{{...}}`` tags in a template: the variables Argo substitutes at run time."""

from __future__ import annotations

import json
import re

from compiler.lenient import as_dict, as_list

_TAG = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)


def tags_in(value: object) -> list[str]:
    """Every ``{{...}}`` tag (trimmed) in the strings of ``value``, skipping inline templates."""
    if not _contains_key(value, "inline"):
        # One C-speed serialisation and one regex scan beat walking the tree in Python.
        text = _dump(value)
        if text is not None:
            return [tag.strip() for tag in _TAG.findall(text)] if "{{" in text else []
    tags = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "{{" in item:
                tags.extend(match.strip() for match in _TAG.findall(item))
        elif isinstance(item, dict):
            stack.extend(v for k, v in item.items() if k != "inline")
        elif isinstance(item, list):
            stack.extend(item)
    return tags


def _dump(value: object) -> str | None:
    """``value`` as JSON; None if it is not serialisable (garbage from a bad generator)."""
    try:
        return json.dumps(value)
    except (TypeError, ValueError, RecursionError):
        return None


def _contains_key(value: object, key: str) -> bool:
    """Whether a step or task of this template (steps[][] or dag.tasks[]) has ``key``."""
    if not isinstance(value, dict):
        return False
    calls = [c for group in as_list(value.get("steps")) for c in as_list(group)]
    calls += as_list(as_dict(value.get("dag")).get("tasks"))
    return any(isinstance(call, dict) and key in call for call in calls)


_TEMPLATE_PATH = re.compile(r"(spec(?:\.workflowSpec)?\.templates\[\d+\])[.\[]")


def group_by_template(tagged: list[tuple[str, str]], spec_path: str) -> dict[str, list[str]]:
    """The tags of each template, keyed by the template's path.

    A string inside an inline template belongs to that template (the path up to its last
    ``.inline``), not to the template whose step holds it.
    """
    grouped: dict[str, list[str]] = {}
    for path, text in tagged:
        match = _TEMPLATE_PATH.match(path)
        if match is None or not match.group(1).startswith(spec_path + "."):
            continue  # outside spec.templates: no template scope to resolve in
        owner = match.group(1)
        inline = path.rfind(".inline", len(owner))
        if inline != -1:
            owner = path[: inline + len(".inline")]
        grouped.setdefault(owner, []).extend(tag.strip() for tag in _TAG.findall(text))
    return grouped
