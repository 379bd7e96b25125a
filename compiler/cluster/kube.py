"""The cluster connection: where credentials come from, how they are reloaded, what is secret.

Credentials are looked up like kubectl does: ``--kubeconfig`` (else ``$KUBECONFIG``, else
``~/.kube/config``) with ``--context``, and in-cluster service-account credentials when no
kubeconfig exists and ``KUBERNETES_SERVICE_HOST`` is set. A 401 or 403 makes the caller
``reload()``: a fresh client from the same source, which picks up a refreshed token (the
seed system re-ran ``load_kube_config`` for GKE token refresh in the same situation).

urllib3's own retries are switched off so that every failure reaches ``retry`` (and the log).
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compiler.cluster.retry import Action
from compiler.diagnostics import InfraError, UsageError

if TYPE_CHECKING:
    from kubernetes.client import ApiClient, CustomObjectsApi

GROUP = "argoproj.io"
VERSION = "v1alpha1"
PLURAL = "workflows"
KIND = "Workflow"


@dataclass(frozen=True)
class Resource:
    """A kind of run kftest submits: Argo Workflows, or Tekton PipelineRuns of one version."""

    group: str
    version: str
    plural: str
    kind: str
    noun: str  # in messages: "workflow", "PipelineRun"

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}"


WORKFLOWS = Resource(GROUP, VERSION, PLURAL, KIND, "workflow")
TEKTON_GROUP = "tekton.dev"
TEKTON_VERSIONS = ("v1alpha1", "v1beta1", "v1")


def pipeline_runs(version: str) -> Resource:
    return Resource(TEKTON_GROUP, version, "pipelineruns", "PipelineRun", "PipelineRun")


def resource_of(document: Mapping[str, Any]) -> Resource:
    """The resource of a document kftest submits (an Argo Workflow unless it is a Tekton
    PipelineRun)."""
    api = document.get("apiVersion")
    if isinstance(api, str) and api.startswith(TEKTON_GROUP + "/"):
        return pipeline_runs(api.split("/", 1)[1])
    return WORKFLOWS


log = logging.getLogger("kftest.kube")


class KubeSession:
    """A reloadable kubernetes ApiClient."""

    def __init__(
        self,
        *,
        kubeconfig: str | None = None,
        context: str | None = None,
        in_cluster: bool = False,
    ) -> None:
        self.kubeconfig = kubeconfig
        self.context = context
        self.in_cluster = in_cluster
        self.secrets: set[str] = set()
        self._client: ApiClient | None = None
        self._custom: CustomObjectsApi | None = None
        self.reload()

    @classmethod
    def from_environment(
        cls,
        env: Mapping[str, str],
        *,
        kubeconfig: str | os.PathLike[str] | None = None,
        context: str | None = None,
    ) -> KubeSession:
        """kubectl's lookup order; a named but missing kubeconfig is a usage error."""
        if kubeconfig is not None:
            if not Path(kubeconfig).is_file():
                raise UsageError(f"--kubeconfig {kubeconfig}: no such file")
            return cls(kubeconfig=str(kubeconfig), context=context)
        from_env = env.get("KUBECONFIG", "")
        paths = [p for p in from_env.split(os.pathsep) if p and Path(p).is_file()]
        if paths:
            return cls(kubeconfig=os.pathsep.join(paths), context=context)
        if from_env.strip(os.pathsep):
            # kubectl does not fall back to ~/.kube/config when KUBECONFIG is set.
            raise UsageError(f"KUBECONFIG={from_env}: no such file")
        default = Path(env.get("HOME") or Path.home()) / ".kube" / "config"
        if default.is_file():
            return cls(kubeconfig=str(default), context=context)
        if env.get("KUBERNETES_SERVICE_HOST"):
            return cls(in_cluster=True)
        raise InfraError(
            "no Kubernetes credentials: give --kubeconfig, set KUBECONFIG, or run in a pod "
            "with a service account"
        )

    @property
    def client(self) -> ApiClient:
        assert self._client is not None
        return self._client

    @property
    def custom(self) -> CustomObjectsApi:
        assert self._custom is not None
        return self._custom

    def reload(self) -> None:
        from kubernetes import client, config

        configuration = client.Configuration()
        try:
            if self.in_cluster:
                config.load_incluster_config(client_configuration=configuration)
            else:
                config.load_kube_config(
                    config_file=self.kubeconfig,
                    context=self.context,
                    client_configuration=configuration,
                    persist_config=False,
                )
        except Exception as exc:
            if self.in_cluster:
                raise InfraError(f"cannot load Kubernetes credentials: {exc}") from None
            # A kubeconfig that does not parse, has the wrong shape or lacks the --context
            # asked for is the user's to fix (exit 2), whatever the client raised about it.
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            context = f" (--context {self.context})" if self.context else ""
            raise UsageError(
                f"{self.kubeconfig}: not a usable kubeconfig{context}: {reason}"
            ) from None
        configuration.retries = False
        self.secrets |= _secrets_of(configuration)
        if self._client is not None:
            self._client.close()
        self._client = client.ApiClient(configuration)
        self._custom = client.CustomObjectsApi(self._client)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


def _secrets_of(configuration: Any) -> set[str]:
    found: set[str] = set()
    for value in (configuration.api_key or {}).values():
        if value:
            found.add(str(value).removeprefix("Bearer ").strip())
    if configuration.password:
        found.add(str(configuration.password))
    return {secret for secret in found if len(secret) >= 6}


def classify(exc: BaseException) -> tuple[Action, float | None]:
    """How to react to a failed API call (see compiler.cluster.retry)."""
    import urllib3
    from kubernetes.client.exceptions import ApiException

    if isinstance(exc, ApiException):
        status = exc.status or 0
        if status in (401, 403):
            return Action.RELOAD, None
        if status == 429 or status >= 500 or status == 0:
            return Action.RETRY, _retry_after(exc)
        return Action.FATAL, None
    if isinstance(exc, (urllib3.exceptions.HTTPError, http.client.HTTPException)):
        return Action.RETRY, None
    if isinstance(exc, (ConnectionError, socket.timeout, TimeoutError, OSError)):
        return Action.RETRY, None
    return Action.FATAL, None


def _retry_after(exc: Any) -> float | None:
    try:
        value = (exc.headers or {}).get("Retry-After")
        return float(value) if value else None
    except (TypeError, ValueError):
        return None


def describe(exc: BaseException) -> str:
    """A one-line account of a failed call: status, reason and the server's message.

    Only the response is quoted, never the request, so credentials cannot leak through here.
    """
    from kubernetes.client.exceptions import ApiException

    if isinstance(exc, ApiException):
        message = ""
        try:
            body = json.loads(exc.body or "{}")
            message = body.get("message", "") if isinstance(body, dict) else ""
        except ValueError:
            message = (exc.body or "").strip()[:200]
        text = f"HTTP {exc.status} {exc.reason or ''}".strip()
        return f"{text}: {message}" if message else text
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def status_code(exc: BaseException) -> int | None:
    from kubernetes.client.exceptions import ApiException

    return exc.status if isinstance(exc, ApiException) else None
