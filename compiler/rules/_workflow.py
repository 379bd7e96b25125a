"""A defensive read-only view of an Argo Workflow document, shared by the rules.

Rules see whatever a component produced: a workflow without templates, ``steps`` and ``dag``
mixed, ``templateRef`` to a WorkflowTemplate elsewhere, inline templates, or values of the
wrong type that the schema check reports separately. Every accessor here tolerates all of
it (a wrong type reads as "absent"), so the rules only express their policy.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from compiler.lenient import as_dict, as_list, str_or_none
from compiler.rules._cached import cached_property

CHECKOUT_SCRIPTS = ("checkout.sh", "checkout_repos.sh")
#: ``kftest checkout SRC_DIR`` (what lib/ generates), in shell or exec form.
KFTEST_CHECKOUT = re.compile(r"(?:^|[\s/'\"])kftest['\"]?\s+checkout(?=[\s'\"]|$)")

#: A bound on hostile input: inline templates may nest without end.
MAX_TEMPLATES = 100_000  # mutation: equivalent — the bound's size (its use is tested)

# Argo's `depends` grammar: task names joined by && || ! and parentheses, each optionally
# followed by a result such as `.Succeeded`.
_DEPENDS_SPLIT = re.compile(r"[&|!()\s]+")
_DEPENDS_RESULT = re.compile(
    r"\.(Succeeded|Failed|Errored|Skipped|Omitted|Daemoned|AnySucceeded|AllFailed)$"
)


@dataclass
class Template:
    """One template: a ``spec.templates`` item, or an ``inline`` template of a step or task."""

    path: str  # e.g. spec.templates[2] or spec.templates[0].dag.tasks[1].inline
    data: dict[str, Any]

    @property
    def name(self) -> str | None:
        return str_or_none(self.data.get("name"))

    @property
    def label(self) -> str:
        """How messages name the template: its name, or where it is if it has none."""
        return self.name or self.path

    @cached_property
    def containers(self) -> list[Container]:
        """The containers that run the step's own code (not sidecars or init containers)."""
        found = []
        for kind in ("container", "script"):
            if isinstance(self.data.get(kind), dict):
                found.append(Container(f"{self.path}.{kind}", self.data[kind], self))
        container_set = as_dict(self.data.get("containerSet"))
        for index, item in enumerate(as_list(container_set.get("containers"))):
            if isinstance(item, dict):
                found.append(Container(f"{self.path}.containerSet.containers[{index}]", item, self))
        return found

    @cached_property
    def helper_containers(self) -> list[Container]:
        found = []
        for kind in ("initContainers", "sidecars"):
            for index, item in enumerate(as_list(self.data.get(kind))):
                if isinstance(item, dict):
                    found.append(Container(f"{self.path}.{kind}[{index}]", item, self))
        return found

    @property
    def runs_code(self) -> bool:
        return bool(self.containers)

    def volume_mounts(self) -> Iterator[dict[str, Any]]:
        for container in self.containers:
            yield from container.volume_mounts
        # containerSet shares the template's volumeMounts with its containers.
        if isinstance(self.data.get("containerSet"), dict):
            for mount in as_list(self.data["containerSet"].get("volumeMounts")):
                if isinstance(mount, dict):
                    yield mount

    @cached_property
    def steps(self) -> list[list[Call]]:
        """``steps`` groups; a group that is a single mapping is treated as a group of one."""
        groups = []
        for group_index, group in enumerate(as_list(self.data.get("steps"))):
            items = group if isinstance(group, list) else [group]
            calls = [
                Call(f"{self.path}.steps[{group_index}][{index}]", item)
                for index, item in enumerate(items)
                if isinstance(item, dict)
            ]
            groups.append(calls)
        return groups

    @cached_property
    def tasks(self) -> list[Call]:
        dag = as_dict(self.data.get("dag"))
        return [
            Call(f"{self.path}.dag.tasks[{index}]", item)
            for index, item in enumerate(as_list(dag.get("tasks")))
            if isinstance(item, dict)
        ]

    @property
    def calls(self) -> list[Call]:
        return [call for group in self.steps for call in group] + self.tasks

    def mount_path(self, volume_names: set[str]) -> str | None:
        """Where this template mounts one of ``volume_names`` (the first such mount)."""
        for mount in self.volume_mounts():
            if str_or_none(mount.get("name")) in volume_names and str_or_none(
                mount.get("mountPath")
            ):
                return str(mount["mountPath"])
        return None


@dataclass
class Container:
    path: str
    data: dict[str, Any]
    template: Template

    @property
    def image(self) -> str | None:
        return str_or_none(self.data.get("image"))

    @cached_property
    def env(self) -> dict[str, tuple[int, str | None]]:
        """Name -> (index in ``env``, literal value or None for ``valueFrom``)."""
        found: dict[str, tuple[int, str | None]] = {}
        for index, item in enumerate(as_list(self.data.get("env"))):
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                value = item.get("value")
                found.setdefault(item["name"], (index, value if isinstance(value, str) else None))
        return found

    @property
    def volume_mounts(self) -> list[dict[str, Any]]:
        return [m for m in as_list(self.data.get("volumeMounts")) if isinstance(m, dict)]

    @cached_property
    def command_words(self) -> list[tuple[str, str]]:
        """(path, text) of every string the container runs: command, args, script source."""
        words = []
        for key in ("command", "args"):
            for index, item in enumerate(as_list(self.data.get(key))):
                if isinstance(item, str):
                    words.append((f"{self.path}.{key}[{index}]", item))
        if isinstance(self.data.get("source"), str):
            words.append((f"{self.path}.source", self.data["source"]))
        return words

    @cached_property
    def strings(self) -> list[tuple[str, str]]:
        """(path, text) of every string that may hold a file path: the command, env, workingDir."""
        found = list(self.command_words)
        if isinstance(self.data.get("workingDir"), str):
            found.append((f"{self.path}.workingDir", self.data["workingDir"]))
        for index, value in self.env.values():
            if value is not None:
                found.append((f"{self.path}.env[{index}].value", value))
        return found

    @property
    def runs_checkout(self) -> bool:
        if any(script in text for _, text in self.command_words for script in CHECKOUT_SCRIPTS):
            return True
        return bool(KFTEST_CHECKOUT.search(" ".join(text for _, text in self.command_words)))


@dataclass
class Call:
    """A step or DAG task: a call of a template by name, templateRef, or inline."""

    path: str
    data: dict[str, Any]

    @property
    def name(self) -> str | None:
        return str_or_none(self.data.get("name"))

    @property
    def template_name(self) -> str | None:
        return str_or_none(self.data.get("template"))

    @property
    def is_external(self) -> bool:
        """A templateRef: the template lives in another WorkflowTemplate we cannot see."""
        return "templateRef" in self.data

    @property
    def inline(self) -> Template | None:
        if isinstance(self.data.get("inline"), dict):
            return Template(f"{self.path}.inline", self.data["inline"])
        return None

    def dependencies(self) -> set[str]:
        """Names of the tasks this DAG task waits for (``dependencies`` or ``depends``)."""
        names = {d for d in as_list(self.data.get("dependencies")) if isinstance(d, str)}
        depends = str_or_none(self.data.get("depends"))
        if depends:
            for token in _DEPENDS_SPLIT.split(depends):
                if token:
                    names.add(_DEPENDS_RESULT.sub("", token))
        return names


@dataclass
class Workflow:
    """The document's parts that the rules read, computed once per workflow."""

    document: Any
    fallback_name: str = ""

    @cached_property
    def metadata(self) -> dict[str, Any]:
        return as_dict(as_dict(self.document).get("metadata"))

    @cached_property
    def spec(self) -> dict[str, Any]:
        return as_dict(as_dict(self.document).get("spec"))

    @cached_property
    def name(self) -> str:
        return str_or_none(self.metadata.get("name")) or self.fallback_name

    @cached_property
    def labels(self) -> dict[str, Any]:
        return as_dict(self.metadata.get("labels"))

    @cached_property
    def top_templates(self) -> list[Template]:
        return [
            Template(f"spec.templates[{index}]", item)
            for index, item in enumerate(as_list(self.spec.get("templates")))
            if isinstance(item, dict)
        ]

    @cached_property
    def templates(self) -> list[Template]:
        """Every template, inline ones included (depth first, in document order)."""
        found: list[Template] = []
        pending = list(reversed(self.top_templates))
        seen = 0
        while pending and seen < MAX_TEMPLATES:
            template = pending.pop()
            seen += 1
            found.append(template)
            inline = [call.inline for call in template.calls if call.inline is not None]
            pending.extend(reversed(inline))
        return found

    @cached_property
    def by_name(self) -> dict[str, Template]:
        by_name: dict[str, Template] = {}
        for template in self.top_templates:
            if template.name is not None:
                by_name.setdefault(template.name, template)
        return by_name

    @property
    def uses_workflow_template(self) -> bool:
        return "workflowTemplateRef" in self.spec

    @property
    def entrypoint(self) -> Template | None:
        name = str_or_none(self.spec.get("entrypoint"))
        return self.by_name.get(name) if name else None

    @cached_property
    def exit_handler_name(self) -> str | None:
        """``spec.onExit``, or the Argo 3.3+ ``spec.hooks.exit.template``."""
        on_exit = str_or_none(self.spec.get("onExit"))
        if on_exit:
            return on_exit
        exit_hook = as_dict(as_dict(self.spec.get("hooks")).get("exit"))
        return str_or_none(exit_hook.get("template"))

    def resolve(self, call: Call) -> Template | None:
        """The template a step or task runs, if it is in this document."""
        return call.inline or (self.by_name.get(call.template_name or ""))

    def reachable(self, root: Template | None) -> list[Template]:
        """``root`` and every template it calls, transitively (each once)."""
        if root is None:
            return []
        found: list[Template] = []
        seen: set[int] = set()
        pending = [root]
        while pending:
            template = pending.pop()
            if id(template.data) in seen:
                continue
            seen.add(id(template.data))
            found.append(template)
            for call in template.calls:
                target = self.resolve(call)
                if target is not None:
                    pending.append(target)
        return found

    def calls_external(self, root: Template | None) -> bool:
        """Whether ``root`` (transitively) calls a template this document does not hold."""
        return any(
            call.is_external or (self.resolve(call) is None and call.template_name is None)
            for template in self.reachable(root)
            for call in template.calls
        )

    @cached_property
    def containers(self) -> list[Container]:
        return [c for template in self.templates for c in template.containers]

    @cached_property
    def all_containers(self) -> list[Container]:
        """Step containers plus init containers and sidecars."""
        return [
            c
            for template in self.templates
            for c in (*template.containers, *template.helper_containers)
        ]

    def drop_caches(self) -> None:
        """Drop what the templates cached about their containers, once the rules are done.

        A Container points at its Template, which caches its Containers: a reference cycle
        that keeps the whole document alive until the garbage collector finds it, so a worker
        compiling hundreds of workflows collected every few dozen of them, each collection
        scanning all of them (~6% of its CPU time). Broken here, the document is freed as
        soon as the last reference to it goes. (An inline template that ``resolve`` built
        afresh and asked for its containers stays a cycle: the collector still frees it.)
        """
        for template in (
            *self.__dict__.get("top_templates", ()),
            *self.__dict__.get("templates", ()),
        ):
            template.__dict__.pop("containers", None)
            template.__dict__.pop("helper_containers", None)

    def pvc_volumes(self, claim: str) -> list[tuple[str, str]]:
        """(path, name) of the ``spec.volumes`` that mount PVC ``claim``."""
        found = []
        for index, volume in enumerate(as_list(self.spec.get("volumes"))):
            volume = as_dict(volume)
            pvc = as_dict(volume.get("persistentVolumeClaim"))
            if pvc.get("claimName") == claim and isinstance(volume.get("name"), str):
                found.append((f"spec.volumes[{index}]", volume["name"]))
        return found


@dataclass(frozen=True)  # mutation: equivalent — nothing assigns to or hashes one
class ImageRef:
    """``[registry/]repository[:tag][@digest]`` split the way Docker does."""

    repository: str
    tag: str | None
    digest: str | None

    @classmethod
    def parse(cls, image: str) -> ImageRef:
        rest, _, digest = image.partition("@")
        last_part = rest.rpartition("/")[2]
        tag = None
        if ":" in last_part:  # a colon before the last '/' is a registry port
            rest, _, tag = rest.rpartition(":")
        return cls(repository=rest, tag=tag, digest=digest or None)


def dependents(tasks: list[Call], target: str) -> set[str]:
    """Names of the tasks that depend on ``target``, directly or transitively (O(tasks))."""
    waiting_for: dict[str, list[str]] = {}
    for call in tasks:
        if call.name:
            for dep in call.dependencies():
                waiting_for.setdefault(dep, []).append(call.name)
    found: set[str] = set()
    pending = [target]
    while pending:
        for name in waiting_for.get(pending.pop(), ()):
            if name not in found:
                found.add(name)
                pending.append(name)
    return found


def is_under(path: str, directory: str) -> bool:
    directory = directory.rstrip("/")
    return path == directory or path.startswith(directory + "/")
