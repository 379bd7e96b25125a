"""``started.json`` and ``finished.json``, the two files Prow's Spyglass, TestGrid and kettle read.

started.json (written before submitting, and again once the UI links are known)::

    {"timestamp": 1700000000, "repos": {"org/repo": "<PULL_PULL_SHA or PULL_BASE_SHA>"},
     "pull": "<PULL_REFS>", "metadata": {"<workflow>-ui": "<url>", ...}}

finished.json::

    {"timestamp": 1700000100, "passed": false, "result": "FAILURE",
     "metadata": {"repos": {"org/repo": "<PULL_REFS>"},
                  "<workflow>-phase": "Failed", "<workflow>-ui": "<url>", ...}}

Only submitted workflows have a UI link. ``repos`` appears when REPO_OWNER is set, ``pull``
and ``metadata.repos`` when PULL_REFS is (as the seed wrote them). ``result`` is Prow's
SUCCESS, FAILURE or ABORTED (the seed wrote FAILED and no ``passed``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from compiler.report.job import JobInfo
from compiler.report.outcome import WorkflowOutcome

SUCCESS = "SUCCESS"
FAILURE = "FAILURE"
ABORTED = "ABORTED"


def _dump(data: dict[str, Any]) -> bytes:
    return (json.dumps(data, sort_keys=True, indent=2) + "\n").encode()


def started_json(job: JobInfo, outcomes: Sequence[WorkflowOutcome], timestamp: int) -> bytes:
    data: dict[str, Any] = {
        "timestamp": timestamp,
        "repos": {job.repo_slug: job.sha} if job.org else {},
        "metadata": {f"{o.label}-ui": o.ui_url for o in outcomes if o.submitted and o.ui_url},
    }
    if job.pull_refs:
        data["pull"] = job.pull_refs
    return _dump(data)


def finished_json(
    job: JobInfo, outcomes: Sequence[WorkflowOutcome], *, result: str, timestamp: int
) -> bytes:
    metadata: dict[str, Any] = {}
    if job.org and job.pull_refs:
        metadata["repos"] = {job.repo_slug: job.pull_refs}
    for outcome in outcomes:
        metadata[f"{outcome.label}-phase"] = outcome.phase or outcome.verdict
        metadata[f"{outcome.label}-ui"] = outcome.ui_url if outcome.submitted else ""
    data = {
        "timestamp": timestamp,
        "passed": result == SUCCESS,
        "result": result,
        "metadata": metadata,
    }
    return _dump(data)
