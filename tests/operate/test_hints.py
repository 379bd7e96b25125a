from __future__ import annotations

from compiler.operate.hints import RED_HERRING, matching


def keys(*texts: str) -> list[str]:
    return [hint.key for hint in matching(texts)]


def test_usual_culprits() -> None:
    assert keys("ImagePullBackOff: Back-off pulling image x:1") == ["image-pull"]
    assert keys("OOMKilled") == ["oom-killed"]
    assert keys("FailedScheduling: 0/3 nodes are available: 3 Insufficient cpu.") == [
        "unschedulable"
    ]
    assert keys("Step exceeded its deadline") == ["deadline"]
    assert keys("failed to get container status {...}: No such container: b84b") == [RED_HERRING]


def test_nothing_for_an_ordinary_failure() -> None:
    assert keys("failed with exit code 1", "") == []
