from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from compiler.operate.debug import NodeLine, Summary, summarize
from compiler.report.html.model import (
    Header,
    JunitFile,
    Page,
    graph_of,
    overall_verdict,
    time_span,
    timeline_of,
    view_of,
)

from .builders import T0, WF, node, workflow


def dag_with_a_failed_branch() -> Summary:
    """checkout -> build -> (unit, e2e); e2e failed; the exit handler ran afterwards."""
    return summarize(
        workflow(
            node("root", "DAG", "Failed", children=("checkout",), start=0, end=100),
            node("checkout", children=("build",), start=0, end=10),
            node("build", children=("unit", "e2e"), start=10, end=30),
            node("unit", start=30, end=40),
            node("e2e", phase="Failed", start=30, end=90, message="Error (exit code 2)"),
            node("exit", "Steps", children=("copy",), start=91, end=99, display=f"{WF}.onExit"),
            node("copy", start=92, end=99),
            end=100,
        )
    )


def test_the_failed_path_runs_from_the_root_to_the_failed_step() -> None:
    graph = graph_of(dag_with_a_failed_branch())
    assert graph.failed_path == {WF, "checkout", "build", "e2e"}
    assert graph.failed_edges == {(WF, "checkout"), ("checkout", "build"), ("build", "e2e")}
    assert set(graph.edges) == graph.failed_edges | {("build", "unit"), ("exit", "copy")}
    by_id = {n.id: n for n in graph.nodes}
    assert [n.id for n in graph.nodes if n.cause] == ["e2e"]
    assert by_id[WF].failed and not by_id[WF].cause  # failed because of its child
    # The generated workflow name is not repeated on every node.
    assert (by_id[WF].label, by_id["exit"].label, by_id["e2e"].label) == (
        "workflow",
        ".onExit",
        "e2e",
    )


def test_a_succeeded_workflow_has_no_failed_path() -> None:
    summary = summarize(
        workflow(node("root", "DAG", children=("a",)), node("a"), phase="Succeeded")
    )
    graph = graph_of(summary)
    assert graph.failed_path == frozenset() and graph.failed_edges == frozenset()


def test_the_critical_path_is_the_chain_that_ended_last() -> None:
    timeline = timeline_of(dag_with_a_failed_branch())
    # unit ended at 40, e2e at 90: e2e gated the exit handler; build gated both.
    assert timeline.critical_path == ("checkout", "build", "e2e", "copy")
    assert [row.label for row in timeline.rows] == ["checkout", "build", "e2e", "unit", "copy"]
    bars = {row.label: row.bars[0] for row in timeline.rows}
    assert (bars["e2e"].start, bars["e2e"].end, bars["e2e"].critical) == (30, 90, True)
    assert bars["e2e"].failed and not bars["unit"].critical
    assert timeline.span == 100 and timeline.origin == "2026-01-02T03:00:00Z"


def test_a_slow_sibling_takes_the_critical_path() -> None:
    summary = summarize(
        workflow(
            node("root", "DAG", "Succeeded", children=("a",), start=0, end=60),
            node("a", children=("fast", "slow"), start=0, end=10),
            node("fast", children=("join",), start=10, end=20),
            node("slow", children=("join",), start=10, end=50),
            node("join", start=50, end=60),
            phase="Succeeded",
        )
    )
    assert timeline_of(summary).critical_path == ("a", "slow", "join")


def test_retries_share_a_row_and_the_failed_attempt_is_not_a_failure() -> None:
    summary = summarize(
        workflow(
            node("root", "DAG", "Succeeded", children=("checkout",), start=0, end=80),
            node("checkout", children=("flaky",), start=0, end=10),
            node("flaky", "Retry", children=("flaky-0", "flaky-1"), start=10, end=70),
            node("flaky-0", phase="Failed", start=10, end=30, display="flaky(0)"),
            node("flaky-1", start=35, end=70, display="flaky(1)"),
            phase="Succeeded",
        )
    )
    graph = graph_of(summary)
    attempt = next(n for n in graph.nodes if n.id == "flaky-0")
    assert (attempt.failed, attempt.retried, attempt.on_failed_path) == (False, True, False)
    timeline = timeline_of(summary)
    [checkout, flaky] = timeline.rows
    assert checkout.retries == 0
    assert (flaky.label, flaky.retries) == ("flaky", 1)
    assert [(b.attempt, b.phase, b.start, b.end) for b in flaky.bars] == [
        (0, "Failed", 10, 30),
        (1, "Succeeded", 35, 70),
    ]
    # The second attempt waited for the first: both are on the critical path.
    assert timeline.critical_path == ("checkout", "flaky-0", "flaky-1")


def test_steps_templates_go_through_their_step_groups() -> None:
    summary = summarize(
        workflow(
            node("root", "Steps", "Failed", children=("g0",), start=0, end=40),
            node("g0", "StepGroup", children=("s1",), start=0, end=20, display="[0]"),
            node("s1", children=("g1",), start=0, end=20),
            node("g1", "StepGroup", "Failed", children=("s2",), start=20, end=40, display="[1]"),
            node("s2", phase="Failed", start=20, end=40),
        )
    )
    graph = graph_of(summary)
    assert graph.failed_path == {WF, "g0", "s1", "g1", "s2"}
    timeline = timeline_of(summary)
    assert [row.label for row in timeline.rows] == ["s1", "s2"]  # step groups run nothing
    assert timeline.critical_path == ("s1", "s2")


def test_steps_that_never_started_are_listed_not_drawn() -> None:
    summary = summarize(
        workflow(
            node("root", "DAG", "Failed", children=("a",), start=0, end=20),
            node("a", phase="Failed", children=("b",), start=0, end=20),
            node("b", phase="Omitted", start=None, end=None),
        )
    )
    timeline = timeline_of(summary)
    assert [row.label for row in timeline.rows] == ["a"]
    assert timeline.not_run == (("b", "Omitted"),)


def test_no_times_no_timeline() -> None:
    summary = summarize(
        workflow(
            node("root", "DAG", "Pending", children=("a",), start=None, end=None),
            node("a", phase="Pending", start=None, end=None),
            phase="Pending",
        )
    )
    summary = replace(summary, started_at=None)
    timeline = timeline_of(summary)
    assert (timeline.origin, timeline.rows, timeline.critical_path) == (None, (), ())
    assert timeline.not_run == (("a", "Pending"),)


def test_the_model_needs_no_argo() -> None:
    """Nodes of any engine (here: Tekton-like TaskRuns under a PipelineRun) are drawn."""

    def line(node_id: str, kind: str, depth: int, phase: str, start: str, end: str,
             children: tuple[str, ...] = ()) -> NodeLine:  # fmt: skip
        return NodeLine(
            id=node_id, display_name=node_id, type=kind, phase=phase, depth=depth,
            duration=None, failed=phase == "Failed", children=children,
            started_at=f"2026-01-02T03:00:{start}Z", finished_at=f"2026-01-02T03:00:{end}Z",
        )  # fmt: skip

    summary = Summary(
        name="pr-run", namespace="ci", phase="Failed", message="", started_at=None,
        finished_at=None, duration=None, running=False, pod_name_format=None, source=None,
        nodes=(
            line("pr-run", "PipelineRun", 0, "Failed", "00", "30", ("fetch", "test")),
            line("fetch", "TaskRun", 1, "Succeeded", "00", "10", ("test",)),
            line("test", "TaskRun", 1, "Failed", "10", "30"),
        ),
        failed=(),
    )  # fmt: skip
    timeline = timeline_of(summary)
    assert [row.label for row in timeline.rows] == ["fetch", "test"]
    assert timeline.critical_path == ("fetch", "test")
    assert timeline.origin == "2026-01-02T03:00:00Z"
    assert len(graph_of(summary).edges) == 3


def test_a_view_says_how_to_debug_it() -> None:
    summary = dag_with_a_failed_branch()
    view = view_of(summary, label="e2e", saved_copy=f"gs://b/logs/j/1/{WF}.yaml")
    assert view.debug_commands == (
        f"kftest debug {WF} -n kubeflow-test-infra",
        f"kftest debug gs://b/logs/j/1/{WF}.yaml",
    )
    assert view.verdict == "Failed" and view.failed
    assert overall_verdict([view], []) == "FAILURE"
    nothing = view_of(None, label="broken", verdict="Invalid", problems=["x.yaml:1:1: error"])
    assert (nothing.graph, nothing.timeline, nothing.debug_commands) == (None, None, ())


def test_a_task_after_a_retried_one_has_its_own_row() -> None:
    summary = summarize(
        workflow(
            node("root", "DAG", "Failed", children=("flaky",), start=0, end=90),
            node("flaky", "Retry", children=("flaky-0", "flaky-1", "e2e"), start=0, end=50),
            node("flaky-0", phase="Failed", start=0, end=20, display="flaky(0)"),
            node("flaky-1", children=("e2e",), start=25, end=50, display="flaky(1)"),
            node("e2e", phase="Failed", start=50, end=90),
        )
    )
    assert [step.display_name for step in summary.failed] == ["e2e"]
    timeline = timeline_of(summary)
    assert [(row.label, row.retries) for row in timeline.rows] == [("flaky", 1), ("e2e", 0)]
    assert timeline.critical_path == ("flaky-0", "flaky-1", "e2e")
    assert graph_of(summary).failed_path == {WF, "flaky", "flaky-1", "e2e"}


def finished(start: float, end: float | None, phase: str = "Succeeded") -> Summary:
    return summarize(
        workflow(node("root", "DAG", phase, children=("a",)), node("a"), phase=phase,
                 start=start, end=end)
    )  # fmt: skip


def test_the_runs_times_are_from_the_first_start_to_the_last_finish() -> None:
    views = [
        view_of(finished(5, 90), label="late-start"),
        view_of(finished(0, 100), label="first"),
        view_of(None, label="broken", verdict="Invalid"),  # no times
    ]
    assert time_span(views) == ("2026-01-02T03:00:00Z", "2026-01-02T03:01:40Z", 100.0)
    running = replace(finished(0, 10, "Running"), finished_at=None)
    assert time_span([view_of(running, label="r")]) == ("2026-01-02T03:00:00Z", None, None)
    assert time_span([view_of(None, label="broken", verdict="Invalid")]) == (None, None, None)
    assert time_span([]) == (None, None, None)
    never = replace(finished(0, 10, "Pending"), started_at=None)
    assert time_span([view_of(never, label="p")]) == (None, None, None)


def test_the_verdict_of_the_run() -> None:
    passed = view_of(finished(0, 10), label="ok")
    running = view_of(finished(0, 10), label="still", verdict="Running")
    pending = view_of(finished(0, 10), label="queued", verdict="Pending")
    assert [v.failed for v in (passed, running, pending)] == [False, False, False]
    assert overall_verdict([passed, running, pending], []) == "SUCCESS"
    assert overall_verdict([], []) == "SUCCESS"
    for verdict in ("Failed", "Error", "Invalid", "NotSubmitted", "TimedOut", "Deleted"):
        bad = view_of(finished(0, 10), label="bad", verdict=verdict)
        assert bad.failed and overall_verdict([passed, bad], []) == "FAILURE"
    clean = JunitFile("junit_a.xml", 3, 0, 0, 1, ())
    failing = JunitFile("junit_b.xml", 3, 0, 1, 0, ())
    assert (clean.problems, failing.problems, JunitFile("c", 5, 2, 1, 0, ()).problems) == (0, 1, 3)
    assert overall_verdict([passed], [clean]) == "SUCCESS"
    assert overall_verdict([passed], [clean, failing]) == "FAILURE"
    page = Page(Header(), (passed, view_of(None, label="x", verdict="Invalid"), running))
    assert [v.label for v in page.failed_workflows] == ["x"]


def test_the_header_links_to_github_only_for_an_org_and_repo() -> None:
    full = Header(repo="kubeflow/testing", pull="7", sha="abc123")
    assert (full.repo_url, full.pull_url, full.commit_url) == (
        "https://github.com/kubeflow/testing",
        "https://github.com/kubeflow/testing/pull/7",
        "https://github.com/kubeflow/testing/commit/abc123",
    )
    bare = Header(repo="kubeflow/testing")
    assert (bare.pull_url, bare.commit_url) == (None, None)
    for repo in ("kubeflow", "", "a/b/c"):
        odd = Header(repo=repo, pull="7", sha="abc")
        assert (odd.repo_url, odd.pull_url, odd.commit_url) == (None, None, None)


def test_a_started_workflow_whose_steps_have_not_started_yet() -> None:
    summary = summarize(
        workflow(
            node("root", "DAG", "Running", children=("a",), start=0, end=None),
            node("a", phase="Pending", start=None, end=None),
            phase="Running",
        )
    )
    timeline = timeline_of(summary)
    assert (timeline.origin, timeline.rows, timeline.critical_path) == (
        "2026-01-02T03:00:00Z", (), ()
    )  # fmt: skip
    assert timeline.not_run == (("a", "Pending"),) and timeline.span == 1.0


def test_a_running_step_is_drawn_up_to_now() -> None:
    summary = summarize(
        workflow(
            node("root", "DAG", "Running", children=("a", "b", "c"), start=0, end=None),
            node("a", phase="Running", start=10, end=None),
            node("b", phase="Failed", start=5, end=None),  # no end, not running: no bar
            node("c", start=20, end=15),  # a clock that went back: no negative bar
            phase="Running",
        ),
        now=T0 + timedelta(seconds=60),
    )
    timeline = timeline_of(summary)
    bars = {row.label: (row.bars[0].start, row.bars[0].end) for row in timeline.rows}
    assert bars == {"a": (10, 60), "c": (20, 20)}
    assert timeline.not_run == (("b", "Failed"),)
    assert timeline.span == 60 and timeline.critical_path == ("a",)


def test_a_step_before_the_workflows_start_is_drawn_from_its_start() -> None:
    summary = summarize(
        workflow(
            node("root", "DAG", children=("a", "b"), start=10, end=40),
            node("a", start=5, end=20),
            node("b", start=30, end=40),
            phase="Succeeded",
            start=10,
        )
    )
    timeline = timeline_of(summary)
    assert [(r.label, r.bars[0].start, r.bars[0].end) for r in timeline.rows] == [
        ("a", 0, 10), ("b", 20, 30)
    ]  # fmt: skip
    assert timeline.origin == "2026-01-02T03:00:10Z" and timeline.span == 30


def test_a_workflow_whose_nodes_form_a_cycle_is_drawn() -> None:
    """A hostile (or broken) saved workflow: children that lead back to their parents."""
    summary = summarize(
        workflow(
            node("root", "DAG", "Failed", children=("a",), start=0, end=50),
            node("a", children=("b",), start=0, end=20),
            node("b", phase="Failed", children=("a", "root"), start=20, end=40),
        )
    )
    timeline = timeline_of(summary)
    assert timeline.critical_path == ("a", "b")
    assert [row.label for row in timeline.rows] == ["a", "b"]
    graph = graph_of(summary)
    assert graph.failed_path == {WF, "a", "b"}
    assert graph.failed_edges == {(WF, "a"), ("a", "b"), ("b", "a")} == set(graph.edges)


def test_a_cycle_of_dags_above_a_step_ends() -> None:
    summary = summarize(
        workflow(
            node("root", "DAG", "Failed", children=("first",), start=0, end=50),
            node("first", children=("g1",), start=0, end=10),
            node("g1", "DAG", children=("g2",), start=10, end=40),
            node("g2", "DAG", children=("g1", "last"), start=10, end=40),
            node("last", phase="Failed", start=10, end=40),
        )
    )
    assert timeline_of(summary).critical_path == ("first", "last")
    assert graph_of(summary).failed_path == {WF, "first", "g1", "g2", "last"}


def test_the_exit_handlers_steps_follow_each_other_on_the_critical_path() -> None:
    """Each step of the exit handler follows the one before it in the handler; only the
    handler's first steps follow the whole main tree (here its last step ended late)."""
    summary = summarize(
        workflow(
            node("root", "DAG", "Failed", children=("e2e",), start=0, end=110),
            node("e2e", phase="Failed", start=0, end=100),
            node("exit", "Steps", children=("notify",), start=90, end=110, display=f"{WF}.onExit"),
            node("notify", children=("cleanup",), start=90, end=95),
            node("cleanup", start=96, end=110),
            end=110,
        )
    )
    assert timeline_of(summary).critical_path == ("e2e", "notify", "cleanup")


def test_a_cycle_back_to_a_later_step_does_not_cut_the_critical_path_short() -> None:
    summary = summarize(
        workflow(
            node("root", "DAG", "Failed", children=("s",), start=0, end=30),
            node("s", children=("a",), start=0, end=10),
            node("a", children=("b",), start=10, end=20),
            node("b", phase="Failed", children=("a",), start=20, end=30),  # back to a
        )
    )
    assert timeline_of(summary).critical_path == ("s", "a", "b")


def test_of_steps_that_ended_together_the_one_that_started_last_is_on_the_critical_path() -> None:
    """It set the end: the other had been running long before (ties: the later start)."""
    last_two = summarize(
        workflow(
            node("root", "DAG", "Succeeded", children=("a-late", "b-early"), start=0, end=60),
            node("a-late", start=30, end=60),
            node("b-early", start=0, end=60),
            phase="Succeeded",
        )
    )
    assert timeline_of(last_two).critical_path == ("a-late",)
    before_a_join = summarize(
        workflow(
            node("root", "DAG", "Succeeded", children=("s",), start=0, end=60),
            node("s", children=("a-late", "b-early"), start=0, end=10),
            node("a-late", children=("join",), start=20, end=50),
            node("b-early", children=("join",), start=10, end=50),
            node("join", start=50, end=60),
            phase="Succeeded",
        )
    )
    assert timeline_of(before_a_join).critical_path == ("s", "a-late", "join")


def retried(*attempts: tuple[str, float | None, float | None]) -> Summary:
    """checkout, then a step retried: (phase, start, end) per attempt."""
    ids = tuple(f"flaky-{i}" for i in range(len(attempts)))
    return summarize(
        workflow(
            node("root", "DAG", "Succeeded", children=("checkout",), start=0, end=100),
            node("checkout", children=("flaky",), start=0, end=10),
            node("flaky", "Retry", children=ids, start=10, end=100),
            *(
                node(f"flaky-{i}", phase=phase, start=start, end=end, display=f"flaky({i})")
                for i, (phase, start, end) in enumerate(attempts)
            ),
            phase="Succeeded",
        )
    )


def test_each_attempt_follows_the_last_attempt_that_ran_before_it() -> None:
    three = retried(("Failed", 10, 20), ("Failed", 25, 40), ("Succeeded", 45, 90))
    assert timeline_of(three).critical_path == ("checkout", "flaky-0", "flaky-1", "flaky-2")
    # The second attempt failed before its pod started: the third follows the first.
    gap = retried(("Failed", 10, 20), ("Error", None, None), ("Succeeded", 45, 90))
    timeline = timeline_of(gap)
    assert timeline.critical_path == ("checkout", "flaky-0", "flaky-2")
    [_, row] = timeline.rows
    assert [bar.attempt for bar in row.bars] == [0, 2] and row.retries == 1


def test_a_retried_steps_attempts_are_in_their_order_on_its_row() -> None:
    """Also when the clock says the second attempt started first."""
    skewed = retried(("Failed", 30, 40), ("Succeeded", 20, 60))
    [_, row] = timeline_of(skewed).rows
    assert [(bar.attempt, bar.start) for bar in row.bars] == [(0, 30), (1, 20)]
