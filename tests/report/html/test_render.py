from __future__ import annotations

import html
import re

import pytest

from compiler.operate.debug import EventInfo, PodInfo, summarize
from compiler.report.html import graph_layout, page, render
from compiler.report.html.model import Header, Page, view_of

from .builders import WF, node, workflow
from .test_model import dag_with_a_failed_branch

needs_dot = pytest.mark.skipif(graph_layout.find_dot() is None, reason="Graphviz dot missing")


def hundred_steps(failed: int = 20, log_lines: int = 50) -> tuple[dict, dict[str, PodInfo]]:
    """A 100-step DAG in ten waves of ten; ``failed`` steps of the last waves failed, each
    with a long log and a few events."""
    steps = [f"step-{i:03d}" for i in range(100)]
    nodes = [node("root", "DAG", "Failed", children=tuple(steps[:10]), start=0, end=1000)]
    for i, step in enumerate(steps):
        wave = i // 10
        children = tuple(steps[(wave + 1) * 10 : (wave + 2) * 10]) if i % 10 == 0 else ()
        phase = "Failed" if i >= 100 - failed else "Succeeded"
        nodes.append(
            node(step, phase=phase, children=children, start=wave * 100, end=wave * 100 + 90,
                 message="Error (exit code 1)" if phase == "Failed" else None)
        )  # fmt: skip
    wf = workflow(*nodes, end=1000)
    line = "x" * 290
    pods = {
        step: PodInfo(
            step,
            True,
            log_tail=tuple(f"{step} {n} {line}" for n in range(log_lines)),
            events=tuple(EventInfo(None, "Warning", "BackOff", "back-off " * 20) for _ in range(5)),
        )
        for step in steps[100 - failed :]
    }
    return wf, pods


def test_a_hundred_step_workflow_stays_under_a_megabyte() -> None:
    wf, pods = hundred_steps()
    text = render.render(page.for_workflows([(wf, summarize(wf, pods))]))
    assert len(text.encode()) < 1_000_000
    # Every failed step is there, each with its log (shortened to fit the budget).
    assert text.count('<article class="step"') == 20
    assert text.count('<pre class="log">') == 20
    assert "step-099 49 " in text  # the last line of the last failed step's log


def test_the_page_fetches_nothing() -> None:
    wf, pods = hundred_steps(failed=2)
    text = render.render(page.for_workflows([(wf, summarize(wf, pods))]))
    assert "<script" not in text and "<link" not in text and "<img" not in text
    assert not re.search(r"\bsrc=|url\(|@import", text)
    assert "default-src 'none'" in text  # and the browser would refuse if something tried
    for href in re.findall(r'href="([^"]*)"', text):
        assert href.startswith(("#", "https://")), href


def test_everything_from_the_workflow_is_escaped_and_redacted() -> None:
    wf = workflow(
        node("root", "DAG", "Failed", children=("a",)),
        node("a", phase="Failed", message="<img src=x onerror=alert(1)>"),
    )
    pods = {"a": PodInfo("a", True, log_tail=("</pre><script>alert(2)</script>", "tok=s3cr3t&x"))}
    text = render.render(
        page.for_workflows([(wf, summarize(wf, pods))]),
        redact=lambda s: s.replace("s3cr3t&x", "[REDACTED]"),
    )
    assert "<script" not in text and "<img" not in text
    assert "<\u200b/pre><\u200bscript>alert(2)<\u200b/script>" in text
    assert "<\u200bimg src=x onerror=alert(1)>" in text
    assert "tok=[REDACTED]" in text and "s3cr3t" not in text


def test_decoding_the_page_once_more_changes_nothing() -> None:
    """Spyglass's HTML lens puts the page in an iframe's srcdoc attribute, which the browser
    decodes: the page must hold no character reference that could turn text into markup."""
    wf = workflow(
        node("root", "DAG", "Failed", children=("a",)),
        node("a", phase="Failed", display="a&lt;b", message="&lt;img src=x onerror=alert(1)&gt;"),
    )
    pods = {"a": PodInfo("a", True, log_tail=("&quot; onmouseover=&quot;x", "&amp;&#60;&#x3c;"))}
    text = render.render(page.for_workflows([(wf, summarize(wf, pods))]))
    assert html.unescape(text) == text
    assert "&\u200blt;img src=x onerror=alert(1)&\u200bgt;" in text  # shown as it was


def test_at_a_glance_the_failed_step_and_why() -> None:
    wf = workflow(
        node("root", "DAG", "Failed", children=("apply",)),
        node("apply", phase="Failed", message="OOMKilled (exit code 137)"),
    )
    text = render.render(page.for_workflows([(wf, summarize(wf))]))
    glance = text[text.index('<section class="glance bad">') : text.index("</section>")]
    assert '<a href="#w1-f1"><b>apply</b></a> failed' in glance
    assert "exit code 137: OOMKilled (exit code 137)" in glance
    assert "more memory than its limit" in glance  # the hint kftest debug gives
    assert f"kftest debug {WF} -n kubeflow-test-infra" in text


@needs_dot
def test_the_graph_is_drawn_inline() -> None:
    text = render.render(page.for_workflows([({}, dag_with_a_failed_branch())]))
    box = text[text.index('id="w1-graph-box"') :]
    assert box.index("<svg ") < box.index("</div>")
    assert 'class="node phase-failed failed cause failed-path"' in text


def test_without_graphviz_the_steps_are_a_coloured_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(graph_layout, "find_dot", lambda: None)
    wf = workflow(
        node("root", "DAG", "Failed", children=("a",)),
        node("a", phase="Failed", message="Error (exit code 1)"),
    )
    text = render.render(page.for_workflows([(wf, None)]))
    assert "No drawing: Graphviz is not installed" in text and "<svg" in text  # the timeline
    failed = re.search(r'<li id="w1-n1" class="([^"]+)" style="([^"]+)">', text)
    assert failed is not None
    assert "failed" in failed[1].split() and "background:#d1242f" in failed[2]


def test_the_timeline_outlines_the_critical_path() -> None:
    text = render.render(page.for_workflows([({}, dag_with_a_failed_branch())]))
    timeline = text[text.index('id="w1-timeline"') :]
    assert timeline.count('class="bar critical') == 4  # checkout, build, e2e, copy
    assert '<rect class="bar critical failed"' in timeline


def test_a_log_keeps_its_last_lines() -> None:
    lines = [f"line {n} " + "y" * 1000 for n in range(100)]
    kept = render.tail_within(lines, 5000)
    assert kept[-1].startswith("line 99 ") and len(kept) == 12
    assert all(len(line) <= render.LOG_LINE_CHARS for line in kept)


def test_the_header_links_the_pull_request_and_commit() -> None:
    header = Header(job="kftest-presubmit", repo="kubeflow/testing", pull="7",
                    sha="abcdef1234567890", build="1500", verdict="FAILURE")  # fmt: skip
    text = render.render(Page(header, (view_of(None, label="broken", verdict="Invalid"),)))
    assert '<a href="https://github.com/kubeflow/testing/pull/7" target="_blank"' in text
    assert '<a href="https://github.com/kubeflow/testing/commit/abcdef1234567890" ' in text
    assert "<title>FAILURE · kftest-presubmit #1500</title>" in text


def test_each_failed_step_links_its_log_query_and_says_how_to_debug_it() -> None:
    wf = workflow(node("root", "DAG", "Failed", children=("a",)), node("a", phase="Failed"))
    view = view_of(summarize(wf), label="e2e", saved_copy=f"gs://b/logs/j/1/{WF}.yaml")
    text = render.render(Page(Header(), (view,)))
    step = text[text.index('<article class="step" id="w1-f1">') :]
    step = step[: step.index("</article>")]
    link = re.search(r'<a href="(https://console.cloud.google.com/logs/query;[^"]+)"', step)
    assert link is not None and "?project=" not in link[1]  # none known: the last one used
    assert "resource.labels.pod_name%3D" in link[1]
    assert f"kftest debug gs://b/logs/j/1/{WF}.yaml" in step
    with_project = view_of(summarize(wf, project="kubeflow-ci"), label="e2e")
    assert "?project=kubeflow-ci" in render.render(Page(Header(), (with_project,)))


@needs_dot
def test_a_secret_in_a_step_name_is_redacted_in_the_drawing_too() -> None:
    secret = 'pa"ss<&>'
    wf = workflow(
        node("root", "DAG", "Failed", children=("a",)),
        node("a", phase="Failed", display=f"login-{secret}", message=f"bad {secret}"),
    )
    text = render.render(
        page.for_workflows([(wf, None)]), redact=lambda s: s.replace(secret, "[REDACTED]")
    )
    assert "login-[REDACTED]" in text[text.index("<svg ") :]
    for form in (secret, html.escape(secret), html.escape(secret, quote=False)):
        assert form not in text
