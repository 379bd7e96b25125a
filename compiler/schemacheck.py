"""JSON Schema validation of kftest's own files (prow_config.yaml, .kftest.yaml), with
jsonschema-rs, the errors given python-jsonschema's attribute names for ``config.py`` to
explain in the user's terms.

Why jsonschema-rs: ``python bench/bench_schema.py`` (one run, Python 3.11.7, jsonschema 4.26.0,
jsonschema-rs 0.61.2, 2 cores shared by ~8 processes, so read the CPU times and the ratios):

=================  ====================  =====  =============  ================
validator          import, ms wall/CPU   build  500 entries    500, 10% broken
=================  ====================  =====  =============  ================
the subset (ours)  8.4 / 2.5             0.02   31.8 ms        28.8 ms
python-jsonschema  142.8 / 39.1          0.04   82.9 ms        103.9 ms
jsonschema-rs      39.1 / 12.0           0.39   0.09 ms        0.29 ms
=================  ====================  =====  =============  ================

All three found the same 50 (path, keyword) errors. On the lint path jsonschema-rs costs
about 10 ms of CPU more to import than the 287-line subset validator this module replaces,
under the 20 ms budget, and it validates a large config 300x faster; python-jsonschema would
cost 35-135 ms and stays what the tests compare with (tests/test_schemacheck.py), as the
oracle. jsonschema-rs is imported on first use, not with this module.

YAML can hold what JSON cannot (dates, binary, non-string keys). Such a document is validated
as a JSON copy, those values read as null and keys as strings; errors are mapped back to the
original keys and values, so a date where a string belongs is still "not of type string".
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


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
        import jsonschema_rs

        self.root = schema
        self._validator = jsonschema_rs.validator_for(schema)

    def iter_errors(self, instance: Any) -> Iterator[SchemaError]:
        keys: dict[tuple[Any, ...], Any] = {}
        try:
            errors = list(self._validator.iter_errors(instance))
        except (ValueError, TypeError, OverflowError):
            errors = list(self._validator.iter_errors(_jsonable(instance, (), keys)))
        for error in errors:
            yield self._convert(error, instance, keys)

    def _convert(self, error: Any, original: Any, keys: dict[tuple[Any, ...], Any]) -> SchemaError:
        path: tuple[Any, ...] = ()
        for part in error.instance_path:
            path = (*path, keys.get((*path, part), part))
        keyword = str(error.kind.name)
        schema_path = list(error.schema_path)
        holder = _resolve(self.root, schema_path[:-1])
        value = holder.get(keyword, getattr(error.kind, "value", None))
        message = str(error.message)
        if keyword == "required":
            message = f"{error.kind.property!r} is a required property"
        return SchemaError(keyword, value, _at(original, path), holder, path, message)


def _resolve(schema: Any, path: list[Any]) -> dict[str, Any]:
    node = schema
    for part in path:
        node = node[part] if isinstance(node, dict) else node[int(part)]
    return node if isinstance(node, dict) else {}


def _at(document: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        document = document[part]
    return document


def _jsonable(value: Any, path: tuple[Any, ...], keys: dict[tuple[Any, ...], Any]) -> Any:
    """A JSON copy of ``value``; ``keys`` learns which string stands for which original key."""
    if isinstance(value, dict):
        copy = {}
        for key, item in value.items():
            name = key if isinstance(key, str) else str(key)
            if name is not key:
                keys[(*path, name)] = key
            copy[name] = _jsonable(item, (*path, key), keys)
        return copy
    if isinstance(value, list):
        return [_jsonable(item, (*path, index), keys) for index, item in enumerate(value)]
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    return None  # a date, bytes, a set: nothing JSON has
