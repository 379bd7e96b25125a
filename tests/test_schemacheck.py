"""compiler/schemacheck.py (jsonschema-rs) agrees with python-jsonschema on kftest's own schema."""

from __future__ import annotations

import copy
import datetime
import itertools
from typing import Any

from jsonschema import Draft202012Validator

from compiler.config import schema
from compiler.schemacheck import Validator

ENTRY = {
    "name": "unittests",
    "app_dir": "ci",
    "component": "unittests",
    "job_types": ["presubmit"],
    "include_dirs": ["py/*"],
    "params": {"stepImage": "x:v1"},
    "lint": {"disable": ["step-image"]},
}

# Each mutation of a valid entry: a key and a value (None deletes the key).
MUTATIONS: list[tuple[str, Any]] = [
    ("name", None),
    ("name", ""),
    ("name", "bad name!"),
    ("name", 3),
    ("app_dir", None),
    ("component", None),
    ("py_func", "pkg.mod.fn"),
    ("py_func", "nodots"),
    ("job_types", "presubmit"),
    ("job_types", ["presubmitt"]),
    ("job_types", [True]),
    ("include_dirs", "py/*"),
    ("include_dirs", [""]),
    ("include_dirs", [1]),
    ("params", None),
    ("params", []),
    ("kwargs", {"a": 1}),
    ("lint", {"disable": "x"}),
    ("lint", {"disabled": []}),
    ("lint", {"disable": ["Not_An_Id"]}),
    ("include_dir", ["a"]),
    ("tekton_run", "x.yaml"),
    ("tekton_params", [{"name": "a", "value": "b"}]),
    ("tekton_params", [{"name": "a"}]),
    ("tekton_params", [{"name": "a b", "value": "b"}]),
    ("tekton_teardown", ""),
    ("kwargs", {"test_target_name": 3}),
]


def instances() -> list[Any]:
    documents: list[Any] = [None, [], "x", {}, {"workflows": None}, {"workflows": {}}]
    documents += [{"workflows": {"a": 1}}, {"workflows": 3}, {"workflow": []}]
    documents += [
        {"workflows": [], "python_paths": ["a/b"]},
        {"workflows": [], "python_paths": "a"},
    ]
    for count in (1, 2):
        for mutations in itertools.combinations(MUTATIONS, count):
            entry = copy.deepcopy(ENTRY)
            for key, value in mutations:
                if value is None and key in entry and key not in ("params",):
                    del entry[key]
                else:
                    entry[key] = value
            documents.append({"workflows": [entry, "not a mapping"]})
    return documents


def verdicts(errors: Any) -> list[tuple[str, tuple[Any, ...]]]:
    return sorted((e.validator, tuple(e.absolute_path)) for e in errors)


def test_same_errors_as_jsonschema() -> None:
    ours, reference = Validator(schema()), Draft202012Validator(schema())
    checked = 0
    for document in instances():
        assert verdicts(ours.iter_errors(document)) == verdicts(reference.iter_errors(document)), (
            document
        )
        checked += 1
    assert checked > 250


def test_yaml_values_json_lacks_are_errors_at_their_place() -> None:
    """A date where a string belongs, a non-string key: reported with the original value/key."""
    day = datetime.date(2024, 1, 1)
    document = {"workflows": [{**ENTRY, "name": day, 7: "x", "params": {"when": day}}]}
    errors = sorted(Validator(schema()).iter_errors(document), key=lambda e: e.validator)
    assert [(e.validator, e.absolute_path) for e in errors] == [
        ("additionalProperties", ("workflows", 0)),
        ("type", ("workflows", 0, "name")),
    ]
    assert 7 in errors[0].instance and errors[1].instance is day
