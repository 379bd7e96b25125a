"""The cluster layer every network-facing stage shares: ``submit``, ``operate`` and ``report``.

``kube`` loads credentials as kubectl does (kubeconfig, context, in-cluster), reloads them on
401/403, classifies and describes failed calls without quoting the request; ``retry`` is the
one backoff policy for the cluster and for GCS; ``api`` holds the reads and deletes (workflows,
paginated lists, pods, logs, events) with that policy; ``status`` reads a workflow's phase,
failed nodes and durations; ``ownership`` is the label that marks what kftest created.

This package imports nothing above it (no ``submit``, ``operate``, ``report``), and imports
kubernetes lazily, inside functions, so importing it costs nothing on the lint path.
"""
