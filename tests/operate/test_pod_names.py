from __future__ import annotations

from typing import Any

from compiler.operate.pod_names import candidates, fnv32a, template_of, v2_name


def test_fnv32a_matches_argo() -> None:
    # The values of Argo's own pod-name tests (ui/src/shared/pod-name.test.ts).
    assert fnv32a("hello") == 1335831723
    assert fnv32a("world") == 933488787
    assert fnv32a("You cannot alter your fate. However, you can rise to meet it.") == 827171719
    assert fnv32a("こんにちは") == 486186189


def wf(annotation: str | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": "wfname"}
    if annotation:
        meta["annotations"] = {"workflows.argoproj.io/pod-name-format": annotation}
    return {"metadata": meta}


NODE = {"id": "wfname-123", "name": "wfname.step", "templateName": "templatename", "type": "Pod"}


def test_v2_name_is_workflow_template_hash() -> None:
    assert v2_name("wfname", NODE) == f"wfname-templatename-{fnv32a('wfname.step')}"


def test_v2_name_edge_cases() -> None:
    assert v2_name("wfname", {**NODE, "name": "wfname"}) == "wfname"
    assert v2_name("wfname", {"name": "wfname.x"}) == f"wfname-{fnv32a('wfname.x')}"
    # A containerSet container runs in the pod of its parent node.
    container = {**NODE, "name": "wfname.step.main", "type": "Container"}
    assert v2_name("wfname", container) == v2_name("wfname", NODE)
    long = v2_name("w" * 200, {**NODE, "templateName": "t" * 100})
    assert len(long) <= 253 and long.startswith("w" * 200 + "-" + "t" * 41 + "-")


def test_template_ref_names_the_template() -> None:
    assert template_of({"templateRef": {"name": "lib", "template": "build"}}) == "build"


def test_candidates_follow_the_annotation() -> None:
    v2 = v2_name("wfname", NODE)
    assert candidates(wf("v1"), NODE) == ["wfname-123"]
    assert candidates(wf("v2"), NODE) == [v2]
    assert candidates(wf(), NODE) == ["wfname-123", v2]
