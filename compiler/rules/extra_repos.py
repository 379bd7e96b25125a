"""EXTRA_REPOS is a ;-separated list of org/repo@sha or org/repo@sha:pr items.

The checkout step clones the repository under test, then every item of the `EXTRA_REPOS`
environment variable: `ORG/NAME@SHA` checks out a commit (`HEAD` for the default branch's
head), `ORG/NAME@SHA:PR` a pull request. The seed's `checkout.sh` split the list on `;` and
the item on `@` and `:` without any error checking: a `,` separator or a missing `@` made it
clone nonsense or skip the repository silently, and the test failed much later with a
confusing import error. (`kftest checkout` refuses such a value with exit code 2, but only
when the workflow runs; this rule finds it at lint time.)

What is checked, for `EXTRA_REPOS` in the env of every container (literal values; an empty
value means no extra repositories):

* items are separated by `;`, with no empty item (doubled or trailing `;`) and no spaces;
* each item is `org/repo@sha` or `org/repo@sha:pr`: `org` and `repo` GitHub names, `sha` a
  commit SHA (7 to 40 hex digits) or `HEAD`, `pr` a pull request number.

lib/kftest.libsonnet takes the value from the `extraRepos` param (default
`kubeflow/testing@HEAD`); when the bad value comes from that param the diagnostic points at
its line in prow_config.yaml.

Compliant:

```yaml prow_config
workflows:
  - name: unittests
    app_dir: ci/workflows
    component: example
    params:
      stepImage: gcr.io/kubeflow-ci/test-worker:v20240101-0123abc
      extraRepos: kubeflow/testing@HEAD;kubeflow/tf-operator@0123abcd:1042
```

```jsonnet compliant
local kftest = import 'kftest.libsonnet';
function(params)
  local wf = kftest.workflow(params, 'unittests');
  wf.dag([wf.step('pytest', ['python', '-m', 'pytest'])])
```

Non-compliant: `,` instead of `;` and a branch name instead of a SHA:

```yaml prow_config
workflows:
  - name: unittests
    app_dir: ci/workflows
    component: example
    params:
      stepImage: gcr.io/kubeflow-ci/test-worker:v20240101-0123abc
      extraRepos: kubeflow/testing@HEAD,kubeflow/tf-operator@master
```

```jsonnet non-compliant
local kftest = import 'kftest.libsonnet';
function(params)
  local wf = kftest.workflow(params, 'unittests');
  wf.dag([wf.step('pytest', ['python', '-m', 'pytest'])])
```
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from compiler.diagnostics import Severity
from compiler.rules._context import EXTRA_REPOS_PARAM, Problem, WorkflowContext

ID = "extra-repos"
SEVERITY = Severity.ERROR

VARIABLE = "EXTRA_REPOS"
_ITEM = re.compile(
    r"^(?P<org>[A-Za-z0-9][-A-Za-z0-9]*)/(?P<repo>[A-Za-z0-9._-]+)"
    r"@(?P<sha>[^:]*)(?::(?P<pr>.*))?$"
)
_SHA = re.compile(r"^([0-9a-fA-F]{7,40}|HEAD)$")
_PR = re.compile(r"^[0-9]+$")
_FORMAT = "org/repo@sha or org/repo@sha:pr items separated by `;` (sha: a commit SHA or HEAD)"


def check(ctx: WorkflowContext) -> Iterator[Problem]:
    configured = ctx.configured(EXTRA_REPOS_PARAM)
    seen: set[str] = set()
    for container in ctx.workflow.all_containers:
        if VARIABLE not in container.env:
            continue
        index, value = container.env[VARIABLE]
        if value is None or value in seen:
            continue  # valueFrom cannot be read; one finding per distinct value
        seen.add(value)
        reasons = list(_problems(value))
        if not reasons:
            continue
        from_param = value == configured
        fix = (
            f"fix `{ctx.param_key(EXTRA_REPOS_PARAM)}` in prow_config.yaml"
            if from_param
            else "fix the value in the component"
        )
        yield Problem(
            f"{container.path}.env[{index}].value",
            f"{VARIABLE}={value!r}: {'; '.join(reasons)}. The checkout expects {_FORMAT}; {fix}",
            param=EXTRA_REPOS_PARAM if from_param else None,
        )


def _problems(value: str) -> Iterator[str]:
    if value == "":
        return
    if value != value.strip() or " " in value:
        yield "it contains spaces"
    if "," in value:
        yield "items are separated by `,`; use `;`"
    items = re.split(r"[;,]", value.strip())
    for item in items:
        item = item.strip()
        if not item:
            yield "it has an empty item (a doubled or trailing `;`)"
            continue
        match = _ITEM.match(item)
        if match is None:
            if "@" not in item:
                yield f"{item!r} has no `@sha` (write `{item}@HEAD` for the default branch)"
            else:
                yield f"{item!r} is not org/repo@sha[:pr]"
            continue
        if not _SHA.match(match["sha"]):
            yield f"in {item!r}, {match['sha']!r} is not a commit SHA or HEAD"
        if match["pr"] is not None and not _PR.match(match["pr"]):
            yield f"in {item!r}, the pull request {match['pr']!r} is not a number"
