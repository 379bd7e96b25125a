"""Wait for workflows spread over several namespaces: one watch per namespace, in parallel."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from compiler.cluster import retry
from compiler.cluster.kube import KubeSession, resource_of
from compiler.submit.wait import Change, Waiter, WaitResult, common_label_selector


class MultiWaiter:
    """``run()`` waits for every workflow in ``documents`` (prepared bodies, namespaces set):
    one watch per namespace and resource (Argo Workflows, Tekton PipelineRuns of a version)."""

    def __init__(
        self,
        session: KubeSession,
        documents: Sequence[Mapping[str, Any]],
        *,
        timeout: float,
        policy: retry.RetryPolicy,
        on_change: Callable[[Change], None] | None = None,
        on_update: Callable[[str, dict[str, Any]], None] | None = None,
        resync: float = 60.0,
        started: float | None = None,
    ) -> None:
        self.stop = threading.Event()
        by_namespace: dict[tuple[str, Any], list[Mapping[str, Any]]] = {}
        for document in documents:
            key = (document["metadata"]["namespace"], resource_of(document))
            by_namespace.setdefault(key, []).append(document)
        self.waiters = [
            Waiter(
                session,
                namespace,
                [d["metadata"]["name"] for d in docs],
                timeout=timeout,
                policy=policy,
                on_change=on_change,
                on_update=on_update,
                stop=self.stop,
                label_selector=common_label_selector(docs),
                resync=resync,
                started=started,
                resource=resource,
            )
            for (namespace, resource), docs in sorted(
                by_namespace.items(), key=lambda item: (item[0][0], item[0][1].api_version)
            )
        ]

    def run(self) -> WaitResult:
        return run_all(self.waiters, self.interrupt)

    def snapshot(self) -> WaitResult:
        """The state so far (e.g. when stopping early)."""
        return merge([waiter.result() for waiter in self.waiters])

    def interrupt(self) -> None:
        for waiter in self.waiters:
            waiter.interrupt()


def run_all(parts: Sequence[Any], interrupt: Callable[[], None]) -> WaitResult:
    """``run()`` every part (a Waiter, a teardown chain) in a thread of its own; the merged
    result. The first part that raises interrupts the others, and its error is raised."""
    if len(parts) == 1:
        result: WaitResult = parts[0].run()
        return result
    results: list[WaitResult | None] = [None] * len(parts)
    errors: list[BaseException] = []

    def work(index: int, part: Any) -> None:
        try:
            results[index] = part.run()
        except BaseException as exc:
            errors.append(exc)
            interrupt()

    threads = [
        threading.Thread(target=work, args=(i, part), daemon=True) for i, part in enumerate(parts)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return merge([r for r in results if r is not None])


def merge(results: Sequence[WaitResult]) -> WaitResult:
    merged = WaitResult(objects={}, phases={})
    for result in results:
        merged.objects.update(result.objects)
        merged.phases.update(result.phases)
        merged.timed_out += result.timed_out
        merged.stopped = merged.stopped or result.stopped
    return merged
