"""Running git for a checkout: bounded in time, retried when the network fails, never leaking
a credential.

* Every command gets what is left of the checkout's deadline; when it runs out the whole
  process group (git and its ``git-remote-http`` helper) is killed.
* Network commands (fetch, submodule update) are retried with exponential backoff
  (``compiler.cluster.retry``) unless git says the ref or repository does not exist or the
  credentials are refused — retrying cannot fix those. Either way the failure is an
  ``InfraError`` (exit 3) naming the repository and the ref.
* git never prompts (``GIT_TERMINAL_PROMPT=0``). Credentials in ``--base-url``
  (``https://user:token@host``) are taken out of the remote URL — so they are neither written to
  ``.git/config`` on the shared volume nor printed — and sent as an ``http.<url>.extraHeader``
  through the environment, for that host only.
* Everything git prints passes through a ``Redactor`` holding every secret known: the
  password of the base URL, the values of environment variables named like a token, password
  or secret, and the passwords in ``~/.git-credentials``; any ``scheme://user:password@`` is
  masked as well.
"""

from __future__ import annotations

import base64
import logging
import os
import re
import signal
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from compiler.cluster.retry import Action, RetryPolicy, Streak
from compiler.diagnostics import InfraError
from compiler.report.buildlog import REDACTED, Redactor

log = logging.getLogger("kftest.checkout")

_SECRET_NAME = re.compile(r"TOKEN|PASSWORD|PASSWD|SECRET|CREDENTIAL|API_?KEY|AUTH(?!OR)", re.I)
_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s]+@")
#: git's words for "that does not exist": retrying will not help.
_MISSING = re.compile(
    r"couldn't find remote ref|no such remote ref|not our ref|unadvertised object"
    r"|repository not found|repository '[^']*' not found|does not appear to be a git repository"
    r"|returned error: 404"
)
#: ... and for "you may not": neither.
_REFUSED = re.compile(
    r"returned error: 40[13]|authentication failed|could not read (username|password)"
    r"|terminal prompts disabled"
)


@dataclass(frozen=True)
class Remote:
    """``--base-url`` split into the URL git stores and the credentials it must not store."""

    base: str  # without userinfo, no trailing /
    header: str | None  # "Authorization: Basic ..." when the base URL had credentials
    secrets: tuple[str, ...]

    @classmethod
    def parse(cls, base_url: str) -> Remote:
        parts = urlsplit(base_url.strip())
        if not parts.scheme or (parts.scheme != "file" and not parts.hostname):
            from compiler.diagnostics import UsageError

            shown = f"{REDACTED}@{base_url.rpartition('@')[2]}" if "@" in base_url else base_url
            raise UsageError(f"--base-url {shown!r}: not a URL such as https://github.com")
        netloc = parts.hostname or ""
        if parts.port:
            netloc += f":{parts.port}"
        base = urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))
        if parts.username is None:
            return cls(base, None, ())
        user, password = unquote(parts.username), unquote(parts.password or "")
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        secrets = tuple(s for s in (password, token, parts.username, parts.password) if s)
        return cls(base, f"Authorization: Basic {token}", secrets)

    def url(self, org: str, name: str) -> str:
        return f"{self.base}/{org}/{name}.git"


def mask_urls(text: str) -> str:
    return _USERINFO.sub(lambda m: f"{m.group('scheme')}{REDACTED}@", text)


def known_secrets(environ: Mapping[str, str]) -> list[str]:
    """Values that must never be printed: secret-looking variables and stored git passwords."""
    found = [value for key, value in environ.items() if _SECRET_NAME.search(key) and value]
    home = environ.get("HOME")
    config = environ.get("XDG_CONFIG_HOME") or (f"{home}/.config" if home else None)
    files = [Path(home) / ".git-credentials"] if home else []
    if config:
        files.append(Path(config) / "git" / "credentials")
    for path in files:
        try:
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()[:1000]
        except OSError:
            continue
        for line in lines:
            parts = urlsplit(line.strip())
            if parts.password:
                found += [parts.password, unquote(parts.password)]
    return found


class Git:
    """git for one checkout: ``run(cwd, *args)``; ``network=True`` retries."""

    def __init__(
        self,
        remote: Remote,
        *,
        redactor: Redactor,
        policy: RetryPolicy,
        deadline: float,
        environ: Mapping[str, str],
    ) -> None:
        self.remote = remote
        self.redactor = redactor
        self.policy = policy
        self.deadline = deadline
        self.env = dict(environ)
        self.env.update({"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "LANGUAGE": "C"})
        # Merges (batch jobs) need an identity; Prow's clonerefs uses a fixed one too.
        for role in ("AUTHOR", "COMMITTER"):
            self.env.setdefault(f"GIT_{role}_NAME", "kftest")
            self.env.setdefault(f"GIT_{role}_EMAIL", "kftest@localhost")
        if remote.header:
            count = int(self.env.get("GIT_CONFIG_COUNT") or 0)
            self.env[f"GIT_CONFIG_KEY_{count}"] = f"http.{remote.base}/.extraHeader"
            self.env[f"GIT_CONFIG_VALUE_{count}"] = remote.header
            self.env["GIT_CONFIG_COUNT"] = str(count + 1)
        redactor.add([*remote.secrets, *known_secrets(environ)])

    def clean(self, text: str) -> str:
        return self.redactor.text(mask_urls(text))

    def run(self, cwd: Path, *args: str, network: bool = False, what: str = "") -> str:
        """git ``args`` in ``cwd``: its stdout, or InfraError naming ``what``."""
        what = what or f"git {args[0]}"
        streak = Streak(self.policy, what)
        while True:
            code, out, err = self._once(cwd, args)
            if code == 0:
                return out
            problem = self._problem(err or out, code)
            lowered = problem.lower()
            missing = bool(_MISSING.search(lowered))
            if not network or missing or _REFUSED.search(lowered):
                raise GitFailed(f"{what}: {problem}", missing=missing)
            try:
                delay = streak.failed(Action.RETRY, problem)
            except InfraError as exc:
                raise GitFailed(str(exc), missing=False) from None
            if time.monotonic() + delay >= self.deadline:
                raise GitFailed(f"{what}: out of time (--timeout) after: {problem}", missing=False)
            time.sleep(delay)

    def _problem(self, text: str, code: int) -> str:
        lines = [line.strip() for line in self.clean(text).splitlines() if line.strip()]
        useful = [line for line in lines if line.lower().startswith(("fatal:", "error:"))]
        chosen = (useful or lines)[-3:]
        return "; ".join(chosen) or f"git exited with {code}"

    def _once(self, cwd: Path, args: tuple[str, ...]) -> tuple[int, str, str]:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise GitFailed(f"git {args[0]}: out of time (--timeout)", missing=False)
        log.debug("git %s", self.clean(" ".join(args)))
        try:
            process = subprocess.Popen(
                ["git", *args],
                cwd=cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                errors="replace",
                start_new_session=True,  # so that a timeout kills git-remote-http too
            )
        except OSError as exc:
            raise GitFailed(f"cannot run git: {exc.strerror or exc}", missing=False) from None
        try:
            out, err = process.communicate(timeout=remaining)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise GitFailed(
                f"git {args[0]}: out of time (--timeout) after {remaining:.0f}s", missing=False
            ) from None
        return process.returncode, out, err


class GitFailed(InfraError):
    """A git command failed for good; ``missing``: the ref or repository does not exist."""

    def __init__(self, message: str, *, missing: bool) -> None:
        super().__init__(message)
        self.missing = missing
