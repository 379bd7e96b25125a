"""Submit compiled workflows to a cluster and wait for them, with the official kubernetes client.

``kube`` loads credentials (kubeconfig, context, in-cluster) and reloads them on 401/403;
``create`` creates idempotently (a retried create that finds its own workflow is not an
error); ``wait`` watches until every workflow reaches a terminal phase; ``retry`` is the
backoff policy both use. kubernetes is imported lazily, inside functions, so that importing
this package costs nothing on the lint path.
"""
