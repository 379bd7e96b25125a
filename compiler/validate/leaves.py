"""Checks of what a leaf template runs: its container, script, containerSet or resource, and
the volumes its containers mount. ``TemplateChecks`` (templates.py) builds on these."""

from __future__ import annotations

import re
from typing import Any

from compiler.lenient import as_dict, as_list, as_str, is_int, is_set
from compiler.validate import docpath
from compiler.validate.checker import CheckerBase
from compiler.validate.names import field_name_problem, suggest

RESOURCE_ACTIONS = frozenset({"get", "create", "apply", "delete", "replace", "patch"})
WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+\Z")
_MANIFEST_TAG = re.compile(r"\{\{.*?\}\}", re.DOTALL)


class LeafChecks(CheckerBase):
    """The container-level checks of one template."""

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
            # An image of the wrong type is the schema's error (argo-schema), not a second one.
            if _unset(container.get("image")) and not self.default_image("container"):
                self.error(
                    f"{path}.container.image", f"template '{name}' container.image may not be empty"
                )
        script = body.get("script")
        if (
            isinstance(script, dict)
            and _unset(script.get("image"))
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
        return bool(WHOLE_NUMBER.match(text)) and int(text) >= 0
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
        return False  # mutation: equivalent[return None] — None is as false to the one caller
    return True


def _unset(value: Any) -> bool:
    return value is None or value == ""
