"""Deterministic YAML for compiled workflows.

A small emitter for JSON-shaped data (what jsonnet produces): the same input always gives the
same bytes, keys in a stable order (Kubernetes' usual head ``apiVersion, kind, metadata, spec,
status``, ``name`` first in every mapping, the rest sorted), strings quoted whenever a YAML 1.1
or 1.2 reader could take them for something else, multi-line strings as literal blocks. It is
several times faster than a general YAML library, which matters when 500 workflows are emitted.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

_HEAD = ("apiVersion", "kind", "metadata", "spec", "status")
_PLAIN = re.compile(r"^[A-Za-z0-9_/.$(][A-Za-z0-9 _/.,:=@()$%+~{}\-]*$")
# Words and shapes a YAML 1.1 or 1.2 reader resolves to a non-string.
_RESERVED = re.compile(
    r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF"
    r"|null|Null|NULL|~"
    r"|[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?0x[0-9a-fA-F_]+|[-+]?0o?[0-7_]+|[-+]?0b[01_]+|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
    r"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}.*)$"
)
# Characters a YAML stream may not carry raw (DEL, C1 controls, surrogates, non-characters) or
# that a YAML 1.1 reader takes for line breaks (NEL, LS, PS) or drops (a BOM): always escaped.
_MUST_ESCAPE = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")


# mutation: equivalent — the default of ``top``: every caller passes it
def key_order(mapping: dict[str, Any], top: bool = False) -> list[str]:
    head = [key for key in (_HEAD if top else ("name",)) if key in mapping]
    return head + sorted(key for key in mapping if key not in head)


def dump(document: Any) -> str:
    """One YAML document (no ``---``), ending in a newline."""
    lines: list[str] = []
    _node(document, 0, lines, top=True)
    return "\n".join(lines) + "\n"


def dump_all(documents: Iterable[Any]) -> str:
    return stream(dump(document) for document in documents)


def stream(texts: Iterable[str]) -> str:
    """Documents already dumped (``dump``) as one multi-document stream."""
    return "".join(f"---\n{text}" for text in texts)


def _node(value: Any, indent: int, lines: list[str], top: bool = False) -> None:
    pad = " " * indent
    if isinstance(value, dict) and value:
        for key in key_order(value, top):
            _entry(f"{pad}{_string(str(key))}:", value[key], indent, lines)
    elif isinstance(value, list) and value:
        for item in value:
            _item(pad, item, indent, lines)
    else:
        lines.append(pad + _inline(value))


def _entry(prefix: str, value: Any, indent: int, lines: list[str]) -> None:
    if isinstance(value, dict) and value:
        lines.append(prefix)
        _node(value, indent + 2, lines)
    elif isinstance(value, list) and value:
        lines.append(prefix)
        _node(value, indent, lines)  # sequences in mappings are not indented further
    elif isinstance(value, str) and "\n" in value and _blockable(value):
        _block(prefix, value, indent + 2, lines)
    else:
        lines.append(f"{prefix} {_inline(value)}")


def _item(pad: str, item: Any, indent: int, lines: list[str]) -> None:
    if (isinstance(item, dict) and item) or (isinstance(item, list) and item):
        first = len(lines)
        _node(item, indent + 2, lines)
        lines[first] = f"{pad}- {lines[first][indent + 2 :]}"
    elif isinstance(item, str) and "\n" in item and _blockable(item):
        _block(f"{pad}-", item, indent + 2, lines)
    else:
        lines.append(f"{pad}- {_inline(item)}")


def _inline(value: Any) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return _scalar(value)


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            # mutation: equivalent[Gt -> GtE|0 -> 1] — value is ±inf here: > 0, >= 0 and > 1 agree
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    return _string(str(value))


@lru_cache(maxsize=8192)  # mutation: equivalent — the cache size changes speed, not output
def _string(text: str) -> str:
    # Workflows repeat the same keys, paths and env values step after step: cache the verdict.
    if _PLAIN.match(text) and not _RESERVED.match(text) and _plain_safe(text):
        return text
    # A JSON string is a YAML double-quoted scalar; JSON leaves some characters raw that YAML
    # does not allow, so those are escaped the way both spell it (\uXXXX).
    quoted = json.dumps(text, ensure_ascii=False)
    return _MUST_ESCAPE.sub(lambda match: f"\\u{ord(match.group()):04x}", quoted)


def _plain_safe(text: str) -> bool:
    # ": " and " #" end a plain scalar; a trailing space or ':' would be lost or misread.
    return not (": " in text or " #" in text or text.endswith((" ", ":")) or text[0] in "{}")


def _blockable(text: str) -> bool:
    """Literal blocks keep text exactly only without leading blanks on the first line,
    trailing blanks on any line, and control characters."""
    if text[0] in " \t\n" or "\r" in text or "\t" in text:
        return False  # mutation: equivalent[return None] — None is as false to the callers (ifs)
    if any(line != line.rstrip() for line in text.split("\n")):
        return False  # mutation: equivalent[return None] — None is as false to the callers (ifs)
    return all(ch >= " " or ch == "\n" for ch in text) and not _MUST_ESCAPE.search(text)


def _block(prefix: str, text: str, indent: int, lines: list[str]) -> None:
    body = text[:-1] if text.endswith("\n") else text
    chomp = "" if text.endswith("\n") and not text.endswith("\n\n") else "-"
    if text.endswith("\n\n"):
        chomp = "+"
        body = text.rstrip("\n")
    lines.append(f"{prefix} |{chomp}")
    pad = " " * indent
    for line in body.split("\n"):
        lines.append(pad + line if line else "")
    if chomp == "+":
        lines.extend("" for _ in range(len(text) - len(body) - 1))
