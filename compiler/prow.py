"""The Prow environment: its variables, placeholders, the ``prow_env`` string, workflow names.

Prow passes a job's identity in environment variables (see the contract). Commands that
only compile (lint, plan, compile, golden) must work offline on a laptop, so every variable
that is unset gets a documented placeholder (``PLACEHOLDERS``); ``kftest run`` uses the real
values only.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

#: The variables the seed system put into the ``prow_env`` parameter, in its (sorted) order.
PROW_ENV_VARS = (
    "BUILD_ID",
    "BUILD_NUMBER",
    "JOB_NAME",
    "JOB_TYPE",
    "PULL_BASE_SHA",
    "PULL_NUMBER",
    "PULL_PULL_SHA",
    "REPO_NAME",
    "REPO_OWNER",
)
#: Every Prow variable kftest reads.
PROW_VARS = (*PROW_ENV_VARS, "PULL_BASE_REF", "PULL_REFS", "ARTIFACTS")

# Where the seed system ran its workflows, and the jsonnet library's default namespace.
DEFAULT_NAMESPACE = "kubeflow-test-infra"
DEFAULT_BUCKET = "kubernetes-jenkins"
# The seed system's Argo UI: the link to each workflow in started.json.
DEFAULT_UI_URL = "http://testing-argo.kubeflow.org/workflows/{namespace}/{name}?tab=workflow"
#: The seed's Tekton dashboard (seed-system.md §2.9), for tekton_run entries.
DEFAULT_TEKTON_UI_URL = (
    "https://kf-ci-v1.endpoints.kubeflow-ci.cloud.goog/tekton/#/namespaces/{namespace}"
    "/pipelineruns/{name}"
)

#: The job type plan and compile assume when neither JOB_TYPE nor --job-type says.
PLACEHOLDER_JOB_TYPE = "presubmit"

#: Values used by compile-only commands for variables Prow did not set. Deterministic, so
#: that two runs of ``kftest compile`` on the same tree give the same YAML.
PLACEHOLDERS: dict[str, str] = {
    "JOB_NAME": "kftest-local",
    "REPO_OWNER": "local",
    "REPO_NAME": "repo",
    "PULL_NUMBER": "1",
    "PULL_PULL_SHA": "0000000000000000000000000000000000000000",
    "PULL_BASE_SHA": "0000000000000000000000000000000000000000",
    "PULL_BASE_REF": "main",
    "BUILD_NUMBER": "1",
    "BUILD_ID": "1",
}

_DNS1123_MAX = 63
_INVALID_NAME_CHARS = re.compile(r"[^a-z0-9-]+")
_SALT = re.compile(r"^[0-9a-f]{4}$")


@dataclass(frozen=True)  # mutation: equivalent — immutability guards misuse, no behaviour
class ProwEnv:
    """The Prow variables of one run. ``values`` holds only variables that are set."""

    job_type: str | None
    values: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str], job_type: str | None = None) -> ProwEnv:
        values = {key: environ[key] for key in PROW_VARS if environ.get(key)}
        job_type = job_type or values.get("JOB_TYPE") or None
        if job_type:
            values["JOB_TYPE"] = job_type
        return cls(job_type=job_type, values=values)

    def get(self, key: str, default: str = "") -> str:
        return self.values.get(key, default)

    def for_job_type(self, job_type: str, *, placeholders: bool) -> ProwEnv:
        """This environment as a run of ``job_type`` would see it.

        With ``placeholders``, unset identity variables get ``PLACEHOLDERS``; pull-request
        variables are only filled for presubmits and batches, as Prow sets them.
        """
        values = dict(self.values)
        values["JOB_TYPE"] = job_type
        if placeholders:
            for key, value in PLACEHOLDERS.items():
                if key in ("PULL_NUMBER", "PULL_PULL_SHA") and job_type != "presubmit":
                    continue
                if key in ("PULL_BASE_SHA", "PULL_BASE_REF") and job_type == "periodic":
                    continue
                values.setdefault(key, value)
        return replace(self, job_type=job_type, values=values)

    def prow_env_string(self) -> str:
        """The seed's ``prow_env`` parameter: ``K=V,...`` over PROW_ENV_VARS, sorted, set only."""
        return ",".join(
            f"{key}={self.values[key]}" for key in PROW_ENV_VARS if self.values.get(key)
        )


def new_salt() -> str:
    return secrets.token_hex(2)


def check_salt(salt: str) -> str:
    if not _SALT.match(salt):
        raise ValueError(f"--salt must be 4 lowercase hex digits, got {salt!r}")
    return salt


def workflow_name(env: ProwEnv, entry_name: str, salt: str, role: str = "") -> str:
    """The seed's name (seed-system.md §2.5), made a valid DNS-1123 label of <= 63 characters.

    ``JOB_NAME-name`` is the head; the suffix (PR number and 7-char SHA on presubmits, the base
    SHA on postsubmits, the last 4 digits of BUILD_NUMBER, the salt) makes the name unique and is
    kept whole: the head is what gets shortened. ``role`` (``teardown``) is appended to the
    shortened head, so a run and its teardown never share a name.
    """
    head = f"{env.get('JOB_NAME')}-{entry_name}"
    suffix: list[str] = []
    if env.job_type == "presubmit":
        suffix += [env.get("PULL_NUMBER"), env.get("PULL_PULL_SHA")[:7]]
    elif env.job_type == "postsubmit":
        suffix.append(env.get("PULL_BASE_SHA")[:7])
    suffix += [env.get("BUILD_NUMBER")[-4:], salt]
    tail = "-".join(_sanitize(part) for part in suffix if part and _sanitize(part))
    role = f"-{_sanitize(role)}" if role else ""
    room = _DNS1123_MAX - len(tail) - 1 - len(role)
    head = _sanitize(head)[:room].strip("-") or "wf"
    return f"{head}{role}-{tail}"


def _sanitize(text: str) -> str:
    return _INVALID_NAME_CHARS.sub("-", text.lower()).strip("-")
