"""A failed workflow's summary (``debug.summarize``) as people and scripts read it: the text
``kftest debug`` and ``kftest run``'s build log print, and ``--format json``."""

from __future__ import annotations

import json

from compiler.durations import format_duration
from compiler.operate.debug import PodInfo, Summary


def render_json(summaries: list[Summary]) -> str:
    """``{"workflows": [...]}``, one object per workflow (the ``--format json`` output)."""
    return json.dumps({"workflows": [summary.to_dict() for summary in summaries]}, indent=2)


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def render_text(summary: Summary) -> str:
    """The human summary: header, node tree with failed nodes marked ``X``, then each failed
    step with its pod, exit code, hints, events, log tail and Cloud Logging query."""
    out: list[str] = []
    where = f" in namespace {summary.namespace}" if summary.namespace else ""
    out.append(f"{summary.kind} {summary.name}{where}")
    if summary.source:
        out.append(f"  source:   {summary.source}")
    phase = summary.phase + (f": {summary.message}" if summary.message else "")
    out.append(f"  phase:    {phase}")
    timing = f"  started:  {summary.started_at or '-'}"
    if summary.finished_at:
        timing += f"   finished: {summary.finished_at}"
    out.append(timing + f"   duration: {format_duration(summary.duration)}")
    out += [f"  note:     {note}" for note in summary.notes]
    if summary.nodes:
        heading = "TaskRuns" if summary.kind == "PipelineRun" else "Steps"
        out += ["", f"{heading} (X = failed):"]
        labels = ["  " * line.depth + line.display_name for line in summary.nodes]
        width = min(max(len(label) for label in labels), 56)
        for line, label in zip(summary.nodes, labels, strict=True):
            mark = "X" if line.failed else " "
            state = line.phase + (" (retried)" if line.retried else "")
            row = (
                f"{mark} {_clip(label, width):<{width}}  {line.type:<9} {state:<10} "
                f"{format_duration(line.duration):>6}"
            )
            if line.failed and line.message:
                row += f"  {_clip(line.message, 60)}"
            out.append(row.rstrip())
    for index, step in enumerate(summary.failed, 1):
        out += ["", f"Failed step {index} of {len(summary.failed)}: {step.display_name}"]
        out.append(f"  template:   {step.template or '-'}")
        out.append(f"  node:       {step.node_name} (id {step.node_id})")
        if step.pod_name:
            pod = step.pod_name
            if step.pod is not None:
                pod += " (still exists)" if step.pod.found else " (gone)"
            elif len(step.pod_name_candidates) > 1:
                pod += f" (or {', '.join(step.pod_name_candidates[1:])} with Argo v3 pod names)"
            out.append(f"  pod:        {pod}")
        out.append(f"  phase:      {step.phase}")
        out.append(f"  exit code:  {step.exit_code if step.exit_code is not None else '-'}")
        out.append(f"  message:    {step.message or '-'}")
        container = step.pod.container if step.pod else None
        # "Error" says nothing the exit code does not; OOMKilled, ImagePullBackOff... do.
        if container and ((container.reason or "Error") != "Error" or container.restarts):
            extra = f", {container.restarts} restarts" if container.restarts else ""
            out.append(f"  container:  main {container.reason or ''}{extra}".rstrip())
        out += [f"  why:        {text}" for text in step.hints]
        if step.pod is not None and step.pod.found:
            out += _render_pod(step.pod)
        if step.logging_filter:
            whose = "the main container" if summary.kind == "Workflow" else "the step"
            out.append(f"  Cloud Logging query ({whose}'s log, also after the pod is gone):")
            out += [f"    {line}" for line in step.logging_filter.splitlines()]
            if step.logging_url:
                out.append(f"    {step.logging_url}")
    return "\n".join(out)


def _render_pod(pod: PodInfo) -> list[str]:
    out: list[str] = []
    if pod.events:
        out.append("  events:")
        for event in pod.events:
            count = f" (x{event.count})" if event.count > 1 else ""
            out.append(
                f"    {event.time or '-':<20} {event.type:<7} {event.reason}{count}: "
                f"{_clip(event.message, 100)}"
            )
    elif pod.events_error:
        out.append(f"  events:     could not be read: {pod.events_error}")
    else:
        out.append("  events:     none left (the cluster keeps events for about an hour)")
    if pod.log_error:
        out.append(f"  log:        could not be read: {pod.log_error}")
    elif pod.log_tail:
        out.append(f"  log (last {len(pod.log_tail)} lines of container {pod.container_name}):")
        out += [f"    | {line}" for line in pod.log_tail]
    else:
        out.append("  log:        empty")
    return out
