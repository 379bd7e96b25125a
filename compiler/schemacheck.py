"""A JSON Schema validator for the keywords kftest's own config schemas use, and no others.

prow_config.yaml is validated on every ``kftest lint``, including the pre-commit hook, where
importing python-jsonschema (its referencing, attrs and format machinery) costs more than the
rest of a small lint together. The schema in ``schemas/prow_config.schema.json`` uses a dozen
keywords of draft 2020-12; this module implements exactly those, with python-jsonschema's
semantics and error attributes (``validator``, ``validator_value``, ``instance``, ``schema``,
``absolute_path``, ``message``). A schema using any other keyword is refused when loaded, and
tests/test_schemacheck.py checks the verdicts against python-jsonschema itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

#: Keywords that constrain; annotations (title, description, $schema, $id, $defs) are ignored.
SUPPORTED = frozenset(
    {
        "type",
        "properties",
        "additionalProperties",
        "required",
        "items",
        "enum",
        "pattern",
        "minLength",
        "maxProperties",
        "oneOf",
        "anyOf",
        "not",
        "$ref",
    }
)
ANNOTATIONS = frozenset({"title", "description", "$schema", "$id", "$defs", "default"})

_TYPES: dict[str, Any] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


@dataclass(frozen=True)
class SchemaError:
    validator: str  # the failing keyword
    validator_value: Any
    instance: Any
    schema: dict[str, Any]  # the (sub)schema holding the keyword
    absolute_path: tuple[str | int, ...]
    message: str


class Validator:
    def __init__(self, schema: dict[str, Any]) -> None:
        self.root = schema
        _check_keywords(schema)

    def iter_errors(self, instance: Any) -> Iterator[SchemaError]:
        yield from self._errors(instance, self.root, ())

    def is_valid(self, instance: Any, schema: dict[str, Any] | None = None) -> bool:
        return (
            next(self._errors(instance, self.root if schema is None else schema, ()), None) is None
        )

    def _errors(
        self, instance: Any, schema: dict[str, Any], path: tuple[str | int, ...]
    ) -> Iterator[SchemaError]:
        for keyword, value in schema.items():
            check = _KEYWORDS.get(keyword)
            if check is not None:
                yield from check(self, instance, value, schema, path)

    def _resolve(self, ref: str) -> dict[str, Any]:
        if not ref.startswith("#/"):
            raise ValueError(f"only local $ref is supported, got {ref!r}")
        node: Any = self.root
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node


def _error(
    keyword: str,
    value: Any,
    instance: Any,
    schema: dict[str, Any],
    path: tuple[str | int, ...],
    message: str,
) -> SchemaError:
    return SchemaError(keyword, value, instance, schema, path, message)


def _type(
    v: Validator, instance: Any, value: Any, schema: dict[str, Any], path: tuple[str | int, ...]
) -> Iterator[SchemaError]:
    types = value if isinstance(value, list) else [value]
    if not any(_TYPES[name](instance) for name in types):
        yield _error(
            "type",
            value,
            instance,
            schema,
            path,
            f"{instance!r} is not of type {', '.join(map(repr, types))}",
        )


def _properties(
    v: Validator, instance: Any, value: Any, schema: dict[str, Any], path: tuple[str | int, ...]
) -> Iterator[SchemaError]:
    if isinstance(instance, dict):
        for name, subschema in value.items():
            if name in instance:
                yield from v._errors(instance[name], subschema, (*path, name))


def _additional(
    v: Validator, instance: Any, value: Any, schema: dict[str, Any], path: tuple[str | int, ...]
) -> Iterator[SchemaError]:
    if not isinstance(instance, dict):
        return
    extras = [key for key in instance if key not in schema.get("properties", {})]
    if value is False and extras:
        listed = ", ".join(repr(key) for key in extras)
        yield _error(
            "additionalProperties",
            value,
            instance,
            schema,
            path,
            f"Additional properties are not allowed ({listed} unexpected)",
        )
    elif isinstance(value, dict):
        for key in extras:
            yield from v._errors(instance[key], value, (*path, key))


def _required(
    v: Validator, instance: Any, value: Any, schema: dict[str, Any], path: tuple[str | int, ...]
) -> Iterator[SchemaError]:
    if isinstance(instance, dict):
        for name in value:
            if name not in instance:
                yield _error(
                    "required", value, instance, schema, path, f"{name!r} is a required property"
                )


def _items(
    v: Validator, instance: Any, value: Any, schema: dict[str, Any], path: tuple[str | int, ...]
) -> Iterator[SchemaError]:
    if isinstance(instance, list):
        for index, item in enumerate(instance):
            yield from v._errors(item, value, (*path, index))


def _enum(
    v: Validator, instance: Any, value: Any, schema: dict[str, Any], path: tuple[str | int, ...]
) -> Iterator[SchemaError]:
    # JSON equality: True is not 1.
    if not any(instance == option and type(instance) is type(option) for option in value):
        yield _error("enum", value, instance, schema, path, f"{instance!r} is not one of {value!r}")


def _pattern(
    v: Validator, instance: Any, value: Any, schema: dict[str, Any], path: tuple[str | int, ...]
) -> Iterator[SchemaError]:
    if isinstance(instance, str) and not _compiled(value).search(instance):
        yield _error(
            "pattern", value, instance, schema, path, f"{instance!r} does not match {value!r}"
        )


def _min_length(
    v: Validator, instance: Any, value: Any, schema: dict[str, Any], path: tuple[str | int, ...]
) -> Iterator[SchemaError]:
    if isinstance(instance, str) and len(instance) < value:
        yield _error("minLength", value, instance, schema, path, f"{instance!r} is too short")


def _max_properties(
    v: Validator, instance: Any, value: Any, schema: dict[str, Any], path: tuple[str | int, ...]
) -> Iterator[SchemaError]:
    if isinstance(instance, dict) and len(instance) > value:
        yield _error(
            "maxProperties", value, instance, schema, path, f"{instance!r} has too many properties"
        )


def _one_of(
    v: Validator, instance: Any, value: Any, schema: dict[str, Any], path: tuple[str | int, ...]
) -> Iterator[SchemaError]:
    valid = sum(1 for subschema in value if v.is_valid(instance, subschema))
    if valid != 1:
        reason = (
            "is not valid under any of the given schemas"
            if not valid
            else "is valid under each of several given schemas"
        )
        yield _error("oneOf", value, instance, schema, path, f"{instance!r} {reason}")


def _any_of(
    v: Validator, instance: Any, value: Any, schema: dict[str, Any], path: tuple[str | int, ...]
) -> Iterator[SchemaError]:
    if not any(v.is_valid(instance, subschema) for subschema in value):
        yield _error(
            "anyOf",
            value,
            instance,
            schema,
            path,
            f"{instance!r} is not valid under any of the given schemas",
        )


def _not(
    v: Validator, instance: Any, value: Any, schema: dict[str, Any], path: tuple[str | int, ...]
) -> Iterator[SchemaError]:
    if v.is_valid(instance, value):
        yield _error(
            "not",
            value,
            instance,
            schema,
            path,
            f"{instance!r} should not be valid under {value!r}",
        )


def _ref(
    v: Validator, instance: Any, value: Any, schema: dict[str, Any], path: tuple[str | int, ...]
) -> Iterator[SchemaError]:
    yield from v._errors(instance, v._resolve(value), path)


_KEYWORDS = {
    "type": _type,
    "properties": _properties,
    "additionalProperties": _additional,
    "required": _required,
    "items": _items,
    "enum": _enum,
    "pattern": _pattern,
    "minLength": _min_length,
    "maxProperties": _max_properties,
    "oneOf": _one_of,
    "anyOf": _any_of,
    "not": _not,
    "$ref": _ref,
}


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _check_keywords(schema: Any, where: str = "#") -> None:
    """Refuse a schema this validator would silently misread."""
    if not isinstance(schema, dict):
        return
    for keyword, value in schema.items():
        if keyword in ANNOTATIONS:
            if keyword == "$defs":
                for name, sub in value.items():
                    _check_keywords(sub, f"{where}/$defs/{name}")
            continue
        if keyword not in SUPPORTED:
            raise ValueError(f"schema keyword {keyword!r} at {where} is not supported")
        if keyword in ("properties",):
            for name, sub in value.items():
                _check_keywords(sub, f"{where}/properties/{name}")
        elif keyword in ("items", "additionalProperties", "not"):
            _check_keywords(value, f"{where}/{keyword}")
        elif keyword in ("oneOf", "anyOf"):
            for index, sub in enumerate(value):
                _check_keywords(sub, f"{where}/{keyword}/{index}")
