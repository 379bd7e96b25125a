"""The resource kinds ``kftest cleanup`` knows, one module each.

A kind module defines ``make(options: KindOptions) -> ResourceKind`` (see
``compiler.operate.cleanup``); register it in ``KINDS`` under its plural name. The seed's
cleanup also collected GCP resources by name pattern (deployments, clusters, disks, ...): each
of those would be one more module here.
"""

from __future__ import annotations

from collections.abc import Callable

from compiler.operate.cleanup import KindOptions, ResourceKind
from compiler.operate.cleanup_kinds import pipelineruns, workflows

KINDS: dict[str, Callable[[KindOptions], ResourceKind]] = {
    "workflows": workflows.make,
    "pipelineruns": pipelineruns.make,
}
