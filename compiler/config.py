"""Load prow_config.yaml: parse with positions, validate against the schema, build Entries.

The schema (schemas/prow_config.schema.json) is the one declaration of the format; this module
turns its errors into diagnostics a person can act on ("did you mean ...", "write a list").
``.kftest.yaml`` (schemas/kftest.schema.json) goes through the same ``schema_diagnostics``. A
schema node may carry ``x-message``, the message for a wrong value there (``{key}`` and
``{value}`` are filled in); validators ignore the keyword.
"""

from __future__ import annotations

import difflib
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from compiler import cache, paths
from compiler.checks import Check
from compiler.diagnostics import Diagnostic, Severity, UsageError
from compiler.model import Entry, Position, ProwConfig
from compiler.schemacheck import SchemaError, Validator
from compiler.yamlpos import Located, format_path, load

CONFIG_SCHEMA = Check(
    "config-schema",
    "prow_config.yaml (or .kftest.yaml) does not match its schema: types, unknown keys, lists",
    family="config",
    suppressible=False,
)
DUPLICATE_NAME = Check(
    "duplicate-name",
    "two entries with the same name can run for the same job type",
    family="config",
    suppressible=False,
)
CHECKS = (CONFIG_SCHEMA, DUPLICATE_NAME)

SCHEMA_FILE = paths.SCHEMAS_DIR / "prow_config.schema.json"

#: What each kind of entry is made of, for the "exactly one kind" message.
KINDS = (
    ("`app_dir` + `component`", "a jsonnet component", ("app_dir", "component")),
    ("`py_func`", "a Python function", ("py_func",)),
    ("`tekton_run`", "a Tekton PipelineRun", ("tekton_run",)),
)
TEKTON_ONLY = ("tekton_params", "tekton_teardown", "tekton_teardown_params")


@lru_cache(maxsize=1)  # mutation: equivalent — cache size only: one schema file
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text())


#: Larger files are not cached: 10,000 entries take ~3 MB; pickling a far larger file would
#: cost more memory than the cache saves time.
CACHED_BYTES = 16 * 2**20  # mutation: equivalent — a tuning limit (tests patch it)


def load_config(
    path: Path, repo_root: Path, *, cached: bool = False
) -> tuple[ProwConfig | None, list[Diagnostic]]:
    """Read and validate prow_config.yaml. Returns None when no entry can be trusted.

    ``cached``: reuse (and keep) the result in kftest's on-disk cache, keyed by the file's
    content: a 500-entry file takes ~0.2 s to parse and check, ~10 ms to unpickle.
    """
    escaped = paths.escape(path, repo_root)
    if escaped is not None:
        # A repository must not make kftest read (and echo) files outside it: the same
        # confinement as jsonnet imports.
        from compiler.evaluate.errors import IMPORT_DENIED

        shown = os.path.relpath(os.path.abspath(path), os.path.abspath(repo_root))
        return None, [
            Diagnostic(
                rule=IMPORT_DENIED.id,
                file=shown,
                message=f"{shown} resolves to {escaped}, outside the repository; "
                "kftest reads configuration only from inside it",
            )
        ]
    file = paths.relative_to_repo(path, repo_root)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        # Not a problem of the file's content: the command cannot run (exit 2).
        raise UsageError(f"{file}: cannot read: {exc.strerror or exc}") from None
    if not cached or len(raw) > CACHED_BYTES:
        return _load_bytes(raw, file)
    name = cache.name_for("config", path.resolve(), repo_root)
    key = cache.digest(cache.code_version(), file, raw)
    hit = cache.load(name, key)
    if isinstance(hit, tuple) and len(hit) == 2:
        return hit
    result = _load_bytes(raw, file)
    cache.store(name, key, result)
    return result


def _load_bytes(raw: bytes, file: str) -> tuple[ProwConfig | None, list[Diagnostic]]:
    located, diagnostics = load(raw, file)
    if located is None:
        return None, diagnostics
    if not raw.strip() or located.data is None:
        return None, [
            Diagnostic(
                rule=CONFIG_SCHEMA.id,
                file=file,
                line=1,
                column=1,
                message="the file is empty; it needs a top-level `workflows:` list "
                "(`workflows: []` for none)",
            )
        ]
    diagnostics = schema_diagnostics(located, file, _validator())
    if diagnostics and not isinstance(located.data, dict):
        return None, diagnostics
    config = _build(located, file, {_entry_index(d, located) for d in diagnostics})
    return config, diagnostics + _duplicate_names(config)


def _entry_index(diagnostic: Diagnostic, located: Located) -> int | None:
    if diagnostic.path and diagnostic.path.startswith("workflows["):
        return int(diagnostic.path[len("workflows[") :].partition("]")[0])
    return None


@lru_cache(maxsize=1)  # mutation: equivalent — cache size only: one validator
def _validator() -> Validator:
    return Validator(schema())


def schema_diagnostics(located: Located, file: str, validator: Validator) -> list[Diagnostic]:
    """Every schema error of ``located``, as diagnostics at the line of the value."""
    diagnostics = []
    for error in validator.iter_errors(located.data):
        diagnostics.extend(_explain(error, located, file))
    return diagnostics


def _explain(error: SchemaError, located: Located, file: str) -> list[Diagnostic]:
    """One schema error -> diagnostics in the user's words, at the right line."""
    path = tuple(error.absolute_path)
    instance = error.instance
    where = path

    def at(message: str, place: tuple[Any, ...] = where, key: bool = False) -> Diagnostic:
        position = (located.keys.get(place) if key else None) or located.where(place)
        line, column = position if position else (None, None)
        return Diagnostic(
            rule=CONFIG_SCHEMA.id,
            file=file,
            line=line,
            column=column,
            workflow=_entry_name(place, located),
            path=format_path(place) or None,
            message=message,
        )

    name = _display_name(path, located)
    validator = error.validator
    custom = error.schema.get("x-message")
    if isinstance(custom, str) and validator not in ("additionalProperties", "required"):
        return [at(custom.format(key=path[-1] if path else "", value=repr(instance)))]
    if validator == "additionalProperties" and isinstance(instance, dict):
        allowed = sorted(error.schema.get("properties", {}))
        out = []
        for key in sorted(set(instance) - set(allowed)):
            suggestion = _did_you_mean(key, allowed)
            inside = f" in {name}" if path else ""
            out.append(
                at(
                    f"unknown key `{key}`{inside}{suggestion} (allowed: {', '.join(allowed)})",
                    (*path, key),
                    key=True,
                )
            )
        return out
    if validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        if missing == "workflows":
            return [at("missing the top-level `workflows:` list (`workflows: []` for none)")]
        return [at(f"{name} is missing `{missing}`")]
    if validator == "oneOf" and path and path[0] == "workflows":
        keys = set(instance) if isinstance(instance, dict) else set()
        return [at(f"{name}: {_kind_problem(keys)}")]
    if validator == "type":
        expected = error.validator_value
        if path == ("workflows",):
            expected = "array"
        if expected == "array" and isinstance(instance, str):
            return [
                at(
                    f"{name} must be a list, not the string {instance!r}; write "
                    f"`[{instance}]` or one `- item` per line (a string would be read "
                    "character by character)"
                )
            ]
        if expected == "object" and not path:
            return [at("the top level must be a mapping with a `workflows:` list")]
        kind = "a list" if expected == "array" else f"of type {expected}"
        return [at(f"{name} must be {kind}, not {_kind(instance)}")]
    if validator == "enum":
        options = ", ".join(str(v) for v in error.validator_value)
        suggestion = _did_you_mean(str(instance), [str(v) for v in error.validator_value])
        return [at(f"{name}: {instance!r} is not one of {options}{suggestion}")]
    if validator == "pattern":
        # workflows[i].tekton_params[j].name (or tekton_teardown_params): a Tekton param's
        if len(path) == 5 and path[-1] == "name" and str(path[2]).startswith("tekton"):
            return [at(f"{name}: {instance!r} is not a valid Tekton param name")]
        if path and path[-1] == "name":
            return [
                at(
                    f"entry name {instance!r} must be letters, digits, `-`, `_` or `.`, "
                    "starting and ending with a letter or digit (it becomes part of a "
                    "Kubernetes name)"
                )
            ]
        if path and path[-1] == "py_func":
            return [at(f"`py_func` {instance!r} must be a dotted path `package.module.function`")]
        return [at(f"{name}: {instance!r} does not match {error.validator_value}")]
    if validator == "maxProperties" and path == ("workflows",):
        return [at("`workflows` must be a list of entries (`- name: ...`), not a mapping")]
    if validator == "minLength":
        return [at(f"{name} must not be empty")]
    return [at(f"{name}: {error.message}")]


def _did_you_mean(word: str, options: list[str]) -> str:
    hint = difflib.get_close_matches(word, options, n=1)  # mutation: equivalent — hint[0] only
    return f"; did you mean `{hint[0]}`?" if hint else ""


def _kind_problem(keys: set[str]) -> str:
    """Why an entry is not exactly one of the three kinds, in the user's terms."""
    given = [label for label, _, kind_keys in KINDS if keys & set(kind_keys)]
    choices = "; ".join(f"{label} ({what})" for label, what, _ in KINDS)
    if len(given) > 1:
        both = "not both" if len(given) == 2 else "not all three"
        return f"give exactly one of {choices} — this entry has {' and '.join(given)}, {both}"
    if "app_dir" in keys and "component" not in keys:
        return "`app_dir` needs a `component` (the jsonnet file to compile)"
    if "component" in keys and "app_dir" not in keys:
        return "`component` needs an `app_dir` (the directory holding the component)"
    stray = sorted(keys & set(TEKTON_ONLY))
    if stray and "tekton_run" not in keys:
        listed = ", ".join(f"`{key}`" for key in stray)
        return f"{listed} only belong to a `tekton_run` entry (the PipelineRun they configure)"
    return f"an entry needs exactly one of {choices}"


def _entry_name(path: tuple[Any, ...], located: Located) -> str | None:
    """The name of the entry ``path`` points into, when it has a usable one."""
    if len(path) >= 2 and path[0] == "workflows" and isinstance(path[1], int):
        entries = located.data.get("workflows") if isinstance(located.data, dict) else None
        entry = entries[path[1]] if isinstance(entries, list) else None
        name = entry.get("name") if isinstance(entry, dict) else None
        return name if isinstance(name, str) else None
    return None


def _display_name(path: tuple[Any, ...], located: Located) -> str:
    """``workflows[3].job_types`` -> ``job_types of entry 'unittests'``, for people."""
    if len(path) >= 2 and path[0] == "workflows" and isinstance(path[1], int):
        entries = located.data.get("workflows") if isinstance(located.data, dict) else None
        entry = entries[path[1]] if isinstance(entries, list) else None
        label = (
            repr(entry["name"])
            if isinstance(entry, dict) and "name" in entry
            else f"#{path[1] + 1}"
        )
        rest = format_path(path[2:])
        return f"{rest} of entry {label}" if rest else f"entry {label}"
    return format_path(path) or "the top level"


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the string {value!r}"
    return f"{type(value).__name__} {value!r}"


def _position(located: Located, file: str, path: tuple[Any, ...]) -> Position:
    """Where a list item (an entry: it has no key) starts."""
    point = located.where(path)
    return Position(file, *point) if point else Position(file)


def _build(located: Located, file: str, broken: set[int | None]) -> ProwConfig:
    data = located.data if isinstance(located.data, dict) else {}
    raw_entries = data.get("workflows")
    entries = []
    if isinstance(raw_entries, list):
        positions = _positions_by_entry(located, file)
        for index, raw in enumerate(raw_entries):
            if index in broken or not isinstance(raw, dict):
                continue
            entries.append(_entry(raw, index, located, file, positions.get(index, {})))
    python_paths = data.get("python_paths")
    return ProwConfig(
        path=file,
        workflows=entries,
        python_paths=list(python_paths) if isinstance(python_paths, list) else [],
    )


def _positions_by_entry(located: Located, file: str) -> dict[int, dict[str, Position]]:
    """Entry index -> {dotted key inside the entry: where it stands}: the key's position, else
    the value's (a list item has no key), in one pass over each table."""
    by_entry: dict[int, dict[str, Position]] = {}
    for table in (located.values, located.keys):  # a key's position replaces its value's
        for path, (line, column) in table.items():
            # mutation: equivalent[Gt -> GtE] — len > 2: not the entry itself ("", dropped below)
            if len(path) > 2 and path[0] == "workflows" and isinstance(path[1], int):
                key = format_path(path[2:])
                positions = by_entry.setdefault(path[1], {}) if key else {}
                positions[key] = Position(file, line, column)
    return by_entry


def _entry(
    raw: dict[str, Any], index: int, located: Located, file: str, positions: dict[str, Position]
) -> Entry:
    prefix = ("workflows", index)
    lint = raw.get("lint") or {}
    return Entry(
        name=raw["name"],
        index=index,
        position=_position(located, file, prefix),
        app_dir=raw.get("app_dir"),
        component=raw.get("component"),
        py_func=raw.get("py_func"),
        tekton_run=raw.get("tekton_run"),
        tekton_params=_tekton_params(raw.get("tekton_params")),
        tekton_teardown=raw.get("tekton_teardown"),
        tekton_teardown_params=_tekton_params(raw.get("tekton_teardown_params")),
        params=dict(raw.get("params") or {}),
        kwargs=dict(raw.get("kwargs") or {}),
        job_types=list(raw.get("job_types") or []),
        include_dirs=list(raw.get("include_dirs") or []),
        lint_disable=list(lint.get("disable") or []),
        positions=positions,
    )


def _tekton_params(raw: Any) -> list[tuple[str, Any]]:
    """``[{name, value}, ...]`` -> ``[(name, value), ...]`` (the schema checked the shape)."""
    if not isinstance(raw, list):
        return []
    return [(item["name"], item["value"]) for item in raw if isinstance(item, dict)]


def _duplicate_names(config: ProwConfig) -> list[Diagnostic]:
    """Names must be unique among entries that can run for the same job type (seed §1.2)."""
    diagnostics = []
    seen: dict[tuple[str, str], Entry] = {}
    for entry in config.workflows:
        for job_type in entry.job_types_to_compile():
            first = seen.setdefault((entry.name, job_type), entry)
            if first is not entry:
                where = entry.where("name")
                diagnostics.append(
                    Diagnostic(
                        rule=DUPLICATE_NAME.id,
                        severity=Severity.ERROR,
                        file=where.file,
                        line=where.line,
                        column=where.column,
                        workflow=entry.name,
                        path=f"workflows[{entry.index}].name",
                        message=f"entry name {entry.name!r} is already used by the entry at "
                        f"line {first.position.line} for job type {job_type}; rename one, or "
                        "give them disjoint `job_types`",
                    )
                )
                break
    return diagnostics
