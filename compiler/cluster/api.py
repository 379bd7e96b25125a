"""The cluster calls beyond create-and-watch: reads, paginated lists and deletes, each retried.

Credentials, reloads on 401/403, the retry classification and secret-free error text come from
``compiler.cluster.kube``; this module adds the reads (workflows, paginated workflow lists,
pods, pod logs, events) and deletes that ``debug``, ``cleanup`` and ``submit`` make. Responses
are read as plain JSON (``_preload_content=False``) so that objects look exactly like the API's,
as in a saved YAML.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

from compiler.cluster import kube
from compiler.cluster.retry import Action, Classifier, RetryPolicy, call
from compiler.diagnostics import KftestError

T = TypeVar("T")


class NotFound(KftestError):
    """The object does not exist (HTTP 404)."""


class Refused(KftestError):
    """The API server answered a request with an error that retrying cannot fix (e.g. 403)."""


class Cluster:
    def __init__(self, session: kube.KubeSession, policy: RetryPolicy | None = None) -> None:
        self.session = session
        self.policy = policy or RetryPolicy()

    @classmethod
    def connect(
        cls,
        env: Mapping[str, str],
        *,
        kubeconfig: str | None = None,
        context: str | None = None,
        policy: RetryPolicy | None = None,
    ) -> Cluster:
        return cls(
            kube.KubeSession.from_environment(env, kubeconfig=kubeconfig, context=context), policy
        )

    def close(self) -> None:
        self.session.close()

    # -- plumbing ------------------------------------------------------------------------

    def _call(
        self, what: str, function: Callable[[], T], classify: Classifier = kube.classify
    ) -> T:
        """``function()`` with retries; 404 becomes NotFound, other final errors Refused."""
        try:
            return call(
                function,
                policy=self.policy,
                what=what,
                classify=classify,
                describe=kube.describe,
                reload=self.session.reload,
            )
        except Exception as exc:
            if kube.status_code(exc) == 404:
                raise NotFound(what) from None
            if kube.status_code(exc) is not None:
                raise Refused(f"{what}: {kube.describe(exc)}") from None
            raise

    def _json(
        self, what: str, request: Callable[[], Any], classify: Classifier = kube.classify
    ) -> Any:
        def fetch() -> Any:
            response = request()
            return json.loads(response.data or b"null")

        return self._call(what, fetch, classify)

    @property
    def _timeout(self) -> tuple[float, float]:
        return self.policy.request_timeout

    # -- workflows -----------------------------------------------------------------------

    def get_workflow(
        self, namespace: str, name: str, resource: kube.Resource = kube.WORKFLOWS
    ) -> dict[str, Any]:
        """A workflow, or an object of another ``resource`` (a Tekton PipelineRun)."""
        return dict(
            self._json(
                f"get {resource.noun} {namespace}/{name}",
                lambda: self.session.custom.get_namespaced_custom_object(
                    resource.group,
                    resource.version,
                    namespace,
                    resource.plural,
                    name,
                    _preload_content=False,
                    _request_timeout=self._timeout,
                ),
            )
        )

    def list_workflows(
        self,
        namespace: str | None,
        selector: str | None,
        page_size: int = 100,
        resource: kube.Resource = kube.WORKFLOWS,
    ) -> Iterator[dict[str, Any]]:
        """Every matching workflow (or object of ``resource``), one page (``limit``/
        ``continue``) at a time, each page retried."""
        where = f"namespace {namespace}" if namespace else "all namespaces"

        def page(token: str | None) -> dict[str, Any]:
            return self._call(
                f"list {resource.plural} in {where}",
                lambda: list_page(
                    self.session,
                    namespace,
                    resource=resource,
                    label_selector=selector,
                    limit=page_size,
                    token=token,
                    timeout=self._timeout,
                ),
            )

        for body in pages(page):
            yield from (item for item in body.get("items") or [] if isinstance(item, dict))

    def delete_workflow(
        self, namespace: str, name: str, resource: kube.Resource = kube.WORKFLOWS
    ) -> None:
        self._json(
            f"delete {resource.noun} {namespace}/{name}",
            lambda: self.session.custom.delete_namespaced_custom_object(
                resource.group,
                resource.version,
                namespace,
                resource.plural,
                name,
                _preload_content=False,
                _request_timeout=self._timeout,
            ),
            _forbidden_is_final,
        )

    # -- pods ----------------------------------------------------------------------------

    def _core(self) -> Any:
        from kubernetes import client

        return client.CoreV1Api(self.session.client)

    def list_pods(self, namespace: str, selector: str) -> list[dict[str, Any]]:
        body = self._json(
            f"list pods {selector} in {namespace}",
            lambda: self._core().list_namespaced_pod(
                namespace,
                label_selector=selector,
                _preload_content=False,
                _request_timeout=self._timeout,
            ),
        )
        return [item for item in (body or {}).get("items") or [] if isinstance(item, dict)]

    def pod_log(self, namespace: str, name: str, container: str, tail: int) -> str:
        def fetch() -> str:
            response = self._core().read_namespaced_pod_log(
                name,
                namespace,
                container=container,
                tail_lines=tail,
                _preload_content=False,
                _request_timeout=self._timeout,
            )
            return bytes(response.data or b"").decode("utf-8", errors="replace")

        return self._call(f"read log of pod {namespace}/{name}", fetch)

    def events_for(self, namespace: str, name: str) -> list[dict[str, Any]]:
        body = self._json(
            f"list events of {namespace}/{name}",
            lambda: self._core().list_namespaced_event(
                namespace,
                field_selector=f"involvedObject.name={name}",
                _preload_content=False,
                _request_timeout=self._timeout,
            ),
        )
        return [item for item in (body or {}).get("items") or [] if isinstance(item, dict)]

    # -- where the cluster is ------------------------------------------------------------

    def gke_location(self) -> tuple[str | None, str | None]:
        """(cluster name, project) when the kubeconfig context is GKE's ``gke_P_ZONE_NAME``."""
        if self.session.in_cluster:
            return None, None
        try:
            from kubernetes import config

            contexts, active = config.list_kube_config_contexts(config_file=self.session.kubeconfig)
        except Exception:  # only a nicety for the Cloud Logging link: never fail on it
            return None, None
        chosen = next((c for c in contexts or [] if c.get("name") == self.session.context), active)
        return gke_cluster_and_project(
            str(((chosen or {}).get("context") or {}).get("cluster", ""))
        )


def list_page(
    session: kube.KubeSession,
    namespace: str | None,
    *,
    limit: int,
    token: str | None = None,
    label_selector: str | None = None,
    field_selector: str | None = None,
    timeout: tuple[float, float],
    resource: kube.Resource = kube.WORKFLOWS,
) -> dict[str, Any]:
    """One page of workflows, or of another ``resource`` (Tekton PipelineRuns), all namespaces
    when ``namespace`` is None, as the API's JSON."""
    kwargs: dict[str, Any] = {
        "limit": limit,
        "_preload_content": False,
        "_request_timeout": timeout,
    }
    if label_selector:
        kwargs["label_selector"] = label_selector
    if field_selector:
        kwargs["field_selector"] = field_selector
    if token:
        kwargs["_continue"] = token
    custom = session.custom
    if namespace:
        response = custom.list_namespaced_custom_object(
            resource.group, resource.version, namespace, resource.plural, **kwargs
        )
    else:
        response = custom.list_cluster_custom_object(
            resource.group, resource.version, resource.plural, **kwargs
        )
    body = json.loads(response.data or b"null")
    return body if isinstance(body, dict) else {}


def pages(fetch: Callable[[str | None], dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every page of a list: ``fetch(None)``, then ``fetch(continue token)`` until none."""
    token: str | None = None
    while True:
        body = fetch(token)
        yield body
        token = (body.get("metadata") or {}).get("continue") or None
        if not token:
            return


def _forbidden_is_final(exc: BaseException) -> tuple[Action, float | None]:
    """A 403 on a delete is a refusal of that one object (RBAC, an admission webhook), not an
    expired token (that answers 401): fail it at once instead of reloading credentials."""
    if kube.status_code(exc) == 403:
        return Action.FATAL, None
    return kube.classify(exc)


def gke_cluster_and_project(name: str) -> tuple[str | None, str | None]:
    """``gke_kubeflow-ci_us-east1-d_kubeflow-testing`` -> ("kubeflow-testing", "kubeflow-ci")."""
    parts = name.split("_")
    if len(parts) >= 4 and parts[0] == "gke":
        return "_".join(parts[3:]), parts[1]
    return None, None
