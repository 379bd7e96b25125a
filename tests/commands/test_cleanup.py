"""``kftest cleanup`` end to end, against the Kubernetes API stand-in."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from operate.builders import Outcome, invoke, put_workflow
from standins import fixtures as standin
from standins.fixtures import CANARY_TOKEN, KubeEnv
from standins.gcs import free_port

from compiler.cluster.ownership import MANAGED_BY_LABEL, MANAGED_BY_VALUE

REPO_ROOT = Path(__file__).resolve().parents[2]

# The stand-in's fixture, made visible to this module's tests.
kube = standin.kube
Capsys = pytest.CaptureFixture[str]
MonkeyPatch = pytest.MonkeyPatch


def add(kube: KubeEnv, name: str, days: float, *, ours: bool = True) -> None:
    started = datetime.now(timezone.utc) - timedelta(days=days)
    put_workflow(
        kube,
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Workflow",
            "metadata": {
                "name": name,
                "labels": {MANAGED_BY_LABEL: MANAGED_BY_VALUE} if ours else {"team": "x"},
            },
            "spec": {},
            "status": {"phase": "Failed", "startedAt": started.strftime("%Y-%m-%dT%H:%M:%SZ")},
        },
    )


@pytest.fixture
def leaked(kube: KubeEnv) -> KubeEnv:
    for index in range(5):
        add(kube, f"old-{index}", 8 + index)
    add(kube, "fresh", 0.5)
    add(kube, "not-ours", 30, ours=False)
    return kube


def cleanup(capsys: Capsys, monkeypatch: MonkeyPatch, kube: KubeEnv, *args: str) -> Outcome:
    return invoke(capsys, monkeypatch, "cleanup", "--kubeconfig", str(kube.kubeconfig), *args)


def remaining(kube: KubeEnv) -> list[str]:
    return sorted(w["metadata"]["name"] for w in kube.api.workflows())


def test_dry_run_by_default(leaked: KubeEnv, kftest: Callable[..., object]) -> None:
    """The real entry point in a subprocess: lists, deletes nothing."""
    result = kftest("cleanup", "--older-than", "168h", "--page-size", "2",
                    "--kubeconfig", str(leaked.kubeconfig))  # fmt: skip
    out = result.stdout  # type: ignore[attr-defined]
    assert result.code == 0, result.stderr  # type: ignore[attr-defined]
    assert out.splitlines()[0] == (  # every kind by default: workflows and PipelineRuns
        "Looking for workflows in namespace kubeflow-test-infra with labels "
        "app.kubernetes.io/managed-by=kftest; pipelineruns in namespace kubeflow-test-infra "
        "with labels app.kubernetes.io/managed-by=kftest older than 7d:"
    )
    listed = [line.split()[3] for line in out.splitlines() if line.startswith("  would delete")]
    assert listed == [f"kubeflow-test-infra/old-{i}" for i in (4, 3, 2, 1, 0)]
    assert "5 of 6 older than 7d." in out
    assert "Dry run: nothing was deleted. Add --yes to delete them." in out
    assert len(remaining(leaked)) == 7
    assert leaked.api.count("DELETE") == 0
    assert CANARY_TOKEN not in out + result.stderr  # type: ignore[attr-defined]
    assert "listing" not in result.stderr  # type: ignore[attr-defined]  # not a terminal


def test_yes_deletes_across_pages_and_survives_a_failure(
    capsys: Capsys, monkeypatch: MonkeyPatch, leaked: KubeEnv
) -> None:
    leaked.api.faults.add("delete", "403")  # the oldest is refused
    result = cleanup(capsys, monkeypatch, leaked, "--older-than", "7d", "--page-size", "2", "--yes")
    assert result.code == 1
    assert "FAILED       workflow kubeflow-test-infra/old-4" in result.stdout
    assert "HTTP 403 Forbidden: injected fault" in result.stdout
    assert result.stdout.count("  deleted      workflow") == 4
    assert "Deleted 4, 1 failed." in result.stdout
    assert remaining(leaked) == ["fresh", "not-ours", "old-4"]
    lists = [r for r in leaked.api.requests if r.verb == "list" and r.path.endswith("/workflows")]
    assert len(lists) == 3 and all("limit=2" in r.query for r in lists)


def test_json_selector_and_all_namespaces(
    capsys: Capsys, monkeypatch: MonkeyPatch, leaked: KubeEnv
) -> None:
    result = cleanup(capsys, monkeypatch, leaked, "--older-than", "20d", "--selector", "",
                     "-A", "--format", "json", "--yes")  # fmt: skip
    assert result.code == 0, result.stderr
    report = json.loads(result.stdout)
    assert [(r["name"], r["status"]) for r in report["resources"]] == [("not-ours", "deleted")]
    assert report["scopes"] == [
        {"kind": "workflows", "scope": "in all namespaces with any labels"},
        {"kind": "pipelineruns", "scope": "in all namespaces with any labels"},
    ]
    assert (report["scanned"], report["deleted"], report["dry_run"]) == (7, 1, False)
    assert "not-ours" not in remaining(leaked)


def test_unreachable_cluster(
    capsys: Capsys, monkeypatch: MonkeyPatch, kube: KubeEnv, tmp_path: Path
) -> None:
    config = json.loads(kube.kubeconfig.read_text())
    config["clusters"][0]["cluster"]["server"] = f"http://127.0.0.1:{free_port()}"
    down = tmp_path / "down.json"
    down.write_text(json.dumps(config))
    result = invoke(capsys, monkeypatch, "cleanup", "--older-than", "1h", "--yes",
                    "--kubeconfig", str(down), "--retry-timeout", "0.3")  # fmt: skip
    assert result.code == 3
    assert "list workflows in namespace kubeflow-test-infra: giving up" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--older-than", "a week"), "'--older-than': 'a week' is not a duration"),
        (("--older-than", "168"), "'--older-than': '168' is not a duration here: give a unit"),
        (("--older-than", "1h", "--kind", "disks"), "--kind disks: unknown"),
        (("--older-than", "1h", "--page-size", "0"), "--page-size 0"),
    ],
)
def test_usage_errors(
    capsys: Capsys, monkeypatch: MonkeyPatch, kube: KubeEnv, args: tuple[str, ...], message: str
) -> None:
    result = cleanup(capsys, monkeypatch, kube, *args)
    assert result.code == 2 and message in result.stderr
    assert kube.api.requests == []


def test_listing_progress_on_a_terminal_only(leaked: KubeEnv, tmp_path: Path) -> None:
    """stderr a terminal: a count rewritten in place while the pages come, erased at the end."""
    master, slave = pty.openpty()
    args = ["cleanup", "--older-than", "7d", "--page-size", "2",
            "--kubeconfig", str(leaked.kubeconfig)]  # fmt: skip
    process = subprocess.run(
        [sys.executable, "-m", "compiler", *args],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=slave, text=True, timeout=60, check=False,
    )  # fmt: skip
    os.close(slave)
    shown = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(master)
    assert process.returncode == 0
    terminal = shown.decode()
    scope = "in namespace kubeflow-test-infra with labels app.kubernetes.io/managed-by=kftest"
    assert f"\r\x1b[Klisting workflows {scope}: 1 so far" in terminal
    assert terminal.endswith("\r\x1b[K")  # erased before the results
    assert "listing" not in process.stdout and "5 of 6 older than 7d." in process.stdout
