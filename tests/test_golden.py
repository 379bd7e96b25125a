"""golden/: this repository's own prow_config.yaml, compiled under the fixed environment."""

from __future__ import annotations

import shutil
from pathlib import Path

from compiler import golden
from tests.conftest import REPO_ROOT, run_kftest


def test_project_golden_files_are_current() -> None:
    result = run_kftest("golden", "--repo-root", str(REPO_ROOT))
    assert result.code == 0, result.stderr + result.stdout
    assert "0 errors, 0 warnings" in result.stdout


def test_every_entry_has_a_golden_file_per_job_type() -> None:
    files = {
        path.relative_to(REPO_ROOT / "golden").as_posix()
        for path in REPO_ROOT.glob("golden/*/*.yaml")
    }
    assert {name.split("/")[0] for name in files} == {"presubmit", "postsubmit", "periodic"}
    assert any("unittests" in name for name in files)


def test_mismatch_prints_a_diff_and_update_rewrites(tmp_path: Path) -> None:
    repo = tmp_path / "copy"
    shutil.copytree(REPO_ROOT / "ci", repo / "ci")
    shutil.copy(REPO_ROOT / "prow_config.yaml", repo / "prow_config.yaml")
    shutil.copy(REPO_ROOT / ".kftest.yaml", repo / ".kftest.yaml")
    shutil.copytree(REPO_ROOT / "golden", repo / "golden")
    assert run_kftest("golden", "--repo-root", str(repo)).code == 0

    component = repo / "ci/workflows/unittests.jsonnet"
    component.write_text(component.read_text().replace("deadline=3600", "deadline=1234"))
    result = run_kftest("golden", "--repo-root", str(repo))
    assert result.code == 1
    assert "-    activeDeadlineSeconds: 3600" in result.stderr
    assert "+    activeDeadlineSeconds: 1234" in result.stderr
    assert "[golden]" in result.stdout and "kftest golden --update" in result.stdout

    # A stale file (an entry that no longer exists) is a mismatch too.
    stale = repo / "golden/presubmit/kftest-presubmit-gone-1234-abcdef0-5678-0000.yaml"
    stale.write_text("kind: Workflow\n")
    assert run_kftest("golden", "--repo-root", str(repo), "--update").code == 0
    assert not stale.exists()
    assert run_kftest("golden", "--repo-root", str(repo)).code == 0
    assert (
        "activeDeadlineSeconds: 1234"
        in (
            repo / "golden/presubmit/kftest-presubmit-unittests-1234-abcdef0-5678-0000.yaml"
        ).read_text()
    )


def test_golden_environment_is_what_prow_sets_per_job_type() -> None:
    assert golden.environment("presubmit")["PULL_NUMBER"] == "1234"
    assert "PULL_NUMBER" not in golden.environment("postsubmit")
    assert "PULL_BASE_SHA" not in golden.environment("periodic")
