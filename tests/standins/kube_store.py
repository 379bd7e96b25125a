"""The object store behind the Kubernetes API stand-in: objects, resourceVersions, events.

It keeps what an API server's storage layer gives a client: one global, increasing
resourceVersion stamped on every write, a bounded history of watch events (older
resourceVersions are "compacted" and answer 410 Gone), uid and creationTimestamp, and
label/field selectors. Everything is guarded by one condition variable so that watch
handlers can sleep until the next write.
"""

from __future__ import annotations

import copy
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

Obj = dict[str, Any]
# (api prefix, plural): ("apis/argoproj.io/v1alpha1", "workflows"), ("api/v1", "pods")
Kind = tuple[str, str]


class Conflict(Exception):
    """The object already exists (409 AlreadyExists)."""


class NotFound(Exception):
    """No such object (404)."""


@dataclass(frozen=True)
class Event:
    resource_version: int
    type: str  # ADDED, MODIFIED, DELETED
    kind: Kind
    namespace: str
    object: Obj
    at: float  # time.monotonic() of the write, for latency measurements


@dataclass
class Store:
    history_limit: int = 10_000
    objects: dict[tuple[Kind, str, str], Obj] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    # Watches from a resourceVersion below this answer 410 Gone.
    compacted: int = 0
    revision: int = 1
    # How many times each (kind, namespace, name) was really created (persisted).
    commits: dict[tuple[Kind, str, str], int] = field(default_factory=dict)
    # Pod logs, by (namespace, pod, container); container "" is the default.
    pod_logs: dict[tuple[str, str, str], str] = field(default_factory=dict)
    cond: threading.Condition = field(default_factory=threading.Condition)

    # -- writes --------------------------------------------------------------------------

    def create(self, kind: Kind, namespace: str, obj: Obj, *, dry_run: bool = False) -> Obj:
        with self.cond:
            obj = copy.deepcopy(obj)
            meta = obj.setdefault("metadata", {})
            if not meta.get("name") and meta.get("generateName"):
                meta["name"] = meta["generateName"] + uuid.uuid4().hex[:5]
            key = (kind, namespace, meta["name"])
            if key in self.objects:
                raise Conflict(meta["name"])
            meta["namespace"] = namespace
            meta["uid"] = str(uuid.uuid4())
            meta["creationTimestamp"] = _now()
            meta.setdefault("generation", 1)
            if dry_run:
                return obj
            self._stamp(obj)
            self.objects[key] = obj
            self.commits[key] = self.commits.get(key, 0) + 1
            self._record("ADDED", kind, namespace, obj)
            return copy.deepcopy(obj)

    def update(self, kind: Kind, namespace: str, name: str, change: Callable[[Obj], None]) -> Obj:
        with self.cond:
            obj = self.objects.get((kind, namespace, name))
            if obj is None:
                raise NotFound(name)
            change(obj)
            self._stamp(obj)
            self._record("MODIFIED", kind, namespace, obj)
            return copy.deepcopy(obj)

    def delete(self, kind: Kind, namespace: str, name: str) -> Obj:
        with self.cond:
            obj = self.objects.pop((kind, namespace, name), None)
            if obj is None:
                raise NotFound(name)
            self._stamp(obj)
            self._record("DELETED", kind, namespace, obj)
            return copy.deepcopy(obj)

    def compact(self) -> None:
        """Forget the event history: every watch resuming from an older version gets 410."""
        with self.cond:
            self.compacted = self.revision
            self.events.clear()

    # -- reads ---------------------------------------------------------------------------

    def get(self, kind: Kind, namespace: str, name: str) -> Obj:
        with self.cond:
            obj = self.objects.get((kind, namespace, name))
            if obj is None:
                raise NotFound(name)
            return copy.deepcopy(obj)

    def list(
        self,
        kind: Kind,
        namespace: str | None,
        labels: str | None = None,
        fields: str | None = None,
    ) -> tuple[list[Obj], int]:
        """Matching objects sorted by (namespace, name), and the current resourceVersion."""
        label_match = parse_label_selector(labels)
        field_match = parse_field_selector(fields)
        with self.cond:
            items = [
                copy.deepcopy(obj)
                for (k, ns, _), obj in sorted(self.objects.items(), key=lambda kv: kv[0][1:])
                if k == kind
                and (namespace is None or ns == namespace)
                and label_match(obj)
                and field_match(obj)
            ]
            return items, self.revision

    def events_after(self, resource_version: int) -> list[Event]:
        with self.cond:
            return [event for event in self.events if event.resource_version > resource_version]

    def count(self, kind: Kind, namespace: str | None = None) -> int:
        with self.cond:
            return sum(1 for k, ns, _ in self.objects if k == kind and namespace in (None, ns))

    # -- internals -----------------------------------------------------------------------

    def _stamp(self, obj: Obj) -> None:
        self.revision += 1
        obj["metadata"]["resourceVersion"] = str(self.revision)

    def _record(self, type_: str, kind: Kind, namespace: str, obj: Obj) -> None:
        self.events.append(
            Event(self.revision, type_, kind, namespace, copy.deepcopy(obj), time.monotonic())
        )
        if len(self.events) > self.history_limit:
            dropped = self.events[: len(self.events) - self.history_limit]
            self.compacted = dropped[-1].resource_version
            del self.events[: len(dropped)]
        self.cond.notify_all()


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


# -- selectors -----------------------------------------------------------------------------

_SET_TERM = re.compile(r"^\s*([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)\s*$")


def _split_terms(selector: str) -> Iterable[str]:
    """Split on commas that are not inside ``( )``."""
    depth = 0
    term = ""
    for char in selector:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            yield term
            term = ""
        else:
            term += char
    if term.strip():
        yield term


def parse_label_selector(selector: str | None) -> Callable[[Obj], bool]:
    """``a=b``, ``a==b``, ``a!=b``, ``a``, ``!a``, ``a in (x,y)``, ``a notin (x,y)``."""
    if not selector:
        return lambda obj: True
    tests: list[Callable[[dict[str, str]], bool]] = []
    for raw in _split_terms(selector):
        term = raw.strip()
        set_term = _SET_TERM.match(term)
        if set_term:
            key, op, values = set_term.groups()
            options = {v.strip() for v in values.split(",")}
            if op == "in":
                tests.append(lambda lab, k=key, o=options: lab.get(k) in o)
            else:
                tests.append(lambda lab, k=key, o=options: lab.get(k) not in o)
        elif "!=" in term:
            key, value = (part.strip() for part in term.split("!=", 1))
            tests.append(lambda lab, k=key, v=value: lab.get(k) != v)
        elif "=" in term:
            key, value = (part.strip() for part in term.replace("==", "=").split("=", 1))
            tests.append(lambda lab, k=key, v=value: lab.get(k) == v)
        elif term.startswith("!"):
            absent = term[1:].strip()
            tests.append(lambda lab, k=absent: k not in lab)
        else:
            tests.append(lambda lab, k=term: k in lab)

    def match(obj: Obj) -> bool:
        labels = obj.get("metadata", {}).get("labels") or {}
        return all(test(labels) for test in tests)

    return match


def parse_field_selector(selector: str | None) -> Callable[[Obj], bool]:
    """``metadata.name=x``, ``involvedObject.name!=y``: dotted paths, ``=``/``==``/``!=``."""
    if not selector:
        return lambda obj: True
    tests: list[tuple[list[str], str, bool]] = []
    for raw in _split_terms(selector):
        term = raw.strip()
        negate = "!=" in term
        path, value = term.replace("!=", "=").replace("==", "=").split("=", 1)
        tests.append((path.strip().split("."), value.strip(), negate))

    def lookup(obj: Obj, path: list[str]) -> str:
        value: Any = obj
        for part in path:
            value = value.get(part) if isinstance(value, dict) else None
        return "" if value is None else str(value)

    return lambda obj: all((lookup(obj, path) == value) != negate for path, value, negate in tests)
