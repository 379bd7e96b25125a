"""Paths on the NFS volume stay inside <mount>/<workflow-name>, in the guidelines' layout.

Every run of every workflow shares one NFS volume, so each workflow keeps to its own
directory, named after the (unique) workflow:

```text
<mount>/<workflow-name>/
    src/<org>/<repo>/      the checked-out repositories
    outputs/               everything uploaded to GCS when the workflow ends
    outputs/artifacts/     junit_*.xml files, read by Prow and TestGrid
    .kube/                 the kubeconfig, if a step creates one (see the kubeconfig rule)
```

What is checked, for every path on the NFS mount that a step uses (in `command`, `args`,
`script` source, `workingDir` and env values):

* it is inside `<mount>/<workflow-name>` (`<workflow-name>` = metadata.name or
  `{{workflow.name}}`): not the mount itself, not another workflow's directory;
* inside it, it is the directory itself or under `src`, `outputs` (the seed's code used
  `output`, which is accepted), or `.kube`;
* the workflow does not use both `output` and `outputs`: only one of them gets uploaded.

lib/kftest.libsonnet gives the directories as `wf.dirs.{test, src, repo, outputs, artifacts,
kubeconfig}`.

Compliant:

```jsonnet compliant
local kftest = import 'kftest.libsonnet';
function(params)
  local wf = kftest.workflow(params, 'unittests');
  local junit = wf.dirs.artifacts + '/junit_pytest.xml';
  wf.dag([wf.step('pytest', ['python', '-m', 'pytest', '--junitxml=' + junit])])
```

Non-compliant: results written at the root of the shared volume, where parallel runs
overwrite each other:

```jsonnet non-compliant
local kftest = import 'kftest.libsonnet';
function(params)
  local wf = kftest.workflow(params, 'unittests');
  local junit = wf.dirs.mount + '/artifacts/junit_pytest.xml';
  wf.dag([wf.step('pytest', ['python', '-m', 'pytest', '--junitxml=' + junit])])
```

Non-compliant: junit files go to `output/` while the exit handler uploads `outputs/`:

```jsonnet non-compliant
local kftest = import 'kftest.libsonnet';
function(params)
  local wf = kftest.workflow(params, 'unittests');
  local junit = wf.dirs.test + '/output/artifacts/junit_pytest.xml';
  wf.dag([wf.step('pytest', ['python', '-m', 'pytest', '--junitxml=' + junit])])
```
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from compiler.diagnostics import Severity
from compiler.rules._context import Problem, WorkflowContext

ID = "nfs-layout"
SEVERITY = Severity.ERROR

ALLOWED_TOP = ("src", "output", "outputs", ".kube")
_LAYOUT = (
    "keep code under src/<org>/<repo>, files for GCS under outputs/ (junit files in "
    "outputs/artifacts), the kubeconfig under .kube/"
)


def check(ctx: WorkflowContext) -> Iterator[Problem]:
    names = ctx.nfs_volume_names
    if not names:
        return  # nfs-volume reports the missing volume
    reported: set[str] = set()
    output_dirs: dict[str, str] = {}  # "output"/"outputs" -> first path using it
    # Steps repeat the same strings (the env, the working dir): scan each text once per mount.
    scanned: dict[tuple[str, str], list[tuple[str, str | None, str]]] = {}
    for template in ctx.workflow.templates:
        mount = template.mount_path(names)
        if mount is None:
            continue
        mount = mount.rstrip("/") or "/"
        for container in template.containers:
            for path, text in container.strings:
                if mount not in text:
                    continue  # mutation: equivalent — a fast path: _scan finds nothing there
                key = (text, mount)
                if key not in scanned:
                    scanned[key] = _scan(text, mount, ctx.workflow_names)
                for used, problem, top in scanned[key]:
                    if top in ("output", "outputs"):
                        output_dirs.setdefault(top, path)
                    if problem and used not in reported:
                        reported.add(used)
                        yield Problem(path, problem)
    if len(output_dirs) == 2:
        yield Problem(
            output_dirs["output"],
            "the workflow uses both output/ and outputs/ in its test dir, but only one of them "
            "is uploaded to GCS; use one (outputs, as the guidelines name it, or output)",
        )


@lru_cache(maxsize=64)  # mutation: equivalent — the cache size changes speed, not output
def _pattern(mount: str) -> re.Pattern[str]:
    """The mount path as a whole path component, up to the next separator."""
    return re.compile(r"(?<![^\s'\":;,=(])" + re.escape(mount) + r"(?![^/\s'\":;,=)])[^\s'\":;,)]*")


def _scan(
    text: str, mount: str, workflow_names: tuple[str, ...]
) -> list[tuple[str, str | None, str]]:
    """(path, problem or None, first directory under the test dir) for each NFS path in text."""
    return [
        (match.group(0), *_classify(match.group(0), mount, workflow_names))
        for match in _pattern(mount).finditer(text)
    ]


def _classify(used: str, mount: str, workflow_names: tuple[str, ...]) -> tuple[str | None, str]:
    """(problem or None, the first directory under the test dir)."""
    rest = used[len(mount) :].strip("/")
    test_dir = f"{mount}/{workflow_names[0]}"
    if not rest:
        return (
            f"{used} is the root of the NFS volume that every workflow shares; use this "
            f"workflow's own directory {test_dir} ({_LAYOUT})",
            "",
        )
    head, _, below = rest.partition("/")
    if head not in workflow_names:
        return (
            f"{used} is not in this workflow's directory {test_dir}; every path on NFS must "
            f"be under it ({_LAYOUT})",
            "",
        )
    top = below.partition("/")[0]
    if top and top not in ALLOWED_TOP:
        return (
            f"{used} is outside the layout of {test_dir}: {_LAYOUT}",
            top,
        )
    return None, top
