from __future__ import annotations

import html
import re
import shutil
from dataclasses import replace
from datetime import datetime, timezone
from html.parser import HTMLParser

import pytest

from compiler import __version__
from compiler.durations import format_duration
from compiler.operate.debug import ContainerState, EventInfo, PodInfo, Summary, summarize
from compiler.report.html import graph_layout, page, render
from compiler.report.html.model import Header, JunitCase, JunitFile, Page, WorkflowView, view_of

from .builders import WF, node, workflow
from .test_model import dag_with_a_failed_branch

# Not graph_layout.find_dot(): a find_dot that found nothing would skip the tests of drawings.
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot missing")


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


# -- what a person reads on the page, part by part ----------------------------------------------


def one_failed_step(step: dict | None = None, **changes: object) -> WorkflowView:
    """A workflow whose one step "a" failed; ``changes`` replace fields of its FailedStep."""
    wf = workflow(
        node("root", "DAG", "Failed", children=("a",)),
        step or node("a", phase="Failed", message="boom"),
    )
    summary = summarize(wf)
    summary = replace(summary, failed=(replace(summary.failed[0], **changes),))
    return view_of(summary, label="e2e")


def succeeded(label: str = "e2e", phase: str = "Succeeded") -> WorkflowView:
    wf = workflow(node("root", "DAG", phase, children=("a",)), node("a", phase=phase), phase=phase)
    return view_of(summarize(wf), label=label)


def section(text: str, start: str, end: str) -> str:
    """The text from ``start`` to the first ``end`` after it."""
    begin = text.index(start)
    return text[begin : text.index(end, begin) + len(end)]


def glance_items(text: str) -> list[str]:
    glance = section(text, '<section class="glance', "</section>")
    return re.findall(r"<li>(.*?)</li>", glance, re.S)


def test_the_header_lists_the_facts_of_the_run_in_order() -> None:
    header = Header(job="kftest-periodic", job_type="periodic", repo="kubeflow/testing",
                    pull="7", sha="abcdef1234567890", build="1500", verdict="SUCCESS",
                    started_at="2026-01-02T03:00:00Z", finished_at="2026-01-02T03:01:40Z",
                    duration=100.0, results="gs://bucket/logs/kftest-periodic/1500")  # fmt: skip
    text = render.render(Page(header, ()))
    assert (
        '<span class="verdict v-success">SUCCESS</span>kftest-periodic <small>#1500</small>' in text
    )
    facts = re.findall(r"<span>([^<:]+): <b>(.*?)</b></span>", section(text, '"facts"', "</div>"))
    assert [name for name, _ in facts] == ["type", "repository", "pull request", "commit",
        "build", "started", "finished", "duration", "results"]  # fmt: skip
    values = dict(facts)
    assert values["type"] == "periodic" and values["build"] == "1500"
    assert values["commit"].endswith(">abcdef123456</a>")  # the short sha, linked
    assert values["repository"].startswith('<a href="https://github.com/kubeflow/testing"')
    assert (values["started"], values["finished"], values["duration"]) == (
        "2026-01-02T03:00:00Z",
        "2026-01-02T03:01:40Z",
        "1m40s",
    )
    assert values["results"] == (
        '<a href="https://console.cloud.google.com/storage/browser/bucket/logs/kftest-periodic/1500"'
        ' target="_blank" rel="noopener noreferrer">gs://bucket/logs/kftest-periodic/1500</a>'
    )


def test_a_header_that_knows_little_says_so() -> None:
    text = render.render(Page(Header(results="/tmp/out"), ()))
    assert "<title>UNKNOWN · kftest run</title>" in text
    assert '<h1><span class="verdict v-failure">UNKNOWN</span>kftest run</h1>' in text
    facts = re.findall(r"<span>([^<:]+): <b>(.*?)</b></span>", section(text, '"facts"', "</div>"))
    # A local directory is not a link; nothing unknown is listed but the times.
    assert facts == [
        ("started", "-"),
        ("finished", "-"),
        ("duration", "-"),
        ("results", "/tmp/out"),
    ]


@pytest.mark.parametrize(
    ("verdict", "css"),
    [("SUCCESS", "v-success"), ("ABORTED", "v-aborted"), ("FAILURE", "v-failure")],
)
def test_the_verdict_has_its_colour(verdict: str, css: str) -> None:
    text = render.render(Page(Header(job="j", verdict=verdict), ()))
    assert f'<span class="verdict {css}">{verdict}</span>j</h1>' in text
    assert f"<title>{verdict} · j</title>" in text


@pytest.mark.parametrize(
    ("views", "says"),
    [
        ([succeeded()], "All 1 workflow succeeded."),
        ([succeeded(), succeeded("unit")], "All 2 workflows succeeded."),
        ([], "All 0 workflows succeeded."),
        (
            [succeeded(), succeeded("unit", "Running")],
            "Nothing failed so far: 1 of 2 workflows succeeded, the rest run.",
        ),
    ],
)
def test_at_a_glance_when_nothing_failed(views: list[WorkflowView], says: str) -> None:
    text = render.render(Page(Header(), tuple(views)))
    assert f'<section class="glance good"><b>{says}</b></section>' in text
    assert "glance bad" not in text


def test_at_a_glance_a_workflow_that_did_not_run_says_why() -> None:
    views = (
        succeeded("fine"),
        view_of(None, label="broken", verdict="Invalid", problems=["bad <params>", "second"]),
        view_of(None, label="silent", verdict="NotSubmitted"),
    )
    items = glance_items(render.render(Page(Header(), views)))
    assert items == [
        '<a href="#w2">broken</a>: <b>Invalid</b> <span class="why">— bad <\u200bparams></span>',
        '<a href="#w3">silent</a>: <b>NotSubmitted</b>',
    ]


def test_at_a_glance_a_workflow_that_timed_out_running_shows_its_message() -> None:
    wf = workflow(node("root", "DAG", "Running", children=("a",)), node("a", phase="Running"),
                  phase="Running")  # fmt: skip
    wf["status"]["message"] = "waiting for <quota>"
    view = view_of(summarize(wf), label="e2e", verdict="TimedOut")
    assert not view.summary.failed  # nothing has failed in the cluster
    items = glance_items(render.render(Page(Header(), (view,))))
    assert items == [
        '<a href="#w1">e2e</a>: <b>TimedOut</b> '
        '<span class="why">— waiting for <\u200bquota></span>'
    ]


def test_at_a_glance_a_step_without_exit_code_or_message_gives_its_phase() -> None:
    view = one_failed_step(phase="Error", exit_code=None, message="")
    items = glance_items(render.render(Page(Header(), (view,))))
    assert items == ['<a href="#w1">e2e</a>: step <a href="#w1-f1"><b>a</b></a> error — Error']


def test_at_a_glance_only_the_first_hint_of_a_step() -> None:
    view = one_failed_step(exit_code=3, message="", hints=("first hint", "second hint"))
    items = glance_items(render.render(Page(Header(), (view,))))
    assert items == [
        '<a href="#w1">e2e</a>: step <a href="#w1-f1"><b>a</b></a> failed — exit code 3'
        '<br><span class="why">first hint</span>'
    ]


def many_failed_steps(count: int) -> Summary:
    names = [f"s{i:02d}" for i in range(count)]
    steps = [node(name, phase="Failed", start=i, end=i + 1) for i, name in enumerate(names)]
    return summarize(workflow(node("root", "DAG", "Failed", children=tuple(names)), *steps))


def test_at_a_glance_eight_failed_steps_then_how_many_more() -> None:
    text = render.render(Page(Header(), (view_of(many_failed_steps(10), label="e2e"),)))
    items = glance_items(text)
    assert [re.search(r"<b>(s\d+)</b>", item)[1] for item in items[:-1]] == [
        f"s{i:02d}" for i in range(8)
    ]
    assert items[-1] == '<a href="#w1">e2e</a>: and 2 more failed steps, listed below'
    nine = glance_items(render.render(Page(Header(), (view_of(many_failed_steps(8), label="e"),))))
    assert len(nine) == 8 and "more failed steps" not in nine[-1]


def junit_file(path: str, failures: int = 1, errors: int = 0, cases: int = 1, **more: object):
    return JunitFile(
        path=path,
        tests=10,
        failures=failures,
        errors=errors,
        skipped=2,
        cases=tuple(JunitCase("suite", f"test_{n}", "failure", f"m{n}") for n in range(cases)),
        **more,
    )


def test_at_a_glance_failed_junit_files_but_not_kftests_own() -> None:
    junit = (
        junit_file("artifacts/junit_e2e.xml", failures=1, errors=0, by_kftest=True),
        junit_file("artifacts/junit_unit.xml", failures=5, errors=1, cases=6),
        junit_file("artifacts/junit_lint.xml", failures=1, errors=0, cases=5),
        junit_file("artifacts/junit_fine.xml", failures=0, errors=0, cases=0),
        junit_file("artifacts/junit_odd.xml", failures=0, errors=1, cases=0),
    )
    items = glance_items(render.render(Page(Header(), (succeeded(),), junit)))
    assert items == [
        '<a href="#junit">artifacts/junit_unit.xml</a>: 5 failure(s), 1 error(s) '
        '<span class="why">— test_0, test_1, test_2, test_3, test_4…</span>',
        '<a href="#junit">artifacts/junit_lint.xml</a>: 1 failure(s), 0 error(s) '
        '<span class="why">— test_0, test_1, test_2, test_3, test_4</span>',
        '<a href="#junit">artifacts/junit_odd.xml</a>: 0 failure(s), 1 error(s)',
    ]
    # kftest's own junit file repeats a workflow's verdict: alone it makes nothing "failed".
    only_ours = render.render(Page(Header(), (succeeded(),), junit[:1]))
    assert 'class="glance good"' in only_ours


def test_a_workflow_section_says_what_ran_and_how_to_debug_it() -> None:
    wf = workflow(node("root", "DAG", "Failed", children=("a",)), node("a", phase="Failed"))
    wf["status"]["message"] = "child 'a' failed"
    summary = replace(summarize(wf), notes=("a note <b>",))
    view = view_of(summary, label="e2e", verdict="Failed", ui_url="https://argo/wf",
                   saved_copy="gs://b/wf.yaml", problems=("not submitted: quota",))  # fmt: skip
    text = render.render(Page(Header(), (view,)))
    assert '<h2 id="w1">e2e <span class="badge b-failed">Failed</span></h2>' in text
    assert (
        f'<p class="meta">workflow <b>{WF}</b> · namespace kubeflow-test-infra · duration 10s · '
        'started 2026-01-02T03:00:00Z · <a href="https://argo/wf" target="_blank" '
        'rel="noopener noreferrer">Argo UI</a></p>' in text
    )
    assert "<p class=\"meta\">message: child 'a' failed</p>" in text
    assert '<p class="note">a note <\u200bb></p>' in text
    assert '<pre class="query">not submitted: quota</pre>' in text
    debug = section(text, "<h3>Debug it yourself</h3>", "</pre>")
    assert debug.endswith(
        f'<pre class="query">kftest debug {WF} -n kubeflow-test-infra\n'
        "kftest debug gs://b/wf.yaml</pre>"
    )


def test_a_workflow_that_never_ran_has_only_its_heading_and_problems() -> None:
    view = view_of(None, label="broken", verdict="NotSubmitted", problems=("x" * 5000,))
    text = render.render(Page(Header(), (view,)))
    assert '<h2 id="w1">broken <span class="badge b-notsubmitted">NotSubmitted</span></h2>' in text
    problem = section(text, '<pre class="query">', "</pre>")
    assert problem == '<pre class="query">' + "x" * 3999 + "…</pre>"  # clipped at 4000
    assert 'class="meta"' not in section(text, '<h2 id="w1">', "</main>")
    assert "Graph" not in text and "Timeline" not in text and "Debug it" not in text


def test_a_workflow_with_little_known_leaves_out_what_it_does_not_know() -> None:
    wf = workflow(node("root", "DAG", "Running", children=("a",), end=None),
                  node("a", phase="Running", end=None), phase="Running")  # fmt: skip
    del wf["metadata"]["namespace"]
    del wf["status"]["startedAt"]
    summary = summarize(wf)
    text = render.render(Page(Header(), (view_of(summary, label="e2e"),)))
    meta = re.search(r'<p class="meta">(workflow .*?)</p>', text)[1]
    assert meta.startswith(f"workflow <b>{WF}</b> · duration ")
    assert "namespace" not in meta and "started" not in meta and "Argo UI" not in meta
    assert "message:" not in text


def timeline_svg(text: str, prefix: str = "w1") -> str:
    return section(text, f'id="{prefix}-timeline">', "</svg>")


def tick_labels(svg: str) -> list[str]:
    return re.findall(r'<text x="[\d.]+" y="14" text-anchor="middle" [^>]*>([^<]*)</text>', svg)


def test_the_timeline_draws_each_step_where_and_how_long_it_ran() -> None:
    text = render.render(Page(Header(), (view_of(dag_with_a_failed_branch(), label="e2e"),)))
    assert (
        '<h3>Timeline <small class="meta">from 2026-01-02T03:00:00Z, 5 steps; outlined in black: '
        "the critical path (4 steps)</small></h3>" in text
    )
    svg = timeline_svg(text)
    # 230 pixels of labels, then 640 for the 100 seconds of the run: 6.4 pixels a second.
    assert '<svg xmlns="http://www.w3.org/2000/svg" width="950" height="132" ' in svg
    assert tick_labels(svg) == ["0", "15s", "30s", "45s", "1m", "1m15s", "1m30s"]
    assert re.findall(r'<line x1="([\d.]+)"', svg) == [
        f"{230 + 15 * 6.4 * i:.1f}" for i in range(7)
    ]
    # Every other row on a grey band.
    assert re.findall(r'<rect x="0" y="(\d+)" width="950" height="20" fill="#f6f8fa"/>', svg) == [
        "44",
        "84",
    ]
    # The failed step: its label bold and red, its bar red and outlined as critical.
    assert (
        '<text x="222" y="78" text-anchor="end" font-weight="bold" fill="#cf222e">e2e'
        "<title>e2e</title></text>" in svg
    )
    assert (
        '<rect class="bar critical failed" x="422.0" y="67" width="384.0" height="14" rx="3" '
        'fill="#d1242f" stroke="#1f2328" stroke-width="2.5">'
        "<title>e2e: Failed, +30s, 1m, critical path</title></rect>" in svg
    )
    assert '<text x="812.0" y="78" fill="#57606a" font-size="11">1m</text>' in svg
    # A step off the critical path: its phase's colours, its label plain.
    assert '<text x="222" y="98" text-anchor="end">unit<title>unit</title></text>' in svg
    assert (
        '<rect class="bar" x="422.0" y="87" width="64.0" height="14" rx="3" fill="#d2f4dc" '
        'stroke="#1a7f37"><title>unit: Succeeded, +30s, 10s</title></rect>' in svg
    )


def one_step_timeline(seconds: float, label: str = "a") -> str:
    wf = workflow(
        node("root", "DAG", "Succeeded", children=("a",), start=0, end=seconds),
        node("a", display=label, start=0, end=seconds),
        phase="Succeeded",
    )
    return render.render(Page(Header(), (view_of(summarize(wf), label="e2e"),)))


@pytest.mark.parametrize(
    ("seconds", "ticks"),
    [
        (80, ["0", "10s", "20s", "30s", "40s", "50s", "1m", "1m10s", "1m20s"]),
        (20 * 86400, ["0", "3d", "6d", "9d", "12d", "15d", "18d"]),
        (0, ["0", "1s"]),  # at least a second
    ],
)
def test_the_timeline_has_round_ticks(seconds: float, ticks: list[str]) -> None:
    assert tick_labels(timeline_svg(one_step_timeline(seconds))) == ticks


TICK_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400]


@pytest.mark.parametrize("step", TICK_STEPS)
def test_a_run_eight_ticks_long_has_nine_ticks(step: int) -> None:
    ticks = tick_labels(timeline_svg(one_step_timeline(8 * step)))
    assert ticks == ["0"] + [format_duration(step * n) for n in range(1, 9)]


def test_a_run_a_little_longer_gets_the_next_tick_step() -> None:
    ticks = tick_labels(timeline_svg(one_step_timeline(81)))
    assert ticks == ["0", "15s", "30s", "45s", "1m", "1m15s"]


def test_a_step_that_took_no_time_is_still_a_visible_bar() -> None:
    svg = timeline_svg(one_step_timeline(0))
    assert re.search(r'<rect class="bar critical" x="230.0" y="27" width="2.0" ', svg)
    text = one_step_timeline(0)
    assert "the critical path (1 step)</small>" in text


def test_a_long_step_name_is_clipped_in_the_timeline_but_whole_in_its_tooltip() -> None:
    name = "a-step-with-a-very-long-name-indeed-yes"
    svg = timeline_svg(one_step_timeline(10, label=name))
    assert f'text-anchor="end">{name[:29]}…<title>{name}</title></text>' in svg


def test_a_retried_step_is_one_row_with_its_attempts() -> None:
    wf = workflow(
        node("root", "DAG", "Succeeded", children=("r",), start=0, end=30),
        node("r", "Retry", children=("r0", "r1"), display="flaky", start=0, end=30),
        node("r0", phase="Failed", display="flaky(0)", start=0, end=10, message="oops"),
        node("r1", display="flaky(1)", start=10, end=30),
        phase="Succeeded",
    )
    text = render.render(Page(Header(), (view_of(summarize(wf), label="e2e"),)))
    svg = timeline_svg(text)
    assert 'text-anchor="end">flaky (1 retries)<title>flaky</title></text>' in svg
    retried = graph_layout.RETRIED
    assert (
        f'<rect class="bar critical" x="230.0" y="27" width="213.3" height="14" rx="3" '
        f'fill="{retried.fill}" stroke="#1f2328" stroke-width="2.5">'
        "<title>flaky(0) attempt 0: Failed, +0s, 10s, critical path</title></rect>" in svg
    )
    assert "<title>flaky(1) attempt 1: Succeeded, +10s, 20s, critical path</title>" in svg
    # The row's total is the time of all its attempts, after the last one.
    assert '<text x="876.0" y="38" fill="#57606a" font-size="11">30s</text>' in svg
    assert "font-weight" not in svg  # nothing failed in the end


def test_steps_that_never_started_are_listed_below_the_timeline() -> None:
    wf = workflow(
        node("root", "DAG", "Failed", children=("a", "b", "c")),
        node("a", phase="Failed"),
        node("b", phase="Pending", start=None, end=None),
        node("c", phase="", start=None, end=None),
    )
    text = render.render(Page(Header(), (view_of(summarize(wf), label="e2e"),)))
    assert '<p class="note">Not run: b (Pending), c (no phase)</p>' in text


def article(text: str, anchor: str = "w1-f1") -> str:
    return section(text, f'<article class="step" id="{anchor}">', "</article>")


def facts_of(step: str) -> dict[str, str]:
    return dict(re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", step))


def render_one(view: WorkflowView) -> str:
    return render.render(Page(Header(), (view,)))


def test_a_failed_step_lists_its_facts() -> None:
    step = article(render_one(one_failed_step(exit_code=2)))
    assert step.startswith('<article class="step" id="w1-f1">\n<h4>✗ a</h4>\n')
    assert facts_of(step) == {
        "phase": "Failed",
        "exit code": "2",
        "message": "boom",
        "template": "a",
        "duration": "10s",
        "pod": "a",
    }
    # The cluster was not asked about this pod: no events or log, and it says where they are.
    assert "The cluster was not asked about this pod" in step
    unknown = facts_of(article(render_one(one_failed_step(message="", template="", pod_name=None))))
    assert unknown == {"phase": "Failed", "exit code": "-", "message": "-", "template": "-",
                       "duration": "10s"}  # fmt: skip


def test_a_step_that_runs_no_pod_is_not_said_to_have_one() -> None:
    step = article(render_one(one_failed_step(type="Suspend", pod_name=None)))
    assert "pod" not in facts_of(step) and "The cluster was not asked" not in step


@pytest.mark.parametrize(
    ("found", "state"), [(True, " (still existed when this page was made)"), (False, " (gone)")]
)
def test_a_failed_step_says_whether_its_pod_was_still_there(found: bool, state: str) -> None:
    step = article(render_one(one_failed_step(pod=PodInfo("a-123", found))))
    assert facts_of(step)["pod"] == "a" + state
    assert "The cluster was not asked" not in step


@pytest.mark.parametrize(
    ("reason", "restarts", "row"),
    [
        ("OOMKilled", 0, "main OOMKilled"),
        ("Error", 2, "main Error, 2 restarts"),
        (None, 1, "main , 1 restarts"),
        ("Error", 0, None),  # the usual: nothing more to say than the exit code
        (None, 0, None),
    ],
)
def test_a_failed_step_shows_its_container_when_it_says_more(
    reason: str | None, restarts: int, row: str | None
) -> None:
    pod = PodInfo("a", True, container=ContainerState(reason=reason, restarts=restarts))
    assert facts_of(article(render_one(one_failed_step(pod=pod)))).get("container") == row


def test_every_hint_of_a_failed_step_is_shown() -> None:
    step = article(render_one(one_failed_step(hints=("first <hint>", "second"))))
    assert re.findall(r'<div class="hint"><b>why:</b> (.*?)</div>', step) == [
        "first <\u200bhint>",
        "second",
    ]


def events(count: int) -> tuple[EventInfo, ...]:
    return tuple(
        EventInfo(f"03:00:{n:02d}", "Warning", f"R{n}", f"event {n}") for n in range(count)
    )


def test_a_failed_step_shows_its_last_twenty_events() -> None:
    more = (
        *events(24),
        EventInfo(None, "Normal", "BackOff", "y" * 600, count=2),
    )
    step = article(render_one(one_failed_step(pod=PodInfo("a", True, events=more))))
    table = section(step, "<b>Events</b>\n<table>", "</table>")
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", table)
    assert len(rows) == 20
    assert rows[0] == ("03:00:05", "Warning", "R5", "event 5")
    assert rows[-1] == ("-", "Normal", "BackOff (x2)", "y" * 499 + "…")  # seen twice


@pytest.mark.parametrize(
    ("pod", "note"),
    [
        (
            PodInfo("a", True, events_error="403 forbidden"),
            "Events could not be read: 403 forbidden",
        ),
        (PodInfo("a", True), "No events left (the cluster keeps them for about an hour)."),
        (PodInfo("a", True, log_error="pod gone"), "The log could not be read: pod gone"),
        (PodInfo("a", True), "The log is empty."),
    ],
)
def test_a_failed_step_says_why_events_or_log_are_missing(pod: PodInfo, note: str) -> None:
    step = article(render_one(one_failed_step(pod=pod)))
    assert f'<p class="note">{note}</p>' in step
    assert "<table>" not in step and '<pre class="log">' not in step


def test_a_gone_pod_has_no_events_or_log_section() -> None:
    step = article(render_one(one_failed_step(pod=PodInfo("a", False, log_tail=("x",)))))
    assert "<b>Events</b>" not in step and "No events" not in step
    assert '<pre class="log">' not in step and "The log" not in step


def log_of(text: str, anchor: str = "w1-f1") -> tuple[str, list[str]]:
    """The log's heading and its lines."""
    step = article(text, anchor)
    found = re.search(r'<b>Log</b> \((.*?)\)\n<div class="logbox"><pre class="log">(.*?)</pre>',
                      step, re.S)  # fmt: skip
    assert found is not None
    return found[1], found[2].split("\n")


def test_a_short_log_is_shown_whole() -> None:
    pod = PodInfo("a", True, log_tail=("one", "two"))
    assert log_of(render_one(one_failed_step(pod=pod))) == (
        "the last 2 lines of container main",
        ["one", "two"],
    )


def test_a_tekton_steps_log_names_its_container() -> None:
    pod = PodInfo("a", True, log_tail=("--- FAIL: TestE2E",), container_name="step-test")
    assert log_of(render_one(one_failed_step(pod=pod))) == (
        "the last 1 lines of container step-test",
        ["--- FAIL: TestE2E"],
    )


def test_one_failed_steps_log_is_at_most_24000_characters() -> None:
    pod = PodInfo("a", True, log_tail=("",) * 30_000)  # a line costs its newline
    heading, lines = log_of(render_one(one_failed_step(pod=pod)))
    assert heading == (
        "the last 24000 lines of container main, 6000 earlier lines left out to keep the page small"
    )
    assert len(lines) == 24000


def test_the_pages_logs_share_300000_characters_between_the_failed_steps() -> None:
    """Thirteen failed steps (each would have 24000 alone) share the page's budget."""
    names = [f"s{i:02d}" for i in range(13)]
    steps = [node(name, phase="Failed", start=i) for i, name in enumerate(names)]
    wf = workflow(node("root", "DAG", "Failed", children=tuple(names)), *steps)
    pods = {name: PodInfo(name, True, log_tail=("",) * 30_000) for name in names}
    text = render_one(view_of(summarize(wf, pods), label="e2e"))
    shown = [len(log_of(text, f"w1-f{n}")[1]) for n in range(1, 14)]
    assert shown == [300_000 // 13] * 13


def test_a_long_log_line_is_clipped_at_400_characters() -> None:
    pod = PodInfo("a", True, log_tail=("x" * 401, "y" * 400))
    _, lines = log_of(render_one(one_failed_step(pod=pod)))
    assert lines == ["x" * 399 + "…", "y" * 400]


def test_a_log_keeps_the_lines_that_fit_exactly() -> None:
    assert render.tail_within(["ab", "cd", "ef"], 6) == ["cd", "ef"]  # 2 + newline each
    assert render.tail_within(["ab", "cd", "ef"], 5) == ["ef"]
    # The last line is kept even when it alone is more than the limit.
    assert render.tail_within(["a", "x" * 1000], 10) == ["x" * 399 + "…"]


def test_a_failed_step_links_its_log_query_in_the_project_it_ran_in() -> None:
    url = "https://console.cloud.google.com/logs/query;query=x?project=p"
    step = article(render_one(one_failed_step(logging_filter="the <query>", logging_url=url)))
    assert (
        "<b>Cloud Logging</b> (the main container's log, also after the pod is gone): "
        f'<a href="{url}" target="_blank" rel="noopener noreferrer">open the query in the Logs '
        'Explorer</a>\n<pre class="query">the <\u200bquery></pre>' in step
    )
    assert "(in the project you last used)" not in step
    no_query = article(render_one(one_failed_step(logging_filter=None, logging_url=None)))
    assert "Cloud Logging" not in no_query


def test_a_failed_step_without_debug_command_has_no_debug_section() -> None:
    view = replace(one_failed_step(), debug_commands=())
    text = render_one(view)
    assert "Debug it" not in text
    step = article(render_one(replace(one_failed_step(), debug_commands=("first", "last"))))
    assert step.endswith('<b>Debug it</b>\n<pre class="query">last</pre>\n</article>')


def test_fifty_failed_steps_in_full_then_the_names_of_the_rest() -> None:
    text = render_one(view_of(many_failed_steps(52), label="e2e"))
    assert "<h3>Failed steps (52)</h3>" in text
    assert text.count('<article class="step"') == 50
    assert 'id="w1-f50"' in text and 'id="w1-f51"' not in text
    assert '<p class="note">And 2 more: s50, s51</p>' in text
    fifty = render_one(view_of(many_failed_steps(50), label="e2e"))
    assert fifty.count('<article class="step"') == 50 and "more:" not in fifty


def test_the_junit_table_and_the_failed_cases() -> None:
    junit = (
        JunitFile("artifacts/junit_unit.xml", 10, 2, 1, 3, (
            JunitCase("suite", "test_a", "failure", "assert 1 == 2", "Traceback: <x>"),
            JunitCase("suite", "test_b", "error", "same", "same"),
            JunitCase("suite", "test_c", "failure", "no detail"),
        )),
        JunitFile("artifacts/junit_e2e.xml", 1, 0, 0, 0, (), by_kftest=True),
        JunitFile("artifacts/junit_bad.xml", 0, 0, 0, 0, (), note="not XML"),
    )  # fmt: skip
    text = render.render(Page(Header(), (), junit))
    table = section(text, '<h2 id="junit">JUnit results</h2>', "</table>")
    assert re.findall(r"<tr><td>.*?</tr>", table) == [
        '<tr><td>artifacts/junit_unit.xml</td><td class="num">10</td>'
        '<td class="num bad-num">2</td><td class="num bad-num">1</td><td class="num">3</td></tr>',
        '<tr><td>artifacts/junit_e2e.xml <span class="note">(kftest\'s: the workflow and its '
        'failed steps)</span></td><td class="num">1</td><td class="num">0</td>'
        '<td class="num">0</td><td class="num">0</td></tr>',
        '<tr><td>artifacts/junit_bad.xml <span class="note">(not XML)</span></td>'
        '<td class="num">0</td><td class="num">0</td><td class="num">0</td>'
        '<td class="num">0</td></tr>',
    ]
    cases = text[text.index("</table>") :]
    assert re.findall(r"<h3>(.*?)</h3>", cases) == ["artifacts/junit_unit.xml"]
    assert (
        "<li><b>test_a</b> <small>suite</small> failure: assert 1 == 2<details><summary>details"
        "</summary><pre>Traceback: <\u200bx></pre></details></li>\n"
        "<li><b>test_b</b> <small>suite</small> error: same</li>\n"
        "<li><b>test_c</b> <small>suite</small> failure: no detail</li>\n</ul>" in cases
    )


def test_no_junit_files_is_said() -> None:
    text = render.render(Page(Header(), ()))
    assert (
        '<h2 id="junit">JUnit results</h2>\n<p class="note">No junit files in the artifacts.</p>'
        in text
    )
    assert "<table>" not in text


def test_long_texts_are_clipped_where_they_are_shown() -> None:
    long = "m" * 5000
    names = [f"s{i:02d}-" + "n" * 1600 if i >= 50 else f"s{i:02d}" for i in range(52)]
    steps = [node(name, phase="Failed", start=i, end=i + 1, message=long)
             for i, name in enumerate(names)]  # fmt: skip
    steps.append(node("late-" + "p" * 2100, phase="Pending", start=None, end=None))
    wf = workflow(node("root", "DAG", "Failed", children=(*names, steps[-1]["id"])), *steps)
    wf["status"]["message"] = long
    summary = summarize(wf)
    failed = (replace(summary.failed[0], hints=("h" * 400,)), *summary.failed[1:])
    views = (
        view_of(None, label="broken", verdict="Invalid", problems=[long]),
        view_of(replace(summary, failed=failed), label="e2e"),
    )
    junit = (junit_file("artifacts/junit_unit.xml", cases=5, failures=5),)
    junit = (replace(junit[0], cases=tuple(replace(c, name=c.name * 20) for c in junit[0].cases)),)
    text = render.render(Page(Header(), views, junit))
    items = glance_items(text)
    assert f'<span class="why">— {"m" * 299}…</span>' in items[0]  # why it did not run
    assert f"failed — Failed: {'m' * 291}…<br>" in items[1]
    assert items[1].endswith(f'<br><span class="why">{"h" * 299}…</span>')
    joined = ", ".join(f"test_{n}" * 20 for n in range(5))
    assert items[-1].endswith(f'<span class="why">— {joined[:299]}…</span>')
    assert f'<p class="meta">message: {"m" * 999}…</p>' in text
    rest = re.search(r'<p class="note">And 2 more: (.*?)</p>', text)[1]
    assert rest == (names[50] + ", " + names[51])[:2999] + "…"
    not_run = re.search(r'<p class="note">Not run: (.*?)</p>', text)[1]
    assert not_run == f"late-{'p' * 2100} (Pending)"[:1999] + "…"


def test_the_graph_says_how_many_nodes_and_what_the_colours_mean() -> None:
    text = render.render(page.for_workflows([({}, dag_with_a_failed_branch())]), dot_timeout=0)
    assert '<h3>Graph <small class="meta">7 nodes</small></h3>' in text
    legend = section(text, '<div class="legend">', "</div>")
    named = re.findall(r'style="background:([^;]+);border-color:([^;"]+)[^"]*"></span>([^<]+)<',
                       legend)  # fmt: skip
    assert named == [
        *((style.fill, style.stroke, phase) for phase, style in graph_layout.PHASES.items()),
        ("#ffebe9", "#cf222e", "failed, then retried"),
        ("#cf222e", "#cf222e", "the way to the failure"),
    ]
    assert [phase for *_, phase in named[:7]] == [
        "Succeeded", "Failed", "Error", "Running", "Pending", "Skipped", "Omitted",
    ]  # fmt: skip


def test_the_step_tree_shows_each_step_indented_and_coloured() -> None:
    text = render.render(page.for_workflows([({}, dag_with_a_failed_branch())]), dot_timeout=0)
    assert "No drawing: no time was left to lay the graph out. The steps as a tree:" in text
    tree = section(text, '<ul class="tree">', "</ul>")
    rows = re.findall(r"<li .*?</li>", tree)
    assert len(rows) == 7
    assert rows[0] == (
        '<li id="w1-n0" class="phase-failed failed failed-path" style="margin-left:0px;'
        'background:#d1242f;border-color:#82071e;color:#ffffff">workflow '
        "<small>DAG Failed 1m40s</small></li>"
    )
    e2e = next(row for row in rows if ">e2e<" in row)
    assert e2e == (
        '<li id="w1-n4" class="phase-failed failed cause failed-path" style="margin-left:54px;'
        'background:#d1242f;border-color:#82071e;color:#ffffff"><b>e2e</b> '
        "<small>Pod Failed 1m</small> — Error (exit code 2)</li>"
    )
    unit = next(row for row in rows if ">unit " in row)
    assert 'style="margin-left:54px;background:#d2f4dc;border-color:#1a7f37;color:#1f2328">' in unit


def test_the_step_tree_stops_indenting_thirty_levels_deep() -> None:
    chain = [node(f"s{i}", "Steps", children=(f"s{i + 1}",)) for i in range(33)]
    chain.append(node("s33", phase="Failed", message="x" * 300))
    wf = workflow(node("root", "Steps", "Failed", children=("s0",)), *chain)
    text = render.render(page.for_workflows([(wf, None)]), dot_timeout=0)
    margins = re.findall(r'<li id="w1-n\d+" [^>]*style="margin-left:(\d+)px', text)
    assert [int(m) for m in margins] == [18 * min(depth, 30) for depth in range(35)]
    assert text.count(f"— {'x' * 199}…</li>") == 1  # a failed step's message, clipped


def test_the_timeline_grid_lines_run_from_the_ticks_down() -> None:
    svg = timeline_svg(one_step_timeline(10))
    assert '<line x1="230.0" y1="18" x2="230.0" y2="52" stroke="#eaeef2"/>' in svg


def test_a_workflow_with_no_step_started_has_no_timeline_but_says_what_waits() -> None:
    wf = workflow(node("root", "DAG", "Pending", children=("a",), start=None, end=None),
                  node("a", phase="Pending", start=None, end=None), phase="Pending")  # fmt: skip
    del wf["status"]["startedAt"]
    text = render_one(view_of(summarize(wf), label="e2e"))
    assert "Timeline" not in text and 'id="w1-timeline"' not in text
    assert '<h2 id="w1">e2e <span class="badge b-pending">Pending</span></h2>' in text
    assert '<p class="note">Not run: a (Pending)</p>' in text


def test_the_footer_says_when_and_by_which_kftest_the_page_was_made() -> None:
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    text = render.render(Page(Header(), ()), generated_at=when)
    assert f"<footer>Made by kftest {__version__} at 2026-01-02T03:04:05Z. " in text
    now = render.render(Page(Header(), ()))
    made = re.search(r"at (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)\. ", now)[1]
    age = datetime.now(timezone.utc) - datetime.strptime(made, "%Y-%m-%dT%H:%M:%S%z")
    assert abs(age.total_seconds()) < 600


class _Structure(HTMLParser):
    """The page's elements as a tree path per element; fails on a tag closed out of order."""

    VOID = frozenset({"meta", "br", "link", "img", "input", "hr"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.paths: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        css = dict(attrs).get("class")
        self.paths.append("/".join([*self.stack, tag + (f".{css}" if css else "")]))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.paths.append("/".join([*self.stack, tag]))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:]}")
        else:
            self.stack.pop()


def structure(text: str) -> _Structure:
    parser = _Structure()
    parser.feed(text)
    parser.close()
    assert parser.problems == [] and parser.stack == []
    return parser


@pytest.mark.parametrize("dot_timeout", [0, 20], ids=["tree", "drawing"])
def test_every_element_of_the_page_is_closed_where_it_belongs(dot_timeout: float) -> None:
    summary = dag_with_a_failed_branch()
    pods = {"e2e": PodInfo("e2e", True, log_tail=("x",), events=events(2),
                           container=ContainerState(reason="OOMKilled"))}  # fmt: skip
    failed = tuple(replace(step, pod=pods[step.node_id], hints=("h",)) for step in summary.failed)
    views = (
        view_of(replace(summary, failed=failed, notes=("n",)), label="e2e", ui_url="https://a/"),
        view_of(None, label="broken", verdict="Invalid", problems=["bad"]),
        one_failed_step(pod=PodInfo("a", True, events_error="no", log_error="no")),
    )
    junit = (junit_file("artifacts/junit_unit.xml", cases=2),)
    header = Header(job="j", repo="o/r", pull="1", sha="abc", build="2", results="gs://b/x")
    text = render.render(Page(header, views, junit), dot_timeout=dot_timeout)
    assert text.startswith("<!DOCTYPE html>\n<html") and text.endswith("</body></html>\n")
    paths = structure(text).paths
    assert [p for p in paths if p.count("/") == 1] == ["html/head", "html/body"]
    assert [p for p in paths if p.startswith("html/head/") and "meta" not in p] == [
        "html/head/title",
        "html/head/style",
    ]
    assert [p for p in paths if p.count("/") == 2 and p.startswith("html/body/")] == [
        "html/body/header.top",
        "html/body/main",
    ]
    main = [
        p.split("/")[-1] for p in paths if p.count("/") == 3 and p.startswith("html/body/main/")
    ]
    assert main[0] == "section.glance bad" and main[-1] == "footer"
    assert main.count("h2") == 4 and main.count("article.step") == 2  # 3 workflows, junit
    assert "html/body/header/div.facts" in paths
