"""Structural validation (rule ``argo-schema``) against schemas/argo-workflow.schema.json.

The schema is generated from hera's models by schemas/generate_argo_schema.py and uses a small
set of keywords (``type``, ``properties``, ``additionalProperties``, ``required``, ``items``,
``$ref``, ``anyOf`` and our ``x-newer-fields``). Instead of a general JSON Schema engine this
module compiles those keywords once into linked nodes and walks the document with them: that
is several times faster than python-jsonschema on our workflows and lets every problem be
reported the way a person fixes it: one unknown field is one diagnostic, named, with a "did you
mean" hint, and never a cascade of ``anyOf``/``oneOf`` alternatives.

The schema file is read on the first validation only, so importing this module costs nothing.
"""

from __future__ import annotations

import difflib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from compiler.diagnostics import Diagnostic, Severity
from compiler.paths import SCHEMAS_DIR
from compiler.validate import docpath

RULE = "argo-schema"
SCHEMA_FILE = SCHEMAS_DIR / "argo-workflow.schema.json"
KINDS = ("Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow")
# Past this many problems in one document the rest are counted, not listed: the first ones
# are what a person fixes first, and a broken generator must not flood the output.
MAX_PROBLEMS = 20

_OPEN = True  # additionalProperties: anything goes
_CLOSED = False  # additionalProperties: false

_NULL_ONLY = frozenset({"null"})
_TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "null": "null",
}


class _Node:
    """One compiled schema node. ``name`` is the definition it came from, for messages."""

    __slots__ = (
        "additional",
        "any_of",
        "items",
        "name",
        "newer",
        "properties",
        "required",
        "types",
    )

    def __init__(self) -> None:
        self.name: str | None = None
        self.types: frozenset[str] | None = None
        self.properties: dict[str, _Node] | None = None
        self.required: tuple[str, ...] = ()
        self.additional: bool | _Node = _OPEN
        self.items: _Node | None = None
        self.any_of: tuple[_Node, ...] | None = None
        self.newer: dict[str, str] = {}


@dataclass(frozen=True)
class CompiledSchema:
    kinds: dict[str, _Node]
    argo_version: str
    hera_version: str


class _Compiler:
    def __init__(self, definitions: dict[str, Any]) -> None:
        self._definitions = definitions
        self._compiled: dict[str, _Node] = {}

    def definition(self, name: str) -> _Node:
        node = self._compiled.get(name)
        if node is None:
            # Registered before filling in, so recursive references (Template -> DAG -> inline
            # Template) resolve to the same node.
            node = self._compiled[name] = _Node()
            self._fill(node, self._definitions[name])
            node.name = name.rsplit(".", 1)[-1]
        return node

    def node(self, schema: dict[str, Any]) -> _Node:
        ref = schema.get("$ref")
        if ref is not None:
            return self.definition(ref.rsplit("/", 1)[-1])
        node = _Node()
        self._fill(node, schema)
        return node

    def _fill(self, node: _Node, schema: dict[str, Any]) -> None:
        kind = schema.get("type")
        if kind is not None:
            node.types = frozenset([kind] if isinstance(kind, str) else kind)
        if "anyOf" in schema:
            node.any_of = tuple(self.node(branch) for branch in schema["anyOf"])
        if "properties" in schema:
            node.properties = {
                name: self.node(sub) for name, sub in schema["properties"].items()
            } or None
        node.required = tuple(schema.get("required", ()))
        additional = schema.get("additionalProperties", _OPEN)
        node.additional = additional if isinstance(additional, bool) else self.node(additional)
        if "items" in schema:
            node.items = self.node(schema["items"])
        node.newer = dict(schema.get("x-newer-fields", {}))


_lock = threading.Lock()
_cache: list[CompiledSchema] = []


def compiled_schema() -> CompiledSchema:
    """The schema file, compiled once per process (on first use)."""
    if not _cache:
        with _lock:
            if not _cache:
                raw = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
                compiler = _Compiler(raw["definitions"])
                kinds = {kind: compiler.definition(kind) for kind in KINDS}
                _cache.append(CompiledSchema(kinds, raw["x-argo-version"], raw["x-hera-version"]))
    return _cache[0]


def _json_type(value: object) -> str:
    kind = _EXACT_TYPES.get(type(value))
    if kind is not None:
        if kind == "number" and value.is_integer():  # type: ignore[attr-defined]
            return "integer"
        return kind
    # Subclasses: ruamel's CommentedMap/CommentedSeq/ScalarString, bool before int.
    if isinstance(value, dict):
        return "object"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number"
    return type(value).__name__


_EXACT_TYPES: dict[type, str] = {
    dict: "object",
    list: "array",
    str: "string",
    bool: "boolean",
    int: "integer",
    float: "number",
    type(None): "null",
}


def _accepts(types: frozenset[str], kind: str) -> bool:
    return kind in types or (kind == "integer" and "number" in types)


def _expected(types: frozenset[str]) -> str:
    names = [_TYPE_NAMES.get(t, t) for t in sorted(types) if t != "null"]
    if not names:
        return "null"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


@dataclass
class _Problem:
    path: str
    message: str
    severity: Severity = Severity.ERROR


class _Walker:
    def __init__(self, schema: CompiledSchema) -> None:
        self.schema = schema
        self.problems: list[_Problem] = []
        self.newer_seen: set[tuple[str | None, str]] = set()

    def check(self, value: object, node: _Node, path: str) -> None:
        while node.any_of is not None:
            branch = self._pick_branch(value, node.any_of)
            if branch is None:
                return
            node = branch
        types = node.types
        if types is not None:
            kind = _json_type(value)
            if not _accepts(types, kind):
                got = _TYPE_NAMES.get(kind, kind)
                self.problems.append(_Problem(path, f"expected {_expected(types)}, got {got}"))
                return
        if isinstance(value, dict):
            if node.properties is not None or node.additional is not _OPEN:
                self._check_object(value, node, path)
        elif isinstance(value, list):
            items = node.items
            if items is not None:
                for position, item in enumerate(value):
                    self.check(item, items, f"{path}[{position}]")

    def _pick_branch(self, value: object, branches: tuple[_Node, ...]) -> _Node | None:
        """The branch to check the value against; None when it is accepted as it is."""
        kind = _json_type(value)
        if kind == "null" and any(b.types is not None and "null" in b.types for b in branches):
            return None
        structured = [b for b in branches if b.types != _NULL_ONLY]
        fitting = [b for b in structured if b.types is None or _accepts(b.types, kind)]
        candidates = fitting or structured or list(branches)
        if len(candidates) == 1:
            return candidates[0]
        # Several structured branches fit: the value passes if any passes; otherwise report
        # against the branch with the fewest problems (the one the author most likely meant).
        best: _Node | None = None
        best_count = 0
        for branch in candidates:
            trial = _Walker(self.schema)
            trial.check(value, branch, "")
            if not trial.problems:
                return None
            if best is None or len(trial.problems) < best_count:
                best, best_count = branch, len(trial.problems)
        return best

    def _check_object(self, value: dict[Any, Any], node: _Node, path: str) -> None:
        properties = node.properties or {}
        additional = node.additional
        suggested: set[str] = set()
        for name, sub in value.items():
            child = properties.get(name) if isinstance(name, str) else None
            if child is not None:
                self.check(sub, child, f"{path}.{name}" if path else name)
            elif additional is _CLOSED:
                suggestion = self._unknown_field(name, node, path)
                if suggestion:
                    suggested.add(suggestion)
            elif additional is not _OPEN:
                self.check(sub, additional, docpath.key(path, name))  # type: ignore[arg-type]
        for name in node.required:
            if name not in value and name not in suggested:
                where = f" in {node.name}" if node.name else ""
                self.problems.append(_Problem(path, f"missing required field '{name}'{where}"))

    def _unknown_field(self, name: object, node: _Node, path: str) -> str | None:
        """Report an unknown field; returns the known field it was suggested to be, if any."""
        field = name if isinstance(name, str) else str(name)
        where = f" in {node.name}" if node.name else ""
        field_path = docpath.key(path, field)
        since = node.newer.get(field)
        if since is not None:
            if (node.name, field) not in self.newer_seen:
                self.newer_seen.add((node.name, field))
                self.problems.append(
                    _Problem(
                        field_path,
                        f"field '{field}'{where} is newer than the Argo Workflows "
                        f"{self.schema.argo_version} API the schema models "
                        f"(hera {self.schema.hera_version}; the field exists in Argo {since}): "
                        "not checked",
                        Severity.WARNING,
                    )
                )
            return None
        known = sorted(node.properties or ())
        match = _closest(field, known)
        if match is not None:
            hint = f"; did you mean '{match}'?"
        else:
            nested = _nested_homes(field, node)
            hint = f"; it is a field of {', '.join(nested)}" if nested else ""
        self.problems.append(_Problem(field_path, f"unknown field '{field}'{where}{hint}"))
        return match


def _closest(field: str, known: list[str]) -> str | None:
    lowered = {name.lower(): name for name in known}
    if field.lower() in lowered:
        return lowered[field.lower()]
    matches = difflib.get_close_matches(field, known, n=1, cutoff=0.75)
    return matches[0] if matches else None


def _unwrap(node: _Node) -> Iterator[_Node]:
    if node.any_of is not None:
        for branch in node.any_of:
            yield from _unwrap(branch)
    elif node.items is not None:
        yield from _unwrap(node.items)
    else:
        yield node


def _nested_homes(field: str, node: _Node) -> list[str]:
    """Child objects of ``node`` that declare ``field``: it was likely put one level too high."""
    homes = []
    for child_name, child in sorted((node.properties or {}).items()):
        if any(field in (inner.properties or {}) for inner in _unwrap(child)):
            homes.append(f"'{child_name}'")
    return homes[:3]


def check_schema(document: object) -> list[Diagnostic]:
    """Structural problems of one Argo document (a Workflow, or a template/cron kind)."""
    if not isinstance(document, dict):
        got = _TYPE_NAMES.get(_json_type(document), type(document).__name__)
        return [Diagnostic(rule=RULE, message=f"an Argo document must be a mapping, got {got}")]
    schema = compiled_schema()
    kind = document.get("kind")
    if kind is None or not isinstance(kind, str):
        root = schema.kinds["Workflow"]
    elif kind in schema.kinds:
        root = schema.kinds[kind]
    else:
        expected = ", ".join(KINDS)
        return [
            Diagnostic(
                rule=RULE,
                path="kind",
                message=f"kind '{kind}' is not an Argo workflow kind (expected one of {expected})",
            )
        ]
    walker = _Walker(schema)
    walker.check(document, root, "")
    return _to_diagnostics(walker.problems)


def _to_diagnostics(problems: list[_Problem]) -> list[Diagnostic]:
    shown = problems[:MAX_PROBLEMS]
    diagnostics = [
        Diagnostic(rule=RULE, message=p.message, severity=p.severity, path=p.path or None)
        for p in shown
    ]
    hidden = len(problems) - len(shown)
    if hidden:
        diagnostics.append(
            Diagnostic(
                rule=RULE,
                message=f"{hidden} more schema problem(s) not shown; fix the ones above first",
            )
        )
    return diagnostics
