"""Step images come from a param set in prow_config.yaml (`stepImage`, or any other name).

The guidelines: the image the steps run in is a component parameter (`stepImage`), and its
value is set in prow_config.yaml, so that moving every workflow of a repository to a new test
image is a one-line change there (and the change is reviewed with the config).

What is checked:

* the entry sets the step image in its `params` (`kwargs` for a py_func entry): `stepImage`,
  or any param whose value the step containers run — seed-era repositories called it
  `step_image`, `testWorkerImage`, ... (a single param named `*image*` that no step uses is
  taken as the intended one);
* every step container (`container`, `script`, `containerSet` containers; not sidecars or
  init containers) runs exactly that image. A template whose image is an Argo expression
  (`{{inputs.parameters.image}}`) is not checked.

A step that really needs another image (building images with kaniko, say) can switch the
rule off for its entry with `lint: {disable: [step-image]}`.

Compliant:

```yaml prow_config
workflows:
  - name: unittests
    app_dir: ci/workflows
    component: example
    params:
      stepImage: gcr.io/kubeflow-ci/test-worker:v20240101-0123abc
```

```jsonnet compliant
local kftest = import 'kftest.libsonnet';
function(params)
  local wf = kftest.workflow(params, 'unittests');
  wf.dag([wf.step('pytest', ['python', '-m', 'pytest'])])
```

Non-compliant: the component hard-codes its own image, so the prow_config.yaml value is
silently ignored:

```jsonnet non-compliant
local kftest = import 'kftest.libsonnet';
function(params)
  local image = 'gcr.io/kubeflow-ci/test-worker:v20181017-bfeaaf5';
  local wf = kftest.workflow(params + { stepImage: image }, 'unittests');
  wf.dag([wf.step('pytest', ['python', '-m', 'pytest'])])
```

Non-compliant: prow_config.yaml does not set `stepImage` (the image is a default buried in
the component):

```yaml prow_config
workflows:
  - name: unittests
    app_dir: ci/workflows
    component: example
```

```jsonnet non-compliant
local kftest = import 'kftest.libsonnet';
function(params)
  local image = 'gcr.io/kubeflow-ci/test-worker:v20181017-bfeaaf5';
  local wf = kftest.workflow({ stepImage: image } + params, 'unittests');
  wf.dag([wf.step('pytest', ['python', '-m', 'pytest'])])
```
"""

from __future__ import annotations

from collections.abc import Iterator

from compiler.diagnostics import Severity
from compiler.rules._context import STEP_IMAGE_PARAM, Problem, WorkflowContext
from compiler.rules._workflow import Container

ID = "step-image"
SEVERITY = Severity.ERROR


def check(ctx: WorkflowContext) -> Iterator[Problem]:
    param = ctx.step_image_param
    key = ctx.param_key(param)
    configured = ctx.configured(param)
    if configured is None:
        yield Problem(
            None,
            f"prow_config.yaml does not set `{key}` for this entry; add "
            f"`{key}: <image>:<immutable tag>` and use params.{STEP_IMAGE_PARAM} as the image of "
            "every step, so one edit there moves all workflows to a new test image",
            param=STEP_IMAGE_PARAM,
        )
        return
    if not isinstance(configured, str) or not configured:
        yield Problem(
            None,
            f"`{key}` must be an image reference such as "
            f"gcr.io/kubeflow-ci/test-worker:v20240101-0123abc, not {configured!r}",
            param=param,
        )
        return
    # One finding per wrong image: however many steps use it, the fix is one edit.
    wrong: dict[str, list[Container]] = {}
    for container in ctx.workflow.containers:
        image = container.data.get("image")
        if isinstance(image, str) and "{{" in image:
            continue
        if image is None:
            yield Problem(
                container.path,
                f"step `{container.template.label}` has no image; use params.{param} "
                f"({configured})",
            )
        elif image != configured:
            wrong.setdefault(str(image), []).append(container)
    for image, containers in wrong.items():
        steps = ", ".join(f"`{c.template.label}`" for c in containers[:5])
        more = f" and {len(containers) - 5} more" if len(containers) > 5 else ""
        yield Problem(
            f"{containers[0].path}.image",
            f"{'steps' if len(containers) > 1 else 'step'} {steps}{more} run {image!r}, not the "
            f"`{key}` set in prow_config.yaml ({configured}); use params.{param} as "
            "the container image in the component",
        )
