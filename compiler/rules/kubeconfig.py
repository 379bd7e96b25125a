"""KUBECONFIG lives in the workflow's NFS test dir, and every step after its creation uses it.

A test that needs a Kubernetes cluster has one step create a kubeconfig; the guidelines ask
that it be written to the workflow's directory on NFS and that later steps point
`KUBECONFIG` at it. A kubeconfig in the container's home directory vanishes with the pod,
and a step without the variable silently talks to the cluster the pod runs in.

What is checked, for the env of every step container (`KUBECONFIG`, and `KUBE_CONFIG`, which
the guidelines' text uses):

* the value is inside `<mount>/<workflow-name>/` (the mount of the NFS volume in that step;
  `{{workflow.name}}` is accepted for the name);
* all steps use the same path;
* when one step sets it, every step of the entrypoint's tree except the checkout sets it
  too. (kftest does not know which step creates the file, so it asks for the variable on
  every step after the checkout; setting it early is harmless.) Steps that only run in the
  onExit handler may leave it out.

`kftest.workflow(params, 'e2e', kubeconfig=true)` sets `KUBECONFIG=<test dir>/.kube/config`
on every step but the checkout.

Compliant:

```jsonnet compliant
local kftest = import 'kftest.libsonnet';
function(params)
  local wf = kftest.workflow(params, 'e2e', kubeconfig=true);
  wf.dag([
    wf.step('create-cluster', ['make', 'cluster', 'KUBECONFIG=' + wf.dirs.kubeconfig]),
    wf.step('e2e-tests', ['python', '-m', 'pytest', 'e2e'], deps=['create-cluster']),
  ])
```

Non-compliant: the kubeconfig is in the pod's home directory, gone after the step:

```jsonnet non-compliant
local kftest = import 'kftest.libsonnet';
function(params)
  local wf = kftest.workflow(params, 'e2e', env={ KUBECONFIG: '/root/.kube/config' });
  wf.dag([wf.step('e2e-tests', ['python', '-m', 'pytest', 'e2e'])])
```

Non-compliant: only the step that creates the kubeconfig sets the variable:

```jsonnet non-compliant
local kftest = import 'kftest.libsonnet';
function(params)
  local wf = kftest.workflow(params, 'e2e');
  wf.dag([
    wf.step('create-cluster', ['make', 'cluster'], env={ KUBECONFIG: wf.dirs.kubeconfig }),
    wf.step('e2e-tests', ['python', '-m', 'pytest', 'e2e'], deps=['create-cluster']),
  ])
```
"""

from __future__ import annotations

from collections.abc import Iterator

from compiler.diagnostics import Severity
from compiler.rules._context import Problem, WorkflowContext
from compiler.rules._workflow import Container, is_under

ID = "kubeconfig"
SEVERITY = Severity.ERROR

VARIABLES = ("KUBECONFIG", "KUBE_CONFIG")
DEFAULT_MOUNT = "/mnt/test-data-volume"


def check(ctx: WorkflowContext) -> Iterator[Problem]:
    workflow = ctx.workflow
    names = ctx.nfs_volume_names
    settings: list[tuple[Container, str, str, str]] = []  # container, variable, value, path
    for container in workflow.containers:
        for variable in VARIABLES:
            if variable in container.env:
                index, value = container.env[variable]
                if value is not None:  # valueFrom: not ours to read
                    path = f"{container.path}.env[{index}].value"
                    settings.append((container, variable, value, path))
    if not settings:
        return
    reported: set[str] = set()
    for container, variable, value, path in settings:
        if value in reported:
            continue  # one finding per path: the fix is one edit
        mount = container.template.mount_path(names) or _any_mount(ctx) or DEFAULT_MOUNT
        test_dirs = [f"{mount.rstrip('/')}/{name}" for name in ctx.workflow_names]
        if not any(is_under(value, test_dir) and value != test_dir for test_dir in test_dirs):
            reported.add(value)
            yield Problem(
                path,
                f"{variable}={value} is not in this workflow's NFS test dir {test_dirs[0]}, so "
                f"later steps cannot read the kubeconfig; write it to {test_dirs[0]}/.kube/config "
                "and point the variable there (wf.dirs.kubeconfig in kftest.libsonnet)",
            )
    values = sorted({value for _, _, value, _ in settings})
    if len(values) > 1:
        yield Problem(
            settings[0][3],
            f"steps use different kubeconfig paths ({', '.join(values)}); use one path on "
            "every step",
        )
    value = settings[0][2]
    variable = settings[0][1]
    having = {id(c) for c in workflow.containers if any(v in c.env for v in VARIABLES)}
    for template in workflow.reachable(workflow.entrypoint):
        for container in template.containers:
            if id(container) in having or container.runs_checkout:
                continue
            yield Problem(
                f"{container.path}.env",
                f"step `{template.label}` does not set {variable} while other "
                f"steps do ({value}); set it on every step after the kubeconfig is created, or "
                "it talks to the wrong cluster (kftest.workflow(params, ..., kubeconfig=true))",
            )


def _any_mount(ctx: WorkflowContext) -> str | None:
    for template in ctx.workflow.templates:
        mount = template.mount_path(ctx.nfs_volume_names)
        if mount:
            return mount
    return None
