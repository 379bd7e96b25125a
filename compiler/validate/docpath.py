"""Dotted paths into a document, as diagnostics report them.

``spec.templates[2].container.image``: keys joined with ``.``, list indexes in ``[n]``. A map key
that is not a plain identifier (``app.kubernetes.io/name``) is written quoted, in brackets:
``metadata.labels["app.kubernetes.io/name"]``, so the path still splits unambiguously.
"""

from __future__ import annotations

import json
import re

_PLAIN_KEY = re.compile(r"[A-Za-z_$][A-Za-z0-9_$-]*\Z")


def key(path: str, name: object) -> str:
    text = name if isinstance(name, str) else str(name)
    if _PLAIN_KEY.match(text):
        return f"{path}.{text}" if path else text
    return f"{path}[{json.dumps(text)}]"


def index(path: str, position: int) -> str:
    return f"{path}[{position}]"


_PART = re.compile(r'\.?([A-Za-z_$][A-Za-z0-9_$-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]')


def parse(path: str) -> tuple[str | int, ...]:
    """``spec.params[2].value`` -> ``("spec", "params", 2, "value")`` (the inverse of key/index)."""
    parts: list[str | int] = []
    position = 0
    while True:
        match = _PART.match(path, position)  # None at the end: every part needs a character
        if match is None:
            break
        plain, number, quoted = match.groups()
        parts.append(plain if plain is not None else int(number) if number else json.loads(quoted))
        position = match.end()
    return tuple(parts)
