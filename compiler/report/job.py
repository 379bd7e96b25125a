"""The Prow variables a report needs, read from an environment mapping (no placeholders)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)  # mutation: equivalent — nothing assigns to or hashes one
class JobInfo:
    job_type: str  # "" when unset
    job_name: str = ""
    org: str = ""
    repo: str = ""
    pull_number: str = ""
    base_sha: str = ""
    pull_sha: str = ""
    pull_refs: str = ""
    build_id: str = ""
    build_number: str = ""
    artifacts: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str], job_type: str | None = None) -> JobInfo:
        def get(key: str) -> str:
            return (env.get(key) or "").strip()

        return cls(
            job_type=job_type or get("JOB_TYPE"),
            job_name=get("JOB_NAME"),
            org=get("REPO_OWNER"),
            repo=get("REPO_NAME"),
            pull_number=get("PULL_NUMBER"),
            base_sha=get("PULL_BASE_SHA"),
            pull_sha=get("PULL_PULL_SHA"),
            pull_refs=get("PULL_REFS"),
            build_id=get("BUILD_ID"),
            build_number=get("BUILD_NUMBER"),
            artifacts=get("ARTIFACTS"),
        )

    @property
    def build(self) -> str:
        """BUILD_ID first, then BUILD_NUMBER (Prow's newer and older names for the same id)."""
        return self.build_id or self.build_number

    @property
    def repo_slug(self) -> str:
        return f"{self.org}/{self.repo}" if self.org and self.repo else self.org

    @property
    def sha(self) -> str:
        return self.pull_sha or self.base_sha
