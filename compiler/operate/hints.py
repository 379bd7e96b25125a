"""What a failure message usually means: the explanations the seed README gave, and the
usual culprits (image pulls, OOM kills, scheduling, deadlines) spelled out.

A hint is matched against everything known about a failed step: the node's message, the pod's
container state and the reasons and messages of the pod's events. Add a hint by appending to
``HINTS``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Hint:
    key: str
    pattern: re.Pattern[str]
    text: str


def _hint(key: str, pattern: str, text: str) -> Hint:
    return Hint(key, re.compile(pattern, re.IGNORECASE), text)


RED_HERRING = "red-herring"

HINTS: tuple[Hint, ...] = (
    _hint(
        RED_HERRING,
        r"failed to get container status|no such container",
        '"failed to get container status ... No such container" is a red herring: the pod '
        "is probably gone, so Argo could not fetch its logs. The step's real output is in "
        "Cloud Logging (filter below).",
    ),
    _hint(
        "pod-deleted",
        r"\bpod deleted\b|pod was deleted|\bevicted\b|\bpreempt",
        "The pod was deleted or evicted before the step finished (node drain, preemption, "
        "eviction under resource pressure, or someone deleted it); the step itself may be fine. "
        "Its events and logs, if any, are in Cloud Logging.",
    ),
    _hint(
        "oom-killed",
        r"oomkill|out of memory|exit code 137\b",
        "The container was killed for using more memory than its limit (exit code 137 is "
        "SIGKILL): raise resources.limits.memory for the step or make it use less.",
    ),
    _hint(
        "image-pull",
        r"errimagepull|imagepullbackoff|invalidimagename|failed to pull image|manifest unknown",
        "The step's image could not be pulled: check that the image and its tag exist and "
        "that the cluster may read the registry.",
    ),
    _hint(
        "unschedulable",
        r"failedscheduling|unschedulable|insufficient (cpu|memory)"
        r"|didn't match.*(selector|affinity)",
        "The pod could not be scheduled: no node had the requested CPU/memory, or none matched "
        "its node selector, affinity or tolerations.",
    ),
    _hint(
        "deadline",
        r"exceeded (its|the) deadline|activedeadlineseconds|deadlineexceeded",
        "The step ran out of time (activeDeadlineSeconds): it hung or needs a longer deadline.",
    ),
    _hint(
        "volume",
        r"failedmount|failedattachvolume|unable to attach or mount"
        r"|persistentvolumeclaim .* not found",
        "A volume could not be mounted: check that the PVC (e.g. the NFS claim) exists in the "
        "namespace and is bound.",
    ),
    _hint(
        "crash-loop",
        r"crashloopbackoff|back-off restarting failed container",
        "The container keeps crashing at start: its log below (or in Cloud Logging) says why.",
    ),
)

POD_GONE_TEXT = (
    "The pod no longer exists (garbage-collected or deleted), so its log and events cannot be "
    "read from the cluster: use the Cloud Logging filter below."
)


def matching(texts: Iterable[str]) -> list[Hint]:
    """The hints whose pattern occurs in any of ``texts``, in ``HINTS`` order."""
    blob = "\n".join(text for text in texts if text)
    return [hint for hint in HINTS if hint.pattern.search(blob)]
