"""Argo workflows, aged by ``status.startedAt`` (as the seed's cleanup_ci did), else by
``metadata.creationTimestamp`` for workflows that never started."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from compiler.cluster.api import NotFound, Refused
from compiler.durations import parse_time
from compiler.operate.cleanup import DeleteFailed, Gone, KindOptions, Resource


class Workflows:
    name = "workflows"

    def __init__(self, options: KindOptions) -> None:
        self.options = options
        self._cluster: Any = None

    @property
    def cluster(self) -> Any:
        if self._cluster is None:
            self._cluster = self.options.cluster()
        return self._cluster

    def describe_scope(self) -> str:
        where = (
            f"in namespace {self.options.namespace}"
            if self.options.namespace
            else "in all namespaces"
        )
        labels = (
            f"with labels {self.options.selector}" if self.options.selector else "with any labels"
        )
        return f"{where} {labels}"

    def list(self) -> Iterator[Resource]:
        for item in self.cluster.list_workflows(
            self.options.namespace, self.options.selector or None, self.options.page_size
        ):
            yield resource_of(item)

    def delete(self, resource: Resource) -> None:
        try:
            self.cluster.delete_workflow(resource.namespace or "", resource.name)
        except NotFound:
            raise Gone(resource.ref) from None
        except Refused as exc:
            raise DeleteFailed(str(exc).split(": ", 1)[-1]) from None


def resource_of(item: dict[str, Any]) -> Resource:
    status = item.get("status") or {}
    return aged(
        item,
        kind="workflows",
        started_field="startedAt",
        detail=f"phase {status.get('phase') or '(none)'}",
    )


def aged(item: dict[str, Any], *, kind: str, started_field: str, detail: str) -> Resource:
    """A listed object as a cleanup resource, aged from ``status.<started_field>``, else (it
    never started) from its creation time."""
    meta = item.get("metadata") or {}
    status = item.get("status") or {}
    started = parse_time(status.get(started_field))
    age_from = f"status.{started_field}"
    if started is None:
        started = parse_time(meta.get("creationTimestamp"))
        age_from = "metadata.creationTimestamp"
    return Resource(
        kind=kind,
        namespace=meta.get("namespace"),
        name=str(meta.get("name") or ""),
        started=started,
        age_from=age_from,
        detail=detail,
    )


def make(options: KindOptions) -> Workflows:
    return Workflows(options)
