"""``kftest golden``: a missing golden file is its own message (no diff); the summary says what
was compared."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import REPO_ROOT, run_kftest


def copy_of_this_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "copy"
    shutil.copytree(REPO_ROOT / "ci", repo / "ci")
    shutil.copy(REPO_ROOT / "prow_config.yaml", repo / "prow_config.yaml")
    shutil.copy(REPO_ROOT / ".kftest.yaml", repo / ".kftest.yaml")
    return repo


def test_no_golden_files_yet_says_how_to_create_them_without_a_diff(tmp_path: Path) -> None:
    repo = copy_of_this_repo(tmp_path)
    result = run_kftest("golden", "--repo-root", str(repo))
    assert result.code == 1
    compiled = sorted(
        p.relative_to(REPO_ROOT / "golden").as_posix() for p in REPO_ROOT.glob("golden/*/*.yaml")
    )
    lines = result.stdout.strip().splitlines()
    assert lines[:-1] == [
        f"golden/{name}: error [golden] no golden file for this workflow; run "
        "`kftest golden --update` to create it"
        for name in compiled
    ]
    assert lines[-1].endswith(
        f"{len(compiled)} workflows compared with golden/: {len(compiled)} errors, 0 warnings"
    )
    assert "@@" not in result.stderr and "kind: Workflow" not in result.stderr  # no diff

    assert run_kftest("golden", "--repo-root", str(repo), "--update").code == 0
    assert run_kftest("golden", "--repo-root", str(repo)).code == 0


def test_a_stale_golden_file_is_named_without_a_diff(tmp_path: Path) -> None:
    repo = copy_of_this_repo(tmp_path)
    shutil.copytree(REPO_ROOT / "golden", repo / "golden")
    stale = repo / "golden/presubmit/kftest-presubmit-gone-1234-abcdef0-5678-0000.yaml"
    stale.write_text("kind: Workflow\nmetadata: {name: gone}\n")
    result = run_kftest("golden", "--repo-root", str(repo))
    assert result.code == 1
    assert (
        "golden/presubmit/kftest-presubmit-gone-1234-abcdef0-5678-0000.yaml: error [golden] "
        "golden file of a workflow that is no longer compiled; run `kftest golden --update` "
        "to remove it"
    ) in result.stdout
    assert "metadata: {name: gone}" not in result.stderr


def test_golden_refuses_a_salt(tmp_path: Path) -> None:
    # Golden files are compiled with the fixed salt 0000; --salt would be silently ignored.
    result = run_kftest("golden", "--salt", "1234", "--repo-root", str(tmp_path))
    assert result.code == 2
    assert "No such option '--salt'" in result.stderr
