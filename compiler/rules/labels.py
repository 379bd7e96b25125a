"""Workflow labels org, repo (and pr on presubmits) carry Prow's values; workflow names the test.

The guidelines ask every workflow to carry labels that tie it to the Prow job, so that
dashboards, `kubectl get workflows -l ...` and the cleanup jobs can find it:

* `org` = `REPO_OWNER`, `repo` = `REPO_NAME`, and on presubmits `pr` = `PULL_NUMBER`, with
  the values Prow gives (in the `prow_env` param). Where Prow did not set a variable the seed
  convention `notset` is accepted; a `pr` label on other job types must be `notset` or absent.
* `workflow`: a non-empty value naming what the test is (`unittests`, `code_search`); one
  component may serve several entries, so it is not the entry name.
* Every label value, on the workflow (`metadata.labels`), on `spec.podMetadata` and on each
  template's `metadata`, is a valid Kubernetes label value: a string of at most 63
  characters, letters, digits, `-`, `_`, `.`, starting and ending with a letter or digit.
  (The seed system put whole workflow names and URLs there and got rejected pods.)

`kftest.workflow(params, 'unittests')` from lib/kftest.libsonnet sets all of them.

Tekton PipelineRuns (`tekton_run` entries) are held to the same: kftest sets `org`, `repo`,
`pr` and `workflow` when it compiles them, so what is left to check are the other labels of
the run file (`metadata.labels`) and of its embedded tasks
(`spec.pipelineSpec.tasks[].taskSpec.metadata.labels`): `repo: kubeflow/testing`, as seed-era
runs wrote it, is not a valid label value.

Compliant:

```jsonnet compliant
local kftest = import 'kftest.libsonnet';
function(params)
  local wf = kftest.workflow(params, 'unittests');
  wf.dag([wf.step('pytest', ['python', '-m', 'pytest'])])
```

Non-compliant: the labels are hard-coded instead of taken from Prow's values (older kubeflow
components did this, so every workflow looked like it came from kubeflow/kubeflow):

```jsonnet non-compliant
local kftest = import 'kftest.libsonnet';
function(params)
  local wf = kftest.workflow(params, 'unittests');
  wf.dag([wf.step('pytest', ['python', '-m', 'pytest'])])
  + { metadata+: { labels: { org: 'kubeflow', repo: 'kubeflow', workflow: 'e2e' } } }
```

Non-compliant: the workflow label is not a valid label value (space, upper case):

```jsonnet non-compliant
local kftest = import 'kftest.libsonnet';
function(params)
  local wf = kftest.workflow(params, 'Unit tests');
  wf.dag([wf.step('pytest', ['python', '-m', 'pytest'])])
```
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from compiler.diagnostics import Severity
from compiler.lenient import as_dict
from compiler.rules._context import Problem, WorkflowContext

ID = "labels"
SEVERITY = Severity.ERROR
KINDS = ("Workflow", "PipelineRun")

NOTSET = "notset"
_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$")
_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
_PREFIX = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_VALUE_RULE = (
    "at most 63 characters: letters, digits, '-', '_' or '.', starting and ending with a "
    "letter or digit"
)

_PROW_LABELS = (("org", "REPO_OWNER"), ("repo", "REPO_NAME"))


def check(ctx: WorkflowContext) -> Iterator[Problem]:
    workflow = ctx.workflow
    labels_path = "metadata.labels"
    raw_labels = workflow.metadata.get("labels")
    if raw_labels is not None and not isinstance(raw_labels, dict):
        yield Problem(labels_path, "metadata.labels must be a mapping of label names to values")
    labels = workflow.labels
    expected = [*_PROW_LABELS]
    if ctx.job_type == "presubmit":
        expected.append(("pr", "PULL_NUMBER"))
    for label, variable in expected:
        want = ctx.prow_env.get(variable) or NOTSET
        have = labels.get(label)
        if have is None:
            yield Problem(
                labels_path,
                f"label `{label}` is missing; set metadata.labels.{label} to Prow's "
                f"{variable} ({want!r} here), read from the prow_env param "
                "(kftest.workflow(params, ...) does this)",
            )
        elif have != want:
            yield Problem(
                f"{labels_path}.{label}",
                f"label `{label}` is {have!r} but Prow's {variable} is {want!r}; take "
                f"metadata.labels.{label} from the prow_env param instead of hard-coding it",
            )
    if ctx.job_type != "presubmit" and "pr" in labels:
        number = ctx.prow_env.get("PULL_NUMBER")
        if labels["pr"] not in (NOTSET, number or NOTSET):
            yield Problem(
                f"{labels_path}.pr",
                f"label `pr` is {labels['pr']!r} on a {ctx.job_type} job, which has no pull "
                "request; set it only when prow_env has PULL_NUMBER",
            )
    name = labels.get("workflow")
    if name is None or name == "":
        yield Problem(
            labels_path if name is None else f"{labels_path}.workflow",
            "label `workflow` is missing or empty; set metadata.labels.workflow to what the "
            "test is, e.g. 'unittests' (kftest.workflow(params, 'unittests'))",
        )
    yield from _valid_labels(labels_path, labels)
    yield from _valid_labels(
        "spec.podMetadata.labels", _labels_of(workflow.spec.get("podMetadata"))
    )
    for template in workflow.templates:
        yield from _valid_labels(
            f"{template.path}.metadata.labels", _labels_of(template.data.get("metadata"))
        )
    if ctx.is_tekton:
        pipeline = as_dict(workflow.spec.get("pipelineSpec"))
        for section in ("tasks", "finally"):
            for index, task in enumerate(pipeline.get(section) or []):
                path = f"spec.pipelineSpec.{section}[{index}].taskSpec.metadata.labels"
                task_spec = as_dict(as_dict(task).get("taskSpec"))
                yield from _valid_labels(path, _labels_of(task_spec.get("metadata")))


def _labels_of(metadata: Any) -> dict[str, Any]:
    return as_dict(as_dict(metadata).get("labels"))


def _valid_labels(path: str, labels: dict[str, Any]) -> Iterator[Problem]:
    for key, value in labels.items():
        where = f"{path}.{key}"
        key_problem = _key_problem(key) if isinstance(key, str) else "it must be a string"
        if key_problem:
            yield Problem(where, f"label name {key!r} is not valid: {key_problem}")
        if not isinstance(value, str):
            yield Problem(
                where,
                f"label `{key}` is {type(value).__name__} {value!r}; label values must be "
                "strings (use std.toString in jsonnet)",
            )
        elif len(value) > 63 or not _VALUE.match(value):
            yield Problem(
                where,
                f"label `{key}` value {value!r} is not a valid Kubernetes label value "
                f"({_VALUE_RULE}); Kubernetes rejects the workflow's pods",
            )


def _key_problem(key: str) -> str | None:
    prefix, _, name = key.rpartition("/")
    if prefix and (len(prefix) > 253 or not _PREFIX.match(prefix)):
        return "the prefix before '/' must be a DNS subdomain"
    if not name or len(name) > 63 or not _NAME.match(name):
        return f"the name must be {_VALUE_RULE}, and not empty"
    return None
