"""A Tekton run's pipeline takes the `artifacts-gcs` param and uses it: its results reach GCS.

An Argo workflow uploads its outputs in its exit handler (`exit-handler`). A Tekton pipeline
cannot be told where the build's results go except through params: kftest (as the seed did)
gives every run `artifacts-gcs` (the Prow GCS directory of the build), `junit-path`
(`artifacts/junit_<generateName>`) and `test-target-name`. A pipeline that does not declare
`artifacts-gcs`, or declares it and hands it to no task, uploads nothing: Prow shows the build
without junit results and Gubernator/Spyglass have nothing to link.

Teardown runs (`tekton_teardown`) are not held to it. Checked where kftest can see the
pipeline: the run's embedded `pipelineSpec`, or the Pipeline
its `pipelineRef` names when the repository defines it. The pipeline must declare the param
in `params` and use `$(params.artifacts-gcs)` in one of its `tasks` or `finally` tasks.

Compliant:

```yaml tekton compliant
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  generateName: unit-
spec:
  pipelineSpec:
    params:
    - name: artifacts-gcs
      type: string
    tasks:
    - name: test
      params:
      - name: gcs
        value: $(params.artifacts-gcs)
      taskSpec:
        params:
        - name: gcs
          type: string
        steps:
        - name: test
          image: gcr.io/kubeflow-ci/test-worker:v20240101-0123abc
          script: make test && gsutil cp -r artifacts $(params.gcs)
```

Non-compliant: the pipeline ignores where the build's results go:

```yaml tekton non-compliant
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  generateName: unit-
spec:
  pipelineSpec:
    tasks:
    - name: test
      taskSpec:
        steps:
        - name: test
          image: gcr.io/kubeflow-ci/test-worker:v20240101-0123abc
          script: make test
```
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from compiler.diagnostics import Severity
from compiler.lenient import as_dict, as_list
from compiler.rules._context import Problem, WorkflowContext
from compiler.rules._tekton import ARTIFACTS_PARAM, run_pipeline
from compiler.validate.tekton import teardown_of

ID = "artifacts-gcs"
SEVERITY = Severity.ERROR
KINDS = ("PipelineRun",)

_USE = f"$(params.{ARTIFACTS_PARAM})"


def check(ctx: WorkflowContext) -> Iterator[Problem]:
    if teardown_of(ctx.compiled.document) is not None:
        return  # cleans up after the test: nothing to report
    pipeline = run_pipeline(ctx.compiled.document, ctx.repo_root)
    if pipeline is None:
        return  # in the cluster or another repository: nothing kftest can see
    declared = {as_dict(p).get("name") for p in as_list(pipeline.spec.get("params"))}
    if ARTIFACTS_PARAM not in declared:
        yield Problem(
            pipeline.path,
            f"{pipeline.where} does not declare the `{ARTIFACTS_PARAM}` param, so it never "
            "learns the build's GCS directory and its junit files never reach Prow; declare it "
            f"and pass {_USE} to the task that uploads the results",
        )
        return
    tasks = [*as_list(pipeline.spec.get("tasks")), *as_list(pipeline.spec.get("finally"))]
    if not any(_USE in json.dumps(task) for task in tasks):
        yield Problem(
            pipeline.path,
            f"{pipeline.where} declares `{ARTIFACTS_PARAM}` but no task uses {_USE}: nothing "
            "uploads the results to the build's GCS directory",
        )
