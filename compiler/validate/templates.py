"""Checks of one template: its type, inputs and outputs, and what each kind of template needs."""

from __future__ import annotations

from typing import Any

from compiler.lenient import as_dict, as_list, as_str, is_set
from compiler.validate import docpath
from compiler.validate.leaves import WHOLE_NUMBER, LeafChecks
from compiler.validate.names import is_parameter, param_name_problem
from compiler.validate.tags import tags_in

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
RETRY_POLICIES = frozenset({"", "Always", "OnError", "OnFailure", "OnTransientError"})


class TemplateChecks(LeafChecks):
    """One template at a time, whether top-level or inline."""

    def check_template(self, body: dict[Any, Any], path: str, depth: int) -> None:
        name = as_str(body.get("name")) or "(inline)"
        types = [t for t in TEMPLATE_TYPES if is_set(body, t)]
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
        is_leaf = not (is_set(body, "steps") or is_set(body, "dag"))
        inputs = as_dict(body.get("inputs"))
        if inputs:
            self.check_inputs(inputs, body, f"{path}.inputs", is_leaf)
        outputs = as_dict(body.get("outputs"))
        if outputs:
            self.check_outputs(outputs, body, f"{path}.outputs", is_leaf, types)
        if is_leaf:
            self.check_leaf(body, path, name)
        else:
            if is_set(body, "activeDeadlineSeconds"):
                self.error(
                    f"{path}.activeDeadlineSeconds",
                    "activeDeadlineSeconds is only valid for leaf templates",
                )
            if as_str(body.get("timeout")):
                self.error(f"{path}.timeout", "timeout cannot be applied to steps or dag templates")
        timeout = body.get("timeout")
        if is_leaf and isinstance(timeout, str) and WHOLE_NUMBER.match(timeout.strip()):
            self.error(
                f"{path}.timeout",
                f"timeout '{timeout}' has an invalid duration format "
                f"(use units, e.g. '{timeout}s')",
            )
        retry = as_dict(body.get("retryStrategy"))
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
        for position, container in enumerate(as_list(body.get("initContainers"))):
            if isinstance(container, dict) and not as_str(container.get("name")):
                self.error(
                    docpath.index(f"{path}.initContainers", position),
                    "initContainers must all have a container name",
                )
        if is_set(body, "metrics"):
            self.check_metrics(as_dict(body.get("metrics")), f"{path}.metrics")
        if is_set(body, "steps"):
            self.check_steps(body, path, depth)
        elif is_set(body, "dag"):
            self.check_dag(body, path, depth)
        if self.tags_by_template is None:
            self.check_references(body, path, inputs, tags_in(body))
        elif path in self.tags_by_template:
            self.check_references(body, path, inputs, self.tags_by_template[path])

    def check_inputs(
        self, inputs: dict[Any, Any], body: dict[Any, Any], path: str, is_leaf: bool
    ) -> None:
        self.check_names(
            as_list(inputs.get("parameters")),
            f"{path}.parameters",
            "input parameter",
            param_name_problem,
        )
        self.check_names(
            as_list(inputs.get("artifacts")),
            f"{path}.artifacts",
            "input artifact",
            param_name_problem,
        )
        for position, artifact in enumerate(as_list(inputs.get("artifacts"))):
            if not isinstance(artifact, dict):
                continue
            where = docpath.index(f"{path}.artifacts", position)
            name = as_str(artifact.get("name"))
            if not is_leaf and as_str(artifact.get("path")):
                self.error(
                    f"{where}.path",
                    f"input artifact '{name}' path is only valid in container/script templates",
                )
            if as_str(artifact.get("from")):
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
            as_list(outputs.get("parameters")),
            f"{path}.parameters",
            "output parameter",
            param_name_problem,
        )
        self.check_names(
            as_list(outputs.get("artifacts")),
            f"{path}.artifacts",
            "output artifact",
            param_name_problem,
        )
        kind = types[0] if len(types) == 1 else ""
        for position, artifact in enumerate(as_list(outputs.get("artifacts"))):
            if not isinstance(artifact, dict):
                continue
            where = docpath.index(f"{path}.artifacts", position)
            name = as_str(artifact.get("name"))
            if not is_leaf and as_str(artifact.get("path")):
                self.error(
                    f"{where}.path",
                    f"output artifact '{name}' path is only valid in container/script templates",
                )
            self.check_global_name(artifact, where)
            self.check_artifact_location(artifact, where)
        for position, parameter in enumerate(as_list(outputs.get("parameters"))):
            if not isinstance(parameter, dict):
                continue
            where = docpath.index(f"{path}.parameters", position)
            self.check_output_parameter(parameter, where, kind)
            self.check_global_name(parameter, where)

    def check_output_parameter(self, parameter: dict[Any, Any], path: str, kind: str) -> None:
        name = as_str(parameter.get("name"))
        value_from = parameter.get("valueFrom")
        has_value = is_set(parameter, "value")
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
            if as_str(value_from.get(k))
        ] + (["supplied"] if is_set(value_from, "supplied") else [])
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
        if kind in ("container", "containerSet", "script") and not as_str(value_from.get("path")):
            self.error(
                f"{path}.valueFrom",
                f"output parameter '{name}' valueFrom.path must be set for {kind} templates",
            )
        elif kind == "resource" and not (
            as_str(value_from.get("jqFilter")) or as_str(value_from.get("jsonPath"))
        ):
            self.error(
                f"{path}.valueFrom",
                f"output parameter '{name}' valueFrom.jqFilter or jsonPath must be set for "
                "resource templates",
            )
        elif kind in ("steps", "dag"):
            from_parameter = as_str(value_from.get("parameter"))
            expression = as_str(value_from.get("expression"))
            if not from_parameter and not expression:
                self.error(
                    f"{path}.valueFrom",
                    f"output parameter '{name}' valueFrom.parameter or expression must be set "
                    f"for {kind} templates",
                )

    def check_global_name(self, item: dict[Any, Any], path: str) -> None:
        global_name = item.get("globalName")
        if isinstance(global_name, str) and global_name and not is_parameter(global_name):
            problem = param_name_problem(global_name)
            if problem:
                self.error(
                    f"{path}.globalName", f"globalName '{global_name}' is invalid: {problem}"
                )
