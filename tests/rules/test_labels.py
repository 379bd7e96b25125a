from __future__ import annotations

from typing import Any

import pytest

from compiler.model import CompiledWorkflow
from compiler.prow import ProwEnv

from .helpers import Compiled, found, lib_document, variant


def _labels(**labels: Any) -> Any:
    def change(document: dict[str, Any]) -> None:
        document["metadata"]["labels"] = labels

    return change


def test_presubmit_labels_carry_the_pull_request() -> None:
    compiled = lib_document("presubmit")
    assert compiled.workflow.document["metadata"]["labels"] == {
        "org": "local",
        "repo": "repo",
        "pr": "1",
        "workflow": "unittests",
    }
    assert found(compiled, "labels") == []
    wrong = variant(compiled, _labels(org="local", repo="repo", pr="2", workflow="unittests"))
    [diagnostic] = found(wrong, "labels")
    assert diagnostic.path == "metadata.labels.pr"
    assert "Prow's PULL_NUMBER is '1'" in diagnostic.message


@pytest.mark.parametrize("job_type", ["postsubmit", "periodic"])
def test_other_job_types_have_no_pr_or_notset(job_type: str) -> None:
    compiled = lib_document(job_type)
    assert "pr" not in compiled.workflow.document["metadata"]["labels"]
    notset = variant(compiled, _labels(org="local", repo="repo", pr="notset", workflow="t"))
    assert found(notset, "labels") == []
    numbered = variant(compiled, _labels(org="local", repo="repo", pr="12", workflow="t"))
    [diagnostic] = found(numbered, "labels")
    assert f"on a {job_type} job" in diagnostic.message


def test_notset_is_accepted_only_where_prow_did_not_set_the_variable() -> None:
    base = lib_document("periodic")
    document = dict(base.workflow.document)
    document["metadata"] = {**document["metadata"], "labels": {"org": "notset", "repo": "repo"}}
    env = ProwEnv("periodic", {"REPO_NAME": "repo", "JOB_TYPE": "periodic"})
    workflow = CompiledWorkflow(
        entry=base.workflow.entry,
        job_type="periodic",
        name="n",
        document=document,
        source="c.jsonnet",
        params=base.workflow.params,
    )
    messages = [
        d.message for d in Compiled(workflow, env, base.config).lint() if d.rule == "labels"
    ]
    assert len(messages) == 1 and "`workflow` is missing" in messages[0]
    with_owner = Compiled(
        workflow, ProwEnv("periodic", {**env.values, "REPO_OWNER": "o"}), base.config
    )
    assert any("Prow's REPO_OWNER is 'o'" in d.message for d in found(with_owner, "labels"))


@pytest.mark.parametrize(
    ("labels", "fragment"),
    [
        ({"org": "local", "repo": "repo", "pr": "1"}, "`workflow` is missing"),
        ({"org": "local", "repo": "repo", "pr": "1", "workflow": ""}, "missing or empty"),
        ({"repo": "repo", "pr": "1", "workflow": "t"}, "label `org` is missing"),
        ({"org": "local", "repo": "repo", "pr": 1, "workflow": "t"}, "must be strings"),
        ({"org": "local", "repo": "repo", "pr": "1", "workflow": "x" * 64}, "not a valid"),
        ({"org": "local", "repo": "repo", "pr": "1", "workflow": "-t"}, "not a valid"),
        ({"org": "local", "repo": "repo", "pr": "1", "workflow": "t", "a b": "c"}, "label name"),
        ({"org": "local", "repo": "repo", "pr": "1", "workflow": "t", "Ex.com/k": "c"}, "prefix"),
    ],
)
def test_bad_labels(labels: dict[str, Any], fragment: str) -> None:
    compiled = variant(lib_document("presubmit"), _labels(**labels))
    messages = [d.message for d in found(compiled, "labels")]
    assert any(fragment in message for message in messages), messages


def test_valid_prefixed_keys_and_63_characters_pass() -> None:
    labels = {
        "org": "local",
        "repo": "repo",
        "pr": "1",
        "workflow": "w" * 63,
        "kftest.io/step": "a",
    }
    assert found(variant(lib_document(), _labels(**labels)), "labels") == []


def test_template_and_pod_labels_are_checked_too() -> None:
    def change(document: dict[str, Any]) -> None:
        document["spec"]["podMetadata"] = {"labels": {"url": "http://x"}}
        document["spec"]["templates"][3]["metadata"] = {"labels": {"step": "a" * 70}}

    paths = sorted(d.path or "" for d in found(variant(lib_document(), change), "labels"))
    assert paths == ["spec.podMetadata.labels.url", "spec.templates[3].metadata.labels.step"]


@pytest.mark.parametrize("labels", [["org", "repo"], "org=kubeflow", 3])
def test_labels_that_are_not_a_mapping_are_one_clear_problem(labels: Any) -> None:
    def change(document: dict[str, Any]) -> None:
        document["metadata"]["labels"] = labels

    diagnostics = found(variant(lib_document("presubmit"), change), "labels")
    assert [d.path for d in diagnostics if "must be a mapping" in d.message] == ["metadata.labels"]


def test_a_pr_label_matching_prow_is_fine_on_any_job_type() -> None:
    """A postsubmit or periodic run that Prow gave a PULL_NUMBER may carry it as `pr`."""
    base = lib_document("postsubmit")
    labels = {"org": "local", "repo": "repo", "pr": "12", "workflow": "t"}
    compiled = variant(base, _labels(**labels))
    env = ProwEnv("postsubmit", {**compiled.env.values, "PULL_NUMBER": "12"})
    assert found(Compiled(compiled.workflow, env, compiled.config), "labels") == []
    other = variant(base, _labels(**{**labels, "pr": "13"}))
    [diagnostic] = found(Compiled(other.workflow, env, other.config), "labels")
    assert diagnostic.path == "metadata.labels.pr" and "on a postsubmit job" in diagnostic.message


@pytest.mark.parametrize(
    ("key", "valid"),
    [
        ("n" * 63, True),
        ("n" * 64, False),
        ("a" * 253 + "/name", True),
        ("a" * 254 + "/name", False),
        ("kftest.io/" + "n" * 63, True),
        ("kftest.io/" + "n" * 64, False),
        ("kftest.io/", False),
    ],
)
def test_label_name_length_limits_are_kubernetes_own(key: str, valid: bool) -> None:
    labels = {"org": "local", "repo": "repo", "pr": "1", "workflow": "t", key: "v"}
    diagnostics = found(variant(lib_document("presubmit"), _labels(**labels)), "labels")
    assert (diagnostics == []) is valid, [d.message for d in diagnostics]
