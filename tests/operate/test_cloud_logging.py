from __future__ import annotations

from urllib.parse import unquote

from compiler.operate.cloud_logging import console_url, pod_filter


def test_filter_without_cluster_and_with_alternatives() -> None:
    query = pod_filter(["a-1", "a-t-2"], namespace="ns")
    assert query.splitlines() == [
        'resource.type="k8s_container"',
        'resource.labels.namespace_name="ns"',
        'resource.labels.pod_name=("a-1" OR "a-t-2")',
        'resource.labels.container_name="main"',
    ]


def test_values_are_quoted() -> None:
    assert 'resource.labels.cluster_name="we\\"ird"' in pod_filter(["p"], namespace=None,
                                                                  cluster='we"ird')  # fmt: skip


def test_console_url_needs_a_project() -> None:
    assert console_url("q", None) is None
    url = console_url('resource.type="k8s_container"', "kubeflow-ci")
    assert url is not None
    assert unquote(url).startswith(
        'https://console.cloud.google.com/logs/query;query=resource.type="k8s'
    )
    assert url.endswith("?project=kubeflow-ci")
