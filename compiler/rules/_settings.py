"""Per-repository lint settings: the optional ``.kftest.yaml`` at the repository root.

::

    # .kftest.yaml
    lint:
      disable: [dead-include-pattern]     # rules not checked anywhere in this repository
      severity:                           # a rule's severity: error | warning
        immutable-image: warning
      image_tag_pattern: 'v\\d{8}-[0-9a-f]{7}(-dirty)?(-[0-9a-f]{6})?'
                                          # every image tag must match it (RE2 fullmatch);
                                          # digests (@sha256:...) always pass
    argo_version: "2.12"                  # the Argo release the cluster runs (X.Y or vX.Y.Z);
                                          # --argo-version overrides it; default the newest
    python: /opt/py36/bin/python          # the interpreter that runs py_func builders
                                          # (repo-relative or absolute; --python and
                                          # KFTEST_PYTHON override it)
    repos_dir: ../..                      # where <owner>/<repo> checkouts are (the seed's
                                          # --repos_dir; repo-relative; --repos-dir overrides)

Every key is optional and a missing file means the defaults. One entry can also switch rules
off for itself with ``lint: {disable: [...]}`` in prow_config.yaml.

The format is ``schemas/kftest.schema.json``, checked by the same path as prow_config.yaml
(``config.schema_diagnostics``: positions, "did you mean"). A rule declares its own options,
as yamllint's rules do: ``CONF`` (option name -> JSON Schema, merged under ``lint``),
``DEFAULT`` (name -> value) and ``configure(name, value)`` (the value the rule reads, or
ValueError with the message), so ``image_tag_pattern`` lives in ``immutable_image.py``.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from compiler import checks, paths
from compiler.config import CONFIG_SCHEMA, schema_diagnostics
from compiler.diagnostics import Diagnostic, Severity
from compiler.schemacheck import Validator
from compiler.yamlpos import Located, format_path, load

SETTINGS_FILE = ".kftest.yaml"
SCHEMA_FILE = paths.SCHEMAS_DIR / "kftest.schema.json"


# mutation: equivalent — the class defines __init__, and nothing assigns to or hashes one
@dataclass(frozen=True, init=False)
class LintSettings:
    """What one repository changes about linting (see the module docstring for the file).

    ``options`` holds every rule option (a rule's ``CONF``), its ``DEFAULT`` unless the file
    set it; an option also reads as an attribute (``settings.image_tag_pattern``).
    """

    disabled: frozenset[str]
    severity: Mapping[str, Severity]
    options: Mapping[str, Any]
    file: str | None  # where the settings came from, for messages
    argo_version: str | None  # the Argo release the repository targets
    python: str | None  # the interpreter for py_func builders, as written
    repos_dir: str | None  # where <owner>/<repo> checkouts are, as written

    def __init__(
        self,
        disabled: frozenset[str] = frozenset(),
        severity: Mapping[str, Severity] | None = None,
        file: str | None = None,
        options: Mapping[str, Any] | None = None,
        argo_version: str | None = None,
        python: str | None = None,
        repos_dir: str | None = None,
        **named: Any,
    ) -> None:
        defaults = rule_defaults()
        unknown = sorted(set(named) - set(defaults))
        if unknown:
            raise TypeError(f"LintSettings: no rule has the option {unknown[0]!r}")
        object.__setattr__(self, "disabled", frozenset(disabled))
        object.__setattr__(self, "severity", dict(severity or {}))
        object.__setattr__(self, "options", {**defaults, **(options or {}), **named})
        object.__setattr__(self, "file", file)
        object.__setattr__(self, "argo_version", argo_version)
        object.__setattr__(self, "python", python)
        object.__setattr__(self, "repos_dir", repos_dir)

    def __getattr__(self, name: str) -> Any:
        options = self.__dict__.get("options") or {}
        if name in options:
            return options[name]
        raise AttributeError(name)

    def is_disabled(self, rule: str, entry_disable: list[str] | tuple[str, ...] = ()) -> bool:
        return checks.suppressible(rule) and (rule in self.disabled or rule in entry_disable)

    def severity_for(self, rule: str, default: Severity) -> Severity:
        return self.severity.get(rule, default) if checks.suppressible(rule) else default

    def apply(self, diagnostics: list[Diagnostic], entry_disable: list[str]) -> list[Diagnostic]:
        """Drop disabled rules' diagnostics and apply severity overrides (for any stage)."""
        out = []
        for diagnostic in diagnostics:
            if self.is_disabled(diagnostic.rule, entry_disable):
                continue
            severity = self.severity.get(diagnostic.rule)
            if severity is not None and checks.suppressible(diagnostic.rule):
                diagnostic = replace(diagnostic, severity=severity)
            out.append(diagnostic)
        return out


@lru_cache(maxsize=1)  # mutation: equivalent — the cache's size
def rule_defaults() -> dict[str, Any]:
    from compiler.rules import all_rules

    return {name: value for info in all_rules() for name, value in info.defaults.items()}


@lru_cache(maxsize=1)  # mutation: equivalent — the cache's size
def schema() -> dict[str, Any]:
    """schemas/kftest.schema.json with every rule's options (its ``CONF``) under ``lint``."""
    from compiler.rules import all_rules

    document = json.loads(SCHEMA_FILE.read_text())
    lint = document["properties"]["lint"]["properties"]
    for info in all_rules():
        for name, option in info.options.items():
            if name in lint:
                raise ValueError(f"rule {info.id}: option {name!r} is already a `lint` key")
            lint[name] = option
    return dict(document)


@lru_cache(maxsize=1)  # mutation: equivalent — the cache's size
def _validator() -> Validator:
    return Validator(schema())


def load_settings(repo_root: Path) -> tuple[LintSettings, list[Diagnostic]]:
    """Read ``<repo_root>/.kftest.yaml``; problems are diagnostics and the defaults apply."""
    path = repo_root / SETTINGS_FILE
    if not path.is_file():
        return LintSettings(), []
    escaped = paths.escape(path, repo_root)
    if escaped is not None:
        # The same confinement as jsonnet imports: a repository cannot make kftest read (and
        # quote in messages) a file outside it.
        from compiler.evaluate.errors import IMPORT_DENIED

        message = f"{SETTINGS_FILE} resolves to {escaped}, outside the repository"
        return LintSettings(), [
            Diagnostic(rule=IMPORT_DENIED.id, file=SETTINGS_FILE, message=message)
        ]
    try:
        raw = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        message = f"cannot read: {reason}"
        return LintSettings(), [Diagnostic(CONFIG_SCHEMA.id, message, file=SETTINGS_FILE)]
    located, diagnostics = load(raw, SETTINGS_FILE)
    if located is None:
        return LintSettings(file=SETTINGS_FILE), diagnostics
    return _parse(located)


def _problem(located: Located, message: str, path: tuple[Any, ...]) -> Diagnostic:
    point = located.where(path)
    return Diagnostic(
        rule=CONFIG_SCHEMA.id,
        file=SETTINGS_FILE,
        line=point[0] if point else None,
        column=point[1] if point else None,
        path=format_path(path),
        message=message,
    )


def _parse(located: Located) -> tuple[LintSettings, list[Diagnostic]]:
    """The schema first (types, keys, positions), then what it cannot know: rule ids, and
    each rule's own reading of its options. A value with a problem is left at its default."""
    from compiler.rules import all_rules

    problems = schema_diagnostics(located, SETTINGS_FILE, _validator())
    top = _run_settings(located, problems)
    lint = located.data.get("lint") if isinstance(located.data, dict) else None
    if not isinstance(lint, dict):
        return LintSettings(file=SETTINGS_FILE, **top), problems
    wrong = {diagnostic.path for diagnostic in problems}

    disabled: set[str] = set()
    for index, rule in enumerate(lint.get("disable") or []):
        if format_path(("lint", "disable", index)) in wrong or "lint.disable" in wrong:
            continue
        problem = check_rule_id(rule, "disable")
        if problem:
            problems.append(_problem(located, problem, ("lint", "disable", index)))
        else:
            disabled.add(rule)

    severity: dict[str, Severity] = {}
    raw_severity = lint.get("severity")
    for rule, value in (raw_severity if isinstance(raw_severity, dict) else {}).items():
        problem = check_rule_id(rule, "severity")
        if problem:
            problems.append(_problem(located, problem, ("lint", "severity", rule)))
        elif format_path(("lint", "severity", rule)) not in wrong:
            severity[rule] = Severity(value)

    options: dict[str, Any] = {}
    for info in all_rules():
        for name in info.options:
            if name not in lint or lint[name] is None or format_path(("lint", name)) in wrong:
                continue
            try:
                options[name] = info.configure(name, lint[name])
            except ValueError as exc:
                problems.append(_problem(located, str(exc), ("lint", name)))
    settings = LintSettings(
        disabled=frozenset(disabled),
        severity=severity,
        options=options,
        file=SETTINGS_FILE,
        **top,
    )
    return settings, problems


def _run_settings(located: Located, problems: list[Diagnostic]) -> dict[str, Any]:
    """``argo_version``, ``python`` and ``repos_dir`` that passed the schema; the release is
    also checked to be one (``2.12``, ``v3.5.2``). A value with a problem is left unset."""
    from compiler.validate.releases import parse

    data = located.data if isinstance(located.data, dict) else {}
    wrong = {diagnostic.path for diagnostic in problems}
    top: dict[str, Any] = {}
    for key in ("argo_version", "python", "repos_dir"):
        value = data.get(key)
        if value is None or key in wrong:
            continue
        if key == "argo_version" and parse(str(value)) is None:
            problems.append(
                _problem(
                    located,
                    f'`argo_version` must be an Argo release such as "2.12" or "v3.5.2", '
                    f"not {value!r}",
                    ("argo_version",),
                )
            )
            continue
        top[key] = str(value)
    return top


def check_rule_id(rule: Any, where: str) -> str | None:
    """Why ``rule`` cannot appear under ``lint.<where>`` (here or in an entry), or None."""
    known = checks.catalogue()
    if not isinstance(rule, str) or rule not in known:
        # mutation: equivalent — n: only the best match (the first) is named
        hint = difflib.get_close_matches(str(rule), list(known), n=1)
        suggestion = f"; did you mean `{hint[0]}`?" if hint else ""
        return f"unknown rule id {rule!r} in `lint.{where}`{suggestion} (see `kftest rules`)"
    if not known[rule].suppressible:
        return (
            f"`{rule}` reports input kftest cannot read or evaluate; it cannot be disabled or "
            "downgraded — fix the input instead"
        )
    return None
