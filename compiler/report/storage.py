"""GCS with retries and read-back verification.

Every upload is read back and compared byte for byte; a mismatch (a broken upload) is
retried like a 503. The library's own retries are off so that one policy (``RetryPolicy``)
bounds every call, and a call that keeps failing ends in InfraError (exit code 3).

Credentials: Application Default Credentials (``GOOGLE_APPLICATION_CREDENTIALS``, as Prow's
``preset-service-account`` sets it); with ``STORAGE_EMULATOR_HOST`` set, that emulator with
anonymous credentials.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from compiler.cluster import retry
from compiler.diagnostics import InfraError

log = logging.getLogger("kftest.storage")


class Storage(Protocol):
    def upload(self, name: str, data: bytes, content_type: str) -> None: ...

    def read(self, name: str) -> bytes | None: ...

    def list(self, prefix: str) -> list[str]: ...


class Mismatch(Exception):
    """What was read back differs from what was uploaded."""


def classify(exc: BaseException) -> tuple[retry.Action, float | None]:
    import requests
    from google.api_core import exceptions as api_exceptions
    from google.auth import exceptions as auth_exceptions

    if isinstance(exc, Mismatch):
        return retry.Action.RETRY, None
    if isinstance(exc, api_exceptions.GoogleAPICallError):
        code = exc.code or 0
        if code in (408, 429) or code >= 500:
            return retry.Action.RETRY, None
        return retry.Action.FATAL, None
    if isinstance(exc, (requests.exceptions.RequestException, auth_exceptions.TransportError)):
        return retry.Action.RETRY, None
    if isinstance(exc, (ConnectionError, TimeoutError, OSError)):
        return retry.Action.RETRY, None
    if type(exc).__name__ in ("DataCorruption", "InvalidResponse"):
        return retry.Action.RETRY, None
    return retry.Action.FATAL, None


def describe(exc: BaseException) -> str:
    from google.api_core import exceptions as api_exceptions

    if isinstance(exc, api_exceptions.GoogleAPICallError):
        return f"HTTP {exc.code} {type(exc).__name__}: {str(exc.message)[:200]}"
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class GcsStorage:
    def __init__(
        self,
        bucket: str,
        *,
        env: Mapping[str, str],
        policy: retry.RetryPolicy,
        policy_now: Callable[[], retry.RetryPolicy] | None = None,
    ) -> None:
        self.bucket_name = bucket
        self.env = env
        self.policy = policy
        # Lets the caller shrink the budget later (e.g. to a SIGTERM grace period).
        self.policy_now = policy_now or (lambda: self.policy)
        self._bucket: Any = None

    def _open(self) -> Any:
        if self._bucket is None:
            from google.auth.exceptions import DefaultCredentialsError
            from google.cloud import storage

            emulator = self.env.get("STORAGE_EMULATOR_HOST", "")
            try:
                if emulator:
                    from google.auth.credentials import AnonymousCredentials

                    endpoint = emulator if "://" in emulator else f"http://{emulator}"
                    client = storage.Client(
                        project=self.env.get("GOOGLE_CLOUD_PROJECT") or "kftest",
                        credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
                        client_options={"api_endpoint": endpoint},
                    )
                else:
                    client = storage.Client()
            except (DefaultCredentialsError, OSError, ValueError) as exc:
                raise InfraError(f"cannot open GCS: {describe(exc)}") from None
            self._bucket = client.bucket(self.bucket_name)
        return self._bucket

    def _call(self, function: Callable[[], Any], what: str) -> Any:
        try:
            return retry.call(
                function,
                policy=self.policy_now(),
                what=what,
                classify=classify,
                describe=describe,
            )
        except InfraError:
            raise
        except Exception as exc:
            raise InfraError(f"{what}: {describe(exc)}") from None

    def _timeout(self) -> tuple[float, float]:
        return self.policy_now().request_timeout

    def upload(self, name: str, data: bytes, content_type: str) -> None:
        bucket = self._open()

        def attempt() -> None:
            blob = bucket.blob(name)
            blob.upload_from_string(
                data, content_type=content_type, retry=None, timeout=self._timeout()
            )
            back = bucket.blob(name).download_as_bytes(retry=None, timeout=self._timeout())
            if back != data:
                raise Mismatch(f"read back {len(back)} bytes that differ from the {len(data)} sent")

        self._call(attempt, f"upload gs://{self.bucket_name}/{name}")

    def read(self, name: str) -> bytes | None:
        from google.api_core.exceptions import NotFound

        bucket = self._open()

        def attempt() -> bytes | None:
            try:
                return bytes(
                    bucket.blob(name).download_as_bytes(retry=None, timeout=self._timeout())
                )
            except NotFound:
                return None

        result: bytes | None = self._call(attempt, f"read gs://{self.bucket_name}/{name}")
        return result

    def list(self, prefix: str) -> list[str]:
        bucket = self._open()

        def attempt() -> list[str]:
            blobs = bucket.client.list_blobs(
                bucket, prefix=prefix, retry=None, timeout=self._timeout()
            )
            return sorted(blob.name for blob in blobs)

        result: list[str] = self._call(attempt, f"list gs://{self.bucket_name}/{prefix}")
        return result
