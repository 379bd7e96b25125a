"""metadata.name is a DNS-1123 label of at most 63 characters.

Argo copies the workflow's name into a label of every pod it creates, and a Kubernetes label
value has at most 63 characters. The seed system appended a 22-character unique suffix to
`JOB_NAME-<entry name>` and left the truncation to each component; those that forgot got
workflows whose pods could not be created. kftest generates the name (the `name` param)
already shortened, keeping the unique suffix whole, so the simplest compliant component uses
`params.name` as it is.

What is checked: `metadata.name` is set (not only `generateName`: kftest tracks the workflow
by name), is a string, has at most 63 characters, and is a DNS-1123 label: lowercase letters,
digits and `-`, starting and ending with a letter or digit.

Compliant:

```jsonnet compliant
local kftest = import 'kftest.libsonnet';
function(params)
  local wf = kftest.workflow(params, 'unittests');
  wf.dag([wf.step('pytest', ['python', '-m', 'pytest'])])
```

Non-compliant: the component appends to the generated name and overflows 63 characters:

```jsonnet non-compliant
local kftest = import 'kftest.libsonnet';
function(params)
  local name = params.name + '-with-a-descriptive-suffix-too-long';
  local wf = kftest.workflow(params + { name: name }, 'unittests');
  wf.dag([wf.step('pytest', ['python', '-m', 'pytest'])])
```

Non-compliant: upper case and `_` are not allowed in a name:

```jsonnet non-compliant
local kftest = import 'kftest.libsonnet';
function(params)
  local wf = kftest.workflow(params + { name: 'Unit_Tests' }, 'unittests');
  wf.dag([wf.step('pytest', ['python', '-m', 'pytest'])])
```
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from compiler.diagnostics import Severity
from compiler.rules._context import Problem, WorkflowContext

ID = "name-length"
SEVERITY = Severity.ERROR

MAX_LENGTH = 63
_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def check(ctx: WorkflowContext) -> Iterator[Problem]:
    metadata = ctx.workflow.metadata
    name = metadata.get("name")
    if name is None:
        also = " (generateName is not enough: kftest tracks the workflow by name)"
        yield Problem(
            "metadata",
            "metadata.name is missing; set it to params.name, the unique name kftest "
            f"generates{also if 'generateName' in metadata else ''}",
        )
        return
    if not isinstance(name, str):
        yield Problem(
            "metadata.name",
            f"metadata.name must be a string, not {type(name).__name__}; use params.name",
        )
        return
    if len(name) > MAX_LENGTH:
        yield Problem(
            "metadata.name",
            f"metadata.name is {len(name)} characters long, more than {MAX_LENGTH}, so Argo "
            "cannot label the workflow's pods with it; use params.name as given (kftest "
            "already shortens it and keeps the unique suffix)",
        )
    if not _DNS1123_LABEL.match(name):
        yield Problem(
            "metadata.name",
            f"metadata.name {name!r} is not a DNS-1123 label (lowercase letters, digits and "
            "'-', starting and ending with a letter or digit); use params.name as given",
        )
