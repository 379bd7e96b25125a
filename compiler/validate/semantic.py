"""Semantic checks (rule ``argo-semantic``): what Argo's own validator (``argo lint``) rejects.

Modelled on Argo Workflows' ``workflow/validate`` package and the CEL rules
(``x-kubernetes-validations``) of its full CRD, for one document in isolation:

* document: name length, entrypoint / onExit resolve, ``workflowTemplateRef`` excludes
  ``templates``, ``spec.arguments`` well-formed, ``podGC.strategy``, hooks, CronWorkflow fields;
* templates: names present, valid and unique; exactly one template type; inputs and outputs
  (names, values, artifact locations); leaf-only and non-leaf-only fields (timeout,
  activeDeadlineSeconds, parallelism); container/script image; resource action and manifest;
  containerSet; retry policy; metrics;
* steps and DAG tasks: names present, valid and unique; every ``template`` reference resolves
  (``templateRef`` points at another WorkflowTemplate and is not followed); arguments; the called
  template's inputs are supplied; ``depends``/``dependencies`` exclusive, their names exist,
  no cycle; targets; loops;
* ``{{...}}`` references to inputs, steps, tasks and workflow parameters that cannot resolve.

Problems are collected, not stopped at the first (Argo stops at the first). Every check reads
the document defensively: a value of the wrong type is the schema's to report, so it is skipped
here, and no input makes these checks raise.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from compiler.diagnostics import Diagnostic, Severity
from compiler.validate import docpath

RULE = "argo-semantic"

TEMPLATE_TYPES = (
    "container",
    "containerSet",
    "steps",
    "script",
    "resource",
    "dag",
    "suspend",
    "data",
    "http",
    "plugin",
)
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
RETRY_POLICIES = frozenset({"", "Always", "OnError", "OnFailure", "OnTransientError"})
POD_GC_STRATEGIES = frozenset(
    {"", "OnPodCompletion", "OnPodSuccess", "OnWorkflowCompletion", "OnWorkflowSuccess"}
)
RESOURCE_ACTIONS = frozenset({"get", "create", "apply", "delete", "replace", "patch"})
CONCURRENCY_POLICIES = frozenset({"", "Allow", "Forbid", "Replace"})
TASK_RESULTS = frozenset(
    {
        "Succeeded",
        "Failed",
        "Errored",
        "Skipped",
        "Omitted",
        "Daemoned",
        "AnySucceeded",
        "AllFailed",
    }
)
MAX_NAME_LENGTH = 63
MAX_CRON_NAME_LENGTH = 52
MAX_FIELD_NAME_LENGTH = 128
# Inline templates nest; real workflows stay shallow, garbage must not recurse forever.
MAX_INLINE_DEPTH = 20

_FIELD_NAME = re.compile(r"[a-zA-Z0-9][-a-zA-Z0-9]*\Z")
_PARAM_NAME = re.compile(r"[-a-zA-Z0-9_]+\Z")
_METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*\Z")
_PARAMETER_REF = re.compile(r"\{\{[-a-zA-Z0-9]+(\.[-a-zA-Z0-9_]+)*\}\}")
_TASK_NAME = re.compile(r"([a-zA-Z0-9][-a-zA-Z0-9]*?\.[A-Z][a-zA-Z]+)|([a-zA-Z0-9][-a-zA-Z0-9]*)")
_TAG = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+\Z")


def _dict(value: object) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _has(mapping: dict[Any, Any], key: str) -> bool:
    """Set and not null: the API server drops nulls, so ``key: null`` means absent."""
    return mapping.get(key) is not None


def _suggest(name: str, known: list[str]) -> str:
    match = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return f"; did you mean '{match[0]}'?" if match else ""


def _is_parameter(text: str) -> bool:
    return bool(_PARAMETER_REF.search(text))


def _field_name_problem(name: str) -> str | None:
    if len(name) > MAX_FIELD_NAME_LENGTH:
        return f"must be no more than {MAX_FIELD_NAME_LENGTH} characters"
    if not _FIELD_NAME.match(name):
        return (
            "must consist of alpha-numeric characters or '-', and must start with an "
            "alpha-numeric character"
        )
    return None


def _param_name_problem(name: str) -> str | None:
    if not _PARAM_NAME.match(name):
        return "must consist of alpha-numeric characters, '_' or '-'"
    return None


def _tags(value: object) -> Iterator[str]:
    """Every ``{{...}}`` tag (trimmed) in the strings of ``value``, skipping inline templates."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "{{" in item:
                for match in _TAG.finditer(item):
                    yield match.group(1).strip()
        elif isinstance(item, dict):
            stack.extend(v for k, v in item.items() if k != "inline")
        elif isinstance(item, list):
            stack.extend(item)


class _Template:
    """A template as found in ``spec.templates``: where it is, and what callers may rely on."""

    __slots__ = ("body", "index", "path")

    def __init__(self, body: dict[Any, Any], index: int, path: str) -> None:
        self.body = body
        self.index = index
        self.path = path


class _Checker:
    def __init__(self, document: dict[Any, Any]) -> None:
        self.out: list[Diagnostic] = []
        self.document = document
        kind = document.get("kind")
        self.kind = kind if isinstance(kind, str) else "Workflow"
        self.spec_path = "spec"
        spec = _dict(document.get("spec"))
        if self.kind == "CronWorkflow":
            self.cron_spec = spec
            spec = _dict(spec.get("workflowSpec"))
            self.spec_path = "spec.workflowSpec"
        self.spec = spec
        # WorkflowTemplates are validated with fake arguments: callers supply parameters.
        self.is_template_kind = self.kind in ("WorkflowTemplate", "ClusterWorkflowTemplate")
        self.has_workflow_template_ref = _has(spec, "workflowTemplateRef")
        self.templates: dict[str, _Template] = {}
        self.template_defaults = _dict(spec.get("templateDefaults"))
        self.workflow_parameters: set[str] = set()

    def error(self, path: str, message: str) -> None:
        self.out.append(Diagnostic(rule=RULE, message=message, path=path or None))

    def warning(self, path: str, message: str) -> None:
        self.out.append(
            Diagnostic(rule=RULE, message=message, severity=Severity.WARNING, path=path or None)
        )

    # --- document ---------------------------------------------------------------------------------

    def run(self) -> list[Diagnostic]:
        self.check_metadata()
        if self.kind == "CronWorkflow":
            self.check_cron()
        self.collect_templates()
        self.check_arguments_of_spec()
        self.check_entrypoint_and_exit()
        self.check_spec_fields()
        for template in self.templates_in_order():
            self.check_template(template.body, template.path, depth=0)
        return self.out

    def check_metadata(self) -> None:
        metadata = _dict(self.document.get("metadata"))
        name = _str(metadata.get("name"))
        limit = MAX_CRON_NAME_LENGTH if self.kind == "CronWorkflow" else MAX_NAME_LENGTH
        if len(name) > limit:
            self.error(
                "metadata.name",
                f"{self.kind} name '{name}' must not be more than {limit} characters long "
                f"(currently {len(name)})",
            )
        if isinstance(self.document.get("metadata"), dict) and not (
            name or _str(metadata.get("generateName"))
        ):
            self.error("metadata", "metadata.name or metadata.generateName is required")

    def check_cron(self) -> None:
        spec = self.cron_spec
        schedules = [s for s in _list(spec.get("schedules")) if isinstance(s, str)]
        if _str(spec.get("schedule")) and schedules:
            self.error("spec", "a CronWorkflow cannot set both spec.schedule and spec.schedules")
        for position, schedule in enumerate(schedules):
            problem = _cron_problem(schedule)
            if problem:
                self.error(
                    docpath.index("spec.schedules", position),
                    f"cron schedule '{schedule}' is malformed: {problem}",
                )
        policy = spec.get("concurrencyPolicy")
        if isinstance(policy, str) and policy not in CONCURRENCY_POLICIES:
            self.error(
                "spec.concurrencyPolicy",
                f"'{policy}' is not a valid concurrencyPolicy (Allow, Forbid or Replace)",
            )
        deadline = spec.get("startingDeadlineSeconds")
        if _is_int(deadline) and deadline < 0:
            self.error("spec.startingDeadlineSeconds", "startingDeadlineSeconds must be positive")

    def collect_templates(self) -> None:
        templates_path = f"{self.spec_path}.templates"
        templates = _list(self.spec.get("templates"))
        if self.has_workflow_template_ref and templates:
            self.error(
                templates_path,
                "spec.templates must be empty when the workflow uses workflowTemplateRef",
            )
        for position, body in enumerate(templates):
            path = docpath.index(templates_path, position)
            if not isinstance(body, dict):
                continue
            name = body.get("name")
            if not isinstance(name, str) or not name:
                if name is None or name == "":
                    self.error(path, "template name is required")
                continue
            problem = _field_name_problem(name)
            if problem:
                self.error(f"{path}.name", f"template name '{name}' is invalid: {problem}")
            if name in self.templates:
                first = self.templates[name].path
                self.error(f"{path}.name", f"template name '{name}' is not unique ({first})")
                continue
            self.templates[name] = _Template(body, position, path)

    def templates_in_order(self) -> list[_Template]:
        seen = []
        templates_path = f"{self.spec_path}.templates"
        for position, body in enumerate(_list(self.spec.get("templates"))):
            if isinstance(body, dict):
                seen.append(_Template(body, position, docpath.index(templates_path, position)))
        return seen

    def resolve_local(self, name: str, path: str, what: str) -> _Template | None:
        """The template ``name`` refers to, or an error at ``path`` saying it is undefined."""
        found = self.templates.get(name)
        if found is None and not self.has_workflow_template_ref:
            hint = _suggest(name, sorted(self.templates))
            self.error(path, f"{what} template '{name}' is not defined in spec.templates{hint}")
        return found

    def check_entrypoint_and_exit(self) -> None:
        spec, base = self.spec, self.spec_path
        entrypoint = spec.get("entrypoint")
        if not isinstance(entrypoint, str) and entrypoint is not None:
            return  # a type error, reported by the schema
        wf_args = _dict(spec.get("arguments"))
        if not entrypoint:
            if not self.is_template_kind and not self.has_workflow_template_ref:
                self.error(f"{base}.entrypoint", "spec.entrypoint is required")
        elif not self.has_workflow_template_ref:
            found = self.resolve_local(entrypoint, f"{base}.entrypoint", "entrypoint")
            if found is not None and not self.is_template_kind:
                self.check_supplied(found, wf_args, f"{base}.entrypoint", "spec.arguments")
        on_exit = spec.get("onExit")
        if isinstance(on_exit, str) and on_exit and not self.has_workflow_template_ref:
            found = self.resolve_local(on_exit, f"{base}.onExit", "onExit")
            if found is not None and not self.is_template_kind:
                self.check_supplied(found, wf_args, f"{base}.onExit", "spec.arguments")

    def check_arguments_of_spec(self) -> None:
        args = _dict(self.spec.get("arguments"))
        # Workflows must give every parameter a value when submitted; templates get theirs
        # from the workflow that uses them.
        self.check_arguments(args, f"{self.spec_path}.arguments", allow_empty=self.is_template_kind)
        for parameter in _list(args.get("parameters")):
            name = _str(_dict(parameter).get("name"))
            if name:
                self.workflow_parameters.add(name)

    def check_spec_fields(self) -> None:
        spec, base = self.spec, self.spec_path
        strategy = _dict(spec.get("podGC")).get("strategy")
        if isinstance(strategy, str) and strategy not in POD_GC_STRATEGIES:
            known = ", ".join(sorted(POD_GC_STRATEGIES - {""}))
            self.error(
                f"{base}.podGC.strategy", f"podGC.strategy unknown strategy '{strategy}' ({known})"
            )
        self.check_hooks(_dict(spec.get("hooks")), f"{base}.hooks")
        self.check_metrics(_dict(spec.get("metrics")), f"{base}.metrics")

    # --- arguments, hooks, metrics ----------------------------------------------------------------

    def check_arguments(self, args: dict[Any, Any], path: str, *, allow_empty: bool) -> None:
        self.check_names(
            _list(args.get("parameters")), f"{path}.parameters", "parameter", _param_name_problem
        )
        self.check_names(
            _list(args.get("artifacts")), f"{path}.artifacts", "artifact", _param_name_problem
        )
        for position, parameter in enumerate(_list(args.get("parameters"))):
            if not isinstance(parameter, dict):
                continue
            where = docpath.index(f"{path}.parameters", position)
            name = _str(parameter.get("name"))
            value_from = parameter.get("valueFrom")
            if not _has(parameter, "value") and value_from is None and not allow_empty:
                self.error(where, f"argument parameter '{name}' needs a value or valueFrom")
            if isinstance(value_from, dict):
                allowed = {"configMapKeyRef", "event", "supplied", "default"}
                extra = sorted(k for k in value_from if _has(value_from, k) and k not in allowed)
                if extra or not any(
                    _has(value_from, k) for k in ("configMapKeyRef", "event", "supplied")
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
                elif _has(parameter, "value") and str(parameter["value"]) not in {
                    str(item) for item in enum
                }:
                    self.error(
                        f"{where}.value", f"parameter '{name}' value is not one of its enum values"
                    )
        for position, artifact in enumerate(_list(args.get("artifacts"))):
            if not isinstance(artifact, dict):
                continue
            where = docpath.index(f"{path}.artifacts", position)
            name = _str(artifact.get("name"))
            has_from = bool(_str(artifact.get("from")))
            if (
                not has_from
                and not _str(artifact.get("fromExpression"))
                and not _artifact_has_location_or_key(artifact)
            ):
                self.error(where, f"argument artifact '{name}' needs from, a location, or a key")
            if has_from and _str(artifact.get("fromExpression")):
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
        locations = [k for k in ARTIFACT_LOCATIONS if _has(artifact, k)]
        if len(locations) > 1:
            self.error(
                path,
                f"at most one artifact location can be specified (found {', '.join(locations)})",
            )
        git = artifact.get("git")
        if isinstance(git, dict) and not _str(git.get("repo")):
            self.error(f"{path}.git", "git.repo is required")

    def check_hooks(self, hooks: dict[Any, Any], path: str) -> None:
        for name, hook in hooks.items():
            if not isinstance(hook, dict):
                continue
            where = docpath.key(path, name)
            if name != "exit" and not _str(hook.get("expression")):
                self.error(where, f"hook '{name}' needs an expression (only 'exit' may omit it)")
            self.check_reference(hook, where, f"hook '{name}'", inline_depth=None)
            self.check_arguments(
                _dict(hook.get("arguments")), f"{where}.arguments", allow_empty=False
            )

    def check_metrics(self, metrics: dict[Any, Any], path: str) -> None:
        for position, metric in enumerate(_list(metrics.get("prometheus"))):
            if not isinstance(metric, dict):
                continue
            where = docpath.index(f"{path}.prometheus", position)
            name = metric.get("name")
            if isinstance(name, str) and not _METRIC_NAME.match(name):
                self.error(
                    f"{where}.name",
                    f"metric name '{name}' is invalid: metric names must contain alphanumeric "
                    "characters or '_'",
                )
            if not _str(metric.get("help")):
                self.error(where, f"metric '{_str(name)}' must have a help string")
            gauge = metric.get("gauge")
            if (
                isinstance(gauge, dict)
                and gauge.get("realtime") is True
                and "resourcesDuration." in _str(gauge.get("value"))
            ):
                self.error(
                    f"{where}.gauge",
                    "'resourcesDuration.*' metrics cannot be used in real-time gauges",
                )

    # --- templates --------------------------------------------------------------------------------

    def check_template(self, body: dict[Any, Any], path: str, depth: int) -> None:
        name = _str(body.get("name")) or "(inline)"
        types = [t for t in TEMPLATE_TYPES if _has(body, t)]
        if not types:
            self.error(
                path,
                f"template '{name}' has no template type: choose one of "
                f"{', '.join(TEMPLATE_TYPES)}",
            )
        elif len(types) > 1:
            self.error(
                path,
                f"template '{name}' has multiple template types ({', '.join(types)}); "
                "a template must have exactly one",
            )
        is_leaf = not (_has(body, "steps") or _has(body, "dag"))
        inputs = _dict(body.get("inputs"))
        self.check_inputs(inputs, body, f"{path}.inputs", is_leaf)
        self.check_outputs(_dict(body.get("outputs")), body, f"{path}.outputs", is_leaf, types)
        if is_leaf:
            self.check_leaf(body, path, name)
        else:
            if _has(body, "activeDeadlineSeconds"):
                self.error(
                    f"{path}.activeDeadlineSeconds",
                    "activeDeadlineSeconds is only valid for leaf templates",
                )
            if _str(body.get("timeout")):
                self.error(f"{path}.timeout", "timeout cannot be applied to steps or dag templates")
        timeout = body.get("timeout")
        if is_leaf and isinstance(timeout, str) and _WHOLE_NUMBER.match(timeout.strip()):
            self.error(
                f"{path}.timeout",
                f"timeout '{timeout}' has an invalid duration format "
                f"(use units, e.g. '{timeout}s')",
            )
        retry = _dict(body.get("retryStrategy"))
        policy = retry.get("retryPolicy")
        if isinstance(policy, str) and policy not in RETRY_POLICIES:
            self.error(
                f"{path}.retryStrategy.retryPolicy",
                f"'{policy}' is not a valid retryPolicy "
                f"({', '.join(sorted(RETRY_POLICIES - {''}))})",
            )
        archive = body.get("archiveLocation")
        if isinstance(archive, dict):
            self.check_artifact_location(archive, f"{path}.archiveLocation")
        for position, container in enumerate(_list(body.get("initContainers"))):
            if isinstance(container, dict) and not _str(container.get("name")):
                self.error(
                    docpath.index(f"{path}.initContainers", position),
                    "initContainers must all have a container name",
                )
        self.check_metrics(_dict(body.get("metrics")), f"{path}.metrics")
        if _has(body, "steps"):
            self.check_steps(body, path, depth)
        elif _has(body, "dag"):
            self.check_dag(body, path, depth)
        self.check_references(body, path, inputs)

    def check_inputs(
        self, inputs: dict[Any, Any], body: dict[Any, Any], path: str, is_leaf: bool
    ) -> None:
        self.check_names(
            _list(inputs.get("parameters")),
            f"{path}.parameters",
            "input parameter",
            _param_name_problem,
        )
        self.check_names(
            _list(inputs.get("artifacts")),
            f"{path}.artifacts",
            "input artifact",
            _param_name_problem,
        )
        for position, artifact in enumerate(_list(inputs.get("artifacts"))):
            if not isinstance(artifact, dict):
                continue
            where = docpath.index(f"{path}.artifacts", position)
            name = _str(artifact.get("name"))
            if not is_leaf and _str(artifact.get("path")):
                self.error(
                    f"{where}.path",
                    f"input artifact '{name}' path is only valid in container/script templates",
                )
            if _str(artifact.get("from")):
                self.error(f"{where}.from", f"input artifact '{name}' from is not valid in inputs")
            self.check_artifact_location(artifact, where)

    def check_outputs(
        self,
        outputs: dict[Any, Any],
        body: dict[Any, Any],
        path: str,
        is_leaf: bool,
        types: list[str],
    ) -> None:
        self.check_names(
            _list(outputs.get("parameters")),
            f"{path}.parameters",
            "output parameter",
            _param_name_problem,
        )
        self.check_names(
            _list(outputs.get("artifacts")),
            f"{path}.artifacts",
            "output artifact",
            _param_name_problem,
        )
        kind = types[0] if len(types) == 1 else ""
        for position, artifact in enumerate(_list(outputs.get("artifacts"))):
            if not isinstance(artifact, dict):
                continue
            where = docpath.index(f"{path}.artifacts", position)
            name = _str(artifact.get("name"))
            if not is_leaf and _str(artifact.get("path")):
                self.error(
                    f"{where}.path",
                    f"output artifact '{name}' path is only valid in container/script templates",
                )
            self.check_global_name(artifact, where)
            self.check_artifact_location(artifact, where)
        for position, parameter in enumerate(_list(outputs.get("parameters"))):
            if not isinstance(parameter, dict):
                continue
            where = docpath.index(f"{path}.parameters", position)
            self.check_output_parameter(parameter, where, kind)
            self.check_global_name(parameter, where)

    def check_output_parameter(self, parameter: dict[Any, Any], path: str, kind: str) -> None:
        name = _str(parameter.get("name"))
        value_from = parameter.get("valueFrom")
        has_value = _has(parameter, "value")
        if has_value and value_from is not None:
            self.error(path, f"output parameter '{name}' has both valueFrom and value; choose one")
            return
        if has_value:
            return
        if not isinstance(value_from, dict):
            if value_from is None:
                self.error(path, f"output parameter '{name}' has neither valueFrom nor value")
            return
        sources = [
            k
            for k in ("path", "jqFilter", "jsonPath", "parameter", "expression")
            if _str(value_from.get(k))
        ] + (["supplied"] if _has(value_from, "supplied") else [])
        if not sources:
            self.error(
                f"{path}.valueFrom",
                f"output parameter '{name}' valueFrom type unspecified: choose one of path, "
                "jqFilter, jsonPath, parameter, expression, supplied",
            )
        elif len(sources) > 1:
            self.error(
                f"{path}.valueFrom",
                f"output parameter '{name}' has multiple valueFrom types ({', '.join(sources)})",
            )
        if kind in ("container", "containerSet", "script") and not _str(value_from.get("path")):
            self.error(
                f"{path}.valueFrom",
                f"output parameter '{name}' valueFrom.path must be set for {kind} templates",
            )
        elif kind == "resource" and not (
            _str(value_from.get("jqFilter")) or _str(value_from.get("jsonPath"))
        ):
            self.error(
                f"{path}.valueFrom",
                f"output parameter '{name}' valueFrom.jqFilter or jsonPath must be set for "
                "resource templates",
            )
        elif kind in ("steps", "dag"):
            from_parameter = _str(value_from.get("parameter"))
            expression = _str(value_from.get("expression"))
            if not from_parameter and not expression:
                self.error(
                    f"{path}.valueFrom",
                    f"output parameter '{name}' valueFrom.parameter or expression must be set "
                    f"for {kind} templates",
                )

    def check_global_name(self, item: dict[Any, Any], path: str) -> None:
        global_name = item.get("globalName")
        if isinstance(global_name, str) and global_name and not _is_parameter(global_name):
            problem = _param_name_problem(global_name)
            if problem:
                self.error(
                    f"{path}.globalName", f"globalName '{global_name}' is invalid: {problem}"
                )

    def check_leaf(self, body: dict[Any, Any], path: str, name: str) -> None:
        container = body.get("container")
        if isinstance(container, dict):
            self.check_mounts(container, body, f"{path}.container")
            if not _str(container.get("image")) and not self.default_image("container"):
                self.error(
                    f"{path}.container.image", f"template '{name}' container.image may not be empty"
                )
        script = body.get("script")
        if (
            isinstance(script, dict)
            and not _str(script.get("image"))
            and not self.default_image("script")
        ):
            self.error(f"{path}.script.image", f"template '{name}' script.image may not be empty")
        container_set = body.get("containerSet")
        if isinstance(container_set, dict):
            self.check_container_set(container_set, body, f"{path}.containerSet")
        resource = body.get("resource")
        if isinstance(resource, dict):
            self.check_resource(resource, body, f"{path}.resource")
        deadline = body.get("activeDeadlineSeconds")
        if deadline is not None and not _valid_deadline(deadline):
            self.error(
                f"{path}.activeDeadlineSeconds",
                "activeDeadlineSeconds must be a positive integer or an argo variable",
            )
        if _has(body, "parallelism"):
            self.error(
                f"{path}.parallelism", "parallelism is only valid for steps and dag templates"
            )

    def default_image(self, kind: str) -> bool:
        return bool(_str(_dict(self.template_defaults.get(kind)).get("image")))

    def check_mounts(self, container: dict[Any, Any], body: dict[Any, Any], path: str) -> None:
        mounted: dict[str, str] = {}
        for position, mount in enumerate(_list(container.get("volumeMounts"))):
            mount_path = _str(_dict(mount).get("mountPath"))
            if not mount_path:
                continue
            if mount_path in mounted:
                self.error(
                    docpath.index(f"{path}.volumeMounts", position),
                    f"mountPath '{mount_path}' is already mounted by {mounted[mount_path]}",
                )
            mounted.setdefault(mount_path, f"volumeMount '{_str(_dict(mount).get('name'))}'")
        inputs_path = path.rsplit(".", 1)[0] + ".inputs.artifacts"
        for position, artifact in enumerate(_list(_dict(body.get("inputs")).get("artifacts"))):
            artifact_path = _str(_dict(artifact).get("path"))
            if artifact_path and artifact_path in mounted:
                self.error(
                    docpath.index(inputs_path, position),
                    f"input artifact path '{artifact_path}' is already mounted by "
                    f"{mounted[artifact_path]}",
                )

    def check_container_set(
        self, container_set: dict[Any, Any], body: dict[Any, Any], path: str
    ) -> None:
        containers = _list(container_set.get("containers"))
        if not containers:
            self.error(f"{path}.containers", "containerSet must have at least one container")
            return
        names = self.check_names(containers, f"{path}.containers", "container", _field_name_problem)
        self.check_mounts(container_set, {}, path)
        for position, container in enumerate(containers):
            for dependency in _list(_dict(container).get("dependencies")):
                if isinstance(dependency, str) and dependency not in names:
                    self.error(
                        docpath.index(f"{path}.containers", position),
                        f"container dependency '{dependency}' is not defined",
                    )
        inputs, outputs = _dict(body.get("inputs")), _dict(body.get("outputs"))
        needs_main = (
            _list(inputs.get("artifacts"))
            or _list(outputs.get("parameters"))
            or _list(outputs.get("artifacts"))
        )
        if needs_main and "main" not in names:
            self.error(
                f"{path}.containers",
                'containerSet must have a container named "main" for input or output',
            )

    def check_resource(self, resource: dict[Any, Any], body: dict[Any, Any], path: str) -> None:
        action = resource.get("action")
        if isinstance(action, str) and "{{" not in action and action not in RESOURCE_ACTIONS:
            self.error(
                f"{path}.action",
                f"resource.action must be one of: {', '.join(sorted(RESOURCE_ACTIONS))}",
            )
        manifest = _str(resource.get("manifest"))
        manifest_from = resource.get("manifestFrom")
        if action not in ("delete", "get"):
            if not manifest and manifest_from is None:
                self.error(path, "either resource.manifest or resource.manifestFrom must be set")
            if manifest and manifest_from is not None:
                self.error(path, "only one of manifest or manifestFrom can be specified")
        artifact = _dict(_dict(manifest_from).get("artifact"))
        if artifact:
            name = _str(artifact.get("name"))
            inputs = {
                _str(_dict(a).get("name"))
                for a in _list(_dict(body.get("inputs")).get("artifacts"))
            }
            if name not in inputs:
                self.error(
                    f"{path}.manifestFrom.artifact",
                    f"manifestFrom artifact '{name}' is not an input artifact of the template",
                )
            self.check_artifact_location(artifact, f"{path}.manifestFrom.artifact")
        if manifest and not _valid_manifest(manifest):
            self.error(f"{path}.manifest", "resource.manifest must be valid YAML")

    # --- steps and DAGs ---------------------------------------------------------------------------

    def check_steps(self, body: dict[Any, Any], path: str, depth: int) -> None:
        names: dict[str, str] = {}
        for group_index, group in enumerate(_list(body.get("steps"))):
            group_path = docpath.index(f"{path}.steps", group_index)
            for step_index, step in enumerate(_list(group)):
                if not isinstance(step, dict):
                    continue
                step_path = docpath.index(group_path, step_index)
                name = step.get("name")
                if name is None or name == "":
                    self.error(step_path, "step name is required")
                elif isinstance(name, str):
                    problem = _field_name_problem(name)
                    if problem:
                        self.error(f"{step_path}.name", f"step name '{name}' is invalid: {problem}")
                    if name in names:
                        self.error(
                            f"{step_path}.name",
                            f"step name '{name}' is not unique within the template ({names[name]})",
                        )
                    names.setdefault(name, step_path)
                self.check_call(step, step_path, f"step '{_str(name)}'", depth)

    def check_call(self, call: dict[Any, Any], path: str, what: str, depth: int) -> None:
        """What steps and tasks share: loops, arguments, the template they call, hooks."""
        loops = [k for k in ("withItems", "withParam", "withSequence") if _has(call, k)]
        if len(loops) > 1:
            self.error(path, f"{what}: only one of withItems, withParam, withSequence can be set")
        sequence = _dict(call.get("withSequence"))
        if _has(sequence, "count") and _has(sequence, "end"):
            self.error(f"{path}.withSequence", "only one of count or end can be defined")
        args = _dict(call.get("arguments"))
        self.check_arguments(args, f"{path}.arguments", allow_empty=False)
        called = self.check_reference(call, path, what, inline_depth=depth)
        if called is not None:
            self.check_supplied(called, args, path, f"{what} arguments")
        self.check_hooks(_dict(call.get("hooks")), f"{path}.hooks")

    def check_reference(
        self, call: dict[Any, Any], path: str, what: str, inline_depth: int | None
    ) -> _Template | None:
        """Check what ``call`` (a step, task or hook) invokes; returns a local template."""
        template = call.get("template")
        ref = call.get("templateRef")
        inline = call.get("inline")
        if isinstance(ref, dict):
            if template:
                self.error(path, f"{what}: template cannot be set together with templateRef")
            for key in ("name", "template"):
                if not _str(ref.get(key)):
                    self.error(f"{path}.templateRef", f"{what}: templateRef.{key} is required")
            return None
        if isinstance(inline, dict):
            if inline_depth is not None and inline_depth < MAX_INLINE_DEPTH:
                self.check_template(inline, f"{path}.inline", inline_depth + 1)
            return None
        if isinstance(template, str) and template:
            if "{{" in template:
                return None  # resolved at run time
            return self.resolve_local(template, f"{path}.template", what)
        if template is None and ref is None and inline is None:
            self.error(path, f"{what} must set template, templateRef or inline")
        return None

    def check_supplied(
        self, called: _Template, args: dict[Any, Any], path: str, source: str
    ) -> None:
        """The called template's inputs without a default must come from ``args``."""
        supplied = {_str(_dict(p).get("name")) for p in _list(args.get("parameters"))}
        supplied_artifacts = {_str(_dict(a).get("name")) for a in _list(args.get("artifacts"))}
        inputs = _dict(called.body.get("inputs"))
        template_name = _str(called.body.get("name"))
        for parameter in _list(inputs.get("parameters")):
            if not isinstance(parameter, dict):
                continue
            name = _str(parameter.get("name"))
            if not name or name in supplied:
                continue
            if any(_has(parameter, k) for k in ("value", "default", "valueFrom")):
                continue
            self.error(
                path,
                f"template '{template_name}' input parameter '{name}' was not supplied "
                f"(no default, and not in {source})",
            )
        for artifact in _list(inputs.get("artifacts")):
            if not isinstance(artifact, dict):
                continue
            name = _str(artifact.get("name"))
            if not name or name in supplied_artifacts or artifact.get("optional") is True:
                continue
            if _artifact_has_location_or_key(artifact) or _str(artifact.get("from")):
                continue
            self.error(
                path,
                f"template '{template_name}' input artifact '{name}' was not supplied "
                f"(not optional, no location, and not in {source})",
            )

    def check_dag(self, body: dict[Any, Any], path: str, depth: int) -> None:
        dag = _dict(body.get("dag"))
        tasks_path = f"{path}.dag.tasks"
        tasks = [t for t in _list(dag.get("tasks")) if isinstance(t, dict)]
        if not tasks:
            self.error(tasks_path, "a dag template must have at least one task")
            return
        self.check_names(_list(dag.get("tasks")), tasks_path, "task", _field_name_problem)
        by_name: dict[str, dict[Any, Any]] = {}
        paths: dict[str, str] = {}
        for position, task in enumerate(_list(dag.get("tasks"))):
            if isinstance(task, dict) and isinstance(task.get("name"), str):
                by_name.setdefault(task["name"], task)
                paths.setdefault(task["name"], docpath.index(tasks_path, position))
        using_depends = any(_str(t.get("depends")) for t in tasks)
        graph: dict[str, list[str]] = {}
        for position, task in enumerate(_list(dag.get("tasks"))):
            if not isinstance(task, dict):
                continue
            task_path = docpath.index(tasks_path, position)
            name = _str(task.get("name"))
            what = f"task '{name}'"
            dependencies = [d for d in _list(task.get("dependencies")) if isinstance(d, str)]
            if name[:1].isdigit() and (using_depends or dependencies):
                self.error(
                    f"{task_path}.name",
                    f"task name '{name}' cannot begin with a digit when using 'depends' or "
                    "'dependencies'",
                )
            if using_depends and dependencies:
                self.error(
                    f"{task_path}.dependencies",
                    "cannot use both 'depends' and 'dependencies' in the same DAG template",
                )
            if using_depends and _has(task, "continueOn"):
                self.error(
                    f"{task_path}.continueOn",
                    "cannot use 'continueOn' when using 'depends'; use 'dep-task.Failed' or "
                    "'dep-task.Errored' instead",
                )
            deps = self.task_dependencies(task, task_path, dependencies, by_name)
            graph[name] = list(deps)
            for dep, items_based in deps.items():
                if dep not in by_name:
                    where = (
                        f"{task_path}.depends"
                        if _str(task.get("depends"))
                        else (f"{task_path}.dependencies")
                    )
                    self.error(
                        where,
                        f"{what} depends on '{dep}', which is not a task of this DAG"
                        f"{_suggest(dep, sorted(by_name))}",
                    )
                elif items_based and not any(
                    _has(by_name[dep], k) for k in ("withItems", "withParam", "withSequence")
                ):
                    self.error(
                        f"{task_path}.depends",
                        f"{what} uses an items-based condition (.AnySucceeded/.AllFailed) on "
                        f"'{dep}', which has no items",
                    )
            self.check_call(task, task_path, what, depth)
        cycle = _find_cycle(graph)
        if cycle:
            first = paths.get(cycle[0], tasks_path)
            self.error(first, f"dependency cycle detected: {'->'.join(cycle)}")
        else:
            self.check_argument_dependencies(tasks, graph, paths)
        target = dag.get("target")
        if isinstance(target, str) and target:
            for name in target.split(" "):
                if name and not _is_parameter(name) and name not in by_name:
                    self.error(f"{path}.dag.target", f"target '{name}' is not a task of this DAG")

    def task_dependencies(
        self,
        task: dict[Any, Any],
        task_path: str,
        dependencies: list[str],
        by_name: dict[str, dict[Any, Any]],
    ) -> dict[str, bool]:
        """Task names this task depends on -> whether the condition needs items."""
        depends = _str(task.get("depends"))
        if not depends:
            return {d: False for d in dependencies}
        found: dict[str, bool] = {}
        for match in _TASK_NAME.finditer(depends):
            if match.group(1):
                dep, result = match.group(1).split(".", 1)
                if result not in TASK_RESULTS:
                    self.error(
                        f"{task_path}.depends",
                        f"task result '{result}' for task '{dep}' is invalid "
                        f"({', '.join(sorted(TASK_RESULTS))})",
                    )
                items = result in ("AnySucceeded", "AllFailed")
                found[dep] = found.get(dep, False) or items
            else:
                found.setdefault(match.group(2), False)
        return found

    def check_argument_dependencies(
        self,
        tasks: list[dict[Any, Any]],
        graph: dict[str, list[str]],
        paths: dict[str, str],
    ) -> None:
        """A task argument taken from ``{{tasks.X...}}`` needs X among its ancestors."""
        for task in tasks:
            name = _str(task.get("name"))
            ancestors = _ancestors(name, graph)
            args = _dict(task.get("arguments"))
            sources = [
                (_str(_dict(p).get("name")), "parameter", _dict(p).get("value"))
                for p in _list(args.get("parameters"))
            ] + [
                (_str(_dict(a).get("name")), "artifact", _dict(a).get("from"))
                for a in _list(args.get("artifacts"))
            ]
            for arg_name, what, value in sources:
                if not isinstance(value, str) or not value.startswith("{{tasks."):
                    continue
                ref = value[len("{{tasks.") :].split(".", 1)[0]
                if ref not in ancestors:
                    self.error(
                        paths.get(name, ""),
                        f"task '{name}' {what} '{arg_name}' uses task '{ref}', which the task "
                        "does not depend on",
                    )

    # --- {{...}} references -----------------------------------------------------------------------

    def check_references(self, body: dict[Any, Any], path: str, inputs: dict[Any, Any]) -> None:
        """Tags that can never resolve: undeclared inputs, unknown steps/tasks/parameters."""
        parameters = {_str(_dict(p).get("name")) for p in _list(inputs.get("parameters"))}
        parameters |= {
            _str(_dict(p).get("name"))
            for p in _list(_dict(self.template_defaults.get("inputs")).get("parameters"))
        }
        artifacts = {_str(_dict(a).get("name")) for a in _list(inputs.get("artifacts"))}
        steps = {
            _str(_dict(s).get("name")) for group in _list(body.get("steps")) for s in _list(group)
        }
        tasks = {_str(_dict(t).get("name")) for t in _list(_dict(body.get("dag")).get("tasks"))}
        check_workflow_parameters = not (self.is_template_kind or self.has_workflow_template_ref)
        reported: set[str] = set()
        for tag in _tags(body):
            problem = None
            parts = tag.split(".")
            head = parts[0]
            if len(parts) >= 3 and head == "inputs":
                if parts[1] == "parameters" and parts[2] not in parameters:
                    problem = f"input parameter '{parts[2]}' is not declared in inputs.parameters"
                elif parts[1] == "artifacts" and parts[2] not in artifacts:
                    problem = f"input artifact '{parts[2]}' is not declared in inputs.artifacts"
            elif len(parts) >= 2 and head == "steps" and _has(body, "steps"):
                if parts[1] not in steps and parts[1] != "name":
                    problem = f"'{parts[1]}' is not a step of this template"
            elif len(parts) >= 2 and head == "tasks" and _has(body, "dag"):
                if parts[1] not in tasks and parts[1] != "name":
                    problem = f"'{parts[1]}' is not a task of this DAG"
            elif (
                len(parts) == 3
                and parts[:2] == ["workflow", "parameters"]
                and check_workflow_parameters
                and parts[2] not in self.workflow_parameters
            ):
                problem = f"workflow parameter '{parts[2]}' is not declared in spec.arguments"
            if problem and tag not in reported:
                reported.add(tag)
                self.error(path, f"failed to resolve {{{{{tag}}}}}: {problem}")


def _ancestors(name: str, graph: dict[str, list[str]]) -> set[str]:
    seen: set[str] = set()
    stack = list(graph.get(name, ()))
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        stack.extend(graph.get(current, ()))
    return seen


def _find_cycle(graph: dict[str, list[str]]) -> list[str] | None:
    """A dependency cycle as a list of names (first repeated at the end), or None."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    for start in graph:
        if state.get(start):
            continue
        path: list[str] = [start]
        iterators = [iter(graph.get(start, ()))]
        state[start] = 1
        while iterators:
            dep = next(iterators[-1], None)
            if dep is None:
                state[path.pop()] = 2
                iterators.pop()
                continue
            if dep not in graph:
                continue
            if state.get(dep) == 1:
                return [*path[path.index(dep) :], dep]
            if not state.get(dep):
                state[dep] = 1
                path.append(dep)
                iterators.append(iter(graph.get(dep, ())))
    return None


def _artifact_has_location_or_key(artifact: dict[Any, Any]) -> bool:
    return any(_has(artifact, k) for k in ARTIFACT_LOCATIONS) or bool(_str(artifact.get("key")))


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _valid_deadline(value: object) -> bool:
    if _is_int(value):
        return value >= 0  # type: ignore[operator]
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("{{") and text.endswith("}}"):
            return True
        return bool(_WHOLE_NUMBER.match(text)) and int(text) >= 0
    return True  # another type is the schema's problem


def _cron_problem(schedule: str) -> str | None:
    text = schedule.strip()
    for prefix in ("CRON_TZ=", "TZ="):
        if text.startswith(prefix):
            text = text.partition(" ")[2].strip()
    if text.startswith("@"):
        known = {"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"}
        if text in known or text.startswith("@every "):
            return None
        return f"unknown descriptor '{text}'"
    fields = text.split()
    if len(fields) != 5:
        return f"expected exactly 5 fields, found {len(fields)}"
    return None


_MANIFEST_TAG = re.compile(r"\{\{.*?\}\}", re.DOTALL)
_yaml: list[YAML] = []


def _valid_manifest(manifest: str) -> bool:
    # Argo substitutes placeholders for {{...}} before parsing; so do we.
    text = _MANIFEST_TAG.sub("placeholder", manifest)
    if not _yaml:
        loader = YAML(typ="safe", pure=True)
        loader.allow_duplicate_keys = True
        _yaml.append(loader)
    try:
        list(_yaml[0].load_all(text))
    except (YAMLError, ValueError):
        return False
    return True


def check_semantics(document: object) -> list[Diagnostic]:
    """Semantic problems of one Argo document; [] for anything that is not a mapping."""
    if not isinstance(document, dict):
        return []
    return _Checker(document).run()
