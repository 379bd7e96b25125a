"""Checks of steps and DAG tasks: names, what they call, arguments, dependencies, and the
``{{...}}`` references of a template."""

from __future__ import annotations

from typing import Any

from compiler.lenient import as_dict, as_list, as_str, is_set
from compiler.validate import docpath
from compiler.validate.checker import CheckerBase, Template, has_location_or_key
from compiler.validate.dag import TASK_RESULTS, ancestors, find_cycle, parse_depends
from compiler.validate.names import field_name_problem, is_parameter, suggest

# Inline templates nest; real workflows stay shallow, garbage must not recurse forever.
MAX_INLINE_DEPTH = 20


class CallChecks(CheckerBase):
    """Steps, DAG tasks and hooks: what they call and with which arguments."""

    def check_steps(self, body: dict[Any, Any], path: str, depth: int) -> None:
        names: dict[str, str] = {}
        for group_index, group in enumerate(as_list(body.get("steps"))):
            group_path = docpath.index(f"{path}.steps", group_index)
            for step_index, step in enumerate(as_list(group)):
                if not isinstance(step, dict):
                    continue
                step_path = docpath.index(group_path, step_index)
                name = step.get("name")
                if name is None or name == "":
                    self.error(step_path, "step name is required")
                elif isinstance(name, str):
                    problem = field_name_problem(name)
                    if problem:
                        self.error(f"{step_path}.name", f"step name '{name}' is invalid: {problem}")
                    if name in names:
                        self.error(
                            f"{step_path}.name",
                            f"step name '{name}' is not unique within the template ({names[name]})",
                        )
                    names.setdefault(name, step_path)
                self.check_call(step, step_path, f"step '{as_str(name)}'", depth)

    def check_call(self, call: dict[Any, Any], path: str, what: str, depth: int) -> None:
        """What steps and tasks share: loops, arguments, the template they call, hooks."""
        loops = [k for k in ("withItems", "withParam", "withSequence") if is_set(call, k)]
        if len(loops) > 1:
            self.error(path, f"{what}: only one of withItems, withParam, withSequence can be set")
        sequence = as_dict(call.get("withSequence"))
        if is_set(sequence, "count") and is_set(sequence, "end"):
            self.error(f"{path}.withSequence", "only one of count or end can be defined")
        args = as_dict(call.get("arguments"))
        self.check_arguments(args, f"{path}.arguments", allow_empty=False)
        called = self.check_reference(call, path, what, inline_depth=depth)
        if called is not None:
            self.check_supplied(called, args, path, f"{what} arguments")
        self.check_hooks(as_dict(call.get("hooks")), f"{path}.hooks")

    def check_reference(
        self, call: dict[Any, Any], path: str, what: str, inline_depth: int | None
    ) -> Template | None:
        """Check what ``call`` (a step, task or hook) invokes; returns a local template."""
        template = call.get("template")
        ref = call.get("templateRef")
        inline = call.get("inline")
        if isinstance(ref, dict):
            if template:
                self.error(path, f"{what}: template cannot be set together with templateRef")
            for key in ("name", "template"):
                if not as_str(ref.get(key)):
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
        if template in (None, "") and ref is None and inline is None:
            self.error(path, f"{what} must set template, templateRef or inline")
        return None

    def check_supplied(
        self, called: Template, args: dict[Any, Any], path: str, source: str
    ) -> None:
        """The called template's inputs without a default must come from ``args``."""
        supplied = {as_str(as_dict(p).get("name")) for p in as_list(args.get("parameters"))}
        supplied_artifacts = {
            as_str(as_dict(a).get("name")) for a in as_list(args.get("artifacts"))
        }
        inputs = as_dict(called.body.get("inputs"))
        template_name = as_str(called.body.get("name"))
        for parameter in as_list(inputs.get("parameters")):
            if not isinstance(parameter, dict):
                continue
            name = as_str(parameter.get("name"))
            if not name or name in supplied:
                continue
            if any(is_set(parameter, k) for k in ("value", "default", "valueFrom")):
                continue
            self.error(
                path,
                f"template '{template_name}' input parameter '{name}' was not supplied "
                f"(no default, and not in {source})",
            )
        for artifact in as_list(inputs.get("artifacts")):
            if not isinstance(artifact, dict):
                continue
            name = as_str(artifact.get("name"))
            if not name or name in supplied_artifacts or artifact.get("optional") is True:
                continue
            if has_location_or_key(artifact) or as_str(artifact.get("from")):
                continue
            self.error(
                path,
                f"template '{template_name}' input artifact '{name}' was not supplied "
                f"(not optional, no location, and not in {source})",
            )

    def check_dag(self, body: dict[Any, Any], path: str, depth: int) -> None:
        dag = as_dict(body.get("dag"))
        tasks_path = f"{path}.dag.tasks"
        tasks = [t for t in as_list(dag.get("tasks")) if isinstance(t, dict)]
        if not tasks:
            self.error(tasks_path, "a dag template must have at least one task")
            return
        self.check_names(as_list(dag.get("tasks")), tasks_path, "task", field_name_problem)
        by_name: dict[str, dict[Any, Any]] = {}
        paths: dict[str, str] = {}
        for position, task in enumerate(as_list(dag.get("tasks"))):
            if isinstance(task, dict) and isinstance(task.get("name"), str):
                by_name.setdefault(task["name"], task)
                paths.setdefault(task["name"], docpath.index(tasks_path, position))
        using_depends = any(as_str(t.get("depends")) for t in tasks)
        graph: dict[str, list[str]] = {}
        for position, task in enumerate(as_list(dag.get("tasks"))):
            if not isinstance(task, dict):
                continue
            task_path = docpath.index(tasks_path, position)
            name = as_str(task.get("name"))
            what = f"task '{name}'"
            dependencies = [d for d in as_list(task.get("dependencies")) if isinstance(d, str)]
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
            if using_depends and is_set(task, "continueOn"):
                self.error(
                    f"{task_path}.continueOn",
                    "cannot use 'continueOn' when using 'depends'; use 'dep-task.Failed' or "
                    "'dep-task.Errored' instead",
                )
            deps = self.task_dependencies(task, task_path, dependencies)
            graph[name] = list(deps)
            for dep, items_based in deps.items():
                if dep not in by_name:
                    where = (
                        f"{task_path}.depends"
                        if as_str(task.get("depends"))
                        else (f"{task_path}.dependencies")
                    )
                    self.error(
                        where,
                        f"{what} depends on '{dep}', which is not a task of this DAG"
                        f"{suggest(dep, sorted(by_name))}",
                    )
                elif items_based and not any(
                    is_set(by_name[dep], k) for k in ("withItems", "withParam", "withSequence")
                ):
                    self.error(
                        f"{task_path}.depends",
                        f"{what} uses an items-based condition (.AnySucceeded/.AllFailed) on "
                        f"'{dep}', which has no items",
                    )
            self.check_call(task, task_path, what, depth)
        cycle = find_cycle(graph)
        if cycle:
            first = paths.get(cycle[0], tasks_path)
            self.error(first, f"dependency cycle detected: {'->'.join(cycle)}")
        else:
            self.check_argument_dependencies(tasks, graph, paths)
        target = dag.get("target")
        if isinstance(target, str) and target:
            for name in target.split(" "):
                if name and not is_parameter(name) and name not in by_name:
                    self.error(f"{path}.dag.target", f"target '{name}' is not a task of this DAG")

    def task_dependencies(
        self, task: dict[Any, Any], task_path: str, dependencies: list[str]
    ) -> dict[str, bool]:
        """Task names this task depends on -> whether the condition needs items."""
        depends = as_str(task.get("depends"))
        if not depends:
            return {d: False for d in dependencies}
        found, unknown = parse_depends(depends)
        if not _balanced(depends):
            # Argo compiles the expression; unbalanced parentheses fail the whole workflow.
            self.error(f"{task_path}.depends", f"depends {depends!r}: unbalanced parentheses")
        for dep, result in unknown:
            self.error(
                f"{task_path}.depends",
                f"task result '{result}' for task '{dep}' is invalid "
                f"({', '.join(sorted(TASK_RESULTS))})",
            )
        return found

    def check_argument_dependencies(
        self,
        tasks: list[dict[Any, Any]],
        graph: dict[str, list[str]],
        paths: dict[str, str],
    ) -> None:
        """A task argument taken from ``{{tasks.X...}}`` needs X among its ancestors."""
        for task in tasks:
            name = as_str(task.get("name"))
            upstream = ancestors(name, graph)
            args = as_dict(task.get("arguments"))
            sources = [
                (as_str(as_dict(p).get("name")), "parameter", as_dict(p).get("value"))
                for p in as_list(args.get("parameters"))
            ] + [
                (as_str(as_dict(a).get("name")), "artifact", as_dict(a).get("from"))
                for a in as_list(args.get("artifacts"))
            ]
            for arg_name, what, value in sources:
                if not isinstance(value, str) or not value.startswith("{{tasks."):
                    continue
                ref = value[len("{{tasks.") :].partition(".")[0]
                if ref not in upstream:
                    self.error(
                        paths.get(name, ""),
                        f"task '{name}' {what} '{arg_name}' uses task '{ref}', which the task "
                        "does not depend on",
                    )

    # --- {{...}} references -----------------------------------------------------------------------

    def check_references(
        self, body: dict[Any, Any], path: str, inputs: dict[Any, Any], tags: list[str]
    ) -> None:
        """Tags that can never resolve: undeclared inputs, unknown steps/tasks/parameters."""
        parameters = {as_str(as_dict(p).get("name")) for p in as_list(inputs.get("parameters"))}
        parameters |= {
            as_str(as_dict(p).get("name"))
            for p in as_list(as_dict(self.template_defaults.get("inputs")).get("parameters"))
        }
        artifacts = {as_str(as_dict(a).get("name")) for a in as_list(inputs.get("artifacts"))}
        steps = {
            as_str(as_dict(s).get("name"))
            for group in as_list(body.get("steps"))
            for s in as_list(group)
        }
        tasks = {
            as_str(as_dict(t).get("name")) for t in as_list(as_dict(body.get("dag")).get("tasks"))
        }
        check_workflow_parameters = not (self.is_template_kind or self.has_workflow_template_ref)
        reported: set[str] = set()
        for tag in tags:
            problem = None
            parts = tag.split(".")
            head = parts[0]
            if len(parts) >= 3 and head == "inputs":
                if parts[1] == "parameters" and parts[2] not in parameters:
                    problem = f"input parameter '{parts[2]}' is not declared in inputs.parameters"
                elif parts[1] == "artifacts" and parts[2] not in artifacts:
                    problem = f"input artifact '{parts[2]}' is not declared in inputs.artifacts"
            elif len(parts) >= 2 and head == "steps" and is_set(body, "steps"):
                if parts[1] not in steps and parts[1] != "name":
                    problem = f"'{parts[1]}' is not a step of this template"
            elif len(parts) >= 2 and head == "tasks" and is_set(body, "dag"):
                if parts[1] not in tasks and parts[1] != "name":
                    problem = f"'{parts[1]}' is not a task of this DAG"
            elif (
                len(parts) == 3
                and parts[:2] == ["workflow", "parameters"]
                and check_workflow_parameters
                and parts[2] not in self.workflow_parameters
                and parts[2] != "json"  # workflow.parameters.json: all of them, as JSON
            ):
                problem = f"workflow parameter '{parts[2]}' is not declared in spec.arguments"
            if problem and tag not in reported:
                reported.add(tag)
                self.error(path, f"failed to resolve {{{{{tag}}}}}: {problem}")


def _balanced(expression: str) -> bool:
    depth = 0
    for char in expression:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            break  # a ")" before its "(": no later "(" makes up for it
    return depth == 0
