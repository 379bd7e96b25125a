"""An onExit handler uploads the workflow's outputs dir to GCS, whatever the test's outcome.

Prow, Spyglass and TestGrid only see what reaches the job's GCS directory. The guidelines:
the workflow's `onExit` handler (it runs after success and failure alike) copies
`<mount>/<workflow-name>/outputs` (junit files in `outputs/artifacts`) to GCS. Without it a
failed run leaves no trace but its pods.

What is checked:

* `spec.onExit` (or, when the targeted Argo release is 3.3 or newer — `argo_version` — the
  lifecycle hook `spec.hooks.exit.template`) names a template;
* that template, or a template it calls, runs a container that uploads to GCS (`gsutil`,
  `gcloud storage`, kubeflow.testing's `prow_artifacts ... copy_artifacts`, or a `gs://` URL)
  and names the outputs dir, `<mount>/<workflow-name>/outputs` (or `output`).

An exit handler that calls a `templateRef` is trusted (its template lives elsewhere), as are
workflows that take their templates from a `workflowTemplateRef`. `dag()` and `steps()` of
lib/kftest.libsonnet add an `exit-handler` running `copy-artifacts`.

Compliant:

```jsonnet compliant
local kftest = import 'kftest.libsonnet';
function(params)
  local wf = kftest.workflow(params, 'unittests');
  wf.dag([wf.step('pytest', ['python', '-m', 'pytest'])])
```

Non-compliant: no onExit handler:

```jsonnet non-compliant
local kftest = import 'kftest.libsonnet';
function(params)
  local wf = kftest.workflow(params, 'unittests');
  wf.dag([wf.step('pytest', ['python', '-m', 'pytest'])]) + { spec+: { onExit:: null } }
```

Non-compliant: the handler only cleans up; the results never reach GCS:

```jsonnet non-compliant
local kftest = import 'kftest.libsonnet';
function(params)
  local wf = kftest.workflow(params, 'unittests');
  local w = wf.dag([wf.step('pytest', ['python', '-m', 'pytest'])]);
  w + { spec+: { templates: [w.spec.templates[0], {
    name: 'exit-handler',
    steps: [[{ name: 'test-dir-delete', template: 'test-dir-delete' }]],
  }] + w.spec.templates[2:] } }
```
"""

from __future__ import annotations

from collections.abc import Iterator

from compiler.diagnostics import Severity
from compiler.rules._context import Problem, WorkflowContext

ID = "exit-handler"
SEVERITY = Severity.ERROR

UPLOADERS = ("gsutil", "gcloud storage", "copy_artifacts", "gs://")
_EXAMPLE = (
    "python -m kubeflow.testing.prow_artifacts --artifacts_dir=<outputs dir> copy_artifacts "
    "--bucket=<bucket>, or gsutil -m rsync -r <outputs dir> gs://<bucket>/<job dir>"
)


def check(ctx: WorkflowContext) -> Iterator[Problem]:
    workflow = ctx.workflow
    if workflow.uses_workflow_template and not workflow.top_templates:
        return
    name = workflow.exit_handler_name
    if name is not None and not workflow.spec.get("onExit") and not ctx.argo_at_least("3.3"):
        release = ctx.release.minor if ctx.release else "?"
        yield Problem(
            "spec.hooks.exit",
            f"spec.hooks.exit needs Argo 3.3 or newer, and this repository targets Argo {release} "
            "(argo_version), which never runs it: nothing uploads the results; set spec.onExit "
            f"to `{name}` instead",
        )
        return
    if name is None:
        yield Problem(
            "spec.onExit",
            "the workflow has no onExit handler, so nothing uploads its results to GCS when it "
            f"ends; set spec.onExit to a template whose step runs {_EXAMPLE} "
            "(kftest.libsonnet's dag()/steps() add one)",
        )
        return
    handler = workflow.by_name.get(name)
    if handler is None or workflow.calls_external(handler):
        return  # a dangling name is argo-semantic's finding; a templateRef we cannot see
    names = ctx.nfs_volume_names
    uploads = []
    for template in workflow.reachable(handler):
        mount = template.mount_path(names)
        for container in template.containers:
            text = " ".join(word for _, word in container.command_words)
            if any(tool in text for tool in UPLOADERS):
                uploads.append((container, mount, text))
    if not uploads:
        yield Problem(
            f"{handler.path}",
            f"the onExit handler `{name}` does not upload anything to GCS; add a step that "
            f"runs {_EXAMPLE}",
        )
        return
    if not names:
        return  # without the NFS volume there is no outputs dir to name; nfs-volume says so
    for _container, mount, text in uploads:
        if mount and _names_outputs(text, mount.rstrip("/"), ctx.workflow_names):
            return
    container, mount, _ = uploads[0]
    outputs = f"{(mount or '<mount>').rstrip('/')}/{ctx.workflow.name}/outputs"
    yield Problem(
        container.path,
        f"the onExit handler `{name}` uploads to GCS, but not this workflow's outputs dir "
        f"{outputs} (on the NFS volume, which the step must mount); upload that directory",
    )


def _names_outputs(text: str, mount: str, workflow_names: tuple[str, ...]) -> bool:
    return any(
        f"{mount}/{name}/{directory}" in text
        for name in workflow_names
        for directory in ("outputs", "output")
    )
