"""Structural validation (rule ``argo-schema``) against schemas/argo-workflow.schema.json.

Instead of a general JSON Schema engine, ``schema_nodes`` compiles the schema's few keywords
once into linked nodes and this module walks the document with them: that is several times
faster than python-jsonschema on our workflows and lets every problem be reported the way a
person fixes it: one unknown field is one diagnostic, named, with a "did you mean" hint, and
never a cascade of ``anyOf``/``oneOf`` alternatives.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from compiler.checks import Check
from compiler.diagnostics import Diagnostic, Severity
from compiler.validate import docpath, releases
from compiler.validate.schema_nodes import (
    CLOSED,
    KINDS,
    OPEN,
    TYPE_NAMES,
    CompiledSchema,
    Node,
    accepts,
    compiled_schema,
    expected_types,
    json_type,
)

ARGO_SCHEMA = Check(
    "argo-schema",
    "the output is not a structurally valid Argo Workflow (unknown fields included)",
    family="argo",
)
CHECKS = (ARGO_SCHEMA,)
RULE = ARGO_SCHEMA.id
# Past this many problems in one document the rest are counted, not listed: the first ones
# are what a person fixes first, and a broken generator must not flood the output.
MAX_PROBLEMS = 20


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
        # The strings holding {{...}} tags, by path; complete unless some content was not
        # walked. It spares the semantic checks their own scan, the costliest part of them.
        self.tagged: list[tuple[str, str]] = []
        self.complete = True

    def check(self, value: object, node: Node, path: str) -> None:
        target = node.target
        if target is not None:
            if value is None:
                return
            node = target
        py_types = node.py_types
        if (
            py_types is not None
            and type(value) not in py_types
            and not self._type_ok(value, node, path)
        ):
            return
        if node.leaf:
            if isinstance(value, str):
                if "{{" in value:
                    self.tagged.append((path, value))
            elif value and isinstance(value, (dict, list)):
                self.complete = False  # free-form content (withItems, plugin): not looked into
            return
        if isinstance(value, dict):
            self._check_object(value, node, path)
        elif isinstance(value, list):
            items = node.items
            if items is None:  # no list-typed node of the shipped schemas lacks items
                return
            if items.leaf:
                item_types = items.py_types
                for position, item in enumerate(value):
                    kind = type(item)
                    if kind is str:
                        # A string of the wrong type is listed by the type check below.
                        if item_types is None or kind in item_types:
                            if "{{" in item:
                                self.tagged.append((f"{path}[{position}]", item))
                            continue
                    # No leaf list item takes an object (test_schema_nodes checks): a mapping
                    # item goes to check(), which notes free-form content.
                    elif item_types is not None and kind in item_types:
                        continue  # mutation: equivalent — a fast path: check() accepts it too
                    self.check(item, items, f"{path}[{position}]")
            else:
                for position, item in enumerate(value):
                    self.check(item, items, f"{path}[{position}]")

    def _type_ok(self, value: object, node: Node, path: str) -> bool:
        """The slow type check, for subclasses and integral floats; reports a mismatch."""
        types = node.types
        assert types is not None  # py_types, set, is derived from types
        kind = json_type(value)
        if accepts(types, kind):
            return True
        got = TYPE_NAMES.get(kind, kind)
        self.problems.append(_Problem(path, f"expected {expected_types(types)}, got {got}"))
        self._unvisited(value, path)
        return False  # mutation: equivalent[return None] — None is as false to the one caller

    def _unvisited(self, value: object, path: str) -> None:
        """A value the walk does not descend into may still hold tags."""
        if isinstance(value, str):
            if "{{" in value:
                self.tagged.append((path, value))
        elif value and isinstance(value, (dict, list, tuple)):
            self.complete = False

    def _check_object(self, value: dict[Any, Any], node: Node, path: str) -> None:
        properties = node.properties or {}
        additional = node.additional
        suggested: set[str] = set()
        removed = node.removed
        for name, sub in value.items():
            child = properties.get(name)
            if child is not None:
                if removed is not None and name in removed:
                    self._removed_field(name, node, removed[name], path)
                if child.leaf:
                    child_types = child.py_types
                    kind = type(sub)
                    if kind is str:
                        if child_types is None or kind in child_types:
                            if "{{" in sub:
                                self.tagged.append((f"{path}.{name}" if path else name, sub))
                            continue
                    # No leaf takes a list (test_schema_nodes checks): a list is walked.
                    elif child_types is not None and kind in child_types and kind is not dict:
                        continue  # mutation: equivalent — a fast path: check() accepts it too
                self.check(sub, child, f"{path}.{name}" if path else name)
            elif additional is CLOSED:
                self._unvisited(sub, docpath.key(path, name))
                suggestion = self._unknown_field(name, node, path)
                if suggestion:
                    suggested.add(suggestion)
            elif additional is not OPEN:
                # A map (labels, resources): its values are usually plain strings.
                if type(sub) is str and additional.leaf:  # type: ignore[union-attr]
                    value_types = additional.py_types  # type: ignore[union-attr]
                    # mutation: equivalent[Or -> And] — every shipped map's values are typed (test)
                    if value_types is None or str in value_types:
                        if "{{" in sub:
                            self.tagged.append((docpath.key(path, name), sub))
                        continue
                self.check(sub, additional, docpath.key(path, name))  # type: ignore[arg-type]
            else:
                # mutation: equivalent — only Tekton array-or-mapping values get here (no tag list)
                self._unvisited(sub, docpath.key(path, name))
        for name in node.required:
            if name not in value and name not in suggested:
                where = f" in {node.name}" if node.name else ""
                self.problems.append(_Problem(path, f"missing required field '{name}'{where}"))

    def _removed_field(self, field: str, node: Node, facts: dict[str, str], path: str) -> None:
        """A field valid for the target release that a later release removed: a warning."""
        if (node.name, field) in self.newer_seen:
            return
        self.newer_seen.add((node.name, field))
        replacement = facts.get("replacement")
        hint = f"; use '{replacement}' instead" if replacement else ""
        self.problems.append(
            _Problem(
                docpath.key(path, field),
                f"'{field}' in {node.name} is valid for the Argo {self.schema.argo_version} "
                f"this repository targets but Argo {facts['removed_in']} removed it{hint} "
                "before the cluster is upgraded",
                Severity.WARNING,
            )
        )

    def _schema_name(self) -> str:
        release = self.schema.release
        return release.describe() if release else f"Argo {self.schema.argo_version} schema"

    def _unknown_field(self, name: object, node: Node, path: str) -> str | None:
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
        # A field older releases had (the index says until when, and what replaced it).
        older = releases.older_field(node.name, field)
        if older is not None and _newer_than(self.schema.release, older["last"]):
            replacement = older.get("replacement")
            instead = f"; Argo replaced it with '{replacement}'" if replacement else ""
            hint = (
                f"{instead}; it was valid up to Argo {older['last']} (for a cluster that runs "
                f"such a release, set `argo_version` in .kftest.yaml or pass --argo-version); "
                f"checked against the {self._schema_name()}"
            )
        elif match is not None:
            hint = f"; did you mean '{match}'?"
        else:
            nested = _nested_homes(field, node)
            hint = f"; it is a field of {', '.join(nested)}" if nested else ""
        self.problems.append(_Problem(field_path, f"unknown field '{field}'{where}{hint}"))
        return match


def _newer_than(release: releases.Release | None, minor: str) -> bool:
    chosen = releases.parse(release.minor if release else releases.newest()) or _UNPARSED
    last = releases.parse(minor) or _UNPARSED
    # mutation: equivalent — a field the chosen release's schema lacks was not valid in it
    newer = chosen > last
    return newer


_UNPARSED = (0, 0)  # mutation: equivalent — every shipped release's X.Y parses


def _closest(field: str, known: list[str]) -> str | None:
    lowered = {name.lower(): name for name in known}
    if field.lower() in lowered:
        return lowered[field.lower()]
    # mutation: equivalent — n: only the closest match is used
    matches = _close_matches(field, known, n=1, cutoff=0.75)
    return matches[0] if matches else None


def _unwrap(node: Node) -> tuple[Node, bool]:
    """The object node a property's value is, and whether it sits inside a list."""
    in_list = False
    while True:
        if node.target is not None:
            node = node.target
        elif node.items is not None:
            node, in_list = node.items, True
        else:
            return node, in_list


def _nested_homes(field: str, node: Node) -> list[str]:
    """Child objects of ``node`` that declare ``field``: it was likely put one level too high."""
    homes = []
    for child_name, child in (node.properties or {}).items():
        inner, in_list = _unwrap(child)
        if field in (inner.properties or {}):
            homes.append((in_list, child_name))
    return [f"'{name}'" for _, name in sorted(homes)[:3]]


def check_schema(document: object, release: releases.Release | None = None) -> list[Diagnostic]:
    """Structural problems of one Argo document (a Workflow, or a template/cron kind), for the
    Argo release targeted (default: the newest shipped)."""
    return scan(document, release)[0]


def scan(
    document: object, release: releases.Release | None = None
) -> tuple[list[Diagnostic], list[tuple[str, str]] | None]:
    """``check_schema``'s diagnostics, and every string holding a ``{{...}}`` tag (path, text).

    The list is None when the walk could not see every string (unknown fields with structured
    values, free-form content, a wrong kind): the caller must then look for tags itself.
    """
    if not isinstance(document, dict):
        got = TYPE_NAMES.get(json_type(document), type(document).__name__)
        message = f"an Argo document must be a mapping, got {got}"
        return [Diagnostic(rule=RULE, message=message)], None
    schema = compiled_schema(release)
    kind = document.get("kind")
    if not isinstance(kind, str):
        root = schema.kinds["Workflow"]
    elif kind in schema.kinds:
        root = schema.kinds[kind]
    else:
        expected = ", ".join(KINDS)
        message = f"kind '{kind}' is not an Argo workflow kind (expected one of {expected})"
        if kind in KINDS:
            message = f"kind '{kind}' does not exist in the Argo {schema.argo_version} API"
        return [Diagnostic(rule=RULE, path="kind", message=message)], None
    walker = _Walker(schema)
    try:
        walker.check(document, root, "")
    except RecursionError:
        # Hundreds of nested inline templates: no generator means that; say so, don't crash.
        walker.problems.append(
            _Problem("", "the document is nested too deeply to check (inline templates?)")
        )
        walker.complete = False
    return _to_diagnostics(walker.problems), walker.tagged if walker.complete else None


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


def _close_matches(word: str, possibilities: list[str], n: int, cutoff: float) -> list[str]:
    # difflib is imported on the first unknown name only: lint start-up is budgeted.
    import difflib

    return difflib.get_close_matches(word, possibilities, n=n, cutoff=cutoff)
