"""The label that marks what kftest created, so ``cleanup`` never touches anything else.

The submitter stamps ``MANAGED_BY_LABEL: MANAGED_BY_VALUE`` on every workflow it creates; the
jsonnet library leaves it out so that compiled YAML and golden files do not depend on how a
workflow is going to be submitted.
"""

from __future__ import annotations

MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
MANAGED_BY_VALUE = "kftest"
DEFAULT_SELECTOR = f"{MANAGED_BY_LABEL}={MANAGED_BY_VALUE}"
