from __future__ import annotations

from standins import WORKFLOWS
from standins.fixtures import KubeEnv

from compiler.cluster.kube import KubeSession
from compiler.submit.batch import MultiWaiter
from compiler.submit.create import prepare

from .conftest import FAST, workflow


def test_one_watch_per_namespace(kube: KubeEnv, session: KubeSession) -> None:
    kube.api.controller.set_outcome("wf-b", "Error")
    bodies = [prepare(workflow("wf-a"), "team-a"), prepare(workflow("wf-b"), "team-b")]
    for body in bodies:
        kube.api.store.create(WORKFLOWS, body["metadata"]["namespace"], body)
    result = MultiWaiter(session, bodies, timeout=10, policy=FAST).run()
    assert result.phases == {"wf-a": "Succeeded", "wf-b": "Error"}
    watched = sorted(r.path for r in kube.api.requests if r.verb == "watch")
    assert [path.split("/")[5] for path in watched] == ["team-a", "team-b"]
    assert all("managed-by" in r.query for r in kube.api.requests if r.verb == "watch")
