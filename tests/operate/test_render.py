from __future__ import annotations

import json

from compiler.operate.debug import summarize
from compiler.operate.render import render_json

from .builders import WF, failed_dag

APPLY = f"{WF}-2243590372"


def test_json_is_the_whole_summary() -> None:
    summary = summarize(failed_dag(), {})
    data = json.loads(render_json([summary]))
    [item] = data["workflows"]
    assert item["name"] == WF and item["phase"] == "Failed"
    assert item["failed"][0]["pod_name"] == APPLY
    assert item["failed"][0]["pod"]["found"] is False
    assert item["failed"][0]["logging_filter"].startswith('resource.type="k8s_container"')
    assert [n["display_name"] for n in item["nodes"]][:3] == [WF, "checkout", "kfctl-apply-gcp"]
