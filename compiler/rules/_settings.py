"""Per-repository lint settings: the optional ``.kftest.yaml`` at the repository root.

::

    # .kftest.yaml
    lint:
      disable: [dead-include-pattern]     # rules not checked anywhere in this repository
      severity:                           # a rule's severity: error | warning
        immutable-image: warning
      image_tag_pattern: 'v\\d{8}-[0-9a-f]{7}(-dirty)?(-[0-9a-f]{6})?'
                                          # every image tag must match it (re.fullmatch);
                                          # digests (@sha256:...) always pass

Every key is optional and a missing file means the defaults. One entry can also switch rules
off for itself with ``lint: {disable: [...]}`` in prow_config.yaml.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from compiler import checks
from compiler.config import CONFIG_SCHEMA
from compiler.diagnostics import Diagnostic, Severity
from compiler.yamlpos import Located, format_path, load

SETTINGS_FILE = ".kftest.yaml"

_LINT_KEYS = ("disable", "severity", "image_tag_pattern")


@dataclass(frozen=True)
class LintSettings:
    """What one repository changes about linting (see the module docstring for the file)."""

    disabled: frozenset[str] = frozenset()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    image_tag_pattern: re.Pattern[str] | None = None
    file: str | None = None  # where the settings came from, for messages

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


def load_settings(repo_root: Path) -> tuple[LintSettings, list[Diagnostic]]:
    """Read ``<repo_root>/.kftest.yaml``; problems are diagnostics and the defaults apply."""
    path = repo_root / SETTINGS_FILE
    if not path.is_file():
        return LintSettings(), []
    try:
        raw = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return LintSettings(), [_problem(None, f"cannot read: {reason}", None)]
    located, diagnostics = load(raw, SETTINGS_FILE)
    if located is None:
        return LintSettings(file=SETTINGS_FILE), diagnostics
    return _parse(located)


def _problem(located: Located | None, message: str, path: tuple[Any, ...] | None) -> Diagnostic:
    point = located.where(path) if located is not None and path is not None else None
    return Diagnostic(
        rule=CONFIG_SCHEMA.id,
        file=SETTINGS_FILE,
        line=point[0] if point else None,
        column=point[1] if point else None,
        path=format_path(path) if path else None,
        message=message,
    )


def _parse(located: Located) -> tuple[LintSettings, list[Diagnostic]]:
    problems: list[Diagnostic] = []
    data = located.data
    if data is None:
        return LintSettings(file=SETTINGS_FILE), []
    if not isinstance(data, dict):
        return LintSettings(file=SETTINGS_FILE), [
            _problem(located, "the file must be a mapping with a `lint:` section", ())
        ]
    for key in data:
        if key != "lint":
            problems.append(_unknown(located, key, ["lint"], (key,)))
    lint = data.get("lint")
    if lint is None:
        return LintSettings(file=SETTINGS_FILE), problems
    if not isinstance(lint, dict):
        problems.append(_problem(located, "`lint` must be a mapping", ("lint",)))
        return LintSettings(file=SETTINGS_FILE), problems
    for key in lint:
        if key not in _LINT_KEYS:
            problems.append(_unknown(located, key, list(_LINT_KEYS), ("lint", key)))

    disabled: set[str] = set()
    raw_disable = lint.get("disable")
    if raw_disable is not None and not isinstance(raw_disable, list):
        problems.append(
            _problem(located, "`lint.disable` must be a list of rule ids", ("lint", "disable"))
        )
    for index, rule in enumerate(raw_disable if isinstance(raw_disable, list) else []):
        problem = check_rule_id(rule, "disable")
        if problem:
            problems.append(_problem(located, problem, ("lint", "disable", index)))
        else:
            disabled.add(rule)

    severity: dict[str, Severity] = {}
    raw_severity = lint.get("severity")
    if raw_severity is not None and not isinstance(raw_severity, dict):
        problems.append(
            _problem(
                located,
                "`lint.severity` must map rule ids to `error` or `warning`",
                ("lint", "severity"),
            )
        )
    for rule, value in (raw_severity if isinstance(raw_severity, dict) else {}).items():
        where = ("lint", "severity", rule)
        problem = check_rule_id(rule, "severity")
        if problem:
            problems.append(_problem(located, problem, where))
        elif value not in ("error", "warning"):
            problems.append(
                _problem(
                    located,
                    f"severity of `{rule}` must be `error` or `warning`, not {value!r} "
                    "(to switch a rule off, list it under `lint.disable`)",
                    where,
                )
            )
        else:
            severity[rule] = Severity(value)

    pattern = None
    raw_pattern = lint.get("image_tag_pattern")
    if raw_pattern is not None:
        where = ("lint", "image_tag_pattern")
        if not isinstance(raw_pattern, str) or not raw_pattern:
            problems.append(
                _problem(located, "`lint.image_tag_pattern` must be a regular expression", where)
            )
        else:
            try:
                pattern = re.compile(raw_pattern)
            except re.error as exc:
                problems.append(
                    _problem(
                        located,
                        f"`lint.image_tag_pattern` is not a valid regular expression: {exc}",
                        where,
                    )
                )
    settings = LintSettings(
        disabled=frozenset(disabled),
        severity=severity,
        image_tag_pattern=pattern,
        file=SETTINGS_FILE,
    )
    return settings, problems


def _unknown(located: Located, key: str, allowed: list[str], path: tuple[Any, ...]) -> Diagnostic:
    hint = difflib.get_close_matches(key, allowed, n=1)
    suggestion = f"; did you mean `{hint[0]}`?" if hint else ""
    position = located.keys.get(path)
    diagnostic = _problem(
        located, f"unknown key `{key}`{suggestion} (allowed: {', '.join(allowed)})", path
    )
    if position:
        return replace(diagnostic, line=position[0], column=position[1])
    return diagnostic


def check_rule_id(rule: Any, where: str) -> str | None:
    """Why ``rule`` cannot appear under ``lint.<where>`` (here or in an entry), or None."""
    known = checks.catalogue()
    if not isinstance(rule, str) or rule not in known:
        hint = difflib.get_close_matches(str(rule), list(known), n=1)
        suggestion = f"; did you mean `{hint[0]}`?" if hint else ""
        return f"unknown rule id {rule!r} in `lint.{where}`{suggestion} (see `kftest rules`)"
    if not known[rule].suppressible:
        return (
            f"`{rule}` reports input kftest cannot read or evaluate; it cannot be disabled or "
            "downgraded — fix the input instead"
        )
    return None
