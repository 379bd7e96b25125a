"""Which repository this is, and where the others a seed-era prow_config.yaml names are."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from compiler.evaluate import checkouts
from tests.conftest import git
from tests.evaluate.conftest import make_entry, make_request, write_files


def _clone(root: Path, remote: str | None) -> Path:
    root.mkdir(parents=True)
    git(root, "init", "-q")
    if remote:
        git(root, "remote", "add", "origin", remote)
    return root


@pytest.mark.parametrize(
    "remote",
    [
        "git@github.com:kubeflow/kubeflow.git",
        "https://github.com/kubeflow/kubeflow",
        "https://github.com/kubeflow/kubeflow.git/",
    ],
)
def test_this_repository_from_the_origin_remote(tmp_path: Path, remote: str) -> None:
    clone = _clone(tmp_path / "work" / "my-clone", remote)
    assert checkouts.this_repository(clone, {}) == ("kubeflow", "kubeflow")
    # Prow's variables win; kftest's own placeholders do not count.
    env = {"REPO_OWNER": "kubeflow", "REPO_NAME": "testing"}
    assert checkouts.this_repository(clone, env) == ("kubeflow", "testing")
    placeholders = {"REPO_OWNER": "local", "REPO_NAME": "repo"}
    assert checkouts.this_repository(clone, placeholders) == ("kubeflow", "kubeflow")


def test_the_owner_and_the_name_of_the_remote(tmp_path: Path) -> None:
    clone = _clone(tmp_path / "work" / "clone", "https://github.com/kubeflow/pipelines.git")
    assert checkouts.this_repository(clone, {}) == ("kubeflow", "pipelines")


def test_else_the_directory_names(tmp_path: Path) -> None:
    clone = _clone(tmp_path / "kubeflow" / "examples", None)
    assert checkouts.this_repository(clone, {}) == ("kubeflow", "examples")


@pytest.mark.parametrize("beside", ["testing", "../kubeflow/testing"])
def test_other_repositories_beside_the_clone(tmp_path: Path, beside: str) -> None:
    clone = _clone(tmp_path / "src" / "me" / "kubeflow", "git@github.com:kubeflow/kubeflow.git")
    other = (clone.parent / beside).resolve()
    other.mkdir(parents=True)
    # A plain directory is not a checkout: prow_config.yaml cannot make it readable.
    assert checkouts.locate("kubeflow", "testing", clone, None, {}).path is None
    (other / ".git").mkdir()
    located = checkouts.locate("kubeflow", "testing", clone, None, {})
    assert located.path is not None and located.path.resolve() == other
    assert located.note(clone).startswith("kubeflow/testing: beside the clone (../")
    this = checkouts.locate("kubeflow", "kubeflow", clone, None, {})
    assert (this.path, this.how) == (clone, "this repository")


def test_the_repos_dir_comes_first_and_a_missing_checkout_says_how(tmp_path: Path) -> None:
    clone = _clone(tmp_path / "a" / "kubeflow", "git@github.com:kubeflow/kubeflow.git")
    missing = checkouts.locate("kubeflow", "testing", clone, None, {})
    assert missing.path is None
    hint = missing.missing_hint(clone)
    assert "../testing" in hint and "--repos-dir DIR" in hint and "repos_dir: DIR" in hint
    repos = tmp_path / "repos"
    (repos / "kubeflow" / "testing").mkdir(parents=True)  # the repos dir needs no .git
    (clone.parent / "testing" / ".git").mkdir(parents=True)
    found = checkouts.locate("kubeflow", "testing", clone, repos, {})
    assert (found.path, found.how) == (repos / "kubeflow" / "testing", "under the repos dir")


def test_a_component_in_a_neighbouring_checkout_compiles(tmp_path: Path) -> None:
    from compiler.evaluate import evaluate

    clone = _clone(tmp_path / "kubeflow" / "testing", "git@github.com:kubeflow/testing.git")
    _clone(tmp_path / "kubeflow" / "kubeflow", None)
    write_files(
        tmp_path / "kubeflow" / "kubeflow",
        {
            "testing/workflows/components/wf.jsonnet": """
                local util = import 'util.libsonnet';
                { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow',
                  metadata: { name: util.name }, spec: { entrypoint: 'a',
                  templates: [{ name: 'a', container: { image: 'alpine:3' } }] } }
            """,
            "testing/workflows/components/util.libsonnet": "{ name: 'from-kubeflow' }",
        },
    )
    entry = make_entry(app_dir="kubeflow/kubeflow/testing/workflows", component="wf")
    result = evaluate(make_request(clone, entry))
    assert result.diagnostics == []
    assert result.documents[0]["metadata"]["name"] == "from-kubeflow"
    other = make_entry(app_dir="kubeflow/website/testing/workflows", component="wf")
    [diagnostic] = evaluate(make_request(clone, other)).diagnostics
    assert diagnostic.rule == "component-missing"
    assert "the checkout of kubeflow/website is missing" in diagnostic.message


def test_split_seed_style_paths() -> None:
    assert checkouts.split("kubeflow/testing/py/kubeflow") == ("kubeflow", "testing", "py/kubeflow")
    assert checkouts.split("kubeflow/testing/py") == ("kubeflow", "testing", "py")
    # Only the owner and the repository must be names; the rest resolves inside the checkout.
    assert checkouts.split("kubeflow/testing/../x") == ("kubeflow", "testing", "../x")
    for path in ("kubeflow/testing", "/kubeflow/testing/py", "../testing/py", "kubeflow/../py"):
        assert checkouts.split(path) is None, path


def test_prow_needs_both_owner_and_name(tmp_path: Path) -> None:
    clone = _clone(tmp_path / "work" / "my-clone", "git@github.com:kubeflow/kubeflow.git")
    assert checkouts.this_repository(clone, {"REPO_OWNER": "other"}) == ("kubeflow", "kubeflow")
    assert checkouts.this_repository(clone, {"REPO_NAME": "other"}) == ("kubeflow", "kubeflow")


def test_a_checkout_in_gopath(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clone = _clone(tmp_path / "home" / "me" / "kubeflow", "git@github.com:kubeflow/kubeflow.git")
    gopath = tmp_path / "go"
    other = gopath / "src" / "github.com" / "kubeflow" / "testing"
    (other / ".git").mkdir(parents=True)
    # An empty GOPATH element is no directory (not the current one).
    monkeypatch.setenv("GOPATH", os.pathsep.join([str(tmp_path / "empty"), "", str(gopath)]))
    located = checkouts.locate("kubeflow", "testing", clone, None, {})
    assert (located.path, located.how) == (other, "in $GOPATH")
    assert located.tried == (
        clone.parent / "testing",
        tmp_path / "home" / "kubeflow" / "testing",
        tmp_path / "empty" / "src" / "github.com" / "kubeflow" / "testing",
        other,
    )
    # Far from the clone: shown absolute.
    assert located.note(clone) == f"kubeflow/testing: in $GOPATH ({other})"


def test_beside_the_clone_in_a_gopath_layout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GOPATH", raising=False)
    github = tmp_path / "src" / "github.com" / "kubeflow"
    clone = _clone(github / "kubeflow", "git@github.com:kubeflow/kubeflow.git")
    (github / "testing" / ".git").mkdir(parents=True)
    located = checkouts.locate("kubeflow", "testing", clone, None, {})
    assert located.note(clone) == "kubeflow/testing: beside the clone (../testing)"


def test_a_name_that_is_this_clone_is_not_found_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Prow says this is example/repo: kubeflow/kubeflow must not resolve to this clone itself.
    monkeypatch.delenv("GOPATH", raising=False)
    clone = _clone(tmp_path / "kubeflow" / "kubeflow", None)
    env = {"REPO_OWNER": "example", "REPO_NAME": "repo"}
    located = checkouts.locate("kubeflow", "kubeflow", clone, None, env)
    assert (located.path, located.tried) == (None, ())
    assert located.note(clone).startswith("kubeflow/kubeflow: not found (tried nowhere; clone it")


@pytest.mark.parametrize("owner", ["x" * 300, "nul\0byte"])
def test_names_no_filesystem_can_hold_are_not_found(tmp_path: Path, owner: str) -> None:
    clone = _clone(tmp_path / "a" / "kubeflow", "git@github.com:kubeflow/kubeflow.git")
    repos = tmp_path / "repos"
    repos.mkdir()
    located = checkouts.locate(owner, "testing", clone, repos, {})
    assert located.path is None and len(located.tried) == 3
