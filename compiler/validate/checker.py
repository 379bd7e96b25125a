"""The state every semantic check shares, and the checks used at several levels
(arguments, names, artifact locations, hooks, metrics)."""

from __future__ import annotations

from typing import Any

from compiler.checks import Check
from compiler.diagnostics import Diagnostic, Severity
from compiler.lenient import as_dict, as_list, as_str, is_set
from compiler.validate import docpath
from compiler.validate.names import METRIC_NAME, param_name_problem, suggest

ARGO_SEMANTIC = Check(
    "argo-semantic",
    "what Argo's own validator rejects: missing entrypoint/template, bad references, "
    "dependency cycles",
    family="argo",
)
CHECKS = (ARGO_SEMANTIC,)
RULE = ARGO_SEMANTIC.id

ARTIFACT_LOCATIONS = (
    "s3",
    "git",
    "http",
    "artifactory",
    "hdfs",
    "raw",
    "oss",
    "gcs",
    "azure",
    "plugin",
)


def has_location_or_key(artifact: dict[Any, Any]) -> bool:
    return any(is_set(artifact, k) for k in ARTIFACT_LOCATIONS) or bool(as_str(artifact.get("key")))


class Template:
    """A template as found in ``spec.templates``: where it is, and what callers may rely on."""

    __slots__ = ("body", "index", "path")

    def __init__(self, body: dict[Any, Any], index: int, path: str) -> None:
        self.body = body
        self.index = index
        self.path = path


class CheckerBase:
    """One document being checked: where things are, and the diagnostics found so far."""

    def __init__(self, document: dict[Any, Any]) -> None:
        self.out: list[Diagnostic] = []
        self.document = document
        kind = document.get("kind")
        self.kind = kind if isinstance(kind, str) else "Workflow"
        self.spec_path = "spec"
        spec = as_dict(document.get("spec"))
        if self.kind == "CronWorkflow":
            self.cron_spec = spec
            spec = as_dict(spec.get("workflowSpec"))
            self.spec_path = "spec.workflowSpec"
        self.spec = spec
        # WorkflowTemplates are validated with fake arguments: callers supply parameters.
        self.is_template_kind = self.kind in ("WorkflowTemplate", "ClusterWorkflowTemplate")
        self.has_workflow_template_ref = is_set(spec, "workflowTemplateRef")
        self.templates: dict[str, Template] = {}
        self.template_defaults = as_dict(spec.get("templateDefaults"))
        self.workflow_parameters: set[str] = set()
        self._volumes: set[str] | None = None
        # Tags per template path (see tags.group_by_template); None: scan each template.
        self.tags_by_template: dict[str, list[str]] | None = None

    def error(self, path: str, message: str) -> None:
        self.out.append(Diagnostic(rule=RULE, message=message, path=path or None))

    def warning(self, path: str, message: str) -> None:
        self.out.append(
            Diagnostic(rule=RULE, message=message, severity=Severity.WARNING, path=path or None)
        )

    def resolve_local(self, name: str, path: str, what: str) -> Template | None:
        """The template ``name`` refers to, or an error at ``path`` saying it is undefined."""
        found = self.templates.get(name)
        if found is None and not self.has_workflow_template_ref:
            hint = suggest(name, sorted(self.templates))
            self.error(path, f"{what} template '{name}' is not defined in spec.templates{hint}")
        return found

    def check_reference(
        self, call: dict[Any, Any], path: str, what: str, inline_depth: int | None
    ) -> Template | None:
        raise NotImplementedError  # mutation: equivalent — calls.CallChecks overrides it

    # --- arguments, hooks, metrics ----------------------------------------------------------------

    def check_arguments(self, args: dict[Any, Any], path: str, *, allow_empty: bool) -> None:
        self.check_names(
            as_list(args.get("parameters")), f"{path}.parameters", "parameter", param_name_problem
        )
        self.check_names(
            as_list(args.get("artifacts")), f"{path}.artifacts", "artifact", param_name_problem
        )
        for position, parameter in enumerate(as_list(args.get("parameters"))):
            if not isinstance(parameter, dict):
                continue
            where = docpath.index(f"{path}.parameters", position)
            name = as_str(parameter.get("name"))
            value_from = parameter.get("valueFrom")
            if not is_set(parameter, "value") and value_from is None and not allow_empty:
                self.error(where, f"argument parameter '{name}' needs a value or valueFrom")
            if isinstance(value_from, dict):
                allowed = {"configMapKeyRef", "event", "supplied", "default"}
                extra = sorted(k for k in value_from if is_set(value_from, k) and k not in allowed)
                if extra or not any(
                    is_set(value_from, k) for k in ("configMapKeyRef", "event", "supplied")
                ):
                    self.error(
                        f"{where}.valueFrom",
                        f"argument parameter '{name}' valueFrom only allows: default, "
                        "configMapKeyRef, event and supplied",
                    )
            enum = parameter.get("enum")
            if isinstance(enum, list):
                if not enum:
                    self.error(f"{where}.enum", f"parameter '{name}' enum must not be empty")
                elif is_set(parameter, "value") and str(parameter["value"]) not in {
                    str(item) for item in enum
                }:
                    self.error(
                        f"{where}.value", f"parameter '{name}' value is not one of its enum values"
                    )
        for position, artifact in enumerate(as_list(args.get("artifacts"))):
            if not isinstance(artifact, dict):
                continue
            where = docpath.index(f"{path}.artifacts", position)
            name = as_str(artifact.get("name"))
            has_from = bool(as_str(artifact.get("from")))
            if (
                not has_from
                and not as_str(artifact.get("fromExpression"))
                and not has_location_or_key(artifact)
            ):
                self.error(where, f"argument artifact '{name}' needs from, a location, or a key")
            if has_from and as_str(artifact.get("fromExpression")):
                self.error(
                    where, f"argument artifact '{name}' cannot have both from and fromExpression"
                )
            self.check_artifact_location(artifact, where)

    def check_names(
        self,
        items: list[Any],
        path: str,
        what: str,
        problem_of: Any,
    ) -> set[str]:
        names: set[str] = set()
        for position, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            where = docpath.index(path, position)
            name = item.get("name")
            if name is None or name == "":
                self.error(where, f"{what} name is required")
                continue
            if not isinstance(name, str):
                continue
            problem = problem_of(name)
            if problem:
                self.error(f"{where}.name", f"{what} name '{name}' is invalid: {problem}")
            if name in names:
                self.error(f"{where}.name", f"{what} name '{name}' is not unique")
            names.add(name)
        return names

    def check_artifact_location(self, artifact: dict[Any, Any], path: str) -> None:
        locations = [k for k in ARTIFACT_LOCATIONS if is_set(artifact, k)]
        if len(locations) > 1:
            self.error(
                path,
                f"at most one artifact location can be specified (found {', '.join(locations)})",
            )
        git = artifact.get("git")
        if isinstance(git, dict) and not as_str(git.get("repo")):
            self.error(f"{path}.git", "git.repo is required")

    def check_hooks(self, hooks: dict[Any, Any], path: str) -> None:
        for name, hook in hooks.items():
            if not isinstance(hook, dict):
                continue
            where = docpath.key(path, name)
            if name != "exit" and not as_str(hook.get("expression")):
                self.error(where, f"hook '{name}' needs an expression (only 'exit' may omit it)")
            self.check_reference(hook, where, f"hook '{name}'", inline_depth=None)
            self.check_arguments(
                as_dict(hook.get("arguments")), f"{where}.arguments", allow_empty=False
            )

    def check_metrics(self, metrics: dict[Any, Any], path: str) -> None:
        for position, metric in enumerate(as_list(metrics.get("prometheus"))):
            if not isinstance(metric, dict):
                continue
            where = docpath.index(f"{path}.prometheus", position)
            name = metric.get("name")
            if isinstance(name, str) and not METRIC_NAME.match(name):
                self.error(
                    f"{where}.name",
                    f"metric name '{name}' is invalid: metric names must contain alphanumeric "
                    "characters or '_'",
                )
            if not as_str(metric.get("help")):
                self.error(where, f"metric '{as_str(name)}' must have a help string")
            gauge = metric.get("gauge")
            if (
                isinstance(gauge, dict)
                and gauge.get("realtime") is True
                and "resourcesDuration." in as_str(gauge.get("value"))
            ):
                self.error(
                    f"{where}.gauge",
                    "'resourcesDuration.*' metrics cannot be used in real-time gauges",
                )
