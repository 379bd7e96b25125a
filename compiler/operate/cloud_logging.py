"""The Cloud Logging (Stackdriver) query that finds a pod's ``main`` container log after the
pod is gone, as the seed README's "Stackdriver logs" section describes, for GKE's current
``k8s_container`` resource type."""

from __future__ import annotations

import urllib.parse
from collections.abc import Sequence


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def pod_filter(
    pod_names: Sequence[str],
    *,
    namespace: str | None,
    cluster: str | None = None,
    container: str = "main",
) -> str:
    """One restriction per line (lines are ANDed); several candidate pod names are ORed."""
    lines = ['resource.type="k8s_container"']
    if cluster:
        lines.append(f"resource.labels.cluster_name={_quote(cluster)}")
    if namespace:
        lines.append(f"resource.labels.namespace_name={_quote(namespace)}")
    names = [_quote(name) for name in pod_names if name]
    if len(names) == 1:
        lines.append(f"resource.labels.pod_name={names[0]}")
    elif names:
        lines.append(f"resource.labels.pod_name=({' OR '.join(names)})")
    lines.append(f"resource.labels.container_name={_quote(container)}")
    return "\n".join(lines)


def console_url(query: str, project: str | None) -> str | None:
    """The Logs Explorer link for ``query``; None without a project to look in."""
    return explorer_url(query, project) if project else None


def explorer_url(query: str, project: str | None = None) -> str:
    """The Logs Explorer link for ``query``; without a project the console opens it in the
    project the user last used."""
    encoded = urllib.parse.quote(query, safe="")
    url = f"https://console.cloud.google.com/logs/query;query={encoded};duration=P7D"
    return f"{url}?project={urllib.parse.quote(project, safe='')}" if project else url
