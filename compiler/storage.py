"""Google Cloud Storage, for every reader and writer: ``run``'s report and ``debug``'s gs:// URLs.

Integrity: an upload sends the MD5 of its bytes (``checksum="md5"``); GCS refuses an object
whose bytes do not match it, and the object metadata in the upload's response carries the
hash of what was stored, which must equal ours. Either mismatch is a broken upload, retried
like a 503, at the cost of no extra request (the seed read every upload back). MD5 rather
than CRC32C because hashlib has it and a one-shot upload needs no composable checksum.
fake-gcs-server (the tests' emulator) does not refuse a mismatching hash, but it answers with
the hash of what it stored, so the comparison is what catches a corrupted upload there.

Retries: the client library's own policy (``google.cloud.storage.retry.DEFAULT_RETRY``: which
errors are transient), with the timings of the one ``RetryPolicy`` kftest uses for the cluster
too, so a call that keeps failing ends in InfraError (exit code 3) after ``policy.timeout``.

Credentials: Application Default Credentials (``GOOGLE_APPLICATION_CREDENTIALS``, as Prow's
``preset-service-account`` sets it); with ``STORAGE_EMULATOR_HOST`` set, that emulator with
anonymous credentials. A reader may fall back to anonymous access (enough for Prow's public
buckets); a writer needs credentials. google.cloud is imported lazily, inside functions.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from compiler.cluster.retry import RetryPolicy
from compiler.diagnostics import InfraError, UsageError

log = logging.getLogger("kftest.storage")


class Storage(Protocol):
    def upload(self, name: str, data: bytes, content_type: str) -> None: ...

    def read(self, name: str) -> bytes | None: ...

    def list(self, prefix: str) -> list[str]: ...


class Mismatch(Exception):
    """GCS stored bytes whose hash differs from the one sent."""


class Refused(InfraError):
    """GCS answered with an error retrying cannot fix (e.g. 403); ``code`` is its status."""

    def __init__(self, message: str, code: int | None) -> None:
        super().__init__(message)
        self.code = code


def retryable(exc: BaseException) -> bool:
    """The library's transient errors, plus a broken upload (ours, or GCS's checksum 400)."""
    from google.api_core import exceptions as api_exceptions
    from google.cloud.storage.retry import DEFAULT_RETRY

    if isinstance(exc, Mismatch):
        return True
    if isinstance(exc, api_exceptions.BadRequest) and "MD5" in str(exc.message).upper():
        return True  # "Provided MD5 hash ... doesn't match calculated MD5 hash"
    return bool(DEFAULT_RETRY._predicate(exc))  # the library's own list; no public accessor


def describe(exc: BaseException | None) -> str:
    """A one-line account of a failed call: the response only, never the request."""
    from google.api_core import exceptions as api_exceptions

    if exc is None:
        return "no answer"
    if isinstance(exc, api_exceptions.GoogleAPICallError):
        return f"HTTP {exc.code} {type(exc).__name__}: {str(exc.message)[:200]}"
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def split_url(url: str) -> tuple[str, str]:
    """``gs://bucket/a/b.yaml`` -> ("bucket", "a/b.yaml")."""
    rest = url.removeprefix("gs://")
    bucket, _, path = rest.partition("/")
    if not url.startswith("gs://") or not bucket or not path or path.endswith("/"):
        raise UsageError(f"{url}: not a GCS object URL; expected gs://BUCKET/PATH/NAME.yaml")
    return bucket, path


class GcsStorage:
    def __init__(
        self,
        bucket: str,
        *,
        env: Mapping[str, str],
        policy: RetryPolicy,
        policy_now: Callable[[], RetryPolicy] | None = None,
        anonymous_fallback: bool = False,
    ) -> None:
        self.bucket_name = bucket
        self.env = env
        self.policy = policy
        # Lets the caller shrink the budget later (e.g. to a SIGTERM grace period).
        self.policy_now = policy_now or (lambda: self.policy)
        self.anonymous_fallback = anonymous_fallback
        self._bucket: Any = None

    def _open(self) -> Any:
        if self._bucket is None:
            from google.auth.credentials import AnonymousCredentials
            from google.auth.exceptions import DefaultCredentialsError
            from google.cloud import storage

            emulator = self.env.get("STORAGE_EMULATOR_HOST", "")
            try:
                if emulator:
                    endpoint = emulator if "://" in emulator else f"http://{emulator}"
                    client = storage.Client(
                        project=self.env.get("GOOGLE_CLOUD_PROJECT") or "kftest",
                        credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
                        client_options={"api_endpoint": endpoint},
                    )
                else:
                    try:
                        client = storage.Client()
                    except DefaultCredentialsError:
                        if not self.anonymous_fallback:
                            raise
                        client = storage.Client.create_anonymous_client()
            except (DefaultCredentialsError, OSError, ValueError) as exc:
                raise InfraError(f"cannot open GCS: {describe(exc)}") from None
            self._bucket = client.bucket(self.bucket_name)
        return self._bucket

    def _call(self, function: Callable[[], Any], what: str) -> Any:
        from google.api_core.exceptions import GoogleAPICallError, RetryError
        from google.cloud.storage.retry import DEFAULT_RETRY

        policy = self.policy_now()
        attempts = 0

        def failed(exc: Exception) -> None:
            nonlocal attempts
            attempts += 1
            log.warning("%s: %s; retry %d", what, describe(exc), attempts)

        retrying = (
            DEFAULT_RETRY.with_predicate(retryable)
            .with_delay(initial=policy.initial, maximum=policy.maximum, multiplier=2.0)
            .with_timeout(policy.timeout)
        )
        try:
            return retrying(function, on_error=failed)()
        except RetryError as exc:
            raise InfraError(
                f"{what}: GCS did not answer after retrying for {policy.timeout:g}s: "
                f"{describe(exc.cause)} (giving up after {attempts} attempts)"
            ) from None
        except InfraError:
            raise
        except GoogleAPICallError as exc:
            raise Refused(f"{what}: {describe(exc)}", exc.code) from None
        except Exception as exc:
            raise InfraError(f"{what}: {describe(exc)}") from None

    def _timeout(self) -> tuple[float, float]:
        return self.policy_now().request_timeout

    def upload(self, name: str, data: bytes, content_type: str) -> None:
        bucket = self._open()
        sent = base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()

        def attempt() -> None:
            blob = bucket.blob(name)
            blob.upload_from_string(
                data, content_type=content_type, checksum="md5", retry=None, timeout=self._timeout()
            )
            # The response's object metadata: the hash of what GCS stored.
            if blob.md5_hash is not None and blob.md5_hash != sent:
                raise Mismatch(f"GCS stored bytes with MD5 {blob.md5_hash}, sent {sent}")

        self._call(attempt, f"upload gs://{self.bucket_name}/{name}")

    def read(self, name: str) -> bytes | None:
        """The object's bytes, or None when it does not exist."""
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


def read_url(url: str, *, policy: RetryPolicy, env: Mapping[str, str] | None = None) -> bytes:
    """A gs:// URL's bytes (``debug``): UsageError if it does not exist or access is denied,
    InfraError if GCS stays unreachable."""
    bucket, path = split_url(url)
    storage = GcsStorage(
        bucket, env=os.environ if env is None else env, policy=policy, anonymous_fallback=True
    )
    try:
        data = storage.read(path)
    except Refused as exc:
        if exc.code in (401, 403):
            raise UsageError(f"{url}: access denied: {exc}") from None
        raise
    if data is None:
        raise UsageError(f"{url}: no such object")
    return data
