"""Report a run as Prow expects: junit, started.json, finished.json, build log, GCS layout.

``job`` (the Prow variables a report needs), ``layout`` (where in the bucket), ``metadata``
(started.json, finished.json), ``junit`` (writing per-workflow results, reading a verdict),
``buildlog`` (kftest's own log, secrets redacted), ``reporter`` (writes everything locally,
to $ARTIFACTS and to GCS through ``compiler.storage``, which imports google.cloud lazily).
"""
