"""The NFS volume (PVC named by the nfsClaim param, default nfs-external) is mounted in every step.

Steps share files (the checkout, junit results, the kubeconfig) through an NFS volume. The
guidelines: mount it with a PersistentVolumeClaim in every step, and make the claim name a
parameter, because test clusters name it differently (`nfs-external` on kubeflow-ci).

What is checked:

* `spec.volumes` has a `persistentVolumeClaim` volume whose `claimName` is the `nfsClaim`
  param (`nfs-external` when the param is not set), so setting `nfsClaim` in prow_config.yaml
  really moves the workflow to another claim;
* every template that runs a container (`container`, `script`, `containerSet`) mounts that
  volume.

Workflows that take their templates from a `workflowTemplateRef` are not checked.

Compliant:

```jsonnet compliant
local kftest = import 'kftest.libsonnet';
function(params)
  local wf = kftest.workflow(params, 'unittests');
  wf.dag([wf.step('pytest', ['python', '-m', 'pytest'])])
```

Non-compliant: prow_config.yaml sets the claim, but the component hard-codes `nfs-external`:

```yaml prow_config
workflows:
  - name: unittests
    app_dir: ci/workflows
    component: example
    params:
      stepImage: gcr.io/kubeflow-ci/test-worker:v20240101-0123abc
      nfsClaim: nfs-staging
```

```jsonnet non-compliant
local kftest = import 'kftest.libsonnet';
function(params)
  local wf = kftest.workflow(params + { nfsClaim: 'nfs-external' }, 'unittests');
  wf.dag([wf.step('pytest', ['python', '-m', 'pytest'])])
```

Non-compliant: one step does not mount the volume, so it cannot see the checkout:

```yaml prow_config
workflows:
  - name: unittests
    app_dir: ci/workflows
    component: example
    params:
      stepImage: gcr.io/kubeflow-ci/test-worker:v20240101-0123abc
```

```jsonnet non-compliant
local kftest = import 'kftest.libsonnet';
function(params)
  local wf = kftest.workflow(params, 'unittests');
  local unmounted = { template+: { container+: { volumeMounts: [] } } };
  wf.dag([wf.step('pytest', ['python', '-m', 'pytest']) + unmounted])
```
"""

from __future__ import annotations

from collections.abc import Iterator

from compiler.diagnostics import Severity
from compiler.lenient import as_dict, as_list
from compiler.rules._context import NFS_CLAIM_PARAM, Problem, WorkflowContext

ID = "nfs-volume"
SEVERITY = Severity.ERROR


def check(ctx: WorkflowContext) -> Iterator[Problem]:
    workflow = ctx.workflow
    if workflow.uses_workflow_template and not workflow.top_templates:
        return
    claim = ctx.nfs_claim
    names = ctx.nfs_volume_names
    source = (
        f"the `{NFS_CLAIM_PARAM}` param"
        if ctx.params.get(NFS_CLAIM_PARAM)
        else f"the default; the `{NFS_CLAIM_PARAM}` param is not set"
    )
    if not names:
        others = _other_claims(workflow.spec)
        if others:
            path, other = others[0]
            yield Problem(
                f"{path}.persistentVolumeClaim.claimName",
                f"the workflow mounts PVC `{other}`, but the NFS claim is `{claim}` ({source}); "
                f"take the claimName from params.{NFS_CLAIM_PARAM} instead of hard-coding it",
            )
        else:
            yield Problem(
                "spec.volumes",
                f"no volume mounts the NFS PVC `{claim}` ({source}); add "
                f"{{name: 'kubeflow-test-volume', persistentVolumeClaim: {{claimName: "
                f"params.{NFS_CLAIM_PARAM}}}}} to spec.volumes and mount it in every step",
            )
        return
    volume = sorted(names)[0]
    for template in workflow.templates:
        if template.runs_code and template.mount_path(names) is None:
            yield Problem(
                f"{template.containers[0].path}.volumeMounts",
                f"step `{template.label}` does not mount the NFS volume `{volume}`, so it cannot "
                "see the checkout or write results; add it to the container's volumeMounts "
                "(kftest.libsonnet's wf.step does)",
            )


def _other_claims(spec: dict[str, object]) -> list[tuple[str, str]]:
    found = []
    for index, volume in enumerate(as_list(spec.get("volumes"))):
        claim = as_dict(as_dict(volume).get("persistentVolumeClaim")).get("claimName")
        if isinstance(claim, str):
            found.append((f"spec.volumes[{index}]", claim))
    return found
