"""``kftest lint``: the summary line says what was checked, and a FILES typo is a usage error."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import run_kftest

COMPONENT = """
local kftest = import 'kftest.libsonnet';
function(params)
  local wf = kftest.workflow(params, '{name}');
  wf.dag([wf.step('pytest', ['python', '-m', 'pytest'])])
"""
IMAGE = "gcr.io/kubeflow-ci/test-worker:v20240101-0123abc"
CONFIG = f"""
workflows:
  - name: a
    app_dir: ci
    component: a
    params: {{stepImage: "{IMAGE}"}}
  - name: b
    app_dir: ci
    component: b
    params: {{stepImage: "{IMAGE}"}}
  - name: c
    app_dir: ci
    component: c
    job_types: [presubmit]
    params: {{stepImage: "{IMAGE}"}}
"""
FILES = {
    "prow_config.yaml": CONFIG,
    **{f"ci/{name}.jsonnet": COMPONENT.replace("{name}", name) for name in "abc"},
    "README.md": "hello\n",
}


@pytest.fixture
def repo(make_repo: Callable[..., Path]) -> Path:
    return make_repo(FILES)


def last_line(text: str) -> str:
    return text.strip().splitlines()[-1]


def test_the_summary_counts_entries_job_types_and_workflows(repo: Path) -> None:
    # a and b run under every job type, c under presubmit only.
    result = run_kftest("lint", cwd=repo)
    assert result.code == 0, result.stdout + result.stderr
    assert last_line(result.stdout) == (
        "3 entries x their job types (presubmit 3, postsubmit 2, periodic 2, batch 2), "
        "9 workflows: "
        "0 errors, 0 warnings"
    )
    result = run_kftest("lint", "--job-type", "presubmit", cwd=repo)
    assert last_line(result.stdout) == "3 entries x 1 job type, 3 workflows: 0 errors, 0 warnings"


def test_files_narrow_the_check_and_the_summary_says_so(repo: Path) -> None:
    result = run_kftest("lint", "ci/a.jsonnet", cwd=repo)
    assert result.code == 0, result.stdout + result.stderr
    assert last_line(result.stdout) == (
        "1 of 3 entries x 4 job types, 4 workflows: 0 errors, 0 warnings"
    )


def test_a_file_that_affects_no_entry_checks_nothing_and_says_so(repo: Path) -> None:
    result = run_kftest("lint", "README.md", cwd=repo)
    assert result.code == 0
    assert last_line(result.stdout) == (
        "nothing to check (README.md affects no entry): 0 errors, 0 warnings"
    )
    result = run_kftest("lint", "README.md", "prow_config.yaml", "ci/a.jsonnet", cwd=repo)
    assert last_line(result.stdout).startswith("3 entries")  # prow_config.yaml affects all
    (repo / "notes.txt").write_text("x\n")
    result = run_kftest("lint", "README.md", "notes.txt", cwd=repo)
    assert last_line(result.stdout) == (
        "nothing to check (none of the 2 files affects an entry): 0 errors, 0 warnings"
    )


def test_a_file_that_does_not_exist_is_a_usage_error(repo: Path) -> None:
    result = run_kftest("lint", "nope.jsonnet", "README.md", "ci/gone.jsonnet", cwd=repo)
    assert result.code == 2
    assert result.stdout == ""
    assert "nope.jsonnet, ci/gone.jsonnet: no such file" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_empty_config_checks_nothing_and_says_so(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"prow_config.yaml": "workflows:\n"})
    result = run_kftest("lint", cwd=repo)
    assert last_line(result.stdout) == (
        "nothing to check (prow_config.yaml has no entries): 0 errors, 0 warnings"
    )


def test_a_job_type_no_entry_runs_under_checks_nothing(repo: Path) -> None:
    result = run_kftest("lint", "--job-type", "batch", cwd=repo)
    assert last_line(result.stdout) == (
        "2 of 3 entries x 1 job type, 2 workflows: 0 errors, 0 warnings"
    )
    config = repo / "prow_config.yaml"
    text = config.read_text().replace("    job_types: [presubmit]\n", "")
    config.write_text(text.replace("    app_dir", "    job_types: [periodic]\n    app_dir"))
    result = run_kftest("lint", "--job-type", "batch", cwd=repo)
    assert last_line(result.stdout) == (
        "nothing to check (no entry runs for job type batch): 0 errors, 0 warnings"
    )


def test_a_config_that_does_not_load_checks_nothing_else(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"prow_config.yaml": "workflows: [\n"})
    result = run_kftest("lint", cwd=repo)
    assert result.code == 1
    assert last_line(result.stdout) == (
        "nothing to check (prow_config.yaml does not load): 1 error, 0 warnings"
    )


def test_an_include_pattern_no_file_matches_is_reported_at_its_line(
    make_repo: Callable[..., Path],
) -> None:
    config = CONFIG.replace(
        "    component: a\n", "    component: a\n    include_dirs: [ci/*, nothing/*]\n", 1
    )
    repo = make_repo({**FILES, "prow_config.yaml": config})
    result = run_kftest("lint", "--repo-root", str(repo), "--format", "json")
    assert result.code == 0, result.stderr
    dead = [
        d for d in json.loads(result.stdout)["diagnostics"] if d["rule"] == "dead-include-pattern"
    ]
    assert {(d["file"], d["line"], d["severity"]) for d in dead} == {
        ("prow_config.yaml", 5, "warning")
    }
    assert all("nothing/*" in d["message"] for d in dead)
