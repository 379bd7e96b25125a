"""``kftest run``: the Prow entrypoint — select, compile, validate, submit, wait, report.

The work (compile, submit, wait) runs in a worker thread; the main thread waits for it or for
SIGTERM/SIGINT, then reports from whatever state the worker reached. So the report is
written in every case: all workflows done, a submission error, the timeout, the cluster or
storage unreachable, or Prow stopping the job.

Exit codes: 0 every workflow succeeded (and no junit failures), 1 a workflow failed, errored,
timed out, was invalid, or the run was stopped, 2 usage error, 3 cluster or storage
unreachable after retries.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compiler import pipeline
from compiler.cluster.retry import RetryPolicy
from compiler.commands.common import build_options
from compiler.diagnostics import (
    EXIT_INFRA,
    EXIT_OK,
    EXIT_PROBLEMS,
    EXIT_USAGE,
    Diagnostic,
    InfraError,
    KftestError,
    UsageError,
)
from compiler.prow import DEFAULT_BUCKET, DEFAULT_NAMESPACE, DEFAULT_TEKTON_UI_URL, DEFAULT_UI_URL
from compiler.report.buildlog import BuildLog, Redactor
from compiler.report.job import JobInfo
from compiler.report.layout import GcsLayout, gcs_layout
from compiler.report.outcome import WorkflowOutcome
from compiler.report.reporter import Reporter
from compiler.storage import GcsStorage
from compiler.submit.signals import Interrupts

if TYPE_CHECKING:
    from compiler.submit.progress import Line

log = logging.getLogger("kftest.run")

#: The junit/started/finished name of a teardown run: its entry's, with this suffix.
TEARDOWN_SUFFIX = "-teardown"


@dataclass(frozen=True)
class RunSettings:
    bucket: str | None = DEFAULT_BUCKET  # None: no GCS upload (local and $ARTIFACTS only)
    gcs_layout: str = "prow"
    namespace: str = DEFAULT_NAMESPACE
    kubeconfig: Path | None = None
    context: str | None = None
    timeout: float = 180 * 60.0
    ui_url_template: str = DEFAULT_UI_URL
    tekton_ui_url_template: str = DEFAULT_TEKTON_UI_URL
    output_dir: Path | None = None
    grace: float = 10.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    resync: float = 60.0
    progress_interval: float = 60.0  # a progress line per running workflow at least this often


def run(
    *,
    bucket: str | None,
    no_upload: bool,
    gcs_layout: str,
    namespace: str,
    kubeconfig: str | None,
    context: str | None,
    wait_timeout: float,
    ui_url_template: str,
    output_dir: Path | None,
    grace_period: float,
    retry_timeout: float,
    progress_interval: float,
    checkout_dir: Path | None = None,
    base_url: str = "https://github.com",
    checkout_timeout: float = 1800.0,
    tekton_ui_url_template: str = DEFAULT_TEKTON_UI_URL,
    **common: Any,
) -> int:
    """The CLI entry: parse the options, check out (--checkout), then ``execute``."""
    try:
        settings = RunSettings(
            bucket=None if no_upload else (bucket or DEFAULT_BUCKET),
            gcs_layout=gcs_layout,
            namespace=namespace,
            kubeconfig=Path(kubeconfig) if kubeconfig else None,
            context=context,
            timeout=wait_timeout,
            ui_url_template=ui_url_template,
            tekton_ui_url_template=tekton_ui_url_template,
            output_dir=output_dir,
            grace=grace_period,
            retry=RetryPolicy(timeout=retry_timeout),
            progress_interval=progress_interval,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if checkout_dir is not None:
        from compiler.commands.checkout import for_run

        repo = for_run(
            checkout_dir,
            base_url=base_url,
            checkout_timeout=checkout_timeout,
            retry_timeout=retry_timeout,
            job_type=common.get("job_type"),
            environ=os.environ,
        )
        common["repo_root"] = common.get("repo_root") or repo
        common["repos_dir"] = common.get("repos_dir") or checkout_dir
    options = build_options(
        **common,
        placeholders=False,
        namespace=namespace,
        bucket=settings.bucket or DEFAULT_BUCKET,
    )
    if options.prow_env().job_type is None:
        # Nothing would be selected, and the failure would come later as a credentials error.
        raise UsageError(
            "JOB_TYPE is not set: kftest run reads Prow's environment (or give --job-type)"
        )
    return execute(options, settings)


def execute(options: pipeline.Options, settings: RunSettings) -> int:
    """Run and report. ``options.environ`` is the whole environment (Prow variables,
    KUBECONFIG, STORAGE_EMULATOR_HOST, ...)."""
    # The compile must know where the build's results go: a Tekton run's artifacts-gcs param.
    options = replace(
        options, bucket=settings.bucket or options.bucket, gcs_layout=settings.gcs_layout
    )
    env = options.environ
    job = JobInfo.from_env(env, options.job_type)
    check_template(settings.ui_url_template)
    check_template(settings.tekton_ui_url_template, "--tekton-ui-url-template")
    layout = gcs_layout(job, settings.bucket, settings.gcs_layout) if settings.bucket else None
    redactor = Redactor()
    with BuildLog(redactor) as build_log:
        state = _State()
        with Interrupts(settings.grace, on_signal=state.interrupt) as interrupts:
            storage = (
                GcsStorage(
                    settings.bucket,
                    env=env,
                    policy=settings.retry,
                    policy_now=lambda: within(settings.retry, interrupts.deadline()),
                )
                if settings.bucket
                else None
            )
            output_dir = settings.output_dir or Path(tempfile.mkdtemp(prefix="kftest-run-"))
            artifacts = Path(job.artifacts) if job.artifacts else None
            try:
                reporter = Reporter(
                    job,
                    output_dir=output_dir,
                    storage=storage,
                    layout=layout,
                    artifacts_dir=artifacts,
                    redactor=redactor,
                )
            except OSError as exc:
                raise UsageError(f"--output-dir {output_dir}: {exc.strerror or exc}") from None
            _announce(job, layout, output_dir)
            reporter.started([])
            if reporter.storage_error is not None:
                log.error("not submitting anything: its results could not be stored")
            elif not interrupts.event.is_set():
                worker = threading.Thread(
                    target=_work,
                    args=(state, options, settings, reporter, redactor),
                    name="kftest-run",
                    daemon=True,
                )
                worker.start()
                while worker.is_alive() and not interrupts.event.is_set():
                    worker.join(0.1)
            aborted = interrupts.event.is_set() and not state.done_before_signal
            outcomes = state.final(aborted)
            verdict = reporter.finish(
                outcomes,
                aborted=aborted,
                failed=state.error is not None,
                build_log=build_log.text,
                summaries=state.summaries,
            )
        if layout is not None and reporter.storage_error is None:
            log.info("results: %s", layout.gs())
        log.info("local copy: %s", output_dir)
    if state.error is not None and not isinstance(state.error, InfraError):
        if isinstance(state.error, UsageError):
            return EXIT_USAGE
        return EXIT_PROBLEMS
    if isinstance(state.error, InfraError) or reporter.storage_error is not None:
        return EXIT_INFRA
    return EXIT_OK if verdict.passed else EXIT_PROBLEMS


def check_template(template: str, option: str = "--ui-url-template") -> None:
    try:
        template.format(namespace="ns", name="name")
    except (KeyError, IndexError, ValueError) as exc:
        raise UsageError(
            f"{option} {template!r}: only {{namespace}} and {{name}} may be used ({exc})"
        ) from None


def within(policy: RetryPolicy, deadline: float | None) -> RetryPolicy:
    """``policy`` shrunk to end by ``deadline`` (time.monotonic()), once a signal set one."""
    if deadline is None:
        return policy
    remaining = max(0.1, deadline - time.monotonic())
    return replace(
        policy,
        timeout=min(policy.timeout, remaining),
        connect_timeout=min(policy.connect_timeout, remaining),
        read_timeout=min(policy.read_timeout, remaining),
    )


def _announce(job: JobInfo, layout: GcsLayout | None, output_dir: Path) -> None:
    log.info(
        "kftest run: %s job %s, build %s%s",
        job.job_type or "(no JOB_TYPE)",
        job.job_name or "(no JOB_NAME)",
        job.build or "(no BUILD_ID)",
        f", PR {job.pull_number}" if job.pull_number else "",
    )
    where = layout.gs() if layout is not None else "no GCS upload"
    log.info("results go to %s (local copy in %s)", where, output_dir)


class _State:
    """What the worker has done so far; read by the main thread when it reports."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.outcomes: list[WorkflowOutcome] = []
        self.waiter: Any = None
        self.waited: Any = None  # the WaitResult, once the wait is over
        # The failed workflows explained as `kftest debug` would (pods' logs read while the
        # pods exist), by workflow name: for the HTML report.
        self.summaries: dict[str, Any] = {}
        self.error: KftestError | None = None
        self.done = threading.Event()
        self.done_before_signal = False
        self.stop = threading.Event()

    def interrupt(self) -> None:
        """Called on SIGTERM/SIGINT: stop the worker; the run counts as aborted unless the
        work was already over."""
        self.done_before_signal = self.done.is_set()
        self.stop.set()
        waiter = self.waiter
        if waiter is not None:
            waiter.interrupt()

    def final(self, aborted: bool) -> list[WorkflowOutcome]:
        """The outcomes, with the waiter's latest state folded in."""
        with self.lock:
            outcomes = [replace(outcome) for outcome in self.outcomes]
            waiter, waited = self.waiter, self.waited
        if waiter is not None:
            result = waited if waited is not None else waiter.snapshot()
            for outcome in outcomes:
                if outcome.name in result.phases:
                    outcome.phase = result.phases[outcome.name] or outcome.phase
                    outcome.object = result.objects.get(outcome.name) or outcome.object
                    outcome.timed_out = outcome.name in result.timed_out
        for outcome in outcomes:
            outcome.aborted = aborted
        return outcomes


def _work(
    state: _State,
    options: pipeline.Options,
    settings: RunSettings,
    reporter: Reporter,
    redactor: Redactor,
) -> None:
    try:
        _submit_and_wait(state, options, settings, reporter, redactor)
    except KftestError as exc:
        state.error = exc
        log.error("%s", exc)
    except Exception as exc:  # a bug: report what we have rather than lose the report
        state.error = KftestError(f"internal error: {type(exc).__name__}: {exc}")
        log.error("internal error: %s: %s (the report is still written)", type(exc).__name__, exc)
    finally:
        state.done.set()


def _submit_and_wait(
    state: _State,
    options: pipeline.Options,
    settings: RunSettings,
    reporter: Reporter,
    redactor: Redactor,
) -> None:
    from compiler.cluster.kube import KubeSession
    from compiler.formats.text import format_diagnostic
    from compiler.submit import create
    from compiler.submit.progress import Progress
    from compiler.submit.teardown import Group
    from compiler.validate.tekton import teardown_of

    result = pipeline.compile_selected(options)
    if result.plan is not None:
        for note in result.plan.notes:
            log.info("%s", note)
        selected = [decision.entry.name for decision in result.plan.decisions if decision.run]
        log.info("selected %d entr%s: %s", len(selected), "y" if len(selected) == 1 else "ies",
                 ", ".join(selected) or "(none)")  # fmt: skip
    for diagnostic in result.diagnostics:
        (log.error if diagnostic.is_error else log.warning)("%s", format_diagnostic(diagnostic))
    outcomes = outcomes_of(result, options, settings)
    with state.lock:
        state.outcomes = outcomes
    runnable = [o for o in outcomes if not o.diagnostics]
    if state.stop.is_set():
        return
    session = KubeSession.from_environment(
        options.environ, kubeconfig=settings.kubeconfig, context=settings.context
    )
    redactor.add(session.secrets)
    by_name = {w.name: w for w in result.workflows}
    by_outcome = {o.name: o for o in outcomes if o.name}
    # A Tekton run's teardown is started once the run has finished (compiler.submit.teardown).
    teardowns = {
        teardown_of(w.document): w.name for w in result.workflows if teardown_of(w.document)
    }
    bodies: list[dict[str, Any]] = []
    chains: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for outcome in runnable:
        if state.stop.is_set():
            return
        if teardown_of(by_name[outcome.name].document):
            continue
        body = create.prepare(by_name[outcome.name].document, outcome.namespace)
        if not _create(session, body, outcome, settings, state):
            continue
        down = by_outcome.get(teardowns.get(outcome.name, ""))
        if down is not None and not down.diagnostics:
            chains.append((body, create.prepare(by_name[down.name].document, down.namespace)))
        else:
            bodies.append(body)
    if state.stop.is_set():
        return
    reporter.started(outcomes)
    started = time.monotonic()
    progress = Progress(
        {o.name: o.namespace for o in outcomes if o.submitted},
        _log_line,
        interval=settings.progress_interval,
        ui_urls={o.name: o.ui_url for o in outcomes if o.submitted},
        started=started,
        tekton=[w.name for w in result.workflows if w.document.get("kind") == "PipelineRun"],
    )

    def start_teardown(body: Any) -> bool:
        down = by_outcome[body["metadata"]["name"]]
        created = _create(session, body, down, settings, state)
        if created:
            progress.add(down.name, down.namespace, down.ui_url)
            reporter.started(outcomes)
        return created

    waiter = Group(
        session,
        bodies,
        chains,
        start_teardown,
        timeout=settings.timeout,
        policy=settings.retry,
        on_change=progress.change,
        on_update=progress.update,
        resync=settings.resync,
        started=started,
    )
    with state.lock:
        state.waiter = waiter
    if state.stop.is_set():
        return
    stop_progress = progress.start()
    try:
        waited = waiter.run()
    finally:
        stop_progress()
    _fetch_task_runs(waited.objects, session)
    with state.lock:
        state.waited = waited
    for name in waited.timed_out:
        log.error("workflow %s: timed out after %.0fs", name, settings.timeout)
    if not state.stop.is_set():
        summaries = _explain_failures(waited.objects.values(), session)
        with state.lock:
            state.summaries = summaries


def _create(
    session: Any, body: dict[str, Any], outcome: WorkflowOutcome, settings: RunSettings, state: Any
) -> bool:
    """Create one run; the outcome records what happened. False when it was not created."""
    from compiler.submit import create

    try:
        created = create.create_workflow(session, body, policy=settings.retry)
    except create.SubmitError as exc:
        log.error("%s", exc)
        with state.lock:
            outcome.submit_error = str(exc)
        return False
    with state.lock:
        outcome.submitted = True
        outcome.object = created.object
    noun = "PipelineRun" if body.get("kind") == "PipelineRun" else "workflow"
    log.info("%s %s/%s %s: %s", noun, outcome.namespace, outcome.name, created.state,
             outcome.ui_url)  # fmt: skip
    return True


def _fetch_task_runs(objects: dict[str, dict[str, Any] | None], session: Any) -> None:
    """A tekton.dev/v1 PipelineRun only names its TaskRuns: fetch them into its final object
    (``status["kftest/taskRuns"]``), so that the junit, the saved YAML and ``kftest debug`` of
    that copy show which TaskRun failed. A cluster that does not answer leaves them out."""
    from compiler.cluster.api import Cluster
    from compiler.cluster.retry import policy_for
    from compiler.operate.pods import with_task_runs

    cluster = Cluster(session, policy_for(30.0))
    for name, obj in objects.items():
        if obj is not None and (obj.get("status") or {}).get("childReferences"):
            objects[name] = with_task_runs(cluster, obj)


def _log_line(line: Line) -> None:
    (log.error if line.failure else log.info)("%s", line.text)


def _explain_failures(objects: Iterable[dict[str, Any] | None], session: Any) -> dict[str, Any]:
    """What `kftest debug` would say about each failed workflow, at the end of the build log,
    so the answer is already in Prow's log; the summaries by name (for the HTML report)."""
    from compiler.operate.explain import explain, render

    summaries = explain([o for o in objects if o], session=session)
    if summaries:
        log.error(
            "failed workflows, explained (kftest debug NAME shows the same):\n%s",
            render(summaries),
        )
    return {summary.name: summary for summary in summaries}


def outcomes_of(
    result: pipeline.BuildResult, options: pipeline.Options, settings: RunSettings
) -> list[WorkflowOutcome]:
    from compiler.validate.tekton import teardown_of

    """One outcome per compiled workflow; entries (or the config) with errors and no workflow
    get one too, so that every problem shows up as a failed junit testcase."""
    errors: dict[str | None, list[Diagnostic]] = {}
    for diagnostic in result.diagnostics:
        if diagnostic.is_error:
            errors.setdefault(diagnostic.workflow, []).append(diagnostic)
    outcomes: list[WorkflowOutcome] = []
    if None in errors:  # problems of the configuration as a whole
        outcomes.append(
            WorkflowOutcome(entry=options.config_file, name="", diagnostics=errors[None])
        )
    compiled_entries = set()
    for workflow in result.workflows:
        compiled_entries.add(workflow.entry.name)
        namespace = (workflow.document.get("metadata") or {}).get("namespace") or settings.namespace
        tekton = workflow.document.get("kind") == "PipelineRun"
        template = settings.tekton_ui_url_template if tekton else settings.ui_url_template
        teardown = tekton and teardown_of(workflow.document) is not None
        outcomes.append(
            WorkflowOutcome(
                # A teardown run reports under its own name: junit_<entry>-teardown.xml.
                entry=workflow.entry.name + (TEARDOWN_SUFFIX if teardown else ""),
                name=workflow.name,
                namespace=str(namespace),
                ui_url=template.format(namespace=namespace, name=workflow.name),
                diagnostics=list(errors.get(workflow.entry.name, [])),
            )
        )
    for entry, diagnostics in errors.items():
        if entry is not None and entry not in compiled_entries:
            outcomes.append(WorkflowOutcome(entry=entry, name="", diagnostics=diagnostics))
    return outcomes
