"""The workflow graph as SVG, laid out by Graphviz's ``dot`` (the layered-graph layout the Argo
UI's drawings resemble), run as a subprocess with a time limit.

Why Graphviz: it is the reference implementation of layered (Sugiyama) layout, maintained
since the 1990s and packaged by every distribution (Debian: ``graphviz``). The pure-Python
alternative, grandalf, has had no release since 2023 and draws nothing itself.

When ``dot`` is not installed, fails or times out, ``draw`` returns None with the reason, and
the page shows the step tree instead (``render``): still every step, coloured by phase.

The drawing stays at its natural size (the page scrolls it), so labels are as readable at 300
nodes as at 3. Node and edge ids are ``<prefix>-n<i>``/``<prefix>-e<i>``; class ``failed``
marks failed nodes, ``failed-path`` the nodes and edges on the way to a failure. The SVG holds
no character reference (``escape`` says why).
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import time
from dataclasses import dataclass

from compiler.durations import format_duration
from compiler.report.html import escape
from compiler.report.html.model import Graph, GraphNode

TIMEOUT = 30.0
WIDE = 1200  # pixels: a drawing wider than this is tried left to right too
MAX_NODES = 1500  # beyond this a drawing is no longer something a person reads
LABEL_CHARS = 40
TOOLTIP_CHARS = 300


@dataclass(frozen=True)  # mutation: equivalent[True -> False] — no Style is changed or hashed
class Style:
    fill: str
    stroke: str
    font: str = "#1f2328"
    dashed: bool = False


#: Fill and stroke by phase (the page's legend and the timeline use the same).
PHASES: dict[str, Style] = {
    "Succeeded": Style("#d2f4dc", "#1a7f37"),
    "Failed": Style("#d1242f", "#82071e", font="#ffffff"),
    "Error": Style("#8c1021", "#4c0511", font="#ffffff"),
    "Running": Style("#ddf4ff", "#0969da"),
    "Pending": Style("#fff8c5", "#9a6700"),
    "Skipped": Style("#eaeef2", "#8c959f", font="#57606a", dashed=True),
    "Omitted": Style("#f6f8fa", "#afb8c1", font="#6e7781", dashed=True),
}
OTHER = Style("#f6f8fa", "#57606a")
RETRIED = Style("#ffebe9", "#cf222e", font="#82071e", dashed=True)  # failed, then retried
FAILED_EDGE = "#cf222e"
EDGE = "#8c959f"


def style_of(phase: str, retried: bool) -> Style:
    return RETRIED if retried else PHASES.get(phase, OTHER)


def css_class(node: GraphNode) -> str:
    classes = ["phase-" + re.sub(r"[^a-z]", "", node.phase.lower() or "unknown")]
    if node.failed:
        classes.append("failed")
    if node.retried:
        classes.append("retried")
    if node.cause:
        classes.append("cause")
    if node.on_failed_path:
        classes.append("failed-path")
    return " ".join(classes)


def _quote(text: str) -> str:
    """A DOT double-quoted string: only ``"`` and ``\\`` are special; no newlines."""
    text = " ".join(text.split())
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def dot_source(graph: Graph, prefix: str = "g", rankdir: str = "TB") -> str:
    """The DOT text: boxes for steps, ellipses for DAG/Steps nodes, dots for step groups."""
    index = {node.id: i for i, node in enumerate(graph.nodes)}
    out = [
        "digraph workflow {",
        f"  graph [rankdir={rankdir} nodesep=0.25 ranksep=0.45 bgcolor=transparent "
        'fontname="DejaVu Sans,Helvetica,Arial,sans-serif"];',
        '  node [fontname="DejaVu Sans,Helvetica,Arial,sans-serif" fontsize=12 '
        'shape=box style="rounded,filled" margin="0.12,0.05" height=0.3];',
        f'  edge [color="{EDGE}" arrowsize=0.6];',
    ]
    for node in graph.nodes:
        style = style_of(node.phase, node.retried)
        attrs = {
            "id": f"{prefix}-n{index[node.id]}",
            "class": css_class(node),
            "label": _clip(node.label, LABEL_CHARS),
            "fillcolor": style.fill,
            "color": style.stroke,
            "fontcolor": style.font,
        }
        line_style = "rounded,filled" + (",dashed" if style.dashed else "")
        if node.type in ("StepGroup", "TaskGroup"):
            attrs.update(label="", shape="circle", width="0.14", height="0.14", fixedsize="true")
            line_style = "filled"
        elif node.type in ("DAG", "Steps"):
            attrs["shape"] = "ellipse"
            line_style = "filled" + (",dashed" if style.dashed else "")
        elif node.type == "Retry":
            attrs["shape"] = "hexagon"
            line_style = "filled"
        if node.cause:
            attrs["penwidth"] = "3"
            line_style += ",bold"
        attrs["style"] = line_style
        out.append(f"  n{index[node.id]} [{_attrs(attrs)}];")
    for i, (parent, child) in enumerate(graph.edges):
        attrs = {"id": f"{prefix}-e{i}", "class": "edge"}
        if (parent, child) in graph.failed_edges:
            attrs.update({"class": "failed-path", "color": FAILED_EDGE, "penwidth": "2.5"})
        out.append(f"  n{index[parent]} -> n{index[child]} [{_attrs(attrs)}];")
    out.append("}")
    return "\n".join(out) + "\n"


def tooltip(node: GraphNode) -> str:
    text = f"{node.label} — {node.type} {node.phase}"
    if node.duration is not None:
        text += f", {format_duration(node.duration)}"
    if node.message:
        text += f": {node.message}"
    return _clip(" ".join(text.split()), TOOLTIP_CHARS)


def _attrs(attrs: dict[str, str]) -> str:
    return " ".join(f"{key}={_quote(value)}" for key, value in attrs.items())


_PROLOG = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_REFERENCE = re.compile(r"&(?:#[0-9]+|#[xX][0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]*);")
_TITLE = re.compile(r"<title>([^<]*)</title>")
_SIZE = re.compile(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"')


def find_dot() -> str | None:
    return shutil.which("dot")


def draw(
    graph: Graph, prefix: str = "g", *, dot: str | None = None, timeout: float = TIMEOUT
) -> tuple[str | None, str | None]:
    """(the ``<svg>`` element, None) or (None, why there is no drawing)."""
    if not graph.nodes:
        return None, "the workflow has no steps yet"
    if len(graph.nodes) > MAX_NODES:
        return None, f"{len(graph.nodes)} nodes are too many to draw (at most {MAX_NODES})"
    program = dot or find_dot()
    if program is None:
        return None, "Graphviz is not installed (apt-get install graphviz draws the graph)"
    deadline = time.monotonic() + timeout
    svg, why = _dot(program, dot_source(graph, prefix, "TB"), timeout)
    if svg is not None and _width(svg) > WIDE:
        # Too wide for a page: left to right may fit (wide fan-outs then run down the page,
        # which scrolls); keep whichever drawing is narrower.
        other, _ = _dot(program, dot_source(graph, prefix, "LR"), deadline - time.monotonic())
        if other is not None and _width(other) < _width(svg):
            svg = other
    if svg is None:
        return None, why
    return _clean(svg, graph, prefix), None


def _dot(program: str, source: str, timeout: float) -> tuple[str | None, str | None]:
    if timeout <= 0:
        return None, "no time was left to lay the graph out"
    try:
        done = subprocess.run(
            [program, "-Tsvg"],
            input=source.encode(),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None, f"Graphviz took longer than {timeout:g}s to lay the graph out"
    except OSError as exc:
        return None, f"Graphviz could not be run: {exc.strerror or exc}"
    text = done.stdout.decode("utf-8", errors="replace")
    if done.returncode != 0 or "<svg" not in text:
        why = done.stderr.decode("utf-8", errors="replace").strip().splitlines()
        return None, f"Graphviz failed: {why[-1] if why else f'exit code {done.returncode}'}"
    return text, None


def _width(svg: str) -> float:
    found = _SIZE.search(svg)
    return float(found[1]) * 4 / 3 if found else 0.0


def _clean(svg: str, graph: Graph, prefix: str) -> str:
    """Inline-ready: no XML prolog or DOCTYPE, no comments, page-unique ids, each node's
    ``<title>`` (its tooltip) saying what it is rather than its DOT name, and the size in CSS
    pixels so the text is drawn at its font size."""
    # mutation: equivalent[1 -> 2] — _PROLOG is anchored at the start: it matches once at most
    svg = _COMMENT.sub("", _PROLOG.sub("", svg, count=1))
    # Graphviz writes labels with character references (and every hyphen as &#45;): the page
    # has none (see ``escape``). Only labels can hold a quote, and they are text, not attributes.
    svg = _REFERENCE.sub(lambda found: escape.text(html.unescape(found[0])), svg)
    svg = svg.replace('id="graph0"', f'id="{prefix}-graph"', 1)
    titles = {f"n{i}": escape.text(tooltip(node)) for i, node in enumerate(graph.nodes)}

    def title(match: re.Match[str]) -> str:
        name = match[1]
        return f"<title>{titles[name]}</title>" if name in titles else ""

    svg = _TITLE.sub(title, svg)

    def pixels(match: re.Match[str]) -> str:
        width, height = (float(value) * 4 / 3 for value in match.groups())
        return f'<svg width="{width:.0f}" height="{height:.0f}" role="img"'

    # mutation: equivalent[1 -> 2] — Graphviz writes one <svg>; a label's "<svg" is "<\u200bsvg"
    return _SIZE.sub(pixels, svg, count=1).strip()
