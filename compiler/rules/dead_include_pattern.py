"""An include_dirs pattern matches no file tracked in the repository (a warning).

An entry with `include_dirs` runs on a presubmit or postsubmit only when a changed file
matches one of its patterns. A pattern that matches no file at all (a typo, a directory that
moved, `py/` instead of `py/*`) can never select the entry; if it was the only pattern, the
test silently stops running.

Patterns are Python `fnmatch` patterns over repo-relative paths, as the seed system used
them: anchored at both ends, case-sensitive, and `*` crosses `/` (`py/*` matches
`py/a/b.py`). What is checked: each pattern matches at least one file that git tracks. The
rule is skipped when the tracked files are unknown (not a git repository).

Compliant:

```text tracked-files
compiler/cli.py
tests/test_cli.py
pyproject.toml
```

```yaml prow_config compliant
workflows:
  - name: unittests
    app_dir: ci/workflows
    component: example
    include_dirs: [compiler/*, tests/*, pyproject.toml]
```

Non-compliant: `compiler/` is a directory name without `*`, and `test/*` is misspelt:

```yaml prow_config non-compliant
workflows:
  - name: unittests
    app_dir: ci/workflows
    component: example
    include_dirs: [compiler/, test/*]
```
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator

from compiler.diagnostics import Severity
from compiler.rules._context import ConfigContext, ConfigProblem

ID = "dead-include-pattern"
SEVERITY = Severity.WARNING
SCOPE = "config"


def check(ctx: ConfigContext) -> Iterator[ConfigProblem]:
    files = list(ctx.tracked_files)
    if not files:
        return
    alive: dict[str, bool] = {}
    for entry in ctx.config.workflows:
        for index, pattern in enumerate(entry.include_dirs):
            if not isinstance(pattern, str):
                continue  # config-schema reports it
            if pattern not in alive:
                regex = re.compile(fnmatch.translate(pattern))
                alive[pattern] = any(regex.match(file) for file in files)
            if not alive[pattern]:
                yield ConfigProblem(
                    entry, f"include_dirs[{index}]", _message(pattern, entry.include_dirs)
                )


def _message(pattern: str, patterns: list[str]) -> str:
    hint = ""
    if pattern.startswith(("./", "/")):
        relative = pattern.removeprefix(".").lstrip("/")
        hint = f" Paths are repo-relative, without a leading `./` or `/`: `{relative}`."
    elif pattern.endswith("/"):
        hint = f" To match everything under a directory write `{pattern}*`."
    only = ""
    if len(patterns) == 1:
        only = " It is the entry's only pattern: the entry never runs on presubmits or postsubmits."
    return (
        f"include_dirs pattern `{pattern}` matches no file tracked in the repository, so it "
        f"never selects this entry; fix or remove it (fnmatch, anchored at the repository "
        f"root, `*` crosses `/`).{hint}{only}"
    )
