"""The run report as one self-contained HTML page.

Inline CSS and SVG only: nothing is fetched when the page is opened (a Content-Security-Policy
forbids it besides), no script runs, and ``<details>`` does the folding.

Spyglass's HTML lens shows the page in a sandboxed ``<iframe srcdoc>``, wrapped in a ``<div>``
followed by a script of its own that reports the page's height to Deck. There the page's
``<meta>`` lands in the body, where browsers ignore a Content-Security-Policy, so the lens's
script runs; heights are in pixels, never in ``vh`` (the iframe is as tall as its content), and
links open a new tab. Every text that came
from a workflow, a pod or a junit file passes through ``redact`` and is HTML-escaped; log tails
are clipped so that the page stays small (well under 1 MB for a 100-step workflow).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timezone

from compiler import __version__
from compiler.durations import format_duration
from compiler.operate import cloud_logging
from compiler.operate.debug import FAILED_PHASES, FailedStep, PodInfo, Summary
from compiler.report.html import escape, graph_layout
from compiler.report.html.model import (
    ABORTED,
    SUCCESS,
    Graph,
    JunitFile,
    Page,
    Timeline,
    WorkflowView,
)

LOG_BUDGET = 300_000  # characters of log tail on the whole page
LOG_STEP_MAX = 24_000  # ... and for one failed step
LOG_LINE_CHARS = 400
MAX_EVENTS = 20
MAX_FAILED_STEPS = 50  # shown in full per workflow; the rest are listed
GLANCE_STEPS = 8  # failed steps per workflow in "What failed" at the top

Redact = Callable[[str], str]

CSS = """
:root{--fg:#1f2328;--muted:#57606a;--line:#d0d7de;--bg:#ffffff;--soft:#f6f8fa;--red:#cf222e;
--green:#1a7f37}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 -apple-system,"Segoe UI","DejaVu Sans",Helvetica,Arial,sans-serif;
color:var(--fg);background:var(--bg)}
main{padding:0 20px 40px;max-width:1400px}
a{color:#0969da}
header.top{padding:14px 20px;border-bottom:1px solid var(--line);background:var(--soft)}
header.top h1{margin:0 0 6px;font-size:20px}
.verdict{display:inline-block;padding:2px 10px;border-radius:12px;font-weight:700;color:#fff;
font-size:13px;vertical-align:middle;margin-right:8px}
.v-success{background:var(--green)}.v-failure{background:var(--red)}.v-aborted{background:#6e7781}
.facts{display:flex;flex-wrap:wrap;gap:4px 22px;margin:6px 0 0;color:var(--muted)}
.facts b{color:var(--fg);font-weight:600}
.glance{margin:16px 0;padding:12px 16px;border-radius:6px;border:1px solid var(--line)}
.glance.bad{border-color:#ff818266;background:#ffebe9}
.glance.good{border-color:#4ac26b66;background:#dafbe1}
.glance ul{margin:4px 0 0;padding-left:20px}
.glance .why{color:var(--muted)}
h2{font-size:18px;margin:28px 0 4px;padding-top:10px;border-top:2px solid var(--line)}
h3{font-size:15px;margin:18px 0 6px}
h4{font-size:14px;margin:0 0 6px}
.badge{display:inline-block;padding:0 8px;border-radius:10px;font-size:12px;font-weight:600;
border:1px solid var(--line);vertical-align:middle}
.b-succeeded{background:#d2f4dc;color:#1a7f37;border-color:#1a7f37}
.b-failed,.b-error,.b-invalid,.b-timedout,.b-notsubmitted,.b-deleted,.b-unknown{
background:#d1242f;color:#fff;border-color:#82071e}
.b-aborted{background:#6e7781;color:#fff}
.b-running,.b-pending{background:#ddf4ff;color:#0969da}
.meta{color:var(--muted);margin:2px 0}
.scroll{overflow:auto;max-height:900px;border:1px solid var(--line);border-radius:6px;
padding:8px;background:#fff}
.scroll svg{max-width:none;display:block}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:12px;color:var(--muted);margin:4px 0}
.sw{display:inline-block;width:12px;height:12px;border-radius:3px;border:1px solid;
vertical-align:-2px;margin-right:4px}
.note{color:var(--muted);font-style:italic}
ul.tree{list-style:none;margin:0;padding:0;font-size:13px}
ul.tree li{padding:1px 6px;margin:1px 0;border-radius:4px;border-left:4px solid}
article.step{border:1px solid #ff8182;border-left:6px solid var(--red);border-radius:6px;
padding:10px 14px;margin:10px 0;background:#fff}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:0}
dl.kv dt{color:var(--muted)}dl.kv dd{margin:0;overflow-wrap:anywhere}
.hint{background:#fff8c5;border:1px solid #d4a72c66;border-radius:4px;padding:4px 8px;margin:2px 0}
pre{background:#161b22;color:#e6edf3;padding:8px 10px;border-radius:6px;overflow:auto;
font:12px/1.4 "DejaVu Sans Mono",Menlo,Consolas,monospace;white-space:pre-wrap;
overflow-wrap:anywhere;margin:4px 0}
.logbox{max-height:32em;overflow:auto;display:flex;flex-direction:column-reverse;margin:4px 0}
.logbox pre{flex-shrink:0;overflow:visible;margin:0}
pre.query{background:var(--soft);color:var(--fg);border:1px solid var(--line)}
table{border-collapse:collapse;font-size:13px;margin:4px 0}
th,td{border:1px solid var(--line);padding:3px 8px;text-align:left;vertical-align:top}
th{background:var(--soft)}
td.num{text-align:right}
.bad-num{color:var(--red);font-weight:700}
footer{color:var(--muted);font-size:12px;margin-top:30px}
"""


def render(
    page: Page,
    *,
    redact: Redact = lambda text: text,
    dot: str | None = None,
    dot_timeout: float = graph_layout.TIMEOUT,
    generated_at: datetime | None = None,
) -> str:
    """The page. ``dot``: the Graphviz program (default: ``dot`` on PATH)."""
    out = _Html(redact)
    header = page.header
    verdict = header.verdict or "UNKNOWN"
    title = f"{verdict} · {header.job or 'kftest run'}" + (
        f" #{header.build}" if header.build else ""
    )
    out.raw(
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
    )
    out.raw(f"<title>{out.e(title)}</title>\n<style>{CSS}</style></head>\n<body>\n")
    _header(out, page)
    out.raw("<main>\n")
    _glance(out, page)
    budget = _LogBudget(page)
    draw = _Drawer(dot, dot_timeout)
    for index, view in enumerate(page.workflows, 1):
        _workflow(out, view, f"w{index}", draw, budget)
    _junit(out, page.junit)
    when = (generated_at or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")
    out.raw(
        f"<footer>Made by kftest {out.e(__version__)} at {when}. "
        "Self-contained: nothing on this page is loaded from the network. "
        "Re-make it with <code>kftest report</code> from the saved artifacts.</footer>\n"
    )
    out.raw("</main>\n</body></html>\n")
    return out.text()


class _Html:
    def __init__(self, redact: Redact) -> None:
        self.parts: list[str] = []
        self.redact = redact

    def e(self, value: object) -> str:
        """Redacted, then made text (``escape``: no markup, no character references)."""
        return escape.text(self.redact(str(value)))

    def url(self, value: str | None) -> str | None:
        return escape.url(self.redact(value)) if value else None

    def link(self, text: str, url: str | None) -> str:
        """A link out of the page, in a new tab: Spyglass shows the page in a sandboxed
        iframe that may open pop-ups but not navigate the window it is in."""
        href = self.url(url)
        if not href:
            return self.e(text)
        return f'<a href="{href}" target="_blank" rel="noopener noreferrer">{self.e(text)}</a>'

    def raw(self, text: str) -> None:
        self.parts.append(text)

    def text(self) -> str:
        return "".join(self.parts)


def _anchor(prefix: str, kind: str, index: int) -> str:
    return f"{prefix}-{kind}{index}"


# -- header and "at a glance" -----------------------------------------------------------------


def _header(out: _Html, page: Page) -> None:
    h = page.header
    verdict = h.verdict or "UNKNOWN"
    css = {SUCCESS: "v-success", ABORTED: "v-aborted"}.get(verdict, "v-failure")
    out.raw('<header class="top">\n')
    job = out.e(h.job or "kftest run") + (f" <small>#{out.e(h.build)}</small>" if h.build else "")
    out.raw(f'<h1><span class="verdict {css}">{out.e(verdict)}</span>{job}</h1>\n')
    facts: list[tuple[str, str]] = []
    if h.job_type:
        facts.append(("type", out.e(h.job_type)))
    if h.repo:
        facts.append(("repository", out.link(h.repo, h.repo_url)))
    if h.pull:
        facts.append(("pull request", out.link(f"#{h.pull}", h.pull_url)))
    if h.sha:
        facts.append(("commit", out.link(h.sha[:12], h.commit_url)))
    if h.build:
        facts.append(("build", out.e(h.build)))
    facts.append(("started", out.e(h.started_at or "-")))
    facts.append(("finished", out.e(h.finished_at or "-")))
    facts.append(("duration", out.e(format_duration(h.duration))))
    if h.results:
        facts.append(("results", out.link(h.results, _browse_url(h.results))))
    out.raw('<div class="facts">')
    out.raw("".join(f"<span>{name}: <b>{value}</b></span>" for name, value in facts))
    out.raw("</div>\n</header>\n")


def _browse_url(results: str) -> str | None:
    """gs://bucket/path -> the Cloud Console's browser for it."""
    if not results.startswith("gs://"):
        return None
    return "https://console.cloud.google.com/storage/browser/" + results.removeprefix("gs://")


def _glance(out: _Html, page: Page) -> None:
    failed = page.failed_workflows
    junit_bad = [f for f in page.junit if f.problems and not f.by_kftest]
    if not failed and not junit_bad:
        count = len(page.workflows)
        done = sum(1 for view in page.workflows if view.verdict == "Succeeded")
        text = (
            f"All {count} workflow{'s' if count != 1 else ''} succeeded."
            if done == count
            else f"Nothing failed so far: {done} of {count} workflows succeeded, the rest run."
        )
        out.raw(f'<section class="glance good"><b>{out.e(text)}</b></section>\n')
        return
    out.raw('<section class="glance bad"><b>What failed</b><ul>\n')
    for index, view in enumerate(page.workflows, 1):
        if not view.failed:
            continue
        prefix = f"w{index}"
        where = f'<a href="#{prefix}">{out.e(view.label)}</a>'
        summary = view.summary
        if summary is None or not summary.failed:
            reason = "; ".join(view.problems[:1]) or (summary.message if summary else "")
            out.raw(
                f"<li>{where}: <b>{out.e(view.verdict)}</b>"
                + (f' <span class="why">— {out.e(_clip(reason, 300))}</span>' if reason else "")
                + "</li>\n"
            )
            continue
        for number, step in enumerate(summary.failed[:GLANCE_STEPS], 1):
            exit_code = f"exit code {step.exit_code}" if step.exit_code is not None else step.phase
            anchor = _anchor(prefix, "f", number)
            text = f'step <a href="#{anchor}"><b>{out.e(step.display_name)}</b></a>'
            why = f"{exit_code}: {step.message}" if step.message else exit_code
            out.raw(f"<li>{where}: {text} {out.e(step.phase.lower())} — {out.e(_clip(why, 300))}")
            if step.hints:
                out.raw(f'<br><span class="why">{out.e(_clip(step.hints[0], 300))}</span>')
            out.raw("</li>\n")
        if len(summary.failed) > GLANCE_STEPS:
            more = len(summary.failed) - GLANCE_STEPS
            out.raw(f"<li>{where}: and {more} more failed steps, listed below</li>\n")
    for junit_file in junit_bad:
        names = ", ".join(case.name for case in junit_file.cases[:5])
        more = "…" if len(junit_file.cases) > 5 else ""
        out.raw(
            f'<li><a href="#junit">{out.e(junit_file.path)}</a>: '
            f"{junit_file.failures} failure(s), {junit_file.errors} error(s)"
            + (f' <span class="why">— {out.e(_clip(names, 300))}{more}</span>' if names else "")
            + "</li>\n"
        )
    out.raw("</ul></section>\n")


# -- one workflow -----------------------------------------------------------------------------


class _Drawer:
    """Graphviz with one time budget for the whole page."""

    def __init__(self, dot: str | None, timeout: float) -> None:
        self.dot = dot
        self.deadline = time.monotonic() + timeout

    def __call__(self, graph: Graph, prefix: str) -> tuple[str | None, str | None]:
        left = self.deadline - time.monotonic()
        if left <= 0.1:  # mutation: equivalent[LtE -> Lt] — never exactly 0.1 seconds left
            return None, "no time was left to lay the graph out"
        return graph_layout.draw(graph, prefix, dot=self.dot, timeout=left)


def _workflow(
    out: _Html, view: WorkflowView, prefix: str, draw: _Drawer, budget: _LogBudget
) -> None:
    badge = "b-" + "".join(c for c in view.verdict.lower() if c.isalpha())
    out.raw(
        f'<h2 id="{prefix}">{out.e(view.label)} '
        f'<span class="badge {badge}">{out.e(view.verdict)}</span></h2>\n'
    )
    summary = view.summary
    if summary is not None:
        bits = [f"workflow <b>{out.e(summary.name)}</b>"]
        if summary.namespace:
            bits.append(f"namespace {out.e(summary.namespace)}")
        bits.append(f"duration {out.e(format_duration(summary.duration))}")
        if summary.started_at:
            bits.append(f"started {out.e(summary.started_at)}")
        if view.ui_url:
            bits.append(out.link("Argo UI", view.ui_url))
        out.raw(f'<p class="meta">{" · ".join(bits)}</p>\n')
        if summary.message:
            out.raw(f'<p class="meta">message: {out.e(_clip(summary.message, 1000))}</p>\n')
        for note in summary.notes:
            out.raw(f'<p class="note">{out.e(note)}</p>\n')
    for problem in view.problems:
        out.raw(f'<pre class="query">{out.e(_clip(problem, 4000))}</pre>\n')
    # mutation: equivalent[And -> Or] — model.view_of makes a graph exactly when there is a summary
    if view.graph is not None and summary is not None:
        _graph(out, view.graph, summary, prefix, draw)
    if view.timeline is not None and view.timeline.rows:
        _timeline(out, view.timeline, prefix)
    elif view.timeline is not None:
        _not_run(out, view.timeline)  # no step started: still say which steps wait, and why
    if summary is not None and summary.failed:
        _failed_steps(out, summary, view, prefix, budget)
    if view.debug_commands:
        out.raw('<h3>Debug it yourself</h3>\n<pre class="query">')
        out.raw("\n".join(out.e(command) for command in view.debug_commands))
        out.raw("</pre>\n")


def _legend(out: _Html) -> None:
    items = [(phase, graph_layout.PHASES[phase]) for phase in graph_layout.PHASES]
    items.append(("failed, then retried", graph_layout.RETRIED))
    out.raw('<div class="legend">')
    for name, style in items:
        out.raw(
            f'<span><span class="sw" style="background:{style.fill};border-color:{style.stroke}">'
            f"</span>{out.e(name)}</span>"
        )
    out.raw(
        f'<span><span class="sw" style="background:{graph_layout.FAILED_EDGE};'
        f'border-color:{graph_layout.FAILED_EDGE};height:3px"></span>the way to the failure</span>'
    )
    out.raw("</div>\n")


def _graph(out: _Html, graph: Graph, summary: Summary, prefix: str, draw: _Drawer) -> None:
    out.raw(f'<h3>Graph <small class="meta">{len(graph.nodes)} nodes</small></h3>\n')
    _legend(out)
    # Redacted before Graphviz escapes them (an escaped secret would pass the redactor).
    shown = replace(
        graph,
        nodes=tuple(
            replace(node, label=out.redact(node.label), message=out.redact(node.message))
            for node in graph.nodes
        ),
    )
    svg, why = draw(shown, prefix)
    if svg is not None:
        out.raw(f'<div class="scroll graph" id="{prefix}-graph-box">{svg}</div>\n')
        return
    out.raw(f'<p class="note">No drawing: {out.e(why)}. The steps as a tree:</p>\n')
    out.raw(f'<div class="scroll graph" id="{prefix}-graph-box"><ul class="tree">\n')
    # mutation: equivalent[True -> False] — model.graph_of makes one node per summary line
    for index, (node, line) in enumerate(zip(graph.nodes, summary.nodes, strict=True)):
        style = graph_layout.style_of(node.phase, node.retried)
        duration = format_duration(node.duration)
        message = f" — {out.e(_clip(node.message, 200))}" if node.failed and node.message else ""
        out.raw(
            f'<li id="{prefix}-n{index}" class="{graph_layout.css_class(node)}" '
            f'style="margin-left:{min(line.depth, 30) * 18}px;background:{style.fill};'
            f'border-color:{style.stroke};color:{style.font}">'
            f"{'<b>' if node.cause else ''}{out.e(node.label)}{'</b>' if node.cause else ''} "
            f"<small>{out.e(node.type)} {out.e(node.phase)} {duration}</small>{message}</li>\n"
        )
    out.raw("</ul></div>\n")


# -- the timeline -----------------------------------------------------------------------------

_ROW = 20
_LABEL_W = 230
_BAR_W = 640
_TAIL_W = 80
_TOP = 24


def _ticks(span: float) -> list[float]:
    """Round tick marks (1, 2 or 5 times a power of ten seconds, or whole minutes/hours)."""
    steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400]
    target = span / 8
    step = next((s for s in steps if s >= target), steps[-1] * math.ceil(target / steps[-1]))
    return [step * i for i in range(int(span // step) + 1)]


def _timeline(out: _Html, timeline: Timeline, prefix: str) -> None:
    rows = timeline.rows
    height = _TOP + len(rows) * _ROW + 8
    width = _LABEL_W + _BAR_W + _TAIL_W
    scale = _BAR_W / timeline.span
    critical = len(timeline.critical_path)
    out.raw(
        f'<h3>Timeline <small class="meta">from {out.e(timeline.origin or "-")}, '
        f"{len(rows)} steps; outlined in black: the critical path ({critical} "
        f"step{'s' if critical != 1 else ''})</small></h3>\n"
    )
    out.raw(f'<div class="scroll timeline" id="{prefix}-timeline">')
    out.raw(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans,Helvetica,Arial,sans-serif" '
        'font-size="12" role="img">\n'
    )
    for tick in _ticks(timeline.span):
        x = _LABEL_W + tick * scale
        out.raw(
            f'<line x1="{x:.1f}" y1="{_TOP - 6}" x2="{x:.1f}" y2="{height}" stroke="#eaeef2"/>'
            f'<text x="{x:.1f}" y="{_TOP - 10}" text-anchor="middle" fill="#57606a" '
            f'font-size="11">{format_duration(tick) if tick else "0"}</text>\n'
        )
    for index, row in enumerate(rows):
        y = _TOP + index * _ROW
        if index % 2:
            out.raw(f'<rect x="0" y="{y}" width="{width}" height="{_ROW}" fill="#f6f8fa"/>')
        label = _clip(row.label, 30) + (f" ({row.retries} retries)" if row.retries else "")
        failed = any(bar.failed for bar in row.bars)
        emphasis = ' font-weight="bold" fill="#cf222e"' if failed else ""
        out.raw(
            f'<text x="{_LABEL_W - 8}" y="{y + 14}" text-anchor="end"{emphasis}>{out.e(label)}'
            f"<title>{out.e(row.label)}</title></text>\n"
        )
        for bar in row.bars:
            retried = bar.phase in FAILED_PHASES and not bar.failed
            style = graph_layout.style_of(bar.phase, retried)
            x = _LABEL_W + bar.start * scale
            w = max(2.0, (bar.end - bar.start) * scale)
            if bar.critical:
                stroke = ' stroke="#1f2328" stroke-width="2.5"'
            else:
                stroke = f' stroke="{style.stroke}"'
            classes = " ".join(["bar"] + ["critical"] * bar.critical + ["failed"] * bar.failed)
            attempt = f" attempt {bar.attempt}" if bar.attempt is not None else ""
            tip = (
                f"{bar.label}{attempt}: {bar.phase}, +{format_duration(bar.start)}, "
                f"{format_duration(bar.end - bar.start)}"
                + (", critical path" if bar.critical else "")
            )
            out.raw(
                f'<rect class="{classes}" x="{x:.1f}" y="{y + 3}" width="{w:.1f}" '
                f'height="{_ROW - 6}" rx="3" fill="{style.fill}"{stroke}>'
                f"<title>{out.e(tip)}</title></rect>\n"
            )
        last = max(bar.end for bar in row.bars)
        total = sum(bar.end - bar.start for bar in row.bars)
        out.raw(
            f'<text x="{_LABEL_W + last * scale + 6:.1f}" y="{y + 14}" fill="#57606a" '
            f'font-size="11">{format_duration(total)}</text>\n'
        )
    out.raw("</svg></div>\n")
    _not_run(out, timeline)


def _not_run(out: _Html, timeline: Timeline) -> None:
    if timeline.not_run:
        names = ", ".join(f"{label} ({phase or 'no phase'})" for label, phase in timeline.not_run)
        out.raw(f'<p class="note">Not run: {out.e(_clip(names, 2000))}</p>\n')


# -- failed steps -----------------------------------------------------------------------------


class _LogBudget:
    """Log characters per failed step, so that many failures cannot make the page huge."""

    def __init__(self, page: Page) -> None:
        steps = sum(
            min(len(view.summary.failed), MAX_FAILED_STEPS)
            for view in page.workflows
            if view.summary is not None
        )
        # mutation: equivalent[1 -> 2] — one failed step gets LOG_STEP_MAX with either
        self.per_step = min(LOG_STEP_MAX, LOG_BUDGET // max(steps, 1))


def _failed_steps(
    out: _Html, summary: Summary, view: WorkflowView, prefix: str, budget: _LogBudget
) -> None:
    count = len(summary.failed)
    out.raw(f"<h3>Failed steps ({count})</h3>\n")
    for number, step in enumerate(summary.failed[:MAX_FAILED_STEPS], 1):
        command = view.debug_commands[-1] if view.debug_commands else None
        _failed_step(out, step, _anchor(prefix, "f", number), budget.per_step, command)
    if count > MAX_FAILED_STEPS:
        rest = ", ".join(step.display_name for step in summary.failed[MAX_FAILED_STEPS:])
        out.raw(
            f'<p class="note">And {count - MAX_FAILED_STEPS} more: {out.e(_clip(rest, 3000))}</p>\n'
        )


def _failed_step(
    out: _Html, step: FailedStep, anchor: str, log_chars: int, debug_command: str | None
) -> None:
    out.raw(f'<article class="step" id="{anchor}">\n<h4>✗ {out.e(step.display_name)}</h4>\n')
    rows: list[tuple[str, str]] = [
        ("phase", out.e(step.phase)),
        ("exit code", out.e(step.exit_code if step.exit_code is not None else "-")),
        ("message", out.e(step.message or "-")),
        ("template", out.e(step.template or "-")),
        ("duration", out.e(format_duration(step.duration))),
    ]
    if step.pod_name:
        state = ""
        if step.pod is not None:
            state = " (still existed when this page was made)" if step.pod.found else " (gone)"
        rows.append(("pod", out.e(step.pod_name) + out.e(state)))
    container = step.pod.container if step.pod else None
    if container and ((container.reason or "Error") != "Error" or container.restarts):
        extra = f", {container.restarts} restarts" if container.restarts else ""
        rows.append(("container", out.e(f"main {container.reason or ''}{extra}")))
    out.raw('<dl class="kv">')
    out.raw("".join(f"<dt>{name}</dt><dd>{value}</dd>" for name, value in rows))
    out.raw("</dl>\n")
    for hint in step.hints:
        out.raw(f'<div class="hint"><b>why:</b> {out.e(hint)}</div>\n')
    if step.pod is not None and step.pod.found:
        _events(out, step.pod)
        _log(out, step.pod, log_chars)
    elif step.pod is None and step.type == "Pod":
        out.raw(
            '<p class="note">The cluster was not asked about this pod (events and log tail '
            "come from a live run or <code>kftest debug NAME</code>).</p>\n"
        )
    if step.logging_filter:
        out.raw("<b>Cloud Logging</b> (the main container's log, also after the pod is gone): ")
        url = step.logging_url or cloud_logging.explorer_url(step.logging_filter)
        where = "" if step.logging_url else " (in the project you last used)"
        out.raw(f"{out.link('open the query in the Logs Explorer', url)}{where}")
        out.raw(f'\n<pre class="query">{out.e(step.logging_filter)}</pre>\n')
    if debug_command:
        out.raw(f'<b>Debug it</b>\n<pre class="query">{out.e(debug_command)}</pre>\n')
    out.raw("</article>\n")


def _events(out: _Html, pod: PodInfo) -> None:
    if pod.events:
        out.raw(
            "<b>Events</b>\n<table><tr><th>time</th><th>type</th><th>reason</th>"
            "<th>message</th></tr>\n"
        )
        for event in pod.events[-MAX_EVENTS:]:
            count = f" (x{event.count})" if event.count > 1 else ""
            message = out.e(_clip(event.message, 500))
            out.raw(
                f"<tr><td>{out.e(event.time or '-')}</td><td>{out.e(event.type)}</td>"
                f"<td>{out.e(event.reason)}{count}</td><td>{message}</td></tr>\n"
            )
        out.raw("</table>\n")
    elif pod.events_error:
        out.raw(f'<p class="note">Events could not be read: {out.e(pod.events_error)}</p>\n')
    else:
        out.raw('<p class="note">No events left (the cluster keeps them for about an hour).</p>\n')


def _log(out: _Html, pod: PodInfo, log_chars: int) -> None:
    if pod.log_error:
        out.raw(f'<p class="note">The log could not be read: {out.e(pod.log_error)}</p>\n')
        return
    if not pod.log_tail:
        out.raw('<p class="note">The log is empty.</p>\n')
        return
    lines = tail_within(pod.log_tail, log_chars)
    dropped = len(pod.log_tail) - len(lines)
    more = f", {dropped} earlier lines left out to keep the page small" if dropped else ""
    container = out.e(pod.container_name)  # a Tekton step's: step-<name>
    out.raw(f"<b>Log</b> (the last {len(lines)} lines of container {container}{more})\n")
    # column-reverse: the box opens scrolled to its end, the lines that matter, without JS.
    out.raw(f'<div class="logbox"><pre class="log">{out.e(chr(10).join(lines))}</pre></div>\n')


def tail_within(lines: Sequence[str], limit: int) -> list[str]:
    """The last lines that fit in ``limit`` characters, each clipped to LOG_LINE_CHARS."""
    kept: list[str] = []
    used = 0
    for line in reversed(lines):
        line = _clip(line, LOG_LINE_CHARS)
        if kept and used + len(line) + 1 > limit:
            break
        kept.append(line)
        used += len(line) + 1
    return kept[::-1]


# -- junit ------------------------------------------------------------------------------------


def _junit(out: _Html, files: Sequence[JunitFile]) -> None:
    out.raw('<h2 id="junit">JUnit results</h2>\n')
    if not files:
        out.raw('<p class="note">No junit files in the artifacts.</p>\n')
        return
    out.raw(
        "<table><tr><th>file</th><th>tests</th><th>failures</th><th>errors</th>"
        "<th>skipped</th></tr>\n"
    )
    for item in files:
        note = f' <span class="note">({out.e(item.note)})</span>' if item.note else ""
        if item.by_kftest:
            note += ' <span class="note">(kftest\'s: the workflow and its failed steps)</span>'

        out.raw(
            f'<tr><td>{out.e(item.path)}{note}</td><td class="num">{item.tests}</td>'
            f'{_num(item.failures)}{_num(item.errors)}<td class="num">{item.skipped}</td></tr>\n'
        )
    out.raw("</table>\n")
    for item in files:
        if not item.cases:
            continue
        out.raw(f"<h3>{out.e(item.path)}</h3>\n<ul>\n")
        for case in item.cases:
            out.raw(
                f"<li><b>{out.e(case.name)}</b> <small>{out.e(case.suite)}</small> "
                f"{out.e(case.kind)}: {out.e(case.message)}"
            )
            if case.detail and case.detail != case.message:
                out.raw(
                    f"<details><summary>details</summary><pre>{out.e(case.detail)}</pre></details>"
                )
            out.raw("</li>\n")
        out.raw("</ul>\n")


def _num(value: int) -> str:
    return f'<td class="num{" bad-num" if value else ""}">{value}</td>'


def _clip(text: str, limit: int) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"
