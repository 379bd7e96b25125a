"""The Argo schema, compiled: schemas/argo-workflow.schema.json turned once into linked nodes.

The schema is generated from hera's models by schemas/generate_argo_schema.py and uses a small
set of keywords (``type``, ``properties``, ``additionalProperties``, ``required``, ``items``,
``$ref``, ``anyOf`` — only as ``[X, null]``, an optional field; compiling refuses any other —
and our ``x-newer-fields``); this module compiles exactly those into
:class:`Node` objects that ``validate/schema.py`` walks a document with. The file is read on
the first validation only, so importing this module costs nothing.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, replace
from typing import Any

from compiler.paths import SCHEMAS_DIR
from compiler.validate import releases

SCHEMA_FILE = SCHEMAS_DIR / "argo-workflow.schema.json"
KINDS = ("Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow")

# mutation: equivalent — no schema spells `additionalProperties: true`: OPEN marks it absent
OPEN = True  # additionalProperties: anything goes
CLOSED = False  # additionalProperties: false

NULL_ONLY = frozenset({"null"})
TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "null": "null",
}


PY_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
}


class Node:
    """One compiled schema node. ``name`` is the definition it came from, for messages.

    ``py_types`` (exact Python types that certainly match) and ``leaf`` (nothing to descend
    into) let the walker accept most values without a call; ``target`` marks the
    ``anyOf: [X, null]`` wrapper the generator emits for optional fields.
    """

    __slots__ = (
        "additional",
        "items",
        "leaf",
        "name",
        "newer",
        "properties",
        "py_types",
        "removed",
        "required",
        "target",
        "types",
    )

    def __init__(self) -> None:
        self.name: str | None = None
        self.types: frozenset[str] | None = None
        self.properties: dict[str, Node] | None = None
        self.required: tuple[str, ...] = ()
        self.additional: bool | Node = OPEN
        self.items: Node | None = None
        self.target: Node | None = None
        self.newer: dict[str, str] = {}
        # Fields this release has and a later one removed: {field: {removed_in, replacement}}.
        self.removed: dict[str, dict[str, str]] | None = None
        self.py_types: frozenset[type] | None = None
        self.leaf = False  # mutation: equivalent — _Compiler.finish sets it on every node


@dataclass(frozen=True)  # mutation: equivalent — nothing assigns to one
class CompiledSchema:
    kinds: dict[str, Node]
    argo_version: str
    hera_version: str | None
    release: releases.Release | None = None  # the release targeted (None: the newest)


class _Compiler:
    def __init__(self, definitions: dict[str, Any]) -> None:
        self._definitions = definitions
        self._compiled: dict[str, Node] = {}
        self._nodes: list[Node] = []

    def definition(self, name: str) -> Node:
        node = self._compiled.get(name)
        if node is None:
            # Registered before filling in, so recursive references (Template -> DAG -> inline
            # Template) resolve to the same node.
            node = self._compiled[name] = self._new()
            self._fill(node, self._definitions[name])
            node.name = name.rpartition(".")[2]
        return node

    def node(self, schema: dict[str, Any]) -> Node:
        ref = schema.get("$ref")
        if ref is not None:
            return self.definition(ref.rpartition("/")[2])
        node = self._new()
        self._fill(node, schema)
        return node

    def _new(self) -> Node:
        node = Node()
        self._nodes.append(node)
        return node

    def _fill(self, node: Node, schema: dict[str, Any]) -> None:
        kind = schema.get("type")
        if kind is not None:
            node.types = frozenset([kind] if isinstance(kind, str) else kind)
        if "anyOf" in schema:
            branches = [self.node(branch) for branch in schema["anyOf"]]
            non_null = [b for b in branches if b.types != NULL_ONLY]
            if len(branches) != 2 or len(non_null) != 1:
                # The generators fold every other anyOf into a type list; a schema that needs
                # one must first teach the walker which branch a value is checked against.
                raise ValueError(f"unsupported anyOf (only [X, null] is): {schema['anyOf']}")
            node.target = non_null[0]
        if "properties" in schema:
            node.properties = {
                name: self.node(sub) for name, sub in schema["properties"].items()
            } or None
        node.required = tuple(schema.get("required", ()))
        additional = schema.get("additionalProperties", OPEN)
        node.additional = additional if isinstance(additional, bool) else self.node(additional)
        if "items" in schema:
            node.items = self.node(schema["items"])
        node.newer = dict(schema.get("x-newer-fields", {}))
        node.removed = dict(schema["x-removed-fields"]) if "x-removed-fields" in schema else None

    def finish(self) -> None:
        """Derive the fast-path fields, once every (possibly recursive) node is filled in."""
        for node in self._nodes:
            if node.types is not None:
                node.py_types = frozenset(t for name in node.types for t in PY_TYPES.get(name, ()))
            node.leaf = (
                node.target is None
                and node.properties is None
                and node.items is None
                and node.additional is OPEN
            )
        for node in self._nodes:
            target = node.target
            if target is not None and target.leaf:
                # An optional scalar: check it in place, null included.
                node.target = None
                # mutation: equivalent — py_types accepts None before types is looked at
                node.types = target.types and target.types | NULL_ONLY
                # mutation: equivalent — without NoneType, the slow check accepts null too
                node.py_types = target.py_types and target.py_types | {type(None)}
                node.leaf = True


_lock = threading.Lock()
_cache: dict[str, CompiledSchema] = {}


def compiled_schema(release: releases.Release | None = None) -> CompiledSchema:
    """The schema of ``release`` (default: the newest), compiled once per process.

    Older releases (``schemas/argo/``, see validate/releases.py) may lack a kind (CronWorkflow
    came with 2.5) and carry ``x-removed-fields``. The nodes are shared by every release
    that uses one file; the release named in messages is always the one asked for."""
    key = release.file if release is not None else SCHEMA_FILE.name
    found = _cache.get(key)
    if found is None:
        with _lock:
            found = _cache.get(key)
            if found is None:
                raw = json.loads((SCHEMAS_DIR / key).read_text(encoding="utf-8"))
                compiler = _Compiler(raw["definitions"])
                kinds = {
                    kind: compiler.definition(kind) for kind in KINDS if kind in raw["definitions"]
                }
                compiler.finish()
                found = CompiledSchema(kinds, raw["x-argo-version"], raw.get("x-hera-version"))
                _cache[key] = found
    return found if release is None else replace(found, release=release)


def json_type(value: object) -> str:
    kind = EXACT_TYPES.get(type(value))
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
    if isinstance(value, int):  # bool cannot be subclassed: a bool is an exact type
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number"
    return type(value).__name__


EXACT_TYPES: dict[type, str] = {
    dict: "object",
    list: "array",
    str: "string",
    bool: "boolean",
    int: "integer",
    float: "number",
    type(None): "null",
}


def accepts(types: frozenset[str], kind: str) -> bool:
    return kind in types or (kind == "integer" and "number" in types)


def expected_types(types: frozenset[str]) -> str:
    names = [TYPE_NAMES.get(t, t) for t in sorted(types) if t != "null"]
    if not names:
        return "null"  # mutation: equivalent — no field takes only null
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
