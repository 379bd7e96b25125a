"""Create one workflow, exactly once, however often the request has to be retried.

A create that fails ambiguously (a 500 or a reset connection after the server may have
persisted the object) is retried; if the retry answers 409 AlreadyExists, the existing object
is read back: the same ``spec`` means it is ours (success), a different one is an error. A
``generateName`` is turned into a concrete name before the first attempt, so that retries
cannot create a second copy.
"""

from __future__ import annotations

import copy
import logging
import secrets
import string
from dataclasses import dataclass
from typing import Any

from compiler.cluster import kube, retry
from compiler.cluster.kube import GROUP, KIND, VERSION, KubeSession, Resource, resource_of
from compiler.cluster.ownership import MANAGED_BY_LABEL, MANAGED_BY_VALUE
from compiler.diagnostics import KftestError

log = logging.getLogger("kftest.submit")

_SUFFIX_ALPHABET = string.ascii_lowercase + string.digits


class SubmitError(KftestError):
    """The cluster refused this workflow (invalid, or a different one has its name)."""


@dataclass(frozen=True)
class Created:
    name: str
    namespace: str
    state: str  # "created", "exists" (a retried or repeated submit of the same spec), "dry-run"
    object: dict[str, Any]


def prepare(document: dict[str, Any], namespace: str) -> dict[str, Any]:
    """The body to send: a copy with the namespace set, a concrete name, and the label that
    marks it as kftest's (what ``kftest cleanup`` looks for)."""
    body = copy.deepcopy(document)
    meta = body.setdefault("metadata", {})
    meta["namespace"] = namespace
    meta["labels"] = {**(meta.get("labels") or {}), MANAGED_BY_LABEL: MANAGED_BY_VALUE}
    if not meta.get("name") and meta.get("generateName"):
        suffix = "".join(secrets.choice(_SUFFIX_ALPHABET) for _ in range(5))
        meta["name"] = f"{meta['generateName']}{suffix}"
    return body


def check_document(document: Any) -> str | None:
    """Why ``document`` cannot be submitted as an Argo Workflow (or a Tekton PipelineRun of a
    tekton.dev version kftest knows, as ``kftest compile`` writes them), or None."""
    if not isinstance(document, dict):
        return "not a mapping"
    api_version = f"{GROUP}/{VERSION}"
    if "apiVersion" not in document and "kind" not in document:
        hint = " (a prow_config.yaml? `kftest compile --out DIR` makes workflows of it)"
        return "not a Kubernetes object: it has no apiVersion and kind" + (
            hint if "workflows" in document else ""
        )
    tekton = [kube.pipeline_runs(version) for version in kube.TEKTON_VERSIONS]
    accepted = [(api_version, KIND)] + [(r.api_version, r.kind) for r in tekton]
    if (document.get("apiVersion"), document.get("kind")) not in accepted:
        return (
            f"expected apiVersion {api_version} and kind {KIND}, got "
            f"{document.get('apiVersion')!r} and {document.get('kind')!r} (or a Tekton "
            "PipelineRun: apiVersion tekton.dev/v1alpha1, v1beta1 or v1)"
        )
    meta = document.get("metadata")
    if not isinstance(meta, dict) or not (meta.get("name") or meta.get("generateName")):
        return "metadata.name (or metadata.generateName) is missing"
    return None


def create_workflow(
    session: KubeSession,
    body: dict[str, Any],
    *,
    policy: retry.RetryPolicy,
    dry_run: bool = False,
) -> Created:
    """Create ``body`` (from ``prepare``) in its namespace, as the resource its apiVersion
    names (a Workflow, a Tekton PipelineRun). SubmitError or InfraError on failure."""
    namespace = body["metadata"]["namespace"]
    name = body["metadata"]["name"]
    resource = resource_of(body)
    what = f"create {resource.noun} {namespace}/{name}"

    def attempt() -> Any:
        return session.custom.create_namespaced_custom_object(
            resource.group,
            resource.version,
            namespace,
            resource.plural,
            body,
            dry_run="All" if dry_run else None,
            _request_timeout=policy.request_timeout,
        )

    try:
        created = _call(session, attempt, policy, what)
    except Exception as exc:
        if kube.status_code(exc) != 409:
            if kube.status_code(exc) is not None:
                raise SubmitError(f"{what}: {kube.describe(exc)}") from None
            raise
        existing = get_workflow(session, namespace, name, policy=policy, resource=resource)
        if existing.get("spec") != body.get("spec"):
            raise SubmitError(
                f"{what}: a {resource.noun} with this name already exists with a different spec"
            ) from None
        log.info("%s %s/%s already exists with the same spec", resource.noun, namespace, name)
        return Created(name, namespace, "exists", existing)
    return Created(name, namespace, "dry-run" if dry_run else "created", created)


def get_workflow(
    session: KubeSession,
    namespace: str,
    name: str,
    *,
    policy: retry.RetryPolicy,
    resource: Resource = kube.WORKFLOWS,
) -> dict[str, Any]:
    def attempt() -> Any:
        return session.custom.get_namespaced_custom_object(
            resource.group,
            resource.version,
            namespace,
            resource.plural,
            name,
            _request_timeout=policy.request_timeout,
        )

    what = f"get {resource.noun} {namespace}/{name}"
    try:
        result: dict[str, Any] = _call(session, attempt, policy, what)
    except Exception as exc:
        if kube.status_code(exc) is not None:
            raise SubmitError(f"{what}: {kube.describe(exc)}") from None
        raise
    return result


def _call(session: KubeSession, function: Any, policy: retry.RetryPolicy, what: str) -> Any:
    return retry.call(
        function,
        policy=policy,
        what=what,
        classify=kube.classify,
        describe=kube.describe,
        reload=session.reload,
    )
