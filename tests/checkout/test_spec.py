"""What to check out, parsed before anything is fetched: every malformed spec is a usage error
naming where it came from."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from compiler.checkout.spec import (
    RepoSpec,
    from_prow,
    parse_depth,
    parse_item,
    parse_links,
    parse_list,
)
from compiler.diagnostics import UsageError

SHA = "0123456789abcdef0123456789abcdef01234567"


def test_items_of_both_forms():
    assert parse_list(f"kubeflow/testing@HEAD;kubeflow/kfctl@{SHA}:12", ";", "EXTRA_REPOS") == [
        RepoSpec("kubeflow", "testing", source="EXTRA_REPOS"),
        RepoSpec("kubeflow", "kfctl", sha=SHA, pr=12, source="EXTRA_REPOS"),
    ]
    assert [s.full_name for s in parse_list("a/b@HEAD,c/d.e@abcdef0", ",", "--repos")] == [
        "a/b",
        "c/d.e",
    ]
    assert parse_list("  ", ";", "EXTRA_REPOS") == []
    assert parse_item("Org/Repo@ABCDEF0", "x").sha == "abcdef0"


@pytest.mark.parametrize(
    ("text", "separator", "fragment"),
    [
        ("kubeflow/testing@HEAD,kubeflow/kfctl@HEAD", ";", "separated by `;`, not `,`"),
        ("kubeflow/testing@HEAD;;a/b@HEAD", ";", "empty item"),
        ("kubeflow/testing@HEAD;", ";", "empty item"),
        ("kubeflow/testing@master", ";", "'master' is neither a commit SHA nor HEAD"),
        ("kubeflow/testing", ";", "no @SHA"),
        ("testing@HEAD", ";", "'testing' is not ORG/NAME"),
        ("kubeflow/..@HEAD", ";", "is not ORG/NAME"),
        ("../../etc@HEAD", ";", "is not ORG/NAME"),
        ("kubeflow/testing@HEAD:abc", ";", "'abc' is not a pull request number"),
        ("kubeflow/testing@HEAD;x/y@HEAD", ",", "separated by `,`, not `;`"),
    ],
)
def test_malformed_items(text: str, separator: str, fragment: str):
    with pytest.raises(UsageError) as caught:
        parse_list(text, separator, "EXTRA_REPOS")
    assert fragment in str(caught.value) and str(caught.value).startswith("EXTRA_REPOS: ")


def test_links_and_depth():
    assert parse_links(("a/b=c/d,e/f=g",)) == [
        (PurePosixPath("a/b"), PurePosixPath("c/d")),
        (PurePosixPath("e/f"), PurePosixPath("g")),
    ]
    for bad in ("a/b", "a/b=", "/etc=x", "a=../x", "a=."):
        with pytest.raises(UsageError, match="--links"):
            parse_links((bad,))
    assert parse_depth("all") is None and parse_depth(None) is None and parse_depth("3") == 3
    for bad in ("0", "-1", "two", "1e3"):
        with pytest.raises(UsageError, match="--depth"):
            parse_depth(bad)


PR = {"REPO_OWNER": "kubeflow", "REPO_NAME": "kftest"}


def test_the_repository_under_test_for_each_job_type():
    presubmit = {**PR, "JOB_TYPE": "presubmit", "PULL_NUMBER": "7", "PULL_PULL_SHA": SHA,
                 "PULL_BASE_REF": "main"}  # fmt: skip
    assert from_prow(presubmit) == RepoSpec(
        "kubeflow", "kftest", sha=SHA, pr=7, base_ref="main", source="presubmit"
    )
    postsubmit = {**PR, "JOB_TYPE": "postsubmit", "PULL_BASE_SHA": SHA, "PULL_BASE_REF": "main"}
    assert from_prow(postsubmit) == RepoSpec(
        "kubeflow", "kftest", sha=SHA, base_ref="main", source="postsubmit"
    )
    periodic = {**PR, "JOB_TYPE": "periodic", "BRANCH_NAME": "release-1.0"}
    assert from_prow(periodic).branch == "release-1.0"
    assert from_prow({**PR, "JOB_TYPE": "periodic"}) == RepoSpec(
        "kubeflow", "kftest", source="periodic"
    )
    batch = {**PR, "JOB_TYPE": "batch", "PULL_REFS": f"main:{SHA},1:abcdef1,22:abcdef2"}
    spec = from_prow(batch)
    assert (spec.base_ref, spec.sha, spec.merges) == (
        "main",
        SHA,
        ((1, "abcdef1"), (22, "abcdef2")),
    )
    # A workflow's checkout step has no PULL_REFS (prow_env does not carry it): the base.
    assert from_prow({**PR, "JOB_TYPE": "batch", "PULL_BASE_SHA": SHA}).sha == SHA
    # No JOB_TYPE: checkout.sh's order (PULL_NUMBER, BRANCH_NAME, PULL_BASE_SHA).
    assert from_prow({**PR, "PULL_NUMBER": "3"}).pr == 3
    assert from_prow({**PR, "BRANCH_NAME": "b", "PULL_BASE_SHA": SHA}).branch == "b"
    assert from_prow({**PR, "PULL_BASE_SHA": SHA}).sha == SHA
    assert from_prow({}) is None
    # --job-type overrides JOB_TYPE.
    assert from_prow({**presubmit, "PULL_BASE_SHA": SHA}, "postsubmit").pr is None


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"REPO_OWNER": "kubeflow"}, "REPO_OWNER and REPO_NAME must both be set"),
        ({**PR, "REPO_NAME": "../x"}, "is not ORG/NAME"),
        ({**PR, "JOB_TYPE": "presubmit"}, "a presubmit job needs PULL_NUMBER"),
        ({**PR, "JOB_TYPE": "presubmit", "PULL_NUMBER": "7; rm -rf /"}, "PULL_NUMBER="),
        (
            {**PR, "JOB_TYPE": "presubmit", "PULL_NUMBER": "7", "PULL_PULL_SHA": "main"},
            "PULL_PULL_SHA=",
        ),
        ({**PR, "JOB_TYPE": "postsubmit"}, "a postsubmit job needs PULL_BASE_SHA"),
        ({**PR, "JOB_TYPE": "periodic", "BRANCH_NAME": "-x"}, "BRANCH_NAME="),
        ({**PR, "JOB_TYPE": "periodic", "BRANCH_NAME": "a..b"}, "BRANCH_NAME="),
        ({**PR, "JOB_TYPE": "batch", "PULL_REFS": "main"}, "PULL_REFS="),
        ({**PR, "JOB_TYPE": "batch", "PULL_REFS": f"main:{SHA},x:abcdef1"}, "PULL_REFS="),
        ({**PR, "JOB_TYPE": "nightly"}, "JOB_TYPE='nightly'"),
    ],
)
def test_a_malformed_prow_environment(env: dict[str, str], fragment: str):
    with pytest.raises(UsageError) as caught:
        from_prow(env)
    assert fragment in str(caught.value)
