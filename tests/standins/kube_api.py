"""A Kubernetes API server stand-in: real HTTP on loopback, for the real kubernetes client.

Serves, for any ``/apis/<group>/<version>/namespaces/<ns>/<plural>`` and
``/api/v1/namespaces/<ns>/<plural>`` (workflows, pods, events, ...):

* create (POST, 201; ``dryRun=All``; ``generateName``; 409 AlreadyExists; 400/422 validation),
* get, delete, merge-patch (PATCH),
* list with ``labelSelector``, ``fieldSelector``, ``limit``/``continue`` pagination,
* watch with ``resourceVersion`` resume, synthetic ADDED when none is given, ``timeoutSeconds``,
  ``allowWatchBookmarks``, and 410 Gone (an ERROR event) for compacted versions,
* ``/api/v1/namespaces/<ns>/pods/<name>/log`` (text),
* cluster-wide lists and watches (``/apis/<group>/<version>/<plural>``),
* bearer-token authentication (401 until the client presents a currently valid token),

plus fault injection (``faults``), a fake Argo controller (``controller``) and a fake Tekton
controller (``tekton``). See README.md for
what this does and does not prove.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .argo_controller import FakeArgoController
from .kube_store import (
    Conflict,
    Kind,
    NotFound,
    Obj,
    Store,
    parse_field_selector,
    parse_label_selector,
)
from .tekton_controller import FakeTektonController

KINDS = {
    "workflows": "Workflow",
    "workflowtemplates": "WorkflowTemplate",
    "cronworkflows": "CronWorkflow",
    "pods": "Pod",
    "events": "Event",
    "configmaps": "ConfigMap",
    "pipelineruns": "PipelineRun",
    "taskruns": "TaskRun",
}
WORKFLOWS: Kind = ("apis/argoproj.io/v1alpha1", "workflows")
PODS: Kind = ("api/v1", "pods")
EVENTS: Kind = ("api/v1", "events")

_PATH = re.compile(
    r"^/(?P<prefix>api/v1|apis/[^/]+/[^/]+)"
    r"(?:/namespaces/(?P<ns>[^/]+))?/(?P<plural>[a-z0-9]+)"
    r"(?:/(?P<name>[^/]+))?(?:/(?P<sub>log))?$"
)
_DNS1123_SUBDOMAIN = re.compile(
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
)
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")


@dataclass
class Fault:
    """One injected failure, consumed ``times`` times by matching requests.

    ``verb``: create, get, list, watch, delete, patch (or ``*``). ``action``:

    * ``"500"``, ``"429"``, ``"503"``, ... — answer that status (a Status body) without acting;
    * ``"500-after-commit"`` — act (e.g. persist the create), then answer 500;
    * ``"reset"`` — reset the TCP connection without acting;
    * ``"reset-after-commit"`` — act, then reset the connection before answering;
    * ``"expire-token"`` — the token expires now: answer 401, accept only ``token`` from now
      on, and tell ``KubeApiStandIn.on_token_rotated`` (which may rewrite the kubeconfig);
    * watch only: ``"drop"`` — cut the stream (no final chunk) after ``after_events`` events;
      ``"gone"`` — send an ERROR event with 410 Gone after ``after_events`` events;
      ``"mute"`` — keep the stream open but send no event after ``after_events`` (a watch
      that silently misses changes, which only a relist repairs).
    """

    verb: str
    action: str
    times: int = 1
    resource: str = "workflows"
    after_events: int = 0
    retry_after: int | None = None
    token: str = "a-refreshed-token"
    fired: int = 0


@dataclass
class Faults:
    pending: list[Fault] = field(default_factory=list)
    fired: list[tuple[str, str, str]] = field(default_factory=list)  # (verb, resource, action)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, verb: str, action: str, **kwargs: Any) -> Fault:
        fault = Fault(verb, action, **kwargs)
        with self.lock:
            self.pending.append(fault)
        return fault

    def take(self, verb: str, resource: str) -> Fault | None:
        with self.lock:
            for fault in self.pending:
                if fault.verb in (verb, "*") and fault.resource in (resource, "*"):
                    fault.fired += 1
                    if fault.fired >= fault.times:
                        self.pending.remove(fault)
                    self.fired.append((verb, resource, fault.action))
                    return fault
        return None

    def count(self, verb: str, action: str | None = None) -> int:
        with self.lock:
            return sum(1 for v, _, a in self.fired if v == verb and action in (None, a))


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: str
    verb: str
    status: int


class _Reset(Exception):
    """The handler reset the connection on purpose; nothing more is written."""


class KubeApiStandIn:
    """Start with ``start()`` (or as a context manager); ``url`` is ``http://127.0.0.1:<port>``."""

    def __init__(self, token: str = "standin-token", *, history_limit: int = 10_000) -> None:
        self.store = Store(history_limit=history_limit)
        self.faults = Faults()
        self.tokens: set[str] = {token}
        self.requests: list[Request] = []
        self.on_token_rotated: Callable[[str], None] | None = None
        self.bookmark_interval: float | None = None
        self.max_watch_seconds = 60.0
        self.controller = FakeArgoController(self.store)
        self.tekton = FakeTektonController(self.store)
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> KubeApiStandIn:
        standin = self

        class Handler(_Handler):
            api = standin

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self.controller.stop()
        self.tekton.stop()
        with self.store.cond:
            self.store.cond.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> KubeApiStandIn:
        return self.start()

    def __exit__(self, *args: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the stand-in first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -- credentials ---------------------------------------------------------------------

    def rotate_token(self, new_token: str, *, notify: bool = True) -> None:
        """Expire every token; only ``new_token`` is accepted from now on. ``notify=False``:
        nobody learns the new token (the kubeconfig stays stale)."""
        with self._lock:
            self.tokens = {new_token}
        if notify and self.on_token_rotated is not None:
            self.on_token_rotated(new_token)

    def kubeconfig(
        self,
        path: Path,
        token: str | None = None,
        *,
        context: str = "standin",
        namespace: str | None = None,
    ) -> Path:
        """Write a kubeconfig whose current context talks to this stand-in with a bearer token."""
        token = token if token is not None else next(iter(self.tokens))
        ctx: dict[str, Any] = {"cluster": "standin", "user": "standin-user"}
        if namespace:
            ctx["namespace"] = namespace
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "standin", "cluster": {"server": self.url}}],
            "users": [{"name": "standin-user", "user": {"token": token}}],
            "contexts": [{"name": context, "context": ctx}],
            "current-context": context,
        }
        path.write_text(json.dumps(config, indent=1))
        return path

    # -- inspection helpers for tests ------------------------------------------------------

    def count(self, method: str, verb: str | None = None, status: int | None = None) -> int:
        with self._lock:
            return sum(
                1
                for r in self.requests
                if r.method == method and verb in (None, r.verb) and status in (None, r.status)
            )

    def workflows(self, namespace: str | None = None) -> list[Obj]:
        return self.store.list(WORKFLOWS, namespace)[0]

    def _log(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)

    def _authorized(self, header: str | None) -> bool:
        with self._lock:
            return bool(header) and header.removeprefix("Bearer ").strip() in self.tokens


def _status(code: int, reason: str, message: str, **details: Any) -> Obj:
    body: Obj = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    if details:
        body["details"] = details
    return body


class _Handler(BaseHTTPRequestHandler):
    api: KubeApiStandIn
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without this, Nagle + delayed ACK add 40 ms.
    disable_nagle_algorithm = True

    # Quiet: the test output is not the place for an access log.
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def handle(self) -> None:
        with contextlib.suppress(_Reset, OSError, ValueError):
            super().handle()

    def finish(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            super().finish()

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    # -- plumbing ------------------------------------------------------------------------

    def _dispatch(self, method: str) -> None:
        if self.api._stopping.is_set():  # a server going down resets kept-alive connections
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            raise _Reset()
        split = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(split.query).items()}
        body = self._read_body()
        match = _PATH.match(split.path)
        verb = _verb(method, match, query)
        self._verb = verb
        self._method = method
        self._split = split
        if not self.api._authorized(self.headers.get("Authorization")):
            self._json(401, _status(401, "Unauthorized", "Unauthorized"))
            return
        if match is None:
            self._json(404, _status(404, "NotFound", f"the server could not find {split.path}"))
            return
        kind: Kind = (match["prefix"], match["plural"])
        fault = self.api.faults.take(verb, match["plural"])
        if fault is not None and fault.action == "reset":
            self._reset()
        if fault is not None and fault.action == "expire-token":
            self.api.rotate_token(fault.token)
            self._json(401, _status(401, "Unauthorized", "Unauthorized"))
            return
        if fault is not None and fault.action.isdigit():
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after else {}
            code = int(fault.action)
            reason = "TooManyRequests" if code == 429 else "InternalError"
            self._json(code, _status(code, reason, "injected fault"), headers)
            return
        handler = getattr(self, f"_{verb}", None)
        if handler is None:
            self._json(405, _status(405, "MethodNotAllowed", f"{method} not supported"))
            return
        handler(kind, match["ns"], match["name"], query, body, fault)

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, code: int, data: bytes, content_type: str, headers: dict[str, str]) -> None:
        # Logged first: the client may act on the answer before this thread runs again.
        self.api._log(Request(self._method, self._split.path, self._split.query, self._verb, code))
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _json(self, code: int, obj: Obj, headers: dict[str, str] | None = None) -> None:
        self._send(code, json.dumps(obj).encode(), "application/json", headers or {})

    def _reset(self) -> None:
        self.api._log(Request(self._method, self._split.path, self._split.query, self._verb, 0))
        # SO_LINGER 0: close() sends RST instead of FIN, i.e. "connection reset by peer".
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        raise _Reset()

    def _after(self, fault: Fault | None, respond: Obj, code: int) -> None:
        """Answer ``respond``, unless the fault says to fail after the action was done."""
        if fault is not None and fault.action == "reset-after-commit":
            self._reset()
        if fault is not None and fault.action.endswith("-after-commit"):
            status = int(fault.action.split("-")[0])
            self._json(status, _status(status, "InternalError", "injected fault after commit"))
            return
        self._json(code, respond)

    # -- verbs ---------------------------------------------------------------------------

    def _create(
        self, kind: Kind, ns: str, name: str | None, query: dict[str, str], body: bytes, fault: Any
    ) -> None:
        try:
            obj = json.loads(body or b"null")
        except ValueError as exc:
            self._json(400, _status(400, "BadRequest", f"invalid JSON: {exc}"))
            return
        problem = _validate(kind, ns, obj)
        if problem is not None:
            self._json(problem["code"], problem)
            return
        dry_run = query.get("dryRun") == "All"
        try:
            created = self.api.store.create(kind, ns, obj, dry_run=dry_run)
        except Conflict as exc:
            message = f'{kind[1]}.{_group(kind)} "{exc}" already exists'
            self._json(409, _status(409, "AlreadyExists", message, name=str(exc), kind=kind[1]))
            return
        self._after(fault, created, 201)

    def _get(
        self, kind: Kind, ns: str, name: str, query: dict[str, str], body: bytes, fault: Any
    ) -> None:
        try:
            self._json(200, self.api.store.get(kind, ns, name))
        except NotFound:
            self._not_found(kind, name)

    def _delete(
        self, kind: Kind, ns: str, name: str, query: dict[str, str], body: bytes, fault: Any
    ) -> None:
        try:
            deleted = self.api.store.delete(kind, ns, name)
        except NotFound:
            self._not_found(kind, name)
            return
        self._after(fault, deleted, 200)

    def _patch(
        self, kind: Kind, ns: str, name: str, query: dict[str, str], body: bytes, fault: Any
    ) -> None:
        patch = json.loads(body or b"{}")
        try:
            patched = self.api.store.update(kind, ns, name, lambda obj: _merge(obj, patch))
        except NotFound:
            self._not_found(kind, name)
            return
        self._after(fault, patched, 200)

    def _log_(
        self, kind: Kind, ns: str, name: str, query: dict[str, str], body: bytes, fault: Any
    ) -> None:
        logs = self.api.store.pod_logs
        try:
            self.api.store.get(kind, ns, name)
        except NotFound:
            self._not_found(kind, name)
            return
        text = logs.get((ns, name, query.get("container", "")), logs.get((ns, name, ""), ""))
        self._send(200, text.encode(), "text/plain", {})

    def _list(
        self, kind: Kind, ns: str | None, name: None, query: dict[str, str], body: bytes, fault: Any
    ) -> None:
        items, revision = self.api.store.list(
            kind, ns, query.get("labelSelector"), query.get("fieldSelector")
        )
        meta: Obj = {"resourceVersion": str(revision)}
        token = query.get("continue")
        if token:
            state = json.loads(base64.urlsafe_b64decode(token))
            revision = state["rv"]
            meta["resourceVersion"] = str(revision)
            items = [i for i in items if _key(i) > tuple(state["after"])]
        limit = int(query.get("limit") or 0)
        if limit and len(items) > limit:
            rest = len(items) - limit
            items = items[:limit]
            state = {"rv": revision, "after": list(_key(items[-1]))}
            meta["continue"] = base64.urlsafe_b64encode(json.dumps(state).encode()).decode()
            meta["remainingItemCount"] = rest
        kind_name = KINDS.get(kind[1], kind[1].capitalize())
        api_version = kind[0].removeprefix("apis/").removeprefix("api/")
        self._json(
            200,
            {
                "apiVersion": api_version,
                "kind": f"{kind_name}List",
                "metadata": meta,
                "items": items,
            },
        )

    def _watch(
        self, kind: Kind, ns: str | None, name: None, query: dict[str, str], body: bytes, fault: Any
    ) -> None:
        store = self.api.store
        self.api._log(Request("GET", self._split.path, self._split.query, "watch", 200))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        labels, fields = query.get("labelSelector"), query.get("fieldSelector")
        seconds = min(float(query.get("timeoutSeconds") or 1800), self.api.max_watch_seconds)
        deadline = time.monotonic() + seconds
        bookmarks = query.get("allowWatchBookmarks") == "true"
        rv_param = query.get("resourceVersion")
        sent = 0

        def deliver(event_type: str, obj: Obj) -> bool:
            """Send one event; False when a fault ended the stream."""
            nonlocal sent
            if fault is not None and sent >= fault.after_events:
                if fault.action == "drop":
                    self.connection.shutdown(socket.SHUT_RDWR)
                    raise _Reset()
                if fault.action == "gone":
                    self._chunk(_gone(0, store.revision))
                    return False
                if fault.action == "mute":
                    return True  # swallowed: the watch stays open and says nothing
            self._chunk({"type": event_type, "object": obj})
            sent += 1
            return True

        if fault is not None and fault.after_events == 0 and fault.action in ("drop", "gone"):
            deliver("", {})  # cuts the stream or sends the 410 before any event
            self._end()
            return
        if rv_param in (None, "", "0"):
            items, last = store.list(kind, ns, labels, fields)
            for item in items:
                if not deliver("ADDED", item):
                    self._end()
                    return
        else:
            last = int(rv_param)
            if last < store.compacted:
                self._chunk(_gone(last, store.compacted))
                self._end()
                return
        next_bookmark = time.monotonic() + (self.api.bookmark_interval or 0)
        label_match, field_match = parse_label_selector(labels), parse_field_selector(fields)
        while True:
            if self.api._stopping.is_set():
                self.connection.shutdown(socket.SHUT_RDWR)
                raise _Reset()
            now = time.monotonic()
            if now >= deadline:
                break
            with store.cond:
                if last < store.compacted:
                    self._chunk(_gone(last, store.compacted))
                    break
                events = store.events_after(last)
                if not events:
                    store.cond.wait(min(deadline - now, 0.25))
                    continue  # re-check compaction before reading what arrived
            for event in events:
                last = event.resource_version
                if event.kind != kind or (ns is not None and event.namespace != ns):
                    continue
                if not (label_match(event.object) and field_match(event.object)):
                    continue
                if not deliver(event.type, event.object):
                    self._end()
                    return
            if bookmarks and self.api.bookmark_interval and time.monotonic() >= next_bookmark:
                next_bookmark = time.monotonic() + self.api.bookmark_interval
                self._chunk(
                    {
                        "type": "BOOKMARK",
                        "object": {
                            "kind": KINDS.get(kind[1], ""),
                            "metadata": {"resourceVersion": str(store.revision)},
                        },
                    }
                )
        self._end()

    def _chunk(self, obj: Obj) -> None:
        data = json.dumps(obj).encode() + b"\n"
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    def _end(self) -> None:
        self.wfile.write(b"0\r\n\r\n")

    def _not_found(self, kind: Kind, name: str) -> None:
        message = f'{kind[1]}.{_group(kind)} "{name}" not found'
        self._json(404, _status(404, "NotFound", message, name=name, kind=kind[1]))


# The "log" subresource dispatches to _log_ (``_log`` is taken by the request logger).
def _verb(method: str, match: re.Match[str] | None, query: dict[str, str]) -> str:
    if match is None:
        return method.lower()
    if match["sub"] == "log":
        return "log_"
    if method == "GET":
        if match["name"]:
            return "get"
        return "watch" if query.get("watch") in ("true", "1") else "list"
    return {"POST": "create", "DELETE": "delete", "PATCH": "patch"}.get(method, method.lower())


def _group(kind: Kind) -> str:
    return kind[0].split("/")[1] if kind[0].startswith("apis/") else ""


def _key(obj: Obj) -> tuple[str, str]:
    return (obj["metadata"].get("namespace", ""), obj["metadata"]["name"])


def _gone(asked: int, oldest: int) -> Obj:
    status = _status(410, "Expired", f"too old resource version: {asked} ({oldest})")
    return {"type": "ERROR", "object": status}


def _merge(target: Obj, patch: Obj) -> None:
    """RFC 7386 JSON merge patch, in place."""
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = value


def _validate(kind: Kind, ns: str, obj: Any) -> Obj | None:
    """What the API server checks on create of a custom resource (no schema beyond metadata)."""
    if not isinstance(obj, dict):
        return _status(400, "BadRequest", "the body of the request was not an object")
    expected = kind[0].removeprefix("apis/").removeprefix("api/")
    if obj.get("apiVersion") != expected:
        return _status(
            400,
            "BadRequest",
            f"the API version in the data ({obj.get('apiVersion')}) does not match the "
            f"expected API version ({expected})",
        )
    expected_kind = KINDS.get(kind[1])
    if expected_kind and obj.get("kind") != expected_kind:
        return _status(
            400,
            "BadRequest",
            f"the kind in the data ({obj.get('kind')}) does not match the expected kind "
            f"({expected_kind})",
        )
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        return _status(422, "Invalid", "metadata: Required value")
    if meta.get("namespace") not in (None, ns):
        return _status(
            400,
            "BadRequest",
            "the namespace of the provided object does not match the namespace sent on the request",
        )
    name = meta.get("name") or meta.get("generateName", "")
    if not name:
        return _status(
            422, "Invalid", "metadata.name: Required value: name or generateName is required"
        )
    check = name if meta.get("name") else name + "x"
    if len(check) > 253 or not _DNS1123_SUBDOMAIN.match(check):
        return _status(
            422,
            "Invalid",
            f'metadata.name: Invalid value: "{name}": a lowercase RFC 1123 subdomain must consist '
            "of lower case alphanumeric characters, '-' or '.'",
        )
    for key, value in (meta.get("labels") or {}).items():
        if not isinstance(value, str) or len(value) > 63 or not _LABEL_VALUE.match(value):
            return _status(
                422, "Invalid", f'metadata.labels: Invalid value: "{value}" (label {key})'
            )
    return None
