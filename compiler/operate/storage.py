"""Read one object from GCS: the final Workflow object ``kftest run`` saved, for ``debug``.

google-cloud-storage is imported here, lazily. ``STORAGE_EMULATOR_HOST`` points the client at
an emulator (anonymously); otherwise Application Default Credentials are used, and without any
the client reads anonymously, which is enough for public buckets such as Prow's.
"""

from __future__ import annotations

from typing import Any

from compiler.diagnostics import InfraError, UsageError


def split_url(url: str) -> tuple[str, str]:
    """``gs://bucket/a/b.yaml`` -> ("bucket", "a/b.yaml")."""
    rest = url.removeprefix("gs://")
    bucket, _, path = rest.partition("/")
    if not url.startswith("gs://") or not bucket or not path or path.endswith("/"):
        raise UsageError(f"{url}: not a GCS object URL; expected gs://BUCKET/PATH/NAME.yaml")
    return bucket, path


def read(url: str, timeout: float = 120.0) -> bytes:
    """The object's bytes; UsageError if it does not exist, InfraError if GCS is unreachable."""
    bucket_name, path = split_url(url)
    from google.api_core import exceptions
    from google.cloud.storage.retry import DEFAULT_RETRY

    client = _client()
    blob = client.bucket(bucket_name).blob(path)
    try:
        return bytes(
            blob.download_as_bytes(
                timeout=min(60.0, timeout), retry=DEFAULT_RETRY.with_timeout(timeout)
            )
        )
    except exceptions.NotFound:
        raise UsageError(f"{url}: no such object") from None
    except exceptions.Forbidden as exc:
        raise UsageError(f"{url}: access denied: {exc.message}") from None
    except exceptions.RetryError as exc:
        raise InfraError(
            f"{url}: GCS did not answer after retrying for {timeout:g}s: {_describe(exc.cause)}"
        ) from None
    except exceptions.GoogleAPIError as exc:
        raise InfraError(f"{url}: {_describe(exc)}") from None
    except (OSError, ConnectionError) as exc:
        raise InfraError(f"{url}: GCS unreachable: {type(exc).__name__}: {exc}") from None
    finally:
        client.close()


def _describe(exc: BaseException | None) -> str:
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None) or getattr(exc, "code", None)
    if status:
        return f"HTTP {status}"
    return type(exc).__name__ if exc is not None else "no answer"


def _client() -> Any:
    import google.auth.exceptions
    from google.cloud import storage

    try:
        return storage.Client()
    except (google.auth.exceptions.DefaultCredentialsError, OSError):
        return storage.Client.create_anonymous_client()
