"""Submit compiled workflows to a cluster and wait for them, with the official kubernetes client.

``create`` creates idempotently (a retried create that finds its own workflow is not an
error); ``wait`` watches until every workflow reaches a terminal phase; ``batch`` waits for
many at once; ``signals`` turns SIGINT/SIGTERM into a clean stop. Credentials, the retry
policy and workflow status come from ``compiler.cluster``. kubernetes is imported lazily,
inside functions, so that importing this package costs nothing on the lint path.
"""
