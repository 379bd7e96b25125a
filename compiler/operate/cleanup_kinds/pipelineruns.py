"""Tekton PipelineRuns (``tekton_run`` entries), aged by ``status.startTime``, else by
``metadata.creationTimestamp`` for runs that never started.

They are listed at the newest Tekton API the cluster serves (``tekton.dev/v1``, else
``v1beta1``, else ``v1alpha1``: the server converts between them, so every run is in each);
a cluster without Tekton has none to clean up.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from compiler.cluster import status
from compiler.cluster.api import NotFound, Refused
from compiler.cluster.kube import TEKTON_VERSIONS, Resource, pipeline_runs
from compiler.operate import cleanup
from compiler.operate.cleanup import DeleteFailed, Gone, KindOptions
from compiler.operate.cleanup_kinds.workflows import Workflows, aged

#: Newest first.
VERSIONS = tuple(reversed(TEKTON_VERSIONS))


class PipelineRuns(Workflows):
    name = "pipelineruns"

    def __init__(self, options: KindOptions) -> None:
        super().__init__(options)
        self.resource: Resource | None = None

    def list(self) -> Iterator[cleanup.Resource]:
        for version in VERSIONS:
            resource = pipeline_runs(version)
            try:
                items = list(
                    self.cluster.list_workflows(
                        self.options.namespace,
                        self.options.selector or None,
                        self.options.page_size,
                        resource=resource,
                    )
                )
            except NotFound:
                continue  # this API version is not served
            self.resource = resource
            yield from (resource_of(item) for item in items)
            return

    def delete(self, resource: cleanup.Resource) -> None:
        assert self.resource is not None, "list() first"
        try:
            self.cluster.delete_workflow(
                resource.namespace or "", resource.name, resource=self.resource
            )
        except NotFound:
            raise Gone(resource.ref) from None
        except Refused as exc:
            raise DeleteFailed(str(exc).split(": ", 1)[-1]) from None


def resource_of(item: dict[str, Any]) -> cleanup.Resource:
    return aged(
        item,
        kind="pipelineruns",
        started_field="startTime",
        detail=f"phase {status.phase(item) or '(none)'}",
    )


def make(options: KindOptions) -> PipelineRuns:
    return PipelineRuns(options)
