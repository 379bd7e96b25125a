"""``kftest submit FILE...``: the minimal submitter.

Creates every Argo Workflow in the given YAML files (several documents per file allowed),
in ``--namespace``, else the document's own namespace, else kubeflow-test-infra.
``--dry-run`` asks the API server to validate without creating. ``--wait`` watches until
every workflow is done and prints one line per phase change.

Exit codes: 0 created (and, with --wait, all succeeded), 1 a document or workflow was
rejected, failed, errored or timed out, 2 usage error, 3 cluster unreachable.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import click

from compiler.cluster.retry import RetryPolicy
from compiler.diagnostics import EXIT_OK, EXIT_PROBLEMS, UsageError
from compiler.prow import DEFAULT_NAMESPACE
from compiler.report.buildlog import BuildLog, Redactor
from compiler.submit.signals import Interrupts

log = logging.getLogger("kftest.submit")


def run(
    files: Sequence[Path],
    *,
    namespace: str | None,
    kubeconfig: str | None,
    context: str | None,
    dry_run: bool,
    wait: bool,
    wait_timeout: float,
    retry_timeout: float,
) -> int:
    policy = RetryPolicy(timeout=retry_timeout)
    return execute(
        files,
        namespace=namespace,
        kubeconfig=kubeconfig,
        context=context,
        dry_run=dry_run,
        wait=wait,
        timeout=wait_timeout,
        policy=policy,
        environ=os.environ,
    )


def execute(
    files: Sequence[Path],
    *,
    namespace: str | None = None,
    kubeconfig: str | os.PathLike[str] | None = None,
    context: str | None = None,
    dry_run: bool = False,
    wait: bool = False,
    timeout: float = 180 * 60.0,
    policy: RetryPolicy | None = None,
    environ: Mapping[str, str] | None = None,
    resync: float = 60.0,
) -> int:
    from compiler.cluster.kube import KubeSession
    from compiler.submit import create
    from compiler.submit.batch import MultiWaiter

    if not files:
        raise UsageError("kftest submit: give at least one YAML file")
    if dry_run and wait:
        raise UsageError("--dry-run and --wait cannot be combined: nothing would run")
    policy = policy or RetryPolicy()
    documents, problems = load_documents(files)
    for problem in problems:
        click.echo(problem, err=True)
    if not documents:
        # The input is checked before credentials: a bad file is exit 1 without a cluster.
        click.echo("kftest: no workflow to submit", err=True)
        return EXIT_PROBLEMS
    redactor = Redactor()
    with BuildLog(redactor):
        session = KubeSession.from_environment(
            environ if environ is not None else os.environ, kubeconfig=kubeconfig, context=context
        )
        redactor.add(session.secrets)
        bodies: list[dict[str, Any]] = []
        failed = bool(problems)
        for document in documents:
            chosen = namespace or document["metadata"].get("namespace") or DEFAULT_NAMESPACE
            body = create.prepare(document, chosen)
            try:
                created = create.create_workflow(session, body, policy=policy, dry_run=dry_run)
            except create.SubmitError as exc:
                click.echo(click.style(f"error: {redactor.text(str(exc))}", fg="red"), err=True)
                failed = True
                continue
            what = {"created": "created", "exists": "unchanged (already exists)"}.get(
                created.state, "valid (server dry run)"
            )
            kind = (
                "pipelinerun.tekton.dev"
                if body.get("kind") == "PipelineRun"
                else "workflow.argoproj.io"
            )
            click.echo(f"{kind}/{created.name} {what} in {created.namespace}")
            bodies.append(body)
        if not wait or not bodies:
            return EXIT_PROBLEMS if failed else EXIT_OK
        waiter = MultiWaiter(
            session,
            bodies,
            timeout=timeout,
            policy=policy,
            on_change=lambda change: click.echo(change.line()),
            resync=resync,
            started=time.monotonic(),
        )
        with Interrupts(grace=0, on_signal=waiter.interrupt) as interrupts:
            result = waiter.run()
        for name in result.timed_out:
            click.echo(
                click.style(f"workflow {name}: timed out after {timeout:.0f}s", fg="red"), err=True
            )
        if interrupts.event.is_set():
            click.echo("stopped before every workflow finished", err=True)
            return EXIT_PROBLEMS
        succeeded = all(phase == "Succeeded" for phase in result.phases.values())
        return EXIT_OK if succeeded and not failed else EXIT_PROBLEMS


def load_documents(files: Sequence[Path]) -> tuple[list[dict[str, Any]], list[str]]:
    """The workflows in ``files`` and, for anything else, a message naming file and line."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    from compiler.submit.create import check_document

    documents: list[dict[str, Any]] = []
    problems: list[str] = []
    yaml = YAML(typ="safe", pure=True)
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise UsageError(f"{path}: no such file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"{path}: {exc}") from None
        try:
            loaded = [d for d in yaml.load_all(text) if d is not None]
        except MarkedYAMLError as exc:
            mark = exc.problem_mark
            where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
            problems.append(f"{where}: error [yaml-syntax] {exc.problem or exc}")
            continue
        except YAMLError as exc:
            problems.append(f"{path}: error [yaml-syntax] {exc}")
            continue
        if not loaded:
            problems.append(f"{path}: error [argo-schema] no YAML document in the file")
        for index, document in enumerate(loaded, 1):
            problem = check_document(document)
            if problem:
                label = f" (document {index})" if len(loaded) > 1 else ""
                problems.append(f"{path}{label}: error [argo-schema] {problem}")
            else:
                documents.append(document)
    return documents, problems
