from __future__ import annotations

import html
import re
import subprocess
from pathlib import Path

import pytest

from compiler.operate.debug import summarize
from compiler.report.html import graph_layout
from compiler.report.html.model import Graph, GraphNode, graph_of

from .builders import node, workflow
from .test_model import dag_with_a_failed_branch

needs_dot = pytest.mark.skipif(graph_layout.find_dot() is None, reason="Graphviz dot missing")


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
