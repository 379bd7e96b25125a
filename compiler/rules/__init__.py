"""The guideline rules: test-infra's "Guidelines For Writing An Argo Workflow", checked.

One module per rule (``labels.py``, ``step_image.py``, ...). A rule module holds:

* its docstring: the rule's documentation, as ``kftest rules ID`` prints it. The first line is
  the summary; fenced examples labelled ``compliant`` / ``non-compliant`` are run by the tests
  (see tests/rules/test_examples.py for the block syntax);
* ``ID`` (the contract's kebab-case id) and ``SEVERITY``;
* ``SCOPE``: ``"workflow"`` (default: ``check(WorkflowContext)`` runs on every compiled
  workflow) or ``"config"`` (``check(ConfigContext)`` runs once on prow_config.yaml);
* ``KINDS``: the compiled documents a workflow rule applies to, default ``("Workflow",)``;
  rules that hold for Tekton too add ``"PipelineRun"`` (``ctx.is_tekton`` tells them apart);
* ``check(ctx)``: yields :class:`Problem` (workflow rules) or :class:`ConfigProblem`;
* optionally, as yamllint's rules: ``CONF`` (its ``.kftest.yaml`` options under ``lint``, each
  a JSON Schema), ``DEFAULT`` (their values when unset) and ``configure(name, value)`` (what
  the rule reads from a value, ValueError for a bad one): see ``_settings.py``.

Adding a rule means adding one module; rules never import each other, only the helpers in the
underscore modules of this package. A rule that raises becomes one internal-error diagnostic
of that rule; the other rules still run.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any

from compiler import checks
from compiler.config import CONFIG_SCHEMA
from compiler.diagnostics import Diagnostic, Severity
from compiler.model import CompiledWorkflow, ProwConfig
from compiler.prow import ProwEnv
from compiler.rules._context import ConfigContext, ConfigProblem, Problem, WorkflowContext
from compiler.rules._settings import SETTINGS_FILE, LintSettings, check_rule_id, load_settings
from compiler.validate.releases import Release

__all__ = [
    "SETTINGS_FILE",
    "ConfigContext",
    "ConfigProblem",
    "LintSettings",
    "Problem",
    "RuleInfo",
    "WorkflowContext",
    "all_rules",
    "check_config",
    "check_workflow",
    "get_rule",
    "load_settings",
]


@dataclass(frozen=True)  # mutation: equivalent[True -> False] — nothing changes or hashes one
class RuleInfo:
    id: str
    severity: Severity
    summary: str
    doc: str  # the module docstring
    scope: str = "workflow"  # or "config"
    kinds: tuple[str, ...] = ("Workflow",)  # the compiled documents a workflow rule reads
    options: Mapping[str, dict[str, Any]] = field(default_factory=dict)  # the rule's CONF
    defaults: Mapping[str, Any] = field(default_factory=dict)  # its DEFAULT
    configure: Callable[[str, Any], Any] = field(default=lambda name, value: value, compare=False)


@dataclass(frozen=True)  # mutation: equivalent[True -> False] — nothing changes or hashes one
class _Rule:
    info: RuleInfo
    check: Callable[[Any], Iterable[Any]]


@lru_cache(maxsize=1)  # mutation: equivalent[1 -> 2] — no arguments: one value to keep
def _rules() -> tuple[_Rule, ...]:
    rules = [_load(module) for module in _rule_modules()]
    order = {rule_id: index for index, rule_id in enumerate(checks.ORDER)}
    return tuple(
        sorted(rules, key=lambda rule: (order.get(rule.info.id, len(order)), rule.info.id))
    )


def _rule_modules() -> list[ModuleType]:
    return [
        importlib.import_module(f"{__name__}.{info.name}")
        for info in pkgutil.iter_modules(__path__)
        if not info.name.startswith("_")
    ]


def _load(module: ModuleType) -> _Rule:
    doc = inspect.cleandoc(module.__doc__ or "")
    info = RuleInfo(
        id=module.ID,
        severity=module.SEVERITY,
        summary=doc.splitlines()[0].strip() if doc else module.ID,
        doc=doc,
        scope=getattr(module, "SCOPE", "workflow"),
        kinds=tuple(getattr(module, "KINDS", ("Workflow",))),
        options=getattr(module, "CONF", {}),
        defaults=getattr(module, "DEFAULT", {}),
        configure=getattr(module, "configure", lambda name, value: value),
    )
    return _Rule(info=info, check=module.check)


def all_rules() -> list[RuleInfo]:
    """Every guideline rule, in the contract's order."""
    return [rule.info for rule in _rules()]


def get_rule(rule_id: str) -> RuleInfo | None:
    return next((rule.info for rule in _rules() if rule.info.id == rule_id), None)


def check_workflow(
    compiled: CompiledWorkflow,
    prow_env: ProwEnv,
    settings: LintSettings,
    config_file: str,
    release: Release | None = None,
    repo_root: Path | None = None,
) -> list[Diagnostic]:
    """Apply every enabled workflow rule to one compiled workflow (for the target release)."""
    context = WorkflowContext(
        compiled=compiled,
        prow_env=prow_env,
        settings=settings,
        release=release,
        repo_root=repo_root,
    )
    document = compiled.document
    kind = (
        "PipelineRun"
        if isinstance(document, dict) and document.get("kind") == "PipelineRun"
        else "Workflow"
    )
    try:
        return _check_workflow(context, kind, config_file)
    finally:
        context.drop_caches()


def _check_workflow(context: WorkflowContext, kind: str, config_file: str) -> list[Diagnostic]:
    settings, entry = context.settings, context.entry
    diagnostics: list[Diagnostic] = []
    for rule in _rules():
        info = rule.info
        if info.scope != "workflow" or settings.is_disabled(info.id, entry.lint_disable):
            continue
        if kind not in info.kinds:
            continue
        severity = settings.severity_for(info.id, info.severity)
        try:
            for problem in rule.check(context):
                diagnostics.append(
                    _workflow_diagnostic(info.id, severity, problem, context, config_file)
                )
        except Exception as exc:  # a broken rule must not hide the others' findings
            diagnostics.append(
                _workflow_diagnostic(
                    info.id,
                    Severity.ERROR,
                    Problem(None, _internal(info.id, exc)),
                    context,
                    config_file,
                )
            )
    return diagnostics


def check_config(
    config: ProwConfig, tracked_files: Sequence[str], settings: LintSettings
) -> list[Diagnostic]:
    """The configuration-level rules, plus unknown rule ids in entries' ``lint.disable``."""
    diagnostics = _entry_disable_problems(config)
    context = ConfigContext(config=config, tracked_files=tracked_files, settings=settings)
    for rule in _rules():
        info = rule.info
        if info.scope != "config" or settings.is_disabled(info.id):
            continue
        severity = settings.severity_for(info.id, info.severity)
        try:
            for problem in rule.check(context):
                if settings.is_disabled(info.id, problem.entry.lint_disable):
                    continue
                diagnostics.append(_config_diagnostic(info.id, severity, problem))
        except Exception as exc:
            diagnostics.append(
                Diagnostic(rule=info.id, file=config.path, message=_internal(info.id, exc))
            )
    return diagnostics


def _internal(rule_id: str, exc: Exception) -> str:
    return (
        f"internal error in rule {rule_id}: {type(exc).__name__}: {exc} (this is a bug in "
        "kftest, please report it; the other rules still ran)"
    )


def _workflow_diagnostic(
    rule_id: str,
    severity: Severity,
    problem: Problem,
    context: WorkflowContext,
    config_file: str,
) -> Diagnostic:
    entry = context.entry
    if problem.param is not None:
        # The value came from (or belongs in) prow_config.yaml: point at the line to edit.
        position = entry.where(context.param_key(problem.param))
        # A Position's file is the config's repo-relative path (config.load_config), which
        # config_file is too (pipeline.Options.config_file): the fallback never decides.
        # mutation: equivalent[Or -> And] — position.file is config_file (see above)
        file, line, column = position.file or config_file, position.line, position.column
    elif context.compiled.source:
        file, line, column = context.compiled.source, None, None
    else:
        # mutation: equivalent[Or -> And] — as above: entry.position.file is config_file
        file, line, column = entry.position.file or config_file, entry.position.line, None
    return Diagnostic(
        rule=rule_id,
        severity=severity,
        file=file,
        line=line,
        column=column,
        workflow=entry.name,
        path=problem.path,
        message=problem.message,
    )


def _config_diagnostic(rule_id: str, severity: Severity, problem: ConfigProblem) -> Diagnostic:
    position = problem.entry.where(problem.key)
    return Diagnostic(
        rule=rule_id,
        severity=severity,
        file=position.file,
        line=position.line,
        column=position.column,
        workflow=problem.entry.name,
        path=f"workflows[{problem.entry.index}].{problem.key}",
        message=problem.message,
    )


def _entry_disable_problems(config: ProwConfig) -> list[Diagnostic]:
    diagnostics = []
    for entry in config.workflows:
        for index, rule in enumerate(entry.lint_disable):
            reason = check_rule_id(rule, "disable")
            if reason:
                key = f"lint.disable[{index}]"
                diagnostics.append(
                    _config_diagnostic(
                        CONFIG_SCHEMA.id, Severity.ERROR, ConfigProblem(entry, key, reason)
                    )
                )
    return diagnostics
