"""Every image has an immutable tag (or a digest), never latest or another moving tag.

A test that runs `test-worker:latest` changes behaviour the moment someone pushes a new image:
yesterday's green run proves nothing about today's. The guidelines ask for an immutable tag
such as `gcr.io/kubeflow-ci/test-worker:v20181017-bfeaaf5-dirty-4adcd0`.

What is checked, for every container of every template (steps, sidecars, init containers):

* an image without a tag (which means `:latest`) is an error;
* the tags `latest`, `master`, `main`, `stable`, `edge`, `nightly` and `dev` (any case) are
  errors: branches and channels move;
* a digest (`image@sha256:...`, with or without a tag) always passes;
* if the repository sets `lint.image_tag_pattern` in `.kftest.yaml`, every tag must match
  it entirely (for example `v\\d{8}-[0-9a-f]{7}.*` for the test-worker's date-sha tags).

Tekton PipelineRuns (`tekton_run` entries) are held to the same where the run embeds its
pipeline: every step, sidecar and `stepTemplate` image of `spec.pipelineSpec` tasks'
`taskSpec`. Tasks the run only references are pinned where they are defined.

Images given as Argo expressions (`{{inputs.parameters.image}}`) or Tekton params
(`$(params.image)`) are not checked. When the
offending image is the step image param (`stepImage`, or the `step_image`, `testWorkerImage`,
... the `step-image` rule recognises), the diagnostic points at its line in prow_config.yaml,
which is where it is fixed.

Compliant:

```yaml prow_config
workflows:
  - name: unittests
    app_dir: ci/workflows
    component: example
    params:
      stepImage: gcr.io/kubeflow-ci/test-worker:v20181017-bfeaaf5-dirty-4adcd0
```

```jsonnet compliant
local kftest = import 'kftest.libsonnet';
function(params)
  local wf = kftest.workflow(params, 'unittests');
  wf.dag([wf.step('pytest', ['python', '-m', 'pytest'])])
```

Non-compliant: `latest` in prow_config.yaml:

```yaml prow_config
workflows:
  - name: unittests
    app_dir: ci/workflows
    component: example
    params:
      stepImage: gcr.io/kubeflow-ci/test-worker:latest
```

```jsonnet non-compliant
local kftest = import 'kftest.libsonnet';
function(params)
  local wf = kftest.workflow(params, 'unittests');
  wf.dag([wf.step('pytest', ['python', '-m', 'pytest'])])
```

Non-compliant: a sidecar without a tag:

```yaml prow_config
workflows:
  - name: unittests
    app_dir: ci/workflows
    component: example
    params:
      stepImage: gcr.io/kubeflow-ci/test-worker:v20181017-bfeaaf5-dirty-4adcd0
```

```jsonnet non-compliant
local kftest = import 'kftest.libsonnet';
function(params)
  local wf = kftest.workflow(params, 'unittests');
  local dind = { name: 'dind', image: 'docker', command: ['dockerd-entrypoint.sh'] };
  wf.dag([wf.step('build', ['make', 'images']) + { template+: { sidecars: [dind] } }])
```
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from compiler.diagnostics import Severity
from compiler.rules._context import Problem, WorkflowContext
from compiler.rules._tekton import embedded_images
from compiler.rules._workflow import ImageRef

ID = "immutable-image"
SEVERITY = Severity.ERROR
KINDS = ("Workflow", "PipelineRun")

#: This rule's ``.kftest.yaml`` option (under ``lint``), its schema and default (see _settings.py).
CONF: dict[str, dict[str, Any]] = {
    "image_tag_pattern": {
        "description": "Every image tag must match it (RE2 fullmatch); digests always pass.",
        "type": ["string", "null"],
        "minLength": 1,
        "x-message": "`lint.image_tag_pattern` must be a regular expression",
    }
}
DEFAULT: dict[str, Any] = {"image_tag_pattern": None}


def configure(name: str, value: Any) -> Any:
    """``image_tag_pattern`` as the compiled expression ``check`` matches tags with.

    The pattern comes from a pull request: it is compiled with RE2, whose matching time is
    linear in the tag, so ``(a+)+$`` cannot hang lint as backtracking ``re`` would.
    """
    import re2

    options = re2.Options()
    options.log_errors = False  # the error is reported as a diagnostic, not on stderr
    try:
        return re2.compile(value, options)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", errors="replace")
        raise ValueError(
            f"`lint.{name}` is not a valid regular expression: {reason} "
            "(RE2 syntax: no backreferences or lookarounds)"
        ) from None


MOVING_TAGS = frozenset({"latest", "master", "main", "stable", "edge", "nightly", "dev"})
_EXAMPLE = "an immutable tag such as :v20240101-0123abc, or a digest @sha256:..."


def check(ctx: WorkflowContext) -> Iterator[Problem]:
    param = ctx.step_image_param
    step_image = ctx.configured(param)
    by_image: dict[str, list[str]] = {}  # image -> paths of its image fields
    if ctx.is_tekton:
        for found in embedded_images(ctx.compiled.document):
            if "$(" not in found.image:
                by_image.setdefault(found.image, []).append(found.path)
    else:
        for container in ctx.workflow.all_containers:
            image = container.image
            if image and "{{" not in image:
                by_image.setdefault(image, []).append(f"{container.path}.image")
    # One finding per image: the fix is one edit however many steps share it.
    for image, paths in by_image.items():
        reason = _problem(image, ctx)
        if reason is None:
            continue
        first = paths[0]
        users = f" (used by {len(paths)} containers)" if len(paths) > 1 else ""
        if ctx.is_tekton:
            yield Problem(first, f"{reason}{users}; pin it in the PipelineRun file to {_EXAMPLE}")
        elif image == step_image:
            where = f"`{ctx.param_key(param)}` in prow_config.yaml"
            yield Problem(
                first,
                f"{reason}{users}; set {where} to {_EXAMPLE}",
                param=param,
            )
        else:
            yield Problem(
                first,
                f"{reason}{users}; pin it in the component to {_EXAMPLE} (or make it a param "
                "set in prow_config.yaml)",
            )


def _problem(image: str, ctx: WorkflowContext) -> str | None:
    ref = ImageRef.parse(image)
    if ref.digest:
        return None
    if not ref.tag:
        return f"image {image!r} has no tag, so it runs whatever `latest` is at the time"
    if ref.tag.lower() in MOVING_TAGS:
        return f"image {image!r} uses the moving tag `{ref.tag}`, which changes on every push"
    pattern = ctx.settings.image_tag_pattern
    if pattern is not None and not pattern.fullmatch(ref.tag):
        source = ctx.settings.file or ".kftest.yaml"
        return (
            f"tag `{ref.tag}` of image {image!r} does not match this repository's "
            f"lint.image_tag_pattern `{pattern.pattern}` ({source})"
        )
    return None
