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

from compiler.diagnostics import Diagnostic
from compiler.lenient import as_dict, as_list, as_str, is_int
from compiler.validate import docpath
from compiler.validate.calls import CallChecks
from compiler.validate.checker import RULE, Template
from compiler.validate.names import field_name_problem
from compiler.validate.tags import group_by_template
from compiler.validate.templates import TemplateChecks

__all__ = ["RULE", "check_semantics"]

POD_GC_STRATEGIES = frozenset(
    {"", "OnPodCompletion", "OnPodSuccess", "OnWorkflowCompletion", "OnWorkflowSuccess"}
)
CONCURRENCY_POLICIES = frozenset({"", "Allow", "Forbid", "Replace"})
MAX_NAME_LENGTH = 63
MAX_CRON_NAME_LENGTH = 52


class _Checker(TemplateChecks, CallChecks):
    """Document-level checks; the template and call checks come from the mixins."""

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
        metadata = as_dict(self.document.get("metadata"))
        name = as_str(metadata.get("name"))
        limit = MAX_CRON_NAME_LENGTH if self.kind == "CronWorkflow" else MAX_NAME_LENGTH
        if len(name) > limit:
            self.error(
                "metadata.name",
                f"{self.kind} name '{name}' must not be more than {limit} characters long "
                f"(currently {len(name)})",
            )
        if isinstance(self.document.get("metadata"), dict) and not (
            name or as_str(metadata.get("generateName"))
        ):
            # The API server rejects it on create; argo lint does not look.
            self.warning(
                "metadata",
                "metadata.name or metadata.generateName is required to create the resource",
            )

    def check_cron(self) -> None:
        spec = self.cron_spec
        schedules = [s for s in as_list(spec.get("schedules")) if isinstance(s, str)]
        if as_str(spec.get("schedule")) and schedules:
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
        if is_int(deadline) and deadline < 0:
            self.error("spec.startingDeadlineSeconds", "startingDeadlineSeconds must be positive")

    def collect_templates(self) -> None:
        templates_path = f"{self.spec_path}.templates"
        templates = as_list(self.spec.get("templates"))
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
            problem = field_name_problem(name)
            if problem:
                self.error(f"{path}.name", f"template name '{name}' is invalid: {problem}")
            if name in self.templates:
                first = self.templates[name].path
                self.error(f"{path}.name", f"template name '{name}' is not unique ({first})")
                continue
            self.templates[name] = Template(body, position, path)

    def templates_in_order(self) -> list[Template]:
        seen = []
        templates_path = f"{self.spec_path}.templates"
        for position, body in enumerate(as_list(self.spec.get("templates"))):
            if isinstance(body, dict):
                seen.append(Template(body, position, docpath.index(templates_path, position)))
        return seen

    def check_entrypoint_and_exit(self) -> None:
        spec, base = self.spec, self.spec_path
        entrypoint = spec.get("entrypoint")
        if not isinstance(entrypoint, str) and entrypoint is not None:
            return  # a type error, reported by the schema
        wf_args = as_dict(spec.get("arguments"))
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
        args = as_dict(self.spec.get("arguments"))
        # Workflows must give every parameter a value when submitted; templates get theirs
        # from the workflow that uses them.
        self.check_arguments(args, f"{self.spec_path}.arguments", allow_empty=self.is_template_kind)
        for parameter in as_list(args.get("parameters")):
            name = as_str(as_dict(parameter).get("name"))
            if name:
                self.workflow_parameters.add(name)

    def check_spec_fields(self) -> None:
        spec, base = self.spec, self.spec_path
        strategy = as_dict(spec.get("podGC")).get("strategy")
        if isinstance(strategy, str) and strategy not in POD_GC_STRATEGIES:
            known = ", ".join(sorted(POD_GC_STRATEGIES - {""}))
            self.error(
                f"{base}.podGC.strategy", f"podGC.strategy unknown strategy '{strategy}' ({known})"
            )
        self.check_hooks(as_dict(spec.get("hooks")), f"{base}.hooks")
        self.check_metrics(as_dict(spec.get("metrics")), f"{base}.metrics")


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


def check_semantics(
    document: object, *, tagged: list[tuple[str, str]] | None = None
) -> list[Diagnostic]:
    """Semantic problems of one Argo document; [] for anything that is not a mapping.

    ``tagged``, from :func:`compiler.validate.schema.scan`, lists every string of the document
    that holds a ``{{...}}`` tag (with its path); without it the checks find them themselves.
    """
    if not isinstance(document, dict):
        return []
    checker = _Checker(document)
    if tagged is not None:
        checker.tags_by_template = group_by_template(tagged, checker.spec_path)
    return checker.run()
