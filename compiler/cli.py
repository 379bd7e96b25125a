"""The ``kftest`` command line: click wiring only. Each command lives in compiler/commands/."""

from __future__ import annotations

import functools
import gc
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from compiler import __version__
from compiler.cluster.ownership import DEFAULT_SELECTOR
from compiler.diagnostics import EXIT_BUG, EXIT_USAGE, KftestError
from compiler.durations import Duration
from compiler.prow import DEFAULT_BUCKET, DEFAULT_NAMESPACE, DEFAULT_TEKTON_UI_URL, DEFAULT_UI_URL

FORMATS = ("text", "json", "github", "junit", "sarif")
JOB_TYPES = ("presubmit", "postsubmit", "periodic", "batch")
#: The garbage collector's thresholds for a kftest process (Python's: 700, 10, 10).
GC_THRESHOLDS = (50_000, 20, 100)


def _options(function: Callable[..., Any], options: list[Any]) -> Callable[..., Any]:
    for option in reversed(options):
        function = option(function)
    return function


_CONFIG_OPTIONS = [
    click.option(
        "--config",
        "config",
        type=click.Path(dir_okay=False, path_type=Path),
        help="prow_config.yaml to read (default: <repo-root>/prow_config.yaml).",
    ),
    click.option(
        "--repo-root",
        type=click.Path(file_okay=False, path_type=Path),
        help="Repository root (default: git top-level of the current directory).",
    ),
    click.option("--job-type", type=click.Choice(JOB_TYPES), help="Overrides JOB_TYPE."),
]
_CHANGED_FILES_OPTION = click.option(
    "--changed-files",
    "changed_files",
    metavar="FILE|-",
    help="Changed files, one repo-relative path per line (- for stdin); "
    "default: computed with git as the seed system did.",
)
_SALT_OPTION = click.option(
    "--salt",
    metavar="HEX4",
    help="Fixes the random 4-hex suffix of workflow names (default: a new one each run, so "
    "that a retried job never collides with the workflow of an earlier try).",
)
#: The smallest --eval-memory a worker can start its interpreter and a binding in.
MIN_EVAL_MEMORY = 64 << 20
_SIZE_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def _memory_size(ctx: click.Context, param: click.Parameter, value: str) -> int:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*", value, re.IGNORECASE)
    if not match:
        raise click.BadParameter(f"{value!r} is not a size such as 512MiB, 1GiB or 2G")
    size = int(float(match.group(1)) * _SIZE_UNITS[match.group(2).lower()])
    if size < MIN_EVAL_MEMORY:
        raise click.BadParameter(f"{value!r} is less than the minimum, 64MiB")
    return size


_EVALUATE_OPTIONS = [
    click.option(
        "-J",
        "--jpath",
        multiple=True,
        type=click.Path(file_okay=False, exists=True, path_type=Path),
        help="Extra jsonnet library directory (repeatable).",
    ),
    click.option(
        "--repos-dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="Where repositories are checked out as <owner>/<repo> (the seed's "
        "--repos_dir); app_dir and python_paths may be relative to it.",
    ),
    click.option(
        "--argo-version",
        "argo_version",
        metavar="X.Y",
        envvar="KFTEST_ARGO_VERSION",
        help="The Argo release the cluster runs (2.12, v3.5.2): validate against the newest "
        "shipped schema not newer than it (default: $KFTEST_ARGO_VERSION, .kftest.yaml's "
        "argo_version, else the newest shipped).",
    ),
    click.option(
        "--python",
        "python",
        metavar="PATH",
        envvar="KFTEST_PYTHON",
        help="Interpreter that runs py_func builders, with their dependencies installed "
        "(default: $KFTEST_PYTHON, .kftest.yaml's python, else kftest's own).",
    ),
    click.option(
        "--eval-timeout",
        "eval_timeout",
        type=Duration(positive=True),
        default="10s",
        show_default=True,
        help="How long one component may take to evaluate, in CPU time (10, 10s, 1m; a "
        "busy machine does not count against it, a wall-clock backstop of 4x still applies).",
    ),
    click.option(
        "--eval-memory",
        "eval_memory",
        default="1GiB",
        show_default=True,
        metavar="SIZE",
        callback=_memory_size,
        help="Memory one evaluation may use (e.g. 512MiB, 2G); more is a jsonnet-error.",
    ),
    click.option(
        "-q",
        "--quiet",
        is_flag=True,
        help="No progress display (shown on stderr only when it is a terminal).",
    ),
]


def _selecting(function: Callable[..., Any]) -> Callable[..., Any]:
    """Options of the commands that select entries by job type and changed files, without
    evaluating anything (plan)."""
    return _options(function, [*_CONFIG_OPTIONS, _CHANGED_FILES_OPTION])


def _evaluating(function: Callable[..., Any]) -> Callable[..., Any]:
    """Options of the commands that evaluate every entry for its job types (lint, golden):
    nothing about changed files or names, which they do not use."""
    return _options(function, [*_CONFIG_OPTIONS, *_EVALUATE_OPTIONS])


def _compiling(function: Callable[..., Any]) -> Callable[..., Any]:
    """Options of the commands that select, evaluate and name workflows (compile, run)."""
    return _options(
        function, [*_CONFIG_OPTIONS, _CHANGED_FILES_OPTION, _SALT_OPTION, *_EVALUATE_OPTIONS]
    )


def _format_option(choices: tuple[str, ...] = FORMATS) -> Callable[..., Any]:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(choices),
        default="text",
        show_default=True,
        help="Output format.",
    )


def _refuse(option: str, when: str, useless: bool) -> None:
    """An option given on the command line that would do nothing is a usage error, not
    silently ignored: ``--OPTION does nothing WHEN``."""
    ctx = click.get_current_context()
    param = next(p for p in ctx.command.params if p.name == option)
    if useless and ctx.get_parameter_source(option) is click.core.ParameterSource.COMMANDLINE:
        flag = max(param.opts, key=len)
        raise click.UsageError(f"{flag} does nothing {when}", ctx)


def _guarded(function: Callable[..., int]) -> Callable[..., None]:
    """Turn results and known errors into exit codes; no traceback unless --debug."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        debug = click.get_current_context().find_root().params.get("debug", False)
        try:
            code = function(*args, **kwargs)
        except KftestError as exc:
            if debug:
                raise
            click.echo(click.style(f"kftest: {exc}", fg="red"), err=True)
            sys.exit(exc.exit_code)
        except click.exceptions.Exit:
            raise
        except click.ClickException:
            raise
        except Exception as exc:  # a bug: say so briefly, keep the traceback in a file
            if debug:
                raise
            click.echo(click.style(_report_bug(exc), fg="red"), err=True)
            sys.exit(EXIT_BUG)
        sys.exit(code)

    return wrapper


def _report_bug(exc: BaseException) -> str:
    """The message for an unexpected exception; its traceback goes to a file to attach."""
    import tempfile
    import traceback

    summary = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
    text = "".join(traceback.format_exception(exc))
    try:
        handle, path = tempfile.mkstemp(prefix="kftest-traceback-", suffix=".txt")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(f"kftest {__version__}, python {sys.version.split()[0]}\n")
            out.write(f"command: {' '.join(sys.argv)}\n\n{text}")
        where = f"the traceback is in {path}"
    except OSError:
        where = "run it again with --debug for the traceback"
    return (
        f"kftest: internal error (a bug in kftest, not in your input): {summary}\n"
        f"kftest: {where}; please report it at https://github.com/kubeflow/kftest/issues "
        "with that file."
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="kftest")
@click.option("--debug", is_flag=True, help="Show Python tracebacks on errors.")
@click.option(
    "--color/--no-color",
    default=None,
    help="Colour the output (default: on a terminal, unless NO_COLOR is set).",
)
@click.pass_context
def cli(ctx: click.Context, debug: bool, color: bool | None) -> None:
    """Compile, lint and run Prow + Argo end-to-end test workflows."""
    # click.echo reads ctx.color: None strips colour unless the stream is a terminal.
    if color is None and os.environ.get("NO_COLOR"):
        color = False  # https://no-color.org: set and not empty
    ctx.color = color


@cli.command()
@_evaluating
@_format_option()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@_guarded
def lint(files: tuple[Path, ...], fmt: str, **common: Any) -> int:
    """Validate prow_config.yaml and every entry's workflow for every job type it runs under.

    With FILES (as pre-commit passes them), only the entries those files can affect are checked.
    """
    from compiler.commands import lint as command

    return command.run(files, fmt, **common)


@cli.command()
@_selecting
@_format_option()
@_guarded
def plan(fmt: str, **common: Any) -> int:
    """Which entries run for the current job type and changed files, and why."""
    from compiler.commands import plan as command

    return command.run(fmt, **common)


@cli.command(name="compile")
@_compiling
@_format_option()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write DIR/<metadata.name>.yaml per workflow (default: a stream on stdout).",
)
@click.option(
    "--all",
    "all_entries",
    is_flag=True,
    help="Compile every entry for every job type it runs under, ignoring selection.",
)
@_guarded
def compile_(out: Path | None, all_entries: bool, fmt: str, **common: Any) -> int:
    """Compile the selected entries to Argo Workflow YAML."""
    _refuse("changed_files", "with --all (every entry is compiled)", all_entries)
    from compiler.commands import compile as command

    return command.run(out, all_entries, fmt, **common)


@cli.command()
@_evaluating
@_format_option()
@click.option("--update", is_flag=True, help="Rewrite golden/ instead of comparing.")
@click.option(
    "--golden-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory of golden files (default: <repo-root>/golden).",
)
@_guarded
def golden(update: bool, golden_dir: Path | None, fmt: str, **common: Any) -> int:
    """Compile every entry under the fixed golden environment; compare with golden/."""
    from compiler.commands import golden as command

    return command.run(update, golden_dir, fmt, **common)


@cli.command()
@click.argument("rule_id", required=False)
@_guarded
def rules(rule_id: str | None) -> int:
    """List the rules, or print one rule's documentation."""
    from compiler.commands import rules as command

    return command.run(rule_id)


def _cluster_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """Where the cluster is (debug, cleanup), as kubectl finds it."""
    options = [
        click.option(
            "--kubeconfig",
            type=click.Path(dir_okay=False),
            help="kubeconfig file (default: $KUBECONFIG, ~/.kube/config, else in-cluster).",
        ),
        click.option("--context", help="kubeconfig context (default: the current one)."),
        click.option(
            "--retry-timeout",
            type=Duration(),
            default="300s",
            show_default=True,
            help="How long to keep retrying an unreachable cluster or bucket before exit code 3.",
        ),
    ]
    return _options(function, options)


@cli.command(name="debug")
@click.argument("targets", nargs=-1, required=True, metavar="NAME|FILE|gs://.../NAME.yaml...")
@click.option(
    "-n",
    "--namespace",
    default=DEFAULT_NAMESPACE,
    show_default=True,
    help="Namespace of a workflow given by name.",
)
@click.option(
    "--tail",
    type=int,
    default=50,
    show_default=True,
    help="Lines of each failed pod's main container log to show.",
)
@click.option("--cluster", "cluster_name", help="GKE cluster name for the Cloud Logging query.")
@click.option("--project", help="GCP project for the Cloud Logging link.")
@_cluster_options
@_format_option(("text", "json", "html"))
@_guarded
def debug_(targets: tuple[str, ...], fmt: str, **options: Any) -> int:
    """Explain a workflow: its phase, step tree, and for each failed step the pod, exit code,
    message, events, log tail and the Cloud Logging query for when the pod is gone.

    Give a workflow name (read from the cluster), a YAML/JSON file (kubectl get wf -o yaml),
    or the final object kftest run saved to GCS. Exit code 1 when a workflow failed.
    --format html prints the run report's page for them (graph, timeline, failed steps).
    """
    from compiler.commands import debug as command

    return command.run(targets, fmt=fmt, **options)


@cli.command(name="report")
@click.argument("source", metavar="DIR|FILE|gs://.../BUILD_DIR")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the page to this file (default: stdout).",
)
@click.option("--cluster", "cluster_name", help="GKE cluster name for the Cloud Logging query.")
@click.option("--project", help="GCP project for the Cloud Logging link.")
@click.option(
    "--retry-timeout",
    type=Duration(positive=True),
    default="300s",
    show_default=True,
    help="How long to keep retrying an unreachable bucket before exit code 3.",
)
@_guarded
def report(source: str, **options: Any) -> int:
    """Make the HTML run report (kftest-report.html) again from what a run saved: a local
    artifacts or output directory, a workflow YAML, or a gs:// build directory.

    Self-contained: graph, timeline, failed steps, junit; nothing is loaded when it is opened.
    """
    from compiler.commands import report as command

    return command.run(source, **options)


@cli.command()
@click.option(
    "--older-than",
    required=True,
    type=Duration(unit_required=True, positive=True),
    help="Age (by status.startedAt, else creation time) beyond which to clean up: 168h, 7d, 30m.",
)
@click.option(
    "-n",
    "--namespace",
    default=DEFAULT_NAMESPACE,
    show_default=True,
    help="Namespace to clean up.",
)
@click.option("-A", "--all-namespaces", is_flag=True, help="Clean up every namespace.")
@click.option(
    "-l",
    "--selector",
    default=DEFAULT_SELECTOR,
    show_default=True,
    help="Label selector; what kftest submitted by default, '' for everything.",
)
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    help="Resource kind to clean up (repeatable; default: all; known: workflows, pipelineruns).",
)
@click.option("--yes", is_flag=True, help="Really delete (default: a dry run that only lists).")
@click.option("--page-size", type=int, default=100, show_default=True, help="Items per list call.")
@_cluster_options
@_format_option(("text", "json"))
@_guarded
def cleanup(fmt: str, **options: Any) -> int:
    """List the workflows older than --older-than, and delete them with --yes.

    A deletion that fails does not stop the others (exit code 1 at the end).
    """
    _refuse("namespace", "with --all-namespaces", options["all_namespaces"])
    from compiler.commands import cleanup as command

    return command.run(fmt=fmt, **options)


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-n",
    "--namespace",
    help=f"Namespace (default: the document's own, else {DEFAULT_NAMESPACE}).",
)
@click.option("--dry-run", is_flag=True, help="Let the API server validate without creating.")
@click.option("--wait", is_flag=True, help="Wait until every workflow is done.")
@click.option(
    "--timeout",
    "wait_timeout",
    type=Duration(),
    default="180m",
    show_default=True,
    help="With --wait: how long to wait (e.g. 180m, 1h30m) before counting it a failure.",
)
@_cluster_options
@_guarded
def submit(files: tuple[Path, ...], **options: Any) -> int:
    """Create the Argo Workflows in FILES (YAML, several documents each) in the cluster.

    A workflow that already exists with the same spec (a repeated submit) is not an error.
    """
    _refuse("wait_timeout", "without --wait", not options["wait"])
    from compiler.commands import submit as command

    return command.run(files, **options)


def _checkout_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """How kftest checkout (and kftest run --checkout) reach the repositories."""
    options = [
        click.option(
            "--base-url",
            default="https://github.com",
            show_default=True,
            help="Where ORG/NAME lives: <base-url>/<org>/<name>.git (a mirror, a test server).",
        ),
        click.option(
            "--checkout-timeout",
            "checkout_timeout",
            type=Duration(positive=True),
            default="30m",
            show_default=True,
            help="How long the whole checkout may take.",
        ),
    ]
    return _options(function, options)


@cli.command()
@click.argument("src_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--repos",
    multiple=True,
    metavar="ORG/NAME@SHA[:PR],...",
    help="More repositories, ,-separated as checkout_repos.sh took them (repeatable); "
    "SHA may be HEAD.",
)
@click.option(
    "--links",
    multiple=True,
    metavar="SRC=DEST,...",
    help="Symbolic links SRC_DIR/DEST -> SRC_DIR/SRC, e.g. a fork as the canonical repo.",
)
@click.option(
    "--depth",
    metavar="N|all",
    help="Commits to fetch of each repository (default: 2, and all for EXTRA_REPOS).",
)
@_checkout_options
@click.option(
    "--retry-timeout",
    type=Duration(),
    default="300s",
    show_default=True,
    help="How long to keep retrying a failing fetch before exit code 3.",
)
@_guarded
def checkout(src_dir: Path, **options: Any) -> int:
    """Check out the repository under test into SRC_DIR/<org>/<name>, as the Prow environment
    says (presubmit, postsubmit, periodic, batch), plus EXTRA_REPOS (ORG/NAME@SHA[:PR];...)
    and --repos.

    Prints `git describe` of each. Exit code 2 for a malformed spec, 3 when git cannot fetch
    a repository or ref after retries; a failed checkout leaves no half-written directory.
    """
    from compiler.commands import checkout as command

    return command.run(src_dir, **options)


@cli.command(name="run")
@_compiling
@click.option(
    "--bucket",
    default=DEFAULT_BUCKET,
    show_default=True,
    help="GCS bucket for the results, in Prow's layout.",
)
@click.option("--no-upload", is_flag=True, help="Write the results locally and to $ARTIFACTS only.")
@click.option(
    "--gcs-layout",
    type=click.Choice(("prow", "kubeflow")),
    default="prow",
    show_default=True,
    help="kubeflow: postsubmits under logs/<org>_<repo>/<job>/<build> as the seed system did.",
)
@click.option(
    "-n",
    "--namespace",
    default=DEFAULT_NAMESPACE,
    show_default=True,
    help="Namespace for workflows that do not name one.",
)
@click.option(
    "--timeout",
    "wait_timeout",
    type=Duration(),
    default="180m",
    show_default=True,
    help="How long to wait for the workflows before counting them failed.",
)
@click.option(
    "--ui-url-template",
    default=DEFAULT_UI_URL,
    show_default=True,
    help="Link to a workflow in the Argo UI, from {namespace} and {name}.",
)
@click.option(
    "--tekton-ui-url-template",
    default=DEFAULT_TEKTON_UI_URL,
    show_default=True,
    help="Link to a Tekton PipelineRun in the Tekton dashboard, from {namespace} and {name}.",
)
@click.option(
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write the report locally (default: a new temporary directory).",
)
@click.option(
    "--progress-interval",
    type=Duration(positive=True),
    default="60s",
    show_default=True,
    help="While waiting: a progress line per running workflow at least this often (also at "
    "every phase change and, at once, at every failed step).",
)
@click.option(
    "--grace-period",
    type=Duration(),
    default="10s",
    show_default=True,
    help="After SIGTERM/SIGINT: how long reporting may take before exiting.",
)
@click.option(
    "--checkout",
    "checkout_dir",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="SRC_DIR",
    help="First check out the repository under test (and EXTRA_REPOS) as `kftest checkout "
    "SRC_DIR` does; --repo-root and --repos-dir then default to it.",
)
@_checkout_options
@_cluster_options
@_guarded
def run_(**options: Any) -> int:
    """The Prow entrypoint: select, compile, validate and lint the entries, submit them, wait
    (with a watch), and report junit, started.json, finished.json and the build log to GCS.

    Reads the Prow environment (JOB_TYPE, JOB_NAME, REPO_OWNER, ..., BUILD_ID, ARTIFACTS).
    Exit code 0 when every workflow succeeded, 1 when one failed, errored, timed out or was
    invalid, 3 when the cluster or the bucket stayed unreachable.
    """
    _refuse("bucket", "with --no-upload", options["no_upload"])
    _refuse("gcs_layout", "with --no-upload", options["no_upload"])
    from compiler.commands import run as command

    return command.run(**options)


def main() -> None:
    # Jsonnet and the rules see none of the user's locale quirks; click needs a UTF-8 stdout.
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    # A run builds many objects that live until it ends (the configuration, documents,
    # results) and few reference cycles: with Python's default thresholds the collector scans
    # them over and over (~10% of the CPU time of a lint or compile of 500 entries).
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        cli(prog_name="kftest")
    except KeyboardInterrupt:
        sys.exit(130)
    except click.exceptions.UsageError as exc:  # pragma: no cover - click handles these itself
        exc.show()
        sys.exit(EXIT_USAGE)
