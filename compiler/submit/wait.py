"""Wait for workflows with a watch, not polling.

One list (paginated) gives the current state and a resourceVersion; a watch from there
streams every change as it happens. A dropped watch resumes from the last resourceVersion
seen (events and bookmarks both advance it); a 410 Gone (the version was compacted away)
relists; a periodic relist (``resync``) is the safety net against a watch that silently
missed something. Terminal phases are Succeeded, Failed and Error (the seed waited on Error
until its timeout); a watched workflow that disappears counts as terminal too ("Deleted").
Tekton PipelineRuns (``resource``) are watched the same way and are terminal once their
``Succeeded`` condition is True or False (``status.terminal``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from compiler.cluster import api, kube, retry, status
from compiler.cluster.kube import WORKFLOWS, KubeSession, Resource

log = logging.getLogger("kftest.wait")

DELETED = "Deleted"
WAIT_TERMINAL = status.TERMINAL_PHASES | {DELETED}
LIST_PAGE = 500


@dataclass(frozen=True)
class Change:
    """A workflow reached a new phase."""

    name: str
    phase: str
    elapsed: float
    failed_nodes: int
    object: dict[str, Any] | None

    def line(self) -> str:
        noun, unit = (
            ("PipelineRun", "TaskRun") if status.is_tekton(self.object) else ("workflow", "node")
        )
        return (
            f"{noun} {self.name}: {self.phase or 'created'} after {self.elapsed:.1f}s"
            f" ({self.failed_nodes} failed {unit}{'s' if self.failed_nodes != 1 else ''})"
        )


@dataclass
class WaitResult:
    objects: dict[str, dict[str, Any] | None]  # the last state seen of each workflow
    phases: dict[str, str]  # "" when never seen with a phase; "Deleted" when it vanished
    timed_out: list[str] = field(default_factory=list)
    stopped: bool = False

    def pending(self) -> list[str]:
        return [
            name
            for name, phase in self.phases.items()
            if phase not in WAIT_TERMINAL and not status.terminal(self.objects.get(name))
        ]


def common_label_selector(documents: Iterable[Mapping[str, Any]]) -> str | None:
    """``k=v,...`` for the labels every document shares: narrows the watch, never excludes one."""
    shared: dict[str, str] | None = None
    for document in documents:
        labels = (document.get("metadata") or {}).get("labels") or {}
        items = {str(k): str(v) for k, v in labels.items()}
        shared = items if shared is None else {k: v for k, v in shared.items() if items.get(k) == v}
    if not shared:
        return None
    return ",".join(f"{key}={value}" for key, value in sorted(shared.items()))


class Waiter:
    """Waits for ``names`` in ``namespace``; ``run()`` returns when all are terminal or time is up.

    ``stop`` (a threading.Event) ends the wait early; ``interrupt()`` also cuts a watch that
    is blocked reading, from another thread.
    """

    def __init__(
        self,
        session: KubeSession,
        namespace: str,
        names: Iterable[str],
        *,
        timeout: float,
        policy: retry.RetryPolicy,
        on_change: Callable[[Change], None] | None = None,
        on_update: Callable[[str, dict[str, Any]], None] | None = None,
        stop: threading.Event | None = None,
        label_selector: str | None = None,
        resync: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        started: float | None = None,
        resource: Resource = WORKFLOWS,
    ) -> None:
        self.session = session
        self.resource = resource
        self.done: set[str] = set()  # terminal, whatever the phase says
        self.namespace = namespace
        self.names = list(dict.fromkeys(names))
        self.timeout = timeout
        self.policy = policy
        self.on_change = on_change
        self.on_update = on_update  # every state seen, e.g. to report a failed step at once
        self.stop = stop or threading.Event()
        self.resync = resync
        self.clock = clock
        self.started = started if started is not None else clock()
        self.label_selector = label_selector
        self.field_selector = f"metadata.name={self.names[0]}" if len(self.names) == 1 else None
        self.objects: dict[str, dict[str, Any] | None] = dict.fromkeys(self.names)
        self.phases: dict[str, str] = dict.fromkeys(self.names, "")
        self.resource_version: str | None = None
        self.lock = threading.Lock()
        self._response: Any = None
        self._streak = retry.Streak(policy, f"watch {resource.plural} in {namespace}", clock)

    # -- public --------------------------------------------------------------------------

    def run(self) -> WaitResult:
        deadline = self.started + self.timeout
        next_resync = 0.0  # list first
        while self._pending() and not self.stop.is_set():
            now = self.clock()
            if now >= deadline:
                break
            try:
                if now >= next_resync or self.resource_version is None:
                    self._relist()
                    next_resync = self.clock() + self.resync
                    continue
                seconds = max(1, math.ceil(min(deadline, next_resync) - now))
                if self._watch(seconds) == "relist":
                    next_resync = 0.0
            except Exception as exc:
                if self.stop.is_set():
                    break  # interrupt() cut the watch on purpose
                action, hint = kube.classify(exc)
                if action is retry.Action.FATAL and kube.status_code(exc) != 410:
                    raise
                if kube.status_code(exc) == 410:
                    next_resync = 0.0
                    continue
                delay = self._streak.failed(action, kube.describe(exc), hint)
                if action is retry.Action.RELOAD:
                    self.session.reload()
                self.stop.wait(min(delay, max(0.0, deadline - self.clock())))
        return self.result(timed_out=not self.stop.is_set())

    def result(self, timed_out: bool = False) -> WaitResult:
        with self.lock:
            pending = self._pending()
            return WaitResult(
                objects=dict(self.objects),
                phases=dict(self.phases),
                timed_out=pending if timed_out else [],
                stopped=self.stop.is_set(),
            )

    def interrupt(self) -> None:
        """Stop waiting; unblock a watch read from another thread."""
        self.stop.set()
        response = self._response
        if response is not None:
            try:
                response.shutdown()
            except Exception:
                with contextlib.suppress(Exception):
                    response.close()

    # -- internals -----------------------------------------------------------------------

    def _pending(self) -> list[str]:
        return [
            name
            for name in self.names
            if self.phases[name] not in WAIT_TERMINAL and name not in self.done
        ]

    def _relist(self) -> None:
        items: list[dict[str, Any]] = []
        version: str | None = None

        def page(token: str | None) -> dict[str, Any]:
            return api.list_page(
                self.session,
                self.namespace,
                resource=self.resource,
                label_selector=self.label_selector,
                field_selector=self.field_selector,
                limit=LIST_PAGE,
                token=token,
                timeout=self.policy.request_timeout,
            )

        for body in api.pages(page):
            version = version or (body.get("metadata") or {}).get("resourceVersion")
            items += [item for item in body.get("items") or [] if isinstance(item, dict)]
        self._streak.reset()
        seen = {(item.get("metadata") or {}).get("name"): item for item in items}
        for name in self.names:
            if name in seen:
                self._update(name, seen[name])
            elif self.phases[name] not in WAIT_TERMINAL and name not in self.done:
                self._vanished(name)
        self.resource_version = version

    def _watch(self, seconds: int) -> str:
        response = self.session.custom.list_namespaced_custom_object(
            self.resource.group,
            self.resource.version,
            self.namespace,
            self.resource.plural,
            label_selector=self.label_selector,
            field_selector=self.field_selector,
            resource_version=self.resource_version,
            allow_watch_bookmarks=True,
            timeout_seconds=seconds,
            watch=True,
            _preload_content=False,
            _request_timeout=(self.policy.connect_timeout, seconds + self.policy.read_timeout),
        )
        self._response = response
        opened, seen = self.clock(), 0
        try:
            for event in _events(response):
                seen += 1
                if self._handle(event) == "relist":
                    return "relist"
                if self.stop.is_set() or not self._pending():
                    break
        finally:
            self._response = None
            response.release_conn()
        if not seen and self.clock() - opened < seconds / 2:
            # A server that ends watches at once must not turn this into a busy loop.
            self.stop.wait(self.policy.initial)
        return "ok"

    def _handle(self, event: dict[str, Any]) -> str:
        kind = event.get("type")
        obj = event.get("object") or {}
        if kind == "ERROR":
            code = obj.get("code")
            log.info(
                "watch of %s in %s ended: %s %s (relisting)",
                self.resource.plural,
                self.namespace,
                code,
                obj.get("message", ""),
            )
            return "relist"
        version = (obj.get("metadata") or {}).get("resourceVersion")
        if version:
            self.resource_version = version
        self._streak.reset()
        if kind == "BOOKMARK":
            return "ok"
        name = (obj.get("metadata") or {}).get("name")
        if name not in self.phases:
            return "ok"
        if kind == "DELETED":
            self._vanished(name, obj)
        else:
            self._update(name, obj)
        return "ok"

    def _update(self, name: str, obj: dict[str, Any]) -> None:
        with self.lock:
            if name in self.done:
                return
            self.objects[name] = obj
            old, new = self.phases[name], status.phase(obj)
            if status.terminal(obj):
                self.done.add(name)
            if old in WAIT_TERMINAL:
                return
            changed = new != old
            self.phases[name] = new
        if self.on_update is not None:
            self.on_update(name, obj)
        if changed:
            self._announce(name, new, obj)

    def _vanished(self, name: str, obj: dict[str, Any] | None = None) -> None:
        with self.lock:
            self.done.add(name)
            if obj is not None:
                self.objects[name] = obj
            self.phases[name] = DELETED
        self._announce(name, DELETED, self.objects[name])

    def _announce(self, name: str, phase: str, obj: dict[str, Any] | None) -> None:
        change = Change(
            name, phase, self.clock() - self.started, len(status.failed_nodes(obj)), obj
        )
        if self.on_change is not None:
            self.on_change(change)


def _events(response: Any) -> Iterator[dict[str, Any]]:
    """Watch events, one JSON object per line, however the chunks split them."""
    buffer = b""
    for chunk in response.stream(amt=None, decode_content=False):
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            if line.strip():
                try:
                    yield json.loads(line)
                except ValueError:
                    log.warning("ignoring a malformed watch event (%d bytes)", len(line))
