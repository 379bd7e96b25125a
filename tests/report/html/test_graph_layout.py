from __future__ import annotations

import html
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from compiler.operate.debug import summarize
from compiler.report.html import graph_layout
from compiler.report.html.model import Graph, GraphNode, graph_of

from .builders import node, workflow
from .test_model import dag_with_a_failed_branch

# Not graph_layout.find_dot(): a find_dot that found nothing would skip the tests of drawings.
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot missing")


def chain(count: int, label: str = "step") -> Graph:
    nodes = tuple(
        GraphNode(f"id{i}", f"{label}-{i}", "Pod", "Succeeded", False, False, False, False, 1.0, "")
        for i in range(count)
    )
    edges = tuple((f"id{i}", f"id{i + 1}") for i in range(count - 1))
    return Graph(nodes, edges, frozenset())


def test_labels_cannot_escape_their_dot_string() -> None:
    hostile = 'a"] evil [label="x\\\nb'
    source = graph_layout.dot_source(chain(1, label=hostile))
    assert 'label="a\\"] evil [label=\\"x\\\\ b-0"' in source
    # The label's newline did not start a new statement.
    assert source.count("\n") == graph_layout.dot_source(chain(1)).count("\n")


@needs_dot
def test_the_failed_step_is_red_and_its_path_marked() -> None:
    svg, why = graph_layout.draw(graph_of(dag_with_a_failed_branch()), "w1")
    assert why is None and svg is not None
    assert svg.startswith("<svg ") and "<!--" not in svg and "<?xml" not in svg
    failed = re.search(r'<g id="w1-n4" class="node phase-failed failed cause failed-path">'
                       r"\s*<title>(.*?)</title>.*?<path fill=\"([^\"]+)\"", svg, re.S)  # fmt: skip
    assert failed is not None
    assert failed[1] == "e2e — Pod Failed, 1m: Error (exit code 2)"  # the tooltip
    assert failed[2] == graph_layout.PHASES["Failed"].fill
    assert svg.count('class="edge failed-path"') == 3
    assert re.match(r'<svg width="\d+" height="\d+"', svg)  # CSS pixels: text at font size


@needs_dot
def test_hostile_labels_come_out_as_text() -> None:
    svg, _ = graph_layout.draw(chain(2, label='<script>alert("1")</script>&amp;'))
    assert svg is not None and "<script" not in svg
    # As text, and with no character reference that Spyglass's HTML lens would decode.
    assert '<\u200bscript>alert("1")<\u200b/script>&\u200bamp;-0' in svg
    assert html.unescape(svg) == svg


@needs_dot
def test_three_hundred_nodes_are_drawn_at_full_size() -> None:
    fan = [node("root", "DAG", children=tuple(f"t{i}" for i in range(300)))]
    fan += [node(f"t{i}") for i in range(300)]
    graph = graph_of(summarize(workflow(*fan, phase="Succeeded")))
    svg, why = graph_layout.draw(graph)
    assert why is None and svg is not None
    assert svg.count('class="node ') == 301
    assert 'font-size="12.00"' in svg  # nothing shrunk to fit
    width, height = map(int, re.match(r'<svg width="(\d+)" height="(\d+)"', svg).groups())
    assert height > width  # a wide fan-out is laid out down the page, which scrolls


def test_without_graphviz_there_is_a_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(graph_layout, "find_dot", lambda: None)
    assert graph_layout.draw(chain(2)) == (
        None,
        "Graphviz is not installed (apt-get install graphviz draws the graph)",
    )
    svg, why = graph_layout.draw(chain(2), dot="/nonexistent/dot")
    assert svg is None and why is not None and why.startswith("Graphviz could not be run")


def test_a_hung_layout_is_cut_short(tmp_path: Path) -> None:
    slow = tmp_path / "dot"
    slow.write_text("#!/bin/sh\nexec sleep 30\n")
    slow.chmod(0o755)
    svg, why = graph_layout.draw(chain(2), dot=str(slow), timeout=0.5)
    assert (svg, why) == (None, "Graphviz took longer than 0.5s to lay the graph out")


def test_a_failing_layout_says_why(tmp_path: Path) -> None:
    broken = tmp_path / "dot"
    broken.write_text("#!/bin/sh\necho 'Error: syntax error in line 1' >&2\nexit 1\n")
    broken.chmod(0o755)
    assert graph_layout.draw(chain(2), dot=str(broken)) == (
        None,
        "Graphviz failed: Error: syntax error in line 1",
    )


def test_too_many_nodes_are_not_drawn() -> None:
    svg, why = graph_layout.draw(chain(graph_layout.MAX_NODES + 1), dot="/bin/false")
    assert svg is None and why is not None and "too many to draw" in why


@needs_dot
def test_dot_source_is_valid_for_every_node_kind() -> None:
    summary = summarize(
        workflow(
            node("root", "Steps", "Failed", children=("g0",)),
            node("g0", "StepGroup", children=("r",)),
            node("r", "Retry", "Failed", children=("r0",)),
            node("r0", phase="Error", message='quote " and \\ backslash'),
        )
    )
    source = graph_layout.dot_source(graph_of(summary))
    done = subprocess.run(["dot", "-Tsvg"], input=source.encode(), capture_output=True, check=False)
    assert done.returncode == 0 and done.stderr == b""


def graph_node(label: str, type_: str = "Pod", phase: str = "Succeeded", **flags: object):
    fields = dict(failed=False, retried=False, cause=False, on_failed_path=False,
                  duration=None, message="")  # fmt: skip
    fields.update(flags)
    return GraphNode(label, label, type_, phase, **fields)  # type: ignore[arg-type]


def node_attrs(source: str) -> dict[str, dict[str, str]]:
    """Each node statement's attributes, by the node's label (or id when it has none)."""
    found = {}
    for attrs in re.findall(r"^  n\d+ \[(.*)\];$", source, re.M):
        pairs = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', attrs))
        found[pairs["label"] or pairs["id"]] = pairs
    return found


def test_each_kind_of_node_has_its_shape_and_colours() -> None:
    nodes = (
        graph_node("ok"),
        graph_node("skipped", phase="Skipped"),
        graph_node("dag", "DAG", "Running"),
        graph_node("omitted", "Steps", "Omitted"),
        graph_node("group", "StepGroup"),
        graph_node("tasks", "TaskGroup", "Failed"),
        graph_node("retry", "Retry", "Failed", failed=True),
        graph_node("cause", phase="Error", failed=True, cause=True, on_failed_path=True),
        graph_node("again", phase="Failed", retried=True),
    )
    attrs = node_attrs(graph_layout.dot_source(Graph(nodes, (), frozenset()), "w2"))
    assert attrs["ok"] == {"id": "w2-n0", "class": "phase-succeeded", "label": "ok",
                           "fillcolor": "#d2f4dc", "color": "#1a7f37", "fontcolor": "#1f2328",
                           "style": "rounded,filled"}  # fmt: skip
    assert attrs["skipped"]["style"] == "rounded,filled,dashed"
    assert (attrs["skipped"]["fillcolor"], attrs["skipped"]["fontcolor"]) == ("#eaeef2", "#57606a")
    assert (attrs["dag"]["shape"], attrs["dag"]["style"]) == ("ellipse", "filled")
    assert (attrs["omitted"]["shape"], attrs["omitted"]["style"]) == ("ellipse", "filled,dashed")
    # Step and task groups are small dots, without a label.
    for dot_id, fill in (("w2-n4", "#d2f4dc"), ("w2-n5", "#d1242f")):
        assert attrs[dot_id] | {"id": "", "class": "", "fillcolor": "", "color": ""} == {
            "id": "", "class": "", "label": "", "fillcolor": "", "color": "",
            "fontcolor": attrs[dot_id]["fontcolor"], "shape": "circle", "width": "0.14",
            "height": "0.14", "fixedsize": "true", "style": "filled",
        }  # fmt: skip
        assert attrs[dot_id]["fillcolor"] == fill
    assert attrs["retry"]["shape"] == "hexagon" and attrs["retry"]["style"] == "filled"
    assert attrs["retry"]["class"] == "phase-failed failed"
    cause = attrs["cause"]
    assert (cause["penwidth"], cause["style"]) == ("3", "rounded,filled,bold")
    assert cause["class"] == "phase-error failed cause failed-path"
    assert (cause["fillcolor"], cause["fontcolor"]) == ("#8c1021", "#ffffff")
    again = attrs["again"]
    assert again["class"] == "phase-failed retried" and "penwidth" not in again
    assert (again["fillcolor"], again["color"], again["style"]) == (
        "#ffebe9",
        "#cf222e",
        "rounded,filled,dashed",
    )


def test_the_edges_to_a_failure_are_red_and_thick() -> None:
    nodes = (graph_node("a"), graph_node("b"), graph_node("c"))
    graph = Graph(nodes, (("a", "b"), ("a", "c")), frozenset({("a", "c")}))
    edges = re.findall(r"^  (n\d+ -> n\d+ \[.*\]);$", graph_layout.dot_source(graph, "w3"), re.M)
    assert edges == [
        'n0 -> n1 [id="w3-e0" class="edge"]',
        'n0 -> n2 [id="w3-e1" class="failed-path" color="#cf222e" penwidth="2.5"]',
    ]


@pytest.mark.parametrize(
    ("phase", "css"),
    [("", "phase-unknown"), ("Running", "phase-running"), ("Some-Thing 2", "phase-something")],
)
def test_a_nodes_phase_is_its_css_class(phase: str, css: str) -> None:
    assert graph_layout.css_class(graph_node("a", phase=phase)) == css


def test_an_unknown_phase_is_grey() -> None:
    source = graph_layout.dot_source(Graph((graph_node("a", phase="Weird"),), (), frozenset()))
    assert node_attrs(source)["a"]["fillcolor"] == graph_layout.OTHER.fill == "#f6f8fa"


def test_long_labels_are_clipped_at_forty_characters() -> None:
    nodes = (graph_node("x" * 40), graph_node("y" * 41))
    labels = list(node_attrs(graph_layout.dot_source(Graph(nodes, (), frozenset()))))
    assert labels == ["x" * 40, "y" * 39 + "…"]


def test_a_tooltip_says_what_the_node_is_and_did() -> None:
    assert graph_layout.tooltip(graph_node("a")) == "a — Pod Succeeded"
    assert graph_layout.tooltip(graph_node("a", duration=75.0)) == "a — Pod Succeeded, 1m15s"
    message = graph_node("a", "Pod", "Failed", duration=0.0, message="line one\n  line two")
    assert graph_layout.tooltip(message) == "a — Pod Failed, 0s: line one line two"
    long = graph_layout.tooltip(graph_node("a", message="z" * 400))
    assert long == ("a — Pod Succeeded: " + "z" * 400)[:299] + "…"


@needs_dot
def test_a_drawing_is_ready_to_put_in_the_page() -> None:
    graph = chain(2)
    raw = subprocess.run(["dot", "-Tsvg"], input=graph_layout.dot_source(graph, "w1").encode(),
                         capture_output=True, check=True).stdout.decode()  # fmt: skip
    points = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', raw)
    svg, why = graph_layout.draw(graph, "w1")
    assert why is None and svg is not None
    # Sized in CSS pixels (a point is 4/3 of a pixel), the ids unique on the page.
    width, height = (round(float(points[n]) * 4 / 3) for n in (1, 2))
    assert svg.startswith(f'<svg width="{width}" height="{height}" role="img"\n viewBox=')
    assert '<g id="w1-graph" class="graph"' in svg and "graph0" not in svg
    # Tooltips for the nodes; no DOT names shown for the graph or its edges.
    assert re.findall(r"<title>(.*?)</title>", svg) == [
        "step-0 — Pod Succeeded, 1s",
        "step-1 — Pod Succeeded, 1s",
    ]
    assert "<!--" not in svg and "&" not in svg and svg == svg.strip()


def fake_dot(tmp_path: Path, tb: str, lr: str = "", code: int = 0, stderr: str = "") -> str:
    """A stand-in for ``dot`` printing ``tb`` for a top-to-bottom layout and ``lr`` for a
    left-to-right one; it notes each layout asked for in ``calls``."""
    script = tmp_path / "dot"
    (tmp_path / "tb.svg").write_text(tb)
    (tmp_path / "lr.svg").write_text(lr)
    script.write_text(
        "#!/bin/sh\n"
        f"cd {tmp_path}\n"
        "if grep -q rankdir=LR; then echo LR >> calls; cat lr.svg\n"
        "else echo TB >> calls; cat tb.svg; fi\n"
        f"printf '{stderr}' >&2\n"
        f"exit {code}\n"
    )
    script.chmod(0o755)
    return str(script)


def svg_sized(width: float, height: float) -> str:
    return f'<svg width="{width}pt" height="{height}pt" viewBox="0 0 1 1"><g id="graph0"></g></svg>'


def size_and_calls(tmp_path: Path, dot: str) -> tuple[str, list[str]]:
    svg, why = graph_layout.draw(chain(2), dot=dot)
    assert why is None and svg is not None
    size = re.match(r'<svg width="(\d+)" height="(\d+)"', svg)
    return f"{size[1]}x{size[2]}", (tmp_path / "calls").read_text().split()


def test_a_drawing_that_fits_the_page_is_kept(tmp_path: Path) -> None:
    dot = fake_dot(tmp_path, svg_sized(900, 30), svg_sized(30, 900))  # 1200 pixels: it fits
    assert size_and_calls(tmp_path, dot) == ("1200x40", ["TB"])


def test_a_drawing_too_wide_is_laid_out_left_to_right_if_that_is_narrower(tmp_path: Path) -> None:
    dot = fake_dot(tmp_path, svg_sized(900.75, 30), svg_sized(600, 90))
    assert size_and_calls(tmp_path, dot) == ("800x120", ["TB", "LR"])


def test_a_wide_drawing_stays_when_left_to_right_is_no_narrower(tmp_path: Path) -> None:
    dot = fake_dot(tmp_path, svg_sized(1500, 30), svg_sized(1500, 60))
    assert size_and_calls(tmp_path, dot) == ("2000x40", ["TB", "LR"])


def test_a_wide_drawing_stays_when_left_to_right_fails(tmp_path: Path) -> None:
    dot = fake_dot(tmp_path, svg_sized(1500, 30), "no svg here")
    assert size_and_calls(tmp_path, dot) == ("2000x40", ["TB", "LR"])


@pytest.mark.parametrize(
    ("output", "code", "stderr", "why"),
    [
        ("", 0, "", "Graphviz failed: exit code 0"),  # nothing drawn
        ("", 3, "", "Graphviz failed: exit code 3"),
        (svg_sized(10, 10), 1, "Warning: x\\nError: bad\\n\\n", "Graphviz failed: Error: bad"),
    ],
)
def test_graphviz_failing_says_why(tmp_path: Path, output: str, code: int, stderr: str,
                                   why: str) -> None:  # fmt: skip
    dot = fake_dot(tmp_path, output, code=code, stderr=stderr)
    assert graph_layout.draw(chain(2), dot=dot) == (None, why)


def test_no_time_left_means_no_drawing(tmp_path: Path) -> None:
    dot = fake_dot(tmp_path, svg_sized(10, 10))
    assert graph_layout.draw(chain(2), dot=dot, timeout=0) == (
        None,
        "no time was left to lay the graph out",
    )
    assert not (tmp_path / "calls").exists()


def test_an_empty_graph_and_the_most_nodes_drawn(tmp_path: Path) -> None:
    assert graph_layout.draw(Graph((), (), frozenset())) == (None, "the workflow has no steps yet")
    dot = fake_dot(tmp_path, svg_sized(10, 10))
    svg, why = graph_layout.draw(chain(1500), dot=dot)
    assert why is None and svg is not None
    assert graph_layout.draw(chain(1501), dot=dot) == (
        None,
        "1501 nodes are too many to draw (at most 1500)",
    )


def test_graphviz_that_cannot_run_says_why() -> None:
    assert graph_layout.draw(chain(2), dot="/nonexistent/dot") == (
        None,
        "Graphviz could not be run: No such file or directory",
    )


def test_left_to_right_gets_only_the_time_that_is_left(tmp_path: Path) -> None:
    dot = fake_dot(tmp_path, svg_sized(1500, 30), svg_sized(600, 90))
    # A left-to-right layout that takes longer than the time left is not waited for.
    script = Path(dot).read_text().replace("cat lr.svg", "exec sleep 5")
    Path(dot).write_text(script)
    started = time.monotonic()
    svg, why = graph_layout.draw(chain(2), dot=dot, timeout=1.0)
    assert time.monotonic() - started < 4
    assert why is None and svg is not None and svg.startswith('<svg width="2000" height="40"')


@needs_dot
def test_a_step_named_like_the_drawings_markup_keeps_its_name() -> None:
    svg, _ = graph_layout.draw(chain(1, label='<g id="graph0"'), "w1")
    assert svg is not None and svg.count('id="w1-graph"') == 1
    assert '><\u200bg id="graph0"-0</text>' in svg
