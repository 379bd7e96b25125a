"""``kftest submit`` against the Kubernetes API stand-in."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from standins import WORKFLOWS
from standins.fixtures import CANARY_TOKEN, FAST, NAMESPACE, KubeEnv, kube  # noqa: F401

from compiler.cluster.ownership import MANAGED_BY_LABEL, MANAGED_BY_VALUE
from compiler.commands.submit import execute
from compiler.diagnostics import UsageError

Capsys = pytest.CaptureFixture[str]


def workflow(name: str, namespace: str | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "labels": {"workflow": name}}
    if namespace:
        meta["namespace"] = namespace
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": meta,
        "spec": {"entrypoint": "main", "templates": [{"name": "main"}]},
    }


def write(path: Path, *documents: dict[str, Any]) -> Path:
    # JSON is YAML: one document per "---".
    path.write_text("".join(f"---\n{json.dumps(d)}\n" for d in documents))
    return path


def submit(kube: KubeEnv, files: list[Path], **kwargs: Any) -> int:  # noqa: F811
    kwargs.setdefault("policy", FAST)
    return execute(files, environ=kube.env, **kwargs)


def test_creates_every_document(kube: KubeEnv, tmp_path: Path, capsys: Capsys) -> None:  # noqa: F811
    files = [
        write(tmp_path / "a.yaml", workflow("wf-a"), workflow("wf-b", namespace="other")),
        write(tmp_path / "c.yaml", workflow("wf-c")),
    ]
    assert submit(kube, files) == 0
    made = {(w["metadata"]["namespace"], w["metadata"]["name"]) for w in kube.api.workflows()}
    assert made == {(NAMESPACE, "wf-a"), ("other", "wf-b"), (NAMESPACE, "wf-c")}
    labels = kube.api.workflows()[0]["metadata"]["labels"]
    assert labels == {"workflow": labels["workflow"], MANAGED_BY_LABEL: MANAGED_BY_VALUE}
    out = capsys.readouterr().out
    assert f"workflow.argoproj.io/wf-a created in {NAMESPACE}" in out
    assert "workflow.argoproj.io/wf-b created in other" in out


def test_namespace_option_wins(kube: KubeEnv, tmp_path: Path) -> None:  # noqa: F811
    assert submit(kube, [write(tmp_path / "a.yaml", workflow("wf-n", "other"))], namespace="x") == 0
    assert [w["metadata"]["namespace"] for w in kube.api.workflows()] == ["x"]


def test_submitting_again(kube: KubeEnv, tmp_path: Path, capsys: Capsys) -> None:  # noqa: F811
    path = write(tmp_path / "a.yaml", workflow("wf-r"))
    assert submit(kube, [path]) == 0
    assert submit(kube, [path]) == 0
    assert "wf-r unchanged (already exists)" in capsys.readouterr().out
    changed = workflow("wf-r")
    changed["spec"]["entrypoint"] = "other"
    assert submit(kube, [write(tmp_path / "b.yaml", changed)]) == 1
    assert "already exists with a different spec" in capsys.readouterr().err
    assert kube.api.store.commits[(WORKFLOWS, NAMESPACE, "wf-r")] == 1


def test_dry_run(kube: KubeEnv, tmp_path: Path, capsys: Capsys) -> None:  # noqa: F811
    assert submit(kube, [write(tmp_path / "a.yaml", workflow("wf-d"))], dry_run=True) == 0
    assert "wf-d valid (server dry run)" in capsys.readouterr().out
    assert kube.api.workflows() == []
    assert submit(kube, [write(tmp_path / "b.yaml", workflow("Bad_Name"))], dry_run=True) == 1
    assert "HTTP 422" in capsys.readouterr().err


def test_wait(kube: KubeEnv, tmp_path: Path, capsys: Capsys) -> None:  # noqa: F811
    kube.api.controller.set_outcome("wf-bad", "Failed")
    good = write(tmp_path / "a.yaml", workflow("wf-good"))
    assert submit(kube, [good], wait=True) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[1].split()[0] for line in lines[1:]] == [
        "Pending",
        "Running",
        "Succeeded",
    ]
    assert submit(kube, [write(tmp_path / "b.yaml", workflow("wf-bad"))], wait=True) == 1
    assert "workflow wf-bad: Failed after" in capsys.readouterr().out


def test_wait_timeout(kube: KubeEnv, tmp_path: Path, capsys: Capsys) -> None:  # noqa: F811
    kube.api.controller.set_outcome("wf-slow", hang=True)
    path = write(tmp_path / "a.yaml", workflow("wf-slow"))
    assert submit(kube, [path], wait=True, timeout=0.5) == 1
    assert "workflow wf-slow: timed out" in capsys.readouterr().err


def test_bad_documents_are_named(kube: KubeEnv, tmp_path: Path, capsys: Capsys) -> None:  # noqa: F811
    broken = tmp_path / "broken.yaml"
    broken.write_text("metadata:\n  name: [unclosed\n")
    pod = write(tmp_path / "pod.yaml", {**workflow("p"), "kind": "Pod"}, workflow("wf-ok"))
    assert submit(kube, [broken, pod]) == 1
    err = capsys.readouterr().err
    assert f"{broken}:3:1: error [yaml-syntax]" in err
    assert f"{pod} (document 1): error [argo-schema] expected apiVersion" in err
    assert [w["metadata"]["name"] for w in kube.api.workflows()] == ["wf-ok"]


def test_usage_errors(kube: KubeEnv, tmp_path: Path) -> None:  # noqa: F811
    with pytest.raises(UsageError, match="no such file"):
        submit(kube, [tmp_path / "missing.yaml"])
    with pytest.raises(UsageError, match="cannot be combined"):
        submit(kube, [write(tmp_path / "a.yaml", workflow("x"))], dry_run=True, wait=True)


def test_cli(kube: KubeEnv, tmp_path: Path, kftest: Any) -> None:  # noqa: F811
    path = write(tmp_path / "a.yaml", workflow("wf-cli"))
    result = kftest("submit", str(path), "--wait", "--timeout", "30s", env=kube.env)
    assert result.code == 0, result.stderr
    assert "workflow wf-cli: Succeeded after" in result.stdout
    assert CANARY_TOKEN not in result.stdout + result.stderr
    dead = tmp_path / "dead"
    kube.api.kubeconfig(dead)
    dead.write_text(dead.read_text().replace(kube.api.url, "http://127.0.0.1:9"))
    result = kftest("submit", str(path), "--kubeconfig", str(dead), "--retry-timeout", "0.3")
    assert result.code == 3
    assert "giving up after" in result.stderr and "Traceback" not in result.stderr


def test_input_is_checked_before_credentials(tmp_path: Path, kftest: Any) -> None:
    config = tmp_path / "prow_config.yaml"
    config.write_text("workflows:\n  - name: a\n    app_dir: ci\n    component: a\n")
    configmap = tmp_path / "cm.yaml"
    configmap.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    broken = tmp_path / "broken.yaml"
    broken.write_text("kind: [\n")
    no_cluster = {"KUBECONFIG": "", "HOME": str(tmp_path), "KUBERNETES_SERVICE_HOST": ""}
    for path, words in [
        (config, "not a Kubernetes object: it has no apiVersion and kind (a prow_config.yaml?"),
        (configmap, "expected apiVersion argoproj.io/v1alpha1 and kind Workflow, got 'v1'"),
        (broken, "error [yaml-syntax]"),
    ]:
        result = kftest("submit", str(path), env=no_cluster)
        assert result.code == 1, (path, result.stderr)
        assert f"{path}" in result.stderr and words in result.stderr
        assert "credentials" not in result.stderr and "Traceback" not in result.stderr
