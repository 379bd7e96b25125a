"""Real git repositories served over HTTP on loopback, as GitHub serves them to ``git fetch``.

The server side is git's own ``git http-backend`` (the CGI program behind most git hosting),
run once per request by a threaded ``http.server``; only the HTTP front is ours. It serves
bare repositories ``<root>/<org>/<name>.git`` at ``http://127.0.0.1:<port>/<org>/<name>.git``,
so ``kftest checkout --base-url <server.url>`` reaches them exactly as it reaches github.com.

Faults and checks a test can ask for:

* ``fail_next(n, status=503)``: the next ``n`` requests get that status (a flaky remote);
* ``require_auth(user, password)``: every request needs that HTTP basic authentication
  (401 with a ``WWW-Authenticate`` challenge otherwise), as a private repository would;
* ``requests``: (method, path, status) of every request, to prove a fault really happened.

``GitHubLikeRepo`` builds such a repository: commits on branches, tags, and pull requests as
``refs/pull/<N>/head`` (what GitHub adds for every PR), with fetching by SHA allowed, as on
GitHub (``uploadpack.allowReachableSHA1InWant``).
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

_BACKEND = (
    Path(
        subprocess.run(
            ["git", "--exec-path"], capture_output=True, text=True, check=True
        ).stdout.strip()
    )
    / "git-http-backend"
)

_IDENTITY = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, **_IDENTITY, "HOME": str(cwd)}
    result = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, env=env, check=True
    )
    return result.stdout.strip()


@dataclass
class GitHubLikeRepo:
    """A bare repository under ``root`` plus a work tree to make commits with."""

    root: Path
    org: str
    name: str
    default_branch: str = "main"
    work: Path = field(init=False)
    bare: Path = field(init=False)

    def __post_init__(self) -> None:
        self.bare = self.root / self.org / f"{self.name}.git"
        self.work = self.root / ".work" / self.org / self.name
        self.bare.mkdir(parents=True)
        self.work.mkdir(parents=True)
        git(self.bare, "init", "-q", "--bare", "-b", self.default_branch)
        git(self.bare, "config", "uploadpack.allowReachableSHA1InWant", "true")
        git(self.bare, "config", "uploadpack.allowFilter", "true")
        git(self.work, "init", "-q", "-b", self.default_branch)
        git(self.work, "remote", "add", "origin", str(self.bare))

    def commit(self, files: dict[str, str], message: str = "change", branch: str = "") -> str:
        """Commit ``files`` on ``branch`` (default: the current one) and push it; the SHA."""
        if branch:
            git(self.work, "checkout", "-q", "-B", branch)
        for name, text in files.items():
            path = self.work / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        git(self.work, "add", "-A")
        git(self.work, "commit", "-q", "-m", message)
        sha = git(self.work, "rev-parse", "HEAD")
        current = git(self.work, "rev-parse", "--abbrev-ref", "HEAD")
        git(self.work, "push", "-q", "-f", "origin", f"HEAD:refs/heads/{current}")
        return sha

    def tag(self, name: str, sha: str) -> None:
        git(self.work, "tag", name, sha)
        git(self.work, "push", "-q", "origin", f"refs/tags/{name}")

    def pull_request(self, number: int, files: dict[str, str], base: str = "") -> str:
        """A PR branched from ``base`` (default: the default branch's head): its head SHA."""
        git(self.work, "checkout", "-q", "-B", f"pr-{number}", base or self.default_branch)
        sha = self.commit(files, f"PR #{number}")
        git(self.work, "push", "-q", "-f", "origin", f"{sha}:refs/pull/{number}/head")
        git(self.work, "push", "-q", "origin", f":refs/heads/pr-{number}")
        git(self.work, "checkout", "-q", self.default_branch)
        return sha

    def head(self, ref: str = "") -> str:
        return git(self.bare, "rev-parse", ref or self.default_branch)


class _Handler(BaseHTTPRequestHandler):
    server: GitHttpServer

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _answer(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None):
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.server.record(self.command, self.path, status)

    def _serve(self) -> None:
        body = self._body()
        status = self.server.take_fault()
        if status:
            self._answer(status, b"injected failure\n")
            return
        if self.server.auth and self.headers.get("Authorization") != self.server.auth:
            self._answer(401, b"auth\n", {"WWW-Authenticate": 'Basic realm="git"'})
            return
        path, _, query = self.path.partition("?")
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": str(self.server.root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "GIT_CONFIG_NOSYSTEM": "1",
            "HOME": str(self.server.root),
            "REQUEST_METHOD": self.command,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_ADDR": "127.0.0.1",
            "GIT_PROTOCOL": self.headers.get("Git-Protocol", ""),
            "HTTP_CONTENT_ENCODING": self.headers.get("Content-Encoding", ""),
        }
        result = subprocess.run(
            [str(_BACKEND)], input=body, capture_output=True, env=env, timeout=60, check=False
        )
        head, _, payload = result.stdout.partition(b"\r\n\r\n")
        status, headers = 200, {}
        for line in head.decode("latin-1").split("\r\n"):
            key, _, value = line.partition(":")
            if key.lower() == "status":
                status = int(value.split()[0])
            elif key:
                headers[key] = value.strip()
        self._answer(status, payload, headers)


class GitHttpServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, root: Path) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.root = root
        self.auth: str | None = None
        self.requests: list[tuple[str, str, int]] = []
        self._faults: list[int] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> GitHttpServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def repo(self, org: str, name: str, default_branch: str = "main") -> GitHubLikeRepo:
        return GitHubLikeRepo(self.root, org, name, default_branch)

    def remove(self, org: str, name: str) -> None:
        shutil.rmtree(self.root / org / f"{name}.git")

    def fail_next(self, times: int, status: int = 503) -> None:
        with self._lock:
            self._faults.extend([status] * times)

    def require_auth(self, user: str, password: str) -> None:
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        self.auth = f"Basic {token}"

    def take_fault(self) -> int:
        with self._lock:
            return self._faults.pop(0) if self._faults else 0

    def record(self, method: str, path: str, status: int) -> None:
        with self._lock:
            self.requests.append((method, path, status))
