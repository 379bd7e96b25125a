"""YAML with positions: parse with ruamel.yaml, return plain data plus where every node stood.

Plain data (dict, list, str, int, float, bool, None) is what the stages work on; positions
travel beside it keyed by path tuples such as ``("workflows", 0, "params", "stepImage")``.

Every file read here may be hostile, so the result is bounded: at most ``MAX_DEPTH`` levels of
nesting, and aliases may add at most ``MAX_ALIAS_EXPANSION`` values and characters to what the text
holds
(a "billion laughs" bomb, or an alias to its own ancestor, is a ``yaml-syntax`` error at the
line where the limit was reached, not a hang). libyaml's composer recurses in C once per nesting
level and crashes the process at some 25,000 levels, so text that could nest that deep has its
depth measured from the parser's (flat) events before it is composed.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass, field
from typing import Any

from compiler.checks import Check
from compiler.diagnostics import Diagnostic

YAML_SYNTAX = Check(
    "yaml-syntax", "a YAML file does not parse", family="config", suppressible=False
)
CHECKS = (YAML_SYNTAX,)

Path = tuple[str | int, ...]

#: Nesting deeper than this is not a configuration anyone writes by hand.
MAX_DEPTH = 100
#: How much aliases may add to what is written out in the text: one unit per value plus one per
#: character of a scalar, so neither many values nor a long string repeated many times passes.
MAX_ALIAS_EXPANSION = 1_000_000
#: Text whose nesting bound (``_nesting_bound``) is above this is scanned for its depth before
#: libyaml composes it: far below the depth that crashes the composer, far above what
#: configuration files reach (a 200-character line and a few hundred brackets).
SCAN_ABOVE = 5_000  # mutation: equivalent — any threshold far from both works alike


class _TooBig(Exception):
    def __init__(self, message: str, mark: Any) -> None:
        super().__init__(message)  # mutation: equivalent — caught in load(), never printed
        self.message, self.mark = message, mark


@dataclass
class Located:
    """A parsed document: the data, and 1-based (line, column) of each value and mapping key."""

    data: Any
    values: dict[Path, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def where(self, path: Path) -> tuple[int, int] | None:
        """The value's position; the key's if the value has none (e.g. an empty value)."""
        return self.values.get(path) or self.keys.get(path)


def _failed(
    file: str, message: str, line: int | None = None, column: int | None = None
) -> tuple[None, list[Diagnostic]]:
    """What load returns for a file that is not (acceptable) YAML: one ``yaml-syntax``."""
    return None, [
        Diagnostic(rule=YAML_SYNTAX.id, file=file, line=line, column=column, message=message)
    ]


def load(text_bytes: bytes, file: str) -> tuple[Located | None, list[Diagnostic]]:
    """Parse one YAML document; problems come back as ``yaml-syntax`` diagnostics."""
    try:
        text = text_bytes.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _place(text_bytes, exc.start)
        return _failed(
            file,
            f"the file is not UTF-8 (byte 0x{text_bytes[exc.start]:02x}); save it as UTF-8",
            line=line,
            column=column,
        )
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError
    from ruamel.yaml.reader import ReaderError

    # mutation: equivalent[Gt -> GtE] — > or >= SCAN_ABOVE alike (never scanning crashes the tests)
    if _nesting_bound(text) > SCAN_ABOVE:
        deep = _too_deep(text)
        if deep is not None:
            return _failed(
                file,
                f"nested more than {MAX_DEPTH} levels deep",
                line=deep[0],
                column=deep[1],
            )
    # The safe composer uses libyaml (ruamel.yaml.clib) when installed: an order of magnitude
    # faster than the round-trip loader, and its nodes carry every position we need.
    yaml = YAML(typ="safe")
    yaml.Resolver = _resolver_class()
    try:
        node = yaml.compose(text)
        located = Located(data=None)
        located.data = _Walker(yaml, located, budget=len(text) + MAX_ALIAS_EXPANSION).plain(
            node, ()
        )
    except _TooBig as exc:
        mark = exc.mark
        return _failed(
            file,
            exc.message,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
        )
    except _DuplicateKey as exc:
        return _failed(
            file,
            f"duplicate key {exc.key!r} (first at line {exc.first_line}); "
            "a YAML mapping cannot repeat a key",
            line=exc.line,
            column=exc.column,
        )
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(part for part in (exc.context, exc.problem) if part)
        problem = problem.replace("\n", " ").strip() or "invalid YAML"
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        last = text.count("\n") + (0 if text.endswith("\n") else 1)
        if line is not None and line > last:  # libyaml marks end-of-stream past the end
            line, column = last, len(text.rstrip("\n").rpartition("\n")[2]) + 1
        return _failed(
            file,
            f"YAML syntax error: {problem}",
            line=line,
            column=column,
        )
    except ReaderError as exc:  # a character YAML does not allow; libyaml counts bytes
        line, column = _place(text_bytes, exc.position)
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        return _failed(
            file,
            f"YAML does not allow the character U+{code:04X} ({exc.reason}); remove "
            f"it, or write it as \\u{code:04x} in a double-quoted string",
            line=line,
            column=column,
        )
    except YAMLError as exc:
        # mutation: equivalent — a guard: loading raises no other unmarked YAMLError
        return _failed(file, f"YAML error: {exc}")
    return located, []


def _place(data: bytes, offset: int) -> tuple[int, int]:
    """The 1-based line and column (in characters) of byte ``offset`` of UTF-8 ``data``."""
    start = data.rfind(b"\n", 0, offset) + 1
    return data.count(b"\n", 0, offset) + 1, len(data[start:offset].decode(errors="replace")) + 1


@functools.lru_cache(maxsize=1)  # mutation: equivalent — a cache size
def _resolver_class() -> type:
    """ruamel's resolver, minus its per-scalar version lookup (the slowest part of composing
    once libyaml parses): the implicit-tag table is fetched once per document."""
    from ruamel.yaml.nodes import ScalarNode
    from ruamel.yaml.resolver import VersionedResolver
    from ruamel.yaml.tag import Tag

    #: One Tag per tag: a Tag works out its string (which the walker asks for) character by
    #: character, once per instance.
    tags: dict[str, Tag] = {}

    class Resolver(VersionedResolver):  # type: ignore[misc]
        _table: dict[Any, list[Any]] | None = None
        #: first character -> the rules to try: its own, then those for any character
        _rules: dict[str, list[Any]] | None = None

        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
            if kind is ScalarNode and implicit[0]:
                if self._table is None:
                    self._table = {
                        key: list(rules) for key, rules in self.versioned_resolver.items()
                    }
                    self._rules = {}
                assert self._rules is not None
                first = value[0] if value else ""
                rules = self._rules.get(first)
                if rules is None:
                    rules = self._table.get(first, []) + self._table.get(None, [])
                    self._rules[first] = rules
                for tag, regexp in rules:
                    if regexp.match(value):
                        found = tags.get(tag)
                        if found is None:
                            found = tags[tag] = Tag(suffix=tag)
                        return found
                return self.DEFAULT_SCALAR_TAG
            return super().resolve(kind, value, implicit)

    return Resolver


class _DuplicateKey(Exception):
    def __init__(self, key: str, line: int, column: int, first_line: int) -> None:
        super().__init__(key)  # mutation: equivalent — caught in load(), never printed
        self.key, self.line, self.column, self.first_line = key, line, column, first_line


_STR = "tag:yaml.org,2002:str"
#: Tags read as the plain string: ``=`` resolves to YAML 1.1's "value" type, which no safe
#: constructor builds.
_AS_STRING = frozenset({_STR, "tag:yaml.org,2002:value"})
_MERGE = "tag:yaml.org,2002:merge"


class _Walker:
    """Composed nodes -> plain data, recording positions on the way."""

    def __init__(self, yaml: Any, located: Located, budget: int) -> None:
        from ruamel.yaml.nodes import MappingNode, SequenceNode

        self.constructor = yaml.constructor
        self.located = located
        self.budget = budget  # nodes left to visit: aliases re-visit theirs
        self.mapping_node, self.sequence_node = MappingNode, SequenceNode

    def plain(self, node: Any, path: Path) -> Any:
        if node is None:
            return None
        mark = node.start_mark
        self.budget -= 1 + (len(node.value) if isinstance(node.value, str) else 0)
        if self.budget < 0:
            raise _TooBig(
                "aliases expand this document to more than a million values and characters "
                "beyond what is written (an alias bomb?); write the values out or use fewer "
                "aliases",
                mark,
            )
        if len(path) > MAX_DEPTH:
            raise _TooBig(
                f"nested more than {MAX_DEPTH} levels deep (or an alias refers to a value that "
                "contains it)",
                mark,
            )
        self.located.values.setdefault(path, (mark.line + 1, mark.column + 1))
        if isinstance(node, self.mapping_node):
            return self._mapping(node, path)
        if isinstance(node, self.sequence_node):
            return [self.plain(item, (*path, index)) for index, item in enumerate(node.value)]
        return self._scalar(node)

    def _mapping(self, node: Any, path: Path) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first: dict[str, int] = {}
        merges = []
        for key_node, value_node in node.value:
            tag = key_node.tag
            if tag == _MERGE:
                merges.append(value_node)
                continue
            key = str(key_node.value if tag in _AS_STRING else self._scalar(key_node))
            mark = key_node.start_mark
            if key in first:
                raise _DuplicateKey(key, mark.line + 1, mark.column + 1, first[key])
            first[key] = mark.line + 1
            self._item(result, key, key_node, value_node, path)
        # `<<: *defaults`: merged keys fill in what the mapping does not set itself.
        for source in (s for merge in merges for s in _merge_sources(merge)):
            for key_node, value_node in source.value:
                key = str(self._scalar(key_node))
                if key not in result:
                    self._item(result, key, key_node, value_node, path)
        return result

    def _item(
        self, result: dict[str, Any], key: str, key_node: Any, value_node: Any, path: Path
    ) -> None:
        child = (*path, key)
        mark = key_node.start_mark
        self.located.keys[child] = (mark.line + 1, mark.column + 1)
        result[key] = self.plain(value_node, child)

    def _scalar(self, node: Any) -> Any:
        if node.tag in _AS_STRING:
            return node.value
        try:
            return _builtin(self.constructor.construct_object(node, deep=True))
        except (ValueError, KeyError, TypeError, OverflowError) as exc:
            # Python's own checks, e.g. a date-like 2020-13-45 or `!!int 0x` (ruamel does not
            # wrap them): the value's error at its place, not kftest's traceback.
            from ruamel.yaml.constructor import ConstructorError

            kind = str(node.tag).split(":")[-1]
            detail = f" ({exc})" if isinstance(exc, ValueError) else ""
            raise ConstructorError(
                problem=f"cannot read {node.value!r} as a YAML {kind}{detail}; quote it if it "
                "is meant as a string",
                problem_mark=node.start_mark,
            ) from None


def _nesting_bound(text: str) -> int:
    """How deep ``text`` can nest at most: a flow collection opens with ``[`` or ``{``, and a
    block collection stands further right than the one holding it (a sequence under a mapping
    key may share the key's column), so within the longest line."""
    # mutation: equivalent — a column more or less: the bound stays far from the crash
    columns = max(map(len, text.split("\n"))) + 1
    return columns + columns + text.count("[") + text.count("{")  # up to 2 levels a column


def _too_deep(text: str) -> tuple[int, int] | None:
    """Where ``text`` first nests deeper than the walker allows (a collection more than
    ``MAX_DEPTH`` levels below the top), from the parser's events, which are flat."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError
    from ruamel.yaml.events import CollectionEndEvent, CollectionStartEvent

    depth = 0
    try:
        for event in YAML(typ="safe").parse(text):
            if isinstance(event, CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH + 1:
                    return event.start_mark.line + 1, event.start_mark.column + 1
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
    except YAMLError:
        pass  # before any deep nesting: composing stops at the same place, and says why
    return None


def _merge_sources(node: Any) -> list[Any]:
    from ruamel.yaml.nodes import MappingNode

    if isinstance(node, MappingNode):
        return [node]
    return [item for item in getattr(node, "value", []) if isinstance(item, MappingNode)]


def _builtin(value: Any) -> Any:
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value


def format_path(path: Path) -> str:
    """``("spec", "templates", 2, "name")`` -> ``spec.templates[2].name``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
