"""Which repository this is, and where the others a seed-era prow_config.yaml names are."""

from __future__ import annotations

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
