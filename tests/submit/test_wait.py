from __future__ import annotations

import threading
import time
from urllib.parse import parse_qs

import pytest
from standins import WORKFLOWS
from standins.fixtures import NAMESPACE, KubeEnv, wait_until

from compiler.cluster.kube import KubeSession
from compiler.diagnostics import InfraError
from compiler.submit import wait
from compiler.submit.wait import Change, Waiter, common_label_selector

from .conftest import FAST, IMPATIENT, workflow


def submit(kube: KubeEnv, *names: str) -> list[str]:
    for name in names:
        kube.api.store.create(WORKFLOWS, NAMESPACE, workflow(name))
    return list(names)


def waiter(session: KubeSession, names: list[str], **kwargs: object) -> Waiter:
    kwargs.setdefault("timeout", 10.0)
    kwargs.setdefault("policy", FAST)
    kwargs.setdefault("label_selector", "org=kubeflow,repo=testing")
    return Waiter(session, NAMESPACE, names, **kwargs)  # type: ignore[arg-type]


def queries(kube: KubeEnv, verb: str) -> list[dict[str, list[str]]]:
    return [parse_qs(r.query) for r in kube.api.requests if r.verb == verb]


def test_reports_each_phase_change(kube: KubeEnv, session: KubeSession) -> None:
    kube.api.controller.step = 0.15
    kube.api.controller.set_outcome("bad", "Failed", failed_nodes=2)
    names = submit(kube, "wf-ok", "wf-bad")
    changes: list[Change] = []
    result = waiter(session, names, on_change=changes.append).run()
    assert result.phases == {"wf-ok": "Succeeded", "wf-bad": "Failed"}
    assert result.timed_out == []
    by_name = {name: [c.phase for c in changes if c.name == name] for name in names}
    assert by_name == {name: ["Pending", "Running", result.phases[name]] for name in names}
    failed = next(c for c in changes if c.phase == "Failed")
    assert failed.failed_nodes == 2
    assert failed.line().startswith("workflow wf-bad: Failed after ")
    assert failed.line().endswith("(2 failed nodes)")
    assert [c.elapsed for c in changes] == sorted(c.elapsed for c in changes)
    assert result.objects["wf-bad"]["status"]["nodes"]  # the final object, with status


def test_error_is_terminal(kube: KubeEnv, session: KubeSession) -> None:
    kube.api.controller.set_outcome("wf-err", "Error")
    started = time.monotonic()
    result = waiter(session, submit(kube, "wf-err"), timeout=30).run()
    assert result.phases == {"wf-err": "Error"}
    assert time.monotonic() - started < 5


def test_timeout_leaves_the_running_ones(kube: KubeEnv, session: KubeSession) -> None:
    kube.api.controller.set_outcome("wf-hang", hang=True)
    result = waiter(session, submit(kube, "wf-hang", "wf-done"), timeout=1.0).run()
    assert result.timed_out == ["wf-hang"]
    assert result.phases == {"wf-hang": "Running", "wf-done": "Succeeded"}


def test_watch_not_polling(kube: KubeEnv, session: KubeSession) -> None:
    kube.api.controller.step = 0.1
    waiter(session, submit(kube, "wf-w1", "wf-w2")).run()
    assert len(queries(kube, "list")) == 1
    watches = queries(kube, "watch")
    assert watches and all(q["resourceVersion"] != ["0"] for q in watches)
    assert watches[0]["labelSelector"] == ["org=kubeflow,repo=testing"]


def test_single_workflow_watch_uses_a_field_selector(kube: KubeEnv, session: KubeSession) -> None:
    waiter(session, submit(kube, "wf-one"), label_selector=None).run()
    assert queries(kube, "watch")[0]["fieldSelector"] == ["metadata.name=wf-one"]


def test_dropped_watch_resumes_from_last_version(kube: KubeEnv, session: KubeSession) -> None:
    kube.api.controller.step = 0.1
    kube.api.faults.add("watch", "drop", after_events=1, times=2)
    result = waiter(session, submit(kube, "wf-d1", "wf-d2")).run()
    assert set(result.phases.values()) == {"Succeeded"}
    assert kube.api.faults.count("watch", "drop") == 2
    assert len(queries(kube, "list")) == 1  # resumed, no relist needed
    versions = [int(q["resourceVersion"][0]) for q in queries(kube, "watch")]
    assert versions == sorted(versions) and versions[-1] > versions[0]


def test_gone_relists(kube: KubeEnv, session: KubeSession) -> None:
    kube.api.faults.add("watch", "gone")
    result = waiter(session, submit(kube, "wf-g")).run()
    assert result.phases == {"wf-g": "Succeeded"}
    assert len(queries(kube, "list")) == 2


def test_compacted_history_relists(kube: KubeEnv, session: KubeSession) -> None:
    kube.api.controller.step = 0.1
    kube.api.store.history_limit = 1  # every older resourceVersion is gone at once
    result = waiter(session, submit(kube, "wf-c1", "wf-c2")).run()
    assert set(result.phases.values()) == {"Succeeded"}
    assert len(queries(kube, "list")) >= 2


def test_resync_repairs_a_silent_watch(kube: KubeEnv, session: KubeSession) -> None:
    kube.api.faults.add("watch", "mute", times=1000)
    result = waiter(session, submit(kube, "wf-m"), resync=0.3).run()
    assert result.phases == {"wf-m": "Succeeded"}
    assert len(queries(kube, "list")) >= 2


def test_lists_page_by_page(
    kube: KubeEnv, session: KubeSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wait, "LIST_PAGE", 2)
    names = submit(kube, *(f"wf-p{i}" for i in range(5)))
    result = waiter(session, names).run()
    assert set(result.phases.values()) == {"Succeeded"}
    lists = queries(kube, "list")
    assert [q.get("limit") for q in lists[:3]] == [["2"]] * 3
    assert "continue" not in lists[0] and "continue" in lists[1]


def test_deleted_while_waiting(kube: KubeEnv, session: KubeSession) -> None:
    kube.api.controller.set_outcome("wf-del", hang=True)
    names = submit(kube, "wf-del")

    def delete_when_running() -> None:
        wait_until(
            lambda: kube.api.controller.phase_of(NAMESPACE, "wf-del") == "Running", "Running"
        )
        kube.api.store.delete(WORKFLOWS, NAMESPACE, "wf-del")

    threading.Thread(target=delete_when_running, daemon=True).start()
    result = waiter(session, names).run()
    assert result.phases == {"wf-del": wait.DELETED}
    assert result.timed_out == []


FAULTS = [("watch", "500"), ("watch", "reset"), ("list", "500"), ("list", "429"), ("list", "reset")]


@pytest.mark.parametrize(("verb", "action"), FAULTS)
def test_api_faults_are_retried(
    kube: KubeEnv, session: KubeSession, verb: str, action: str
) -> None:
    kube.api.faults.add(verb, action, times=2)
    result = waiter(session, submit(kube, "wf-f")).run()
    assert result.phases == {"wf-f": "Succeeded"}
    assert kube.api.faults.count(verb, action) == 2


def test_expired_token_during_the_wait(kube: KubeEnv, session: KubeSession) -> None:
    kube.api.controller.set_outcome("wf-t", step=0.2)
    names = submit(kube, "wf-t")
    kube.rotate_token("refreshed-token-0001")
    result = waiter(session, names).run()
    assert result.phases == {"wf-t": "Succeeded"}
    assert kube.api.count("GET", status=401) >= 1


def test_cluster_gone_during_the_wait(kube: KubeEnv, session: KubeSession) -> None:
    kube.api.controller.set_outcome("wf-x", hang=True)
    names = submit(kube, "wf-x")
    threading.Timer(0.3, kube.api.stop).start()
    with pytest.raises(InfraError, match="watch workflows"):
        waiter(session, names, policy=IMPATIENT).run()


def test_interrupt_stops_a_blocked_watch(kube: KubeEnv, session: KubeSession) -> None:
    kube.api.controller.set_outcome("wf-i", hang=True)
    blocked = waiter(session, submit(kube, "wf-i"), timeout=60)
    threading.Timer(0.3, blocked.interrupt).start()
    started = time.monotonic()
    result = blocked.run()
    assert time.monotonic() - started < 3
    assert result.stopped and result.timed_out == []
    assert result.pending() == ["wf-i"]


def test_common_label_selector() -> None:
    a = workflow("a", pr="12", workflow="unit")
    b = workflow("b", pr="12", workflow="e2e")
    assert common_label_selector([a, b]) == "org=kubeflow,pr=12,repo=testing"
    assert common_label_selector([a, {"metadata": {}}]) is None
    assert common_label_selector([]) is None


def test_bookmarks_advance_the_resume_version(kube: KubeEnv, session: KubeSession) -> None:
    kube.api.bookmark_interval = 0.05
    kube.api.controller.set_outcome("wf-b", hang=True)
    blocked = waiter(session, submit(kube, "wf-b"), timeout=1.5)

    def unrelated_writes() -> None:
        wait_until(lambda: kube.api.controller.phase_of(NAMESPACE, "wf-b") == "Running", "Running")
        for i in range(3):
            kube.api.store.create(WORKFLOWS, "elsewhere", workflow(f"other-{i}"))

    writer = threading.Thread(target=unrelated_writes)
    writer.start()
    blocked.run()
    writer.join()
    # No watched workflow changed after Running, yet the resume point moved past the others.
    running_version = int(blocked.objects["wf-b"]["metadata"]["resourceVersion"])
    assert int(blocked.resource_version or 0) > running_version + 3
