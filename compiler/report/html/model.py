"""The model behind the run report: what the page shows, computed from ``kftest debug``'s
``Summary`` of each workflow (``compiler.operate.debug``) and nothing engine-specific.

- ``graph_of``: the nodes and edges of a workflow's graph, each node's phase, and the *failed
  path* — every node and edge on a way from a root to a failed step — so the page can draw
  the failure at a glance.
- ``timeline_of``: one Gantt row per step that did work (a pod), the attempts of a retried
  step on one row, and the *critical path*: walking back from the step that finished last,
  each time to the predecessor that finished last — the chain that set the total duration.
- ``Page``: the header (job, PR, commit, build, verdict, times), every workflow of the run
  with its graph, timeline and failed steps, and the junit results.

Everything here is plain data; ``render`` turns it into HTML, ``graph_layout`` draws the graph.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from compiler.durations import parse_time
from compiler.operate.debug import NodeLine, Summary, attempt_number

#: Node types that organise other nodes and run nothing themselves (Argo's; a Tekton
#: summary's PipelineRun root is recognised as a root with children).
VIRTUAL_TYPES = frozenset({"DAG", "Steps", "StepGroup", "TaskGroup", "Retry"})
SUCCESS, FAILURE, ABORTED = "SUCCESS", "FAILURE", "ABORTED"


# -- the graph ---------------------------------------------------------------------------------


@dataclass(frozen=True)  # mutation: equivalent[True -> False] — nothing assigns to or hashes one
class GraphNode:
    id: str
    label: str
    type: str
    phase: str
    failed: bool  # failed by itself or as the parent of a failure (not a retried attempt)
    retried: bool  # an attempt that failed, retried successfully later
    cause: bool  # one of the failed steps the summary explains
    on_failed_path: bool
    duration: float | None
    message: str


@dataclass(frozen=True)  # mutation: equivalent[True -> False] — nothing assigns to or hashes one
class Graph:
    nodes: tuple[GraphNode, ...]
    edges: tuple[tuple[str, str], ...]
    failed_edges: frozenset[tuple[str, str]]

    @property
    def failed_path(self) -> frozenset[str]:
        return frozenset(node.id for node in self.nodes if node.on_failed_path)


def graph_of(summary: Summary) -> Graph:
    """The graph of ``summary``'s nodes: an edge per parent-child link (in a DAG, from a task
    to the tasks that depend on it), the failed path marked."""
    ids = {line.id for line in summary.nodes}
    edges = tuple(
        (line.id, child) for line in summary.nodes for child in line.children if child in ids
    )
    causes = {step.node_id for step in summary.failed}
    on_path = _ancestors(causes, edges)
    failed_edges = frozenset((a, b) for a, b in edges if a in on_path and b in on_path)
    nodes = tuple(
        GraphNode(
            id=line.id,
            label=_short(line.display_name, summary.name),
            type=line.type,
            phase=line.phase,
            failed=line.failed,
            retried=line.retried,
            cause=line.id in causes,
            on_failed_path=line.id in on_path,
            duration=line.duration,
            message=line.message,
        )
        for line in summary.nodes
    )
    return Graph(nodes, edges, failed_edges)


def _short(label: str, workflow: str) -> str:
    """Node labels without the workflow's long generated name: the root is "workflow", its
    exit handler ".onExit"."""
    if not workflow or not label.startswith(workflow):
        return label
    return label[len(workflow) :] or "workflow"


def _ancestors(targets: set[str], edges: Iterable[tuple[str, str]]) -> set[str]:
    """``targets`` and every node from which one of them can be reached."""
    parents: dict[str, list[str]] = {}
    for parent, child in edges:
        parents.setdefault(child, []).append(parent)
    found, stack = set(targets), list(targets)
    while stack:
        for parent in parents.get(stack.pop(), []):
            if parent not in found:
                found.add(parent)
                stack.append(parent)
    return found


# -- the timeline ------------------------------------------------------------------------------


@dataclass(frozen=True)  # mutation: equivalent[True -> False] — nothing assigns to or hashes one
class Bar:
    node_id: str
    label: str
    phase: str
    start: float  # seconds after the timeline's origin
    end: float
    attempt: int | None  # 0, 1, ... for the attempts of a retried step
    critical: bool
    failed: bool


@dataclass(frozen=True)  # mutation: equivalent[True -> False] — nothing assigns to or hashes one
class Row:
    label: str
    bars: tuple[Bar, ...]  # several: the attempts of a retried step

    @property
    def retries(self) -> int:
        return max(0, len(self.bars) - 1)


@dataclass(frozen=True)  # mutation: equivalent[True -> False] — nothing assigns to or hashes one
class Timeline:
    origin: str | None  # the workflow's start (RFC 3339)
    span: float  # seconds from the origin to the last end
    rows: tuple[Row, ...]
    critical_path: tuple[str, ...]  # node ids, first to last
    not_run: tuple[tuple[str, str], ...] = ()  # (label, phase) of steps with no start time


def _is_work(line: NodeLine) -> bool:
    return line.type not in VIRTUAL_TYPES and not (line.depth == 0 and line.children)


def timeline_of(summary: Summary) -> Timeline:
    lines = {line.id: line for line in summary.nodes}
    parents: dict[str, list[str]] = {}
    for line in summary.nodes:
        for child in line.children:
            if child in lines:
                parents.setdefault(child, []).append(line.id)
    times: dict[str, tuple[datetime, datetime]] = {}
    for line in summary.nodes:
        start = parse_time(line.started_at)
        end = parse_time(line.finished_at)
        if start is not None and end is None and line.duration is not None:
            end = datetime.fromtimestamp(start.timestamp() + line.duration, start.tzinfo)
        if start is not None and end is not None:
            times[line.id] = (start, max(start, end))
    work = [line for line in summary.nodes if _is_work(line)]
    origin = parse_time(summary.started_at) or min(
        (times[line.id][0] for line in work if line.id in times), default=None
    )
    if origin is None:
        return Timeline(None, 0.0, (), (), tuple((w.display_name, w.phase) for w in work))

    def offset(moment: datetime) -> float:
        return max(0.0, (moment - origin).total_seconds())

    critical = _critical_path(summary, lines, parents, times)
    on_critical = set(critical)
    rows: list[tuple[str, list[Bar]]] = []
    retry_rows: dict[str, int] = {}  # the Retry node's id -> its row
    not_run: list[tuple[str, str]] = []
    for line in sorted(work, key=lambda w: (times[w.id][0] if w.id in times else origin, w.id)):
        if line.id not in times:
            not_run.append((line.display_name, line.phase))
            continue
        start, end = times[line.id]
        retry = _retry_of(line, parents, lines)
        bar = Bar(
            node_id=line.id,
            label=line.display_name,
            phase=line.phase,
            start=offset(start),
            end=offset(end),
            attempt=attempt_number(lines[retry].display_name, line.display_name) if retry else None,
            critical=line.id in on_critical,
            failed=line.failed,
        )
        if retry is None:
            rows.append((line.display_name, [bar]))
        elif retry in retry_rows:
            rows[retry_rows[retry]][1].append(bar)
        else:
            retry_rows[retry] = len(rows)
            rows.append((lines[retry].display_name, [bar]))
    filled = [
        Row(label, tuple(sorted(bars, key=lambda b: (b.attempt or 0, b.start))))
        for label, bars in rows
    ]
    ends = [bar.end for row in filled for bar in row.bars]
    finished = parse_time(summary.finished_at)
    span = max([*ends, offset(finished) if finished else 0.0, 1.0])
    return Timeline(
        origin=summary.started_at or origin.strftime("%Y-%m-%dT%H:%M:%SZ"),
        span=span,
        rows=tuple(filled),
        critical_path=tuple(critical),
        not_run=tuple(not_run),
    )


def _critical_path(
    summary: Summary,
    lines: Mapping[str, NodeLine],
    parents: Mapping[str, list[str]],
    times: Mapping[str, tuple[datetime, datetime]],
) -> list[str]:
    """From the work node that ended last, back through the predecessor that ended last."""
    work = {node_id for node_id, line in lines.items() if _is_work(line) and node_id in times}
    if not work:
        return []
    roots = [line.id for line in summary.nodes if line.id not in parents]
    main_tree = _reachable(roots[:1], lines)
    memo: dict[str, frozenset[str]] = {}

    def work_before(node_id: str, seen: frozenset[str]) -> frozenset[str]:
        """The nearest work nodes above ``node_id`` (through the virtual nodes)."""
        if node_id in memo:
            return memo[node_id]
        found: set[str] = set()
        node_parents = parents.get(node_id, [])
        if not node_parents and node_id not in main_tree:
            # Another root (the exit handler) runs after the whole main tree.
            found |= work & main_tree
        for parent in node_parents:
            if parent in seen:
                continue
            if parent in work:
                found.add(parent)
            else:
                found |= work_before(parent, seen | {parent})
            if _retry_of(lines[node_id], {node_id: [parent]}, lines) is not None:
                # An attempt follows the attempt before it.
                attempts = _attempts(lines[parent], lines)
                ran = [
                    attempt for attempt in attempts[: attempts.index(node_id)] if attempt in work
                ]
                if ran:  # (the last one that ran: an attempt may have failed before it started)
                    found = {ran[-1]}
        memo[node_id] = frozenset(found)
        return memo[node_id]

    def predecessors(node_id: str) -> frozenset[str]:
        return work_before(node_id, frozenset({node_id})) - {node_id}

    current: str | None = max(work, key=lambda n: (times[n][1], times[n][0], n))
    path: list[str] = []
    while current is not None and current not in path:
        path.append(current)
        before = [p for p in predecessors(current) if p in times and p not in path]
        current = max(before, key=lambda n: (times[n][1], times[n][0], n)) if before else None
    return path[::-1]


def _retry_of(
    line: NodeLine, parents: Mapping[str, list[str]], lines: Mapping[str, NodeLine]
) -> str | None:
    """The Retry node of which ``line`` is an attempt (not a task depending on it)."""
    for parent in parents.get(line.id, []):
        retry = lines[parent]
        if (
            retry.type == "Retry"
            and attempt_number(retry.display_name, line.display_name) is not None
        ):
            return parent
    return None


def _attempts(retry: NodeLine, lines: Mapping[str, NodeLine]) -> list[str]:
    """The attempts of ``retry``, first to last."""
    numbered = [
        (number, child)
        for child in retry.children
        if child in lines
        and (number := attempt_number(retry.display_name, lines[child].display_name)) is not None
    ]
    return [child for _, child in sorted(numbered)]


def _reachable(roots: Sequence[str], lines: Mapping[str, NodeLine]) -> set[str]:
    found, stack = set(roots), list(roots)
    while stack:
        for child in lines[stack.pop()].children:
            if child in lines and child not in found:
                found.add(child)
                stack.append(child)
    return found


# -- the page ----------------------------------------------------------------------------------


@dataclass(frozen=True)  # mutation: equivalent[True -> False] — nothing assigns to or hashes one
class Header:
    job: str = ""
    job_type: str = ""
    repo: str = ""  # org/repo
    pull: str = ""  # the PR number
    sha: str = ""
    build: str = ""
    verdict: str = ""  # SUCCESS, FAILURE, ABORTED
    started_at: str | None = None
    finished_at: str | None = None
    duration: float | None = None
    results: str = ""  # where the results are (gs://... or a directory)

    @property
    def repo_url(self) -> str | None:
        return f"https://github.com/{self.repo}" if self.repo.count("/") == 1 else None

    @property
    def pull_url(self) -> str | None:
        return f"{self.repo_url}/pull/{self.pull}" if self.repo_url and self.pull else None

    @property
    def commit_url(self) -> str | None:
        return f"{self.repo_url}/commit/{self.sha}" if self.repo_url and self.sha else None


@dataclass(frozen=True)  # mutation: equivalent[True -> False] — nothing assigns to or hashes one
class WorkflowView:
    label: str  # the entry or workflow name
    verdict: str  # Succeeded, Failed, Error, Invalid, NotSubmitted, TimedOut, ...
    summary: Summary | None  # None: nothing ran (invalid, not submitted)
    graph: Graph | None
    timeline: Timeline | None
    ui_url: str = ""
    debug_commands: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()  # why it did not run (diagnostics, the submit error)

    @property
    def failed(self) -> bool:
        return self.verdict not in ("Succeeded", "Running", "Pending")


@dataclass(frozen=True)  # mutation: equivalent[True -> False] — nothing assigns to or hashes one
class JunitCase:
    suite: str
    name: str
    kind: str  # failure, error
    message: str
    detail: str = ""


@dataclass(frozen=True)  # mutation: equivalent[True -> False] — nothing assigns to or hashes one
class JunitFile:
    path: str
    tests: int
    failures: int
    errors: int
    skipped: int
    cases: tuple[JunitCase, ...]  # the failed ones
    note: str | None = None  # why the file could not be read
    by_kftest: bool = False  # kftest's own junit_<entry>.xml (repeats the workflow's verdict)

    @property
    def problems(self) -> int:
        return self.failures + self.errors


@dataclass(frozen=True)  # mutation: equivalent[True -> False] — nothing assigns to or hashes one
class Page:
    header: Header
    workflows: tuple[WorkflowView, ...]
    junit: tuple[JunitFile, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def failed_workflows(self) -> tuple[WorkflowView, ...]:
        return tuple(view for view in self.workflows if view.failed)


def view_of(
    summary: Summary | None,
    *,
    label: str,
    verdict: str | None = None,
    ui_url: str = "",
    saved_copy: str | None = None,
    problems: Sequence[str] = (),
) -> WorkflowView:
    """One workflow on the page. ``saved_copy``: where its final object was saved (a gs://
    URL), for the ``kftest debug`` command that works after the cluster forgot it."""
    commands: list[str] = []
    if summary is not None and summary.name:
        namespace = f" -n {summary.namespace}" if summary.namespace else ""
        commands.append(f"kftest debug {summary.name}{namespace}")
    if saved_copy:
        commands.append(f"kftest debug {saved_copy}")
    return WorkflowView(
        label=label,
        verdict=verdict or (summary.phase if summary is not None else "NotSubmitted"),
        summary=summary,
        graph=graph_of(summary) if summary is not None else None,
        timeline=timeline_of(summary) if summary is not None else None,
        ui_url=ui_url,
        debug_commands=tuple(commands),
        problems=tuple(problems),
    )


def overall_verdict(workflows: Sequence[WorkflowView], junit: Sequence[JunitFile]) -> str:
    passed = all(not view.failed for view in workflows) and not any(f.problems for f in junit)
    return SUCCESS if passed else FAILURE


def time_span(workflows: Sequence[WorkflowView]) -> tuple[str | None, str | None, float | None]:
    """The first start and the last finish of the workflows, and the time between."""
    starts = [parse_time(v.summary.started_at) for v in workflows if v.summary is not None]
    ends = [parse_time(v.summary.finished_at) for v in workflows if v.summary is not None]
    first = min((s for s in starts if s is not None), default=None)
    last = max((e for e in ends if e is not None), default=None)
    if first is None:
        return None, None, None
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    return (
        first.strftime(fmt),
        last.strftime(fmt) if last else None,
        (last - first).total_seconds() if last else None,
    )
