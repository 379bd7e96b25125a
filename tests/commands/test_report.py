"""``kftest report``: the run report made again from what a failing presubmit saved (in the
GCS emulator and locally), and ``kftest debug --format html``."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from conftest import Result
from report.html.runs import BUILD_DIR, failing_presubmit
from standins.fixtures import GcsEnv, KubeEnv, gcs, gcs_emulator, kube  # noqa: F401


def _without_footer(page: str) -> str:
    return re.sub(r"<footer>.*?</footer>", "", page, flags=re.S)


def test_the_same_page_from_the_bucket_once_the_cluster_is_gone(
    make_repo: Callable[..., Path],
    kube: KubeEnv,  # noqa: F811
    gcs: GcsEnv,  # noqa: F811
    tmp_path: Path,
    kftest: Callable[..., Result],
) -> None:
    assert failing_presubmit(make_repo, kube, gcs, tmp_path) == 1
    kube.api.stop()  # the workflow and its pods are gone: only the bucket is left
    uploaded = gcs.read(f"{BUILD_DIR}/artifacts/kftest-report.html").decode()
    out = tmp_path / "remade.html"
    result = kftest("report", f"gs://{gcs.bucket}/{BUILD_DIR}/", "-o", str(out), env=gcs.env)
    assert result.code == 0, result.stderr
    assert result.stdout == "" and f"wrote {out}" in result.stderr
    remade = out.read_text()
    assert _without_footer(remade) == _without_footer(uploaded)
    # ... which holds everything: the job, the failed step, its log tail read from the pod.
    assert "kftest-presubmit <small>#1500</small>" in remade
    assert "step run-tests of kftest-presubmit-e2e-" in remade
    assert 'failed cause failed-path"' in remade  # the failed node: in the graph or the tree


def test_from_the_local_copy_and_one_workflow_file(
    make_repo: Callable[..., Path],
    kube: KubeEnv,  # noqa: F811
    gcs: GcsEnv,  # noqa: F811
    tmp_path: Path,
    kftest: Callable[..., Result],
) -> None:
    assert failing_presubmit(make_repo, kube, gcs, tmp_path) == 1
    local = kftest("report", str(tmp_path / "out"))
    assert local.code == 0, local.stderr
    assert local.stdout.startswith("<!DOCTYPE html>")
    assert "<b>run-tests</b></a> failed" in local.stdout
    assert "step run-tests of kftest-presubmit-e2e-" in local.stdout  # kftest-debug.json
    [saved] = (tmp_path / "out").glob("kftest-presubmit-e2e-*.yaml")
    single = kftest("report", str(saved))
    assert single.code == 0, single.stderr
    assert "<b>run-tests</b></a> failed" in single.stdout
    # From the workflow alone the pods' logs are unknown, and the page says so.
    assert "The cluster was not asked about this pod" in single.stdout
    debug = kftest("debug", "--format", "html", str(saved))
    assert debug.code == 1  # as for every format: the workflow failed
    assert debug.stdout.startswith("<!DOCTYPE html>") and "<b>test-1</b></a> failed" in debug.stdout


def test_sources_that_hold_no_run(
    gcs: GcsEnv,  # noqa: F811
    tmp_path: Path,
    kftest: Callable[..., Result],
) -> None:
    missing = kftest("report", str(tmp_path / "nothing"))
    assert (missing.code, missing.stderr) == (
        2,
        f"kftest: {tmp_path / 'nothing'}: no such file or directory\n",
    )
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("hello")
    empty = kftest("report", str(tmp_path / "empty"))
    assert empty.code == 2 and "no saved run there" in empty.stderr
    bare = kftest("report", f"gs://{gcs.bucket}/logs/job/1", env=gcs.env)
    assert bare.code == 2 and "nothing there" in bare.stderr
    not_yaml = tmp_path / "x.yaml"
    not_yaml.write_text("kind: Pod\nmetadata: {name: p}\n")
    wrong = kftest("report", str(not_yaml))
    # A named file that is not a workflow is a usage error (2), as for `kftest debug`.
    assert wrong.code == 2 and "document 1 is a Pod, not an Argo Workflow" in wrong.stderr
    assert "Traceback" not in wrong.stderr + empty.stderr + bare.stderr


def test_an_unreachable_bucket_is_exit_code_3(
    gcs: GcsEnv,  # noqa: F811
    kftest: Callable[..., Result],
) -> None:
    gcs.proxy.add("503", times=1000)
    result = kftest("report", f"gs://{gcs.bucket}/{BUILD_DIR}", "--retry-timeout", "1", env=gcs.env)
    assert result.code == 3, result.stderr
    assert "Traceback" not in result.stderr and gcs.bucket in result.stderr


def test_a_retry_timeout_must_be_positive(tmp_path: Path, kftest: Callable[..., Result]) -> None:
    result = kftest("report", str(tmp_path), "--retry-timeout", "0")
    assert result.code == 2
    assert "'--retry-timeout': '0': the duration must be positive" in result.stderr
