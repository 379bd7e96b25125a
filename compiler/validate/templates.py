"""Checks of one template: its type, inputs and outputs, and what each kind of template needs."""

from __future__ import annotations

import re
from typing import Any

from compiler.lenient import as_dict, as_list, as_str, is_int, is_set
from compiler.validate import docpath
from compiler.validate.checker import CheckerBase
from compiler.validate.names import field_name_problem, is_parameter, param_name_problem, suggest
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
RESOURCE_ACTIONS = frozenset({"get", "create", "apply", "delete", "replace", "patch"})
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+\Z")
_MANIFEST_TAG = re.compile(r"\{\{.*?\}\}", re.DOTALL)


class TemplateChecks(CheckerBase):
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
        if is_leaf and isinstance(timeout, str) and _WHOLE_NUMBER.match(timeout.strip()):
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

    def known_volumes(self) -> set[str] | None:
        """Volume names pods of this workflow can mount; None when they cannot be known here."""
        if (
            self.is_template_kind
            or self.has_workflow_template_ref
            or is_set(self.spec, "podSpecPatch")
        ):
            return None  # volumes come from the using workflow, or from a patch
        if self._volumes is None:
            names = {as_str(as_dict(v).get("name")) for v in as_list(self.spec.get("volumes"))}
            names |= {
                as_str(as_dict(as_dict(claim).get("metadata")).get("name"))
                for claim in as_list(self.spec.get("volumeClaimTemplates"))
            }
            names |= {
                as_str(as_dict(v).get("name"))
                for v in as_list(self.template_defaults.get("volumes"))
            }
            self._volumes = names
        return self._volumes

    def check_volume_mounts(self, body: dict[Any, Any], path: str) -> None:
        volumes = self.known_volumes()
        if volumes is None or is_set(body, "podSpecPatch"):
            return
        local = {as_str(as_dict(v).get("name")) for v in as_list(body.get("volumes"))}
        for holder, where in _mount_holders(body):
            for position, mount in enumerate(as_list(as_dict(holder).get("volumeMounts"))):
                name = as_dict(mount).get("name")
                if not isinstance(name, str) or name in volumes or name in local:
                    continue
                if name and "{{" not in name:
                    hint = suggest(name, sorted(volumes | local))
                    self.error(
                        f"{path}.{where}.volumeMounts[{position}]",
                        f"volumeMount '{name}' names no volume of the workflow (spec.volumes, "
                        f"spec.volumeClaimTemplates or the template's volumes){hint}",
                    )

    def check_leaf(self, body: dict[Any, Any], path: str, name: str) -> None:
        self.check_volume_mounts(body, path)
        container = body.get("container")
        if isinstance(container, dict):
            self.check_mounts(container, body, f"{path}.container")
            if not as_str(container.get("image")) and not self.default_image("container"):
                self.error(
                    f"{path}.container.image", f"template '{name}' container.image may not be empty"
                )
        script = body.get("script")
        if (
            isinstance(script, dict)
            and not as_str(script.get("image"))
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
        if is_set(body, "parallelism"):
            self.error(
                f"{path}.parallelism", "parallelism is only valid for steps and dag templates"
            )

    def default_image(self, kind: str) -> bool:
        return bool(as_str(as_dict(self.template_defaults.get(kind)).get("image")))

    def check_mounts(self, container: dict[Any, Any], body: dict[Any, Any], path: str) -> None:
        mounted: dict[str, str] = {}
        for position, mount in enumerate(as_list(container.get("volumeMounts"))):
            mount_path = as_str(as_dict(mount).get("mountPath"))
            if not mount_path:
                continue
            if mount_path in mounted:
                self.error(
                    docpath.index(f"{path}.volumeMounts", position),
                    f"mountPath '{mount_path}' is already mounted by {mounted[mount_path]}",
                )
            mounted.setdefault(mount_path, f"volumeMount '{as_str(as_dict(mount).get('name'))}'")
        inputs_path = path.rsplit(".", 1)[0] + ".inputs.artifacts"
        for position, artifact in enumerate(as_list(as_dict(body.get("inputs")).get("artifacts"))):
            artifact_path = as_str(as_dict(artifact).get("path"))
            if artifact_path and artifact_path in mounted:
                self.error(
                    docpath.index(inputs_path, position),
                    f"input artifact path '{artifact_path}' is already mounted by "
                    f"{mounted[artifact_path]}",
                )

    def check_container_set(
        self, container_set: dict[Any, Any], body: dict[Any, Any], path: str
    ) -> None:
        containers = as_list(container_set.get("containers"))
        if not containers:
            self.error(f"{path}.containers", "containerSet must have at least one container")
            return
        names = self.check_names(containers, f"{path}.containers", "container", field_name_problem)
        self.check_mounts(container_set, {}, path)
        for position, container in enumerate(containers):
            for dependency in as_list(as_dict(container).get("dependencies")):
                if isinstance(dependency, str) and dependency not in names:
                    self.error(
                        docpath.index(f"{path}.containers", position),
                        f"container dependency '{dependency}' is not defined",
                    )
        inputs, outputs = as_dict(body.get("inputs")), as_dict(body.get("outputs"))
        needs_main = (
            as_list(inputs.get("artifacts"))
            or as_list(outputs.get("parameters"))
            or as_list(outputs.get("artifacts"))
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
        manifest = as_str(resource.get("manifest"))
        manifest_from = resource.get("manifestFrom")
        if action not in ("delete", "get"):
            if not manifest and manifest_from is None:
                self.error(path, "either resource.manifest or resource.manifestFrom must be set")
            if manifest and manifest_from is not None:
                self.error(path, "only one of manifest or manifestFrom can be specified")
        artifact = as_dict(as_dict(manifest_from).get("artifact"))
        if artifact:
            name = as_str(artifact.get("name"))
            inputs = {
                as_str(as_dict(a).get("name"))
                for a in as_list(as_dict(body.get("inputs")).get("artifacts"))
            }
            if name not in inputs:
                self.error(
                    f"{path}.manifestFrom.artifact",
                    f"manifestFrom artifact '{name}' is not an input artifact of the template",
                )
            self.check_artifact_location(artifact, f"{path}.manifestFrom.artifact")
        if manifest and not _valid_manifest(manifest):
            self.error(f"{path}.manifest", "resource.manifest must be valid YAML")


def _mount_holders(body: dict[Any, Any]) -> list[tuple[object, str]]:
    """Everything in a template that has volumeMounts, with its path below the template."""
    holders: list[tuple[object, str]] = [
        (body[kind], kind) for kind in ("container", "script", "containerSet") if kind in body
    ]
    for kind in ("sidecars", "initContainers"):
        holders += [(c, f"{kind}[{i}]") for i, c in enumerate(as_list(body.get(kind)))]
    containers = as_list(as_dict(body.get("containerSet")).get("containers"))
    holders += [(c, f"containerSet.containers[{i}]") for i, c in enumerate(containers)]
    return holders


def _valid_deadline(value: object) -> bool:
    if is_int(value):
        return value >= 0  # type: ignore[operator]
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("{{") and text.endswith("}}"):
            return True
        return bool(_WHOLE_NUMBER.match(text)) and int(text) >= 0
    return True  # another type is the schema's problem


def _valid_manifest(manifest: str) -> bool:
    # Imported here: only resource templates need a YAML parser, and lint start-up is budgeted.
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    # Argo substitutes placeholders for {{...}} before parsing; so do we.
    text = _MANIFEST_TAG.sub("placeholder", manifest)
    loader = YAML(typ="safe", pure=True)
    loader.allow_duplicate_keys = True
    try:
        list(loader.load_all(text))
    except (YAMLError, ValueError):
        return False
    return True
