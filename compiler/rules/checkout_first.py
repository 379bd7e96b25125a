"""The first step checks the code out to <mount>/<workflow-name>/src; every other step follows it.

The guidelines: the workflow's first step checks the source repositories out onto the NFS
volume with `kftest checkout` (or the seed's `checkout.sh` / `checkout_repos.sh`), into the
workflow's own directory, so that every later step sees the same commit. A step that starts
before the checkout finishes reads a half-cloned tree, or the previous run's.

What is checked on the entrypoint template:

* steps style: the first group holds the checkout step alone;
* DAG style: one task runs the checkout, it has no dependencies, and every other task depends
  on it, directly or through other tasks (`dependencies` or `depends`);
* the checkout writes to `<mount>/<workflow-name>/src`, where `<mount>` is where its template
  mounts the NFS volume and `<workflow-name>` is metadata.name (or `{{workflow.name}}`):
  `kftest checkout <dir>`, `checkout.sh <dir>` or `checkout_repos.sh --src_dir=<dir>` — or to
  another directory under the workflow's test dir `<mount>/<workflow-name>/` that the later
  steps use (a GOPATH layout, `checkout.sh <test dir>/src/github.com` with every step working
  under it).

A step is the checkout when its container runs `kftest checkout`, checkout.sh or
checkout_repos.sh. A step that calls a `templateRef` named like `*checkout*` is trusted, since
its template is elsewhere. The onExit handler is not concerned. `kftest.workflow(...).dag()`
and `.steps()` in lib/kftest.libsonnet add the checkout for you.

Compliant (DAG style):

```jsonnet compliant
local kftest = import 'kftest.libsonnet';
function(params)
  local wf = kftest.workflow(params, 'unittests');
  wf.dag([
    wf.step('build', ['make', 'build']),
    wf.step('pytest', ['python', '-m', 'pytest'], deps=['build']),
  ])
```

Compliant (steps style):

```jsonnet compliant
local kftest = import 'kftest.libsonnet';
function(params)
  local wf = kftest.workflow(params, 'unittests');
  wf.steps([[wf.step('pytest', ['python', '-m', 'pytest']), wf.step('lint', ['make', 'lint'])]])
```

Non-compliant: `pytest` does not wait for the checkout:

```jsonnet non-compliant
local kftest = import 'kftest.libsonnet';
function(params)
  local wf = kftest.workflow(params, 'unittests');
  local w = wf.dag([wf.step('pytest', ['python', '-m', 'pytest'])]);
  w + { spec+: { templates: [{
    name: 'e2e',
    dag: { tasks: [
      { name: 'checkout', template: 'checkout' },
      { name: 'pytest', template: 'pytest' },
    ] },
  }] + w.spec.templates[1:] } }
```

Non-compliant: steps style, the checkout runs in parallel with the tests:

```jsonnet non-compliant
local kftest = import 'kftest.libsonnet';
function(params)
  local wf = kftest.workflow(params, 'unittests');
  local w = wf.steps([[wf.step('pytest', ['python', '-m', 'pytest'])]]);
  w + { spec+: { templates: [{
    name: 'e2e',
    steps: [[{ name: 'checkout', template: 'checkout' }, { name: 'pytest', template: 'pytest' }]],
  }] + w.spec.templates[1:] } }
```
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from compiler.diagnostics import Severity
from compiler.rules._context import Problem, WorkflowContext
from compiler.rules._workflow import KFTEST_CHECKOUT, Call, Template, as_dict, as_list, dependents

ID = "checkout-first"
SEVERITY = Severity.ERROR

_CHECKOUT_SH = re.compile(r"checkout\.sh['\"]?\s+['\"]?([^\s'\";&|)]+)")
_SRC_DIR = re.compile(r"--src_dir[=\s]['\"]?([^\s'\";&|)]+)")
_HOW = "runs `kftest checkout <mount>/<workflow-name>/src`"
# kftest checkout's options that take a value (the word after them is not SRC_DIR).
_VALUE_OPTIONS = {"--repos", "--links", "--depth", "--base-url", "--checkout-timeout",
                  "--retry-timeout"}  # fmt: skip


def check(ctx: WorkflowContext) -> Iterator[Problem]:
    workflow = ctx.workflow
    entrypoint = workflow.entrypoint
    if entrypoint is None:
        return  # no templates here (workflowTemplateRef) or a dangling name: argo-semantic's job
    if entrypoint.steps:
        yield from _check_steps(ctx, entrypoint)
    elif entrypoint.tasks:
        yield from _check_dag(ctx, entrypoint)
    elif entrypoint.runs_code:
        yield Problem(
            entrypoint.path,
            f"the entrypoint `{entrypoint.name}` is a single container, so nothing checks the "
            f"code out first; make it a steps or DAG template whose first step {_HOW} "
            "(kftest.workflow(...).dag([...]) does)",
        )


def _check_steps(ctx: WorkflowContext, entrypoint: Template) -> Iterator[Problem]:
    first = entrypoint.steps[0]
    path = f"{entrypoint.path}.steps[0]"
    checkouts = [call for call in first if _is_checkout(ctx, call)]
    if not checkouts:
        names = ", ".join(f"`{call.name}`" for call in first) or "nothing"
        yield Problem(
            path,
            f"the first step group of `{entrypoint.name}` runs {names}, not the checkout; make "
            f"the first group a single step that {_HOW}",
        )
        return
    if len(first) > 1:
        others = ", ".join(f"`{call.name}`" for call in first if call not in checkouts)
        yield Problem(
            path,
            f"the first step group of `{entrypoint.name}` runs {others} in parallel with the "
            "checkout; move them to a later group so the checkout runs alone, first",
        )
    yield from _check_directory(ctx, checkouts[0])


def _check_dag(ctx: WorkflowContext, entrypoint: Template) -> Iterator[Problem]:
    tasks = entrypoint.tasks
    checkout = next((task for task in tasks if _is_checkout(ctx, task)), None)
    if checkout is None:
        yield Problem(
            f"{entrypoint.path}.dag.tasks",
            f"no task of the DAG `{entrypoint.name}` checks the code out; add a first task "
            f"that {_HOW}, with no dependencies, and make the other tasks depend on it",
        )
        return
    if checkout.dependencies():
        waits = ", ".join(f"`{name}`" for name in sorted(checkout.dependencies()))
        yield Problem(
            checkout.path,
            f"the checkout task `{checkout.name}` depends on {waits}; it must run first, with "
            "no dependencies",
        )
    after = dependents(tasks, checkout.name or "")
    for task in tasks:
        if task is not checkout and task.name not in after:
            yield Problem(
                task.path,
                f"task `{task.name}` does not depend on the checkout `{checkout.name}` "
                f"(directly or through other tasks), so it may start before the code is there; "
                f"add `dependencies: ['{checkout.name}']` (wf.step(..., deps=[...]) in "
                "kftest.libsonnet defaults to it)",
            )
    yield from _check_directory(ctx, checkout)


def _is_checkout(ctx: WorkflowContext, call: Call) -> bool:
    if call.is_external:
        return "checkout" in (call.name or "")
    template = ctx.workflow.resolve(call)
    return template is not None and any(c.runs_checkout for c in template.containers)


def _check_directory(ctx: WorkflowContext, call: Call) -> Iterator[Problem]:
    template = ctx.workflow.resolve(call)
    if template is None:
        return
    container = next(c for c in template.containers if c.runs_checkout)
    target = _target(container.command_words)
    mount = template.mount_path(ctx.nfs_volume_names)
    name = ctx.workflow.name
    if mount is None:
        expected = [f"/{name}/src", "/{{workflow.name}}/src"]
        wanted = f"<mount>/{name}/src on the NFS volume"
        ok = target is not None and any(target.rstrip("/").endswith(e) for e in expected)
    else:
        mount = mount.rstrip("/")
        expected = [f"{mount}/{n}/src" for n in ctx.workflow_names]
        wanted = expected[0]
        ok = target is not None and target.rstrip("/") in expected
        test_dirs = [f"{mount}/{n}/" for n in ctx.workflow_names]
        if not ok and target is not None and target.startswith(tuple(test_dirs)):
            # Another layout under the workflow's own test dir (GOPATH's src/github.com): fine
            # as long as the later steps work there.
            if _used_by_others(ctx, template, target.rstrip("/")):
                return
            yield Problem(
                container.path,
                f"the checkout writes to {target}, inside this workflow's test dir, but no "
                f"other step works there (workingDir, env, command); check out to {wanted} "
                "or to the directory the steps use",
            )
            return
    if target is None:
        yield Problem(
            container.path,
            f"the checkout in `{template.label}` does not say where to check out; pass "
            f"{wanted} (kftest checkout <dir>, checkout.sh <dir> or "
            "checkout_repos.sh --src_dir=<dir>)",
        )
    elif not ok:
        yield Problem(
            container.path,
            f"the checkout writes to {target}, not to this workflow's source dir {wanted}; "
            "other steps and the next run look for the code there",
        )


def _used_by_others(ctx: WorkflowContext, checkout: Template, target: str) -> bool:
    """Whether a step other than the checkout names ``target`` or a path under it."""
    for container in ctx.workflow.containers:
        if container.template is checkout:
            continue
        data = container.data
        texts = [data.get("workingDir"), *as_list(data.get("command")), *as_list(data.get("args"))]
        texts += [as_dict(env).get("value") for env in as_list(data.get("env"))]
        for text in texts:
            if isinstance(text, str) and (target + "/" in text + "/"):
                return True
    return False  # mutation: equivalent[return None] — None is as false to the one caller (an if)


def _kftest_target(rest: str) -> str | None:
    """SRC_DIR of ``kftest checkout [OPTIONS] SRC_DIR [OPTIONS]``: the first argument."""
    skip = False
    for word in rest.split():
        word = word.strip("'\"")
        if not word or word[0] in ";&|)":
            break
        if skip:
            skip = False
        elif word.startswith("-"):
            skip = word in _VALUE_OPTIONS  # none of them holds "=": --depth=1 carries its value
        else:
            return re.split(r"['\";&|)]", word)[0] or None
    return None


def _target(words: list[tuple[str, str]]) -> str | None:
    texts = [text for _, text in words]
    for index, text in enumerate(texts):
        # Exec form: the directory is the word after the script.
        if text.endswith("checkout.sh") and index + 1 < len(texts):
            return texts[index + 1]
        if text.startswith("--src_dir="):
            return text.split("=", 1)[1]
    joined = " ".join(texts)
    kftest = KFTEST_CHECKOUT.search(joined)
    if kftest:
        return _kftest_target(joined[kftest.end() :])
    for pattern in (_CHECKOUT_SH, _SRC_DIR):
        match = pattern.search(joined)
        if match:
            return match.group(1)
    return None
