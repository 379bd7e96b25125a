"""YAML with positions: parse with ruamel.yaml, return plain data plus where every node stood.

Plain data (dict, list, str, int, float, bool, None) is what the stages work on; positions
travel beside it keyed by path tuples such as ``("workflows", 0, "params", "stepImage")``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from compiler.diagnostics import Diagnostic

Path = tuple[str | int, ...]


@dataclass
class Located:
    """A parsed document: the data, and 1-based (line, column) of each value and mapping key."""

    data: Any
    values: dict[Path, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def where(self, path: Path) -> tuple[int, int] | None:
        """The value's position; the key's if the value has none (e.g. an empty value)."""
        return self.values.get(path) or self.keys.get(path)


def load(text_bytes: bytes, file: str) -> tuple[Located | None, list[Diagnostic]]:
    """Parse one YAML document; problems come back as ``yaml-syntax`` diagnostics."""
    try:
        text = text_bytes.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = text_bytes[: exc.start].count(b"\n") + 1
        column = exc.start - (text_bytes.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, [
            Diagnostic(
                rule="yaml-syntax",
                file=file,
                line=line,
                column=column,
                message=f"the file is not UTF-8 (byte 0x{text_bytes[exc.start]:02x}); "
                "save it as UTF-8",
            )
        ]
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    yaml = YAML(typ="rt")
    try:
        node = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(part for part in (exc.context, exc.problem) if part)
        problem = problem.replace("\n", " ").strip() or "invalid YAML"
        return None, [
            Diagnostic(
                rule="yaml-syntax",
                file=file,
                line=mark.line + 1 if mark else None,
                column=mark.column + 1 if mark else None,
                message=f"YAML syntax error: {problem}",
            )
        ]
    except YAMLError as exc:
        return None, [Diagnostic(rule="yaml-syntax", file=file, message=f"YAML error: {exc}")]
    located = Located(data=None)
    located.data = _plain(node, (), located)
    return located, []


def _plain(node: Any, path: Path, located: Located) -> Any:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(node, CommentedMap):
        if node.lc.line is not None:
            located.values.setdefault(path, (node.lc.line + 1, node.lc.col + 1))
        result: dict[str, Any] = {}
        for key, value in node.items():
            child = (*path, str(key))
            key_line, key_col, value_line, value_col = node.lc.data[key]
            located.keys[child] = (key_line + 1, key_col + 1)
            if value_line is not None:
                located.values[child] = (value_line + 1, value_col + 1)
            result[str(key)] = _plain(value, child, located)
        return result
    if isinstance(node, CommentedSeq):
        if node.lc.line is not None:
            located.values.setdefault(path, (node.lc.line + 1, node.lc.col + 1))
        items = []
        for index, value in enumerate(node):
            child = (*path, index)
            line, col = node.lc.data[index]
            located.values[child] = (line + 1, col + 1)
            items.append(_plain(value, child, located))
        return items
    return _scalar(node)


def _scalar(node: Any) -> Any:
    # ruamel's round-trip scalars subclass the builtins; stages want the builtins.
    if node is None or isinstance(node, bool):
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    if isinstance(node, (datetime.date, datetime.datetime)):
        return node.isoformat()
    return node


def format_path(path: Path) -> str:
    """``("spec", "templates", 2, "name")`` -> ``spec.templates[2].name``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
