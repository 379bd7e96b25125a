"""Where a build's results go in the bucket: Prow's layout (or the seed's kubeflow variant).

========================  ==============================================================
presubmit                 ``pr-logs/pull/<org>_<repo>/<pr>/<job>/<build>/``, plus the PR
                          "symlink" ``pr-logs/directory/<job>/<build>.txt`` holding the
                          ``gs://`` path, and ``latest-build.txt`` in both
                          ``pr-logs/directory/<job>/`` and ``pr-logs/pull/<org>_<repo>/<pr>/<job>/``
postsubmit, periodic,     ``logs/<job>/<build>/`` and ``logs/<job>/latest-build.txt``
batch (and unset)
postsubmit with           ``logs/<org>_<repo>/<job>/<build>/`` (what kubeflow's
``--gcs-layout kubeflow``  prow_artifacts.py used) and ``latest-build.txt`` beside it
========================  ==============================================================
"""

from __future__ import annotations

from dataclasses import dataclass

from compiler.diagnostics import UsageError
from compiler.report.job import JobInfo

STYLES = ("prow", "kubeflow")


@dataclass(frozen=True)  # mutation: equivalent — nothing assigns to or hashes one
class GcsLayout:
    bucket: str
    build_dir: str  # no trailing slash
    latest_build: tuple[str, ...]  # object names of latest-build.txt files
    pr_link: str | None = None  # the PR "symlink" object name (presubmits)

    def gs(self, path: str = "") -> str:
        return (
            f"gs://{self.bucket}/{self.object(path)}"
            if path
            else f"gs://{self.bucket}/{self.build_dir}"
        )

    def object(self, path: str) -> str:
        """The object name of ``path`` relative to the build directory."""
        return f"{self.build_dir}/{path}"


def gcs_layout(job: JobInfo, bucket: str, style: str = "prow") -> GcsLayout:
    if style not in STYLES:
        raise UsageError(f"--gcs-layout must be one of {', '.join(STYLES)}, got {style!r}")
    bucket = bucket.removeprefix("gs://").strip("/")
    if not bucket:
        raise UsageError("--bucket must name a GCS bucket")
    needed = {"JOB_NAME": job.job_name, "BUILD_ID or BUILD_NUMBER": job.build}
    presubmit = job.job_type == "presubmit"
    repo_dirs = presubmit or (style == "kubeflow" and job.job_type == "postsubmit")
    if repo_dirs:
        needed |= {"REPO_OWNER": job.org, "REPO_NAME": job.repo}
    if presubmit:
        needed["PULL_NUMBER"] = job.pull_number
    missing = [name for name, value in needed.items() if not value]
    if missing:
        raise UsageError(
            f"cannot place the results in GCS: {', '.join(missing)} not set "
            "(Prow sets them for every job)"
        )
    org_repo = f"{job.org}_{job.repo}"
    if presubmit:
        job_dir = f"pr-logs/pull/{org_repo}/{job.pull_number}/{job.job_name}"
        directory = f"pr-logs/directory/{job.job_name}"
        return GcsLayout(
            bucket=bucket,
            build_dir=f"{job_dir}/{job.build}",
            latest_build=(f"{directory}/latest-build.txt", f"{job_dir}/latest-build.txt"),
            pr_link=f"{directory}/{job.build}.txt",
        )
    job_dir = f"logs/{org_repo}/{job.job_name}" if repo_dirs else f"logs/{job.job_name}"
    return GcsLayout(
        bucket=bucket,
        build_dir=f"{job_dir}/{job.build}",
        latest_build=(f"{job_dir}/latest-build.txt",),
    )
