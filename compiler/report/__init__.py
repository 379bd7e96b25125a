"""Report a run as Prow expects: junit, started.json, finished.json, build log, GCS layout.

``job`` (the Prow variables a report needs), ``layout`` (where in the bucket), ``metadata``
(started.json, finished.json), ``junit`` (writing per-workflow results, reading a verdict),
``buildlog`` (kftest's own log, secrets redacted), ``storage`` (GCS with retries and
read-back verification), ``reporter`` (writes everything locally, to $ARTIFACTS and to GCS).
google.cloud is imported lazily, inside ``storage``.
"""
