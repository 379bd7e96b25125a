#!/usr/bin/env python3
"""Mutation testing for kftest: does the suite notice when the code changes behaviour?

For one module at a time, this makes small changes ("mutants") to its source — a comparison
flipped, ``and`` ↔ ``or``, a number off by one, ``not`` dropped, an ``if`` negated, a ``return``
that returns None, a ``raise``/``continue``/call statement removed — and runs the module's tests
against each. A mutant the tests fail on is *killed*; one they pass on *survived*: a behaviour
change nobody would notice. The score is killed / (all - excluded).

Each mutant is written into a private copy of the project (compiler/, schemas/, lib/, tests/,
…) and the tests run there with ``PYTHONPATH`` pointing at the copy, so the many tests that run
``python -m compiler`` in a subprocess load the mutated code too. ``../shared`` is linked beside
the copy, so tests that use it run as they do in the checkout.

Tests that run a mutated line run first against its mutant: before the mutants, the module's
tests run once under coverage.py, which records for each line the tests that ran it (in the test,
its fixtures, a ``python -m compiler`` subprocess it started, or a worker forked by either).
Most mutants are killed by those few tests in seconds; a mutant they miss runs against the whole
test set, which has the last word, so the selection changes the speed, never the score.
``--no-select`` turns it off.

Equivalent mutants (no observable behaviour change: a cache size, a fast path) are excluded at
their line with a ``# mutation: equivalent — <why>`` comment (on the line, or alone on the line
above it), so the reason stays beside the code and ``--list-excluded`` prints them all. The
marker excludes every mutant of the line; ``# mutation: equivalent[And -> Or] — <why>`` excludes
only the mutants whose description contains the bracketed text (``|`` separates several), so a
line's other mutants are still run.

Usage (from the repository root):

    python3 tools/mutate.py compiler/prow.py                    # the module's own tests
    python3 tools/mutate.py compiler/emit.py -t tests/test_golden.py  # plus related tests
    python3 tools/mutate.py --all                               # every module in MODULE_TESTS
    python3 tools/mutate.py --list-excluded
    python3 tools/mutate.py compiler/config.py --json before.json   # then, after adding tests:
    python3 tools/mutate.py compiler/config.py --recheck before.json  # only before's survivors

Not part of the default test command: a module takes minutes (one pytest run per mutant).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXCLUDE_MARK = "# mutation: equivalent"
#: the marker, with the optional ``[text|text]`` that narrows it to some of the line's mutants
_MARKER = re.compile(re.escape(EXCLUDE_MARK) + r"(?:\[(?P<only>[^\]]*)\])?")

#: The modules of the compile path and the reporter, each with the tests that exercise it
#: (its own tests plus the CLI/golden tests that reach it). ``--all`` runs these.
MODULE_TESTS: dict[str, list[str]] = {
    "compiler/prow.py": ["tests/test_prow.py", "tests/test_cli.py", "tests/test_golden.py"],
    "compiler/select.py": ["tests/test_select.py", "tests/test_cli.py"],
    "compiler/emit.py": ["tests/test_emit.py", "tests/test_golden.py"],
    "compiler/rules/labels.py": ["tests/rules"],
    "compiler/config.py": ["tests/test_config.py"],
    "compiler/rules/step_image.py": ["tests/rules/test_step_image.py"],
    "compiler/rules/immutable_image.py": [
        "tests/rules/test_immutable_image.py",
        "tests/rules/test_settings.py",
        "tests/rules/test_tekton_rules.py",  # the PipelineRun path
    ],
    "compiler/rules/checkout_first.py": ["tests/rules/test_checkout_first.py"],
    "compiler/rules/exit_handler.py": ["tests/rules/test_exit_handler.py"],
    "compiler/report/junit.py": ["tests/report/test_junit.py"],
    "compiler/report/outcome.py": ["tests/report/test_outcome.py", "tests/report/test_junit.py"],
    # rules done earlier
    "compiler/rules/kubeconfig.py": ["tests/rules/test_kubeconfig.py"],
    "compiler/rules/nfs_layout.py": ["tests/rules/test_nfs_layout.py"],
    "compiler/rules/nfs_volume.py": ["tests/rules/test_nfs_volume.py"],
    "compiler/rules/extra_repos.py": ["tests/rules/test_extra_repos.py"],
    "compiler/rules/dead_include_pattern.py": [
        "tests/rules/test_dead_include_pattern.py",
        "tests/rules/test_init.py::test_config_rules_survive_odd_entries",  # a non-string pattern
    ],
    "compiler/rules/name_length.py": ["tests/rules/test_name_length.py"],
    # validate (a)
    "compiler/validate/calls.py": [
        "tests/validate/test_calls.py",
        "tests/validate/test_semantic.py",
        "tests/validate/test_conformance.py",
    ],
    "compiler/validate/semantic.py": [
        "tests/validate/test_semantic.py",
        "tests/validate/test_calls.py",
        "tests/validate/test_conformance.py",
    ],
    "compiler/validate/dag.py": ["tests/validate/test_dag.py", "tests/validate/test_semantic.py"],
    "compiler/validate/names.py": [
        "tests/validate/test_names.py",
        "tests/validate/test_semantic.py",
    ],
    "compiler/validate/tags.py": ["tests/validate/test_tags.py", "tests/validate/test_semantic.py"],
    "compiler/validate/docpath.py": [
        "tests/validate/test_docpath.py",
        "tests/validate/test_semantic.py",
    ],
    "compiler/validate/releases.py": ["tests/validate/test_releases.py"],
    "compiler/validate/templates.py": [
        "tests/validate/test_templates.py",
        "tests/validate/test_semantic.py",
        "tests/validate/test_conformance.py",
    ],
    # validate (b)
    "compiler/validate/schema.py": [
        "tests/validate/test_schema.py",
        "tests/validate/test_schema_nodes.py",
        "tests/validate/test_releases.py",
        "tests/validate/test_conformance.py",
        "tests/validate/test_semantic.py",
    ],
    "compiler/validate/schema_nodes.py": [
        "tests/validate/test_schema_nodes.py",
        "tests/validate/test_schema.py",
        "tests/validate/test_conformance.py",
        "tests/validate/test_releases.py",
    ],
    "compiler/validate/leaves.py": [
        "tests/validate/test_leaves.py",
        "tests/validate/test_semantic.py",
        "tests/validate/test_conformance.py",
    ],
    "compiler/validate/checker.py": [
        "tests/validate/test_checker.py",
        "tests/validate/test_semantic.py",
        "tests/validate/test_conformance.py",
    ],
    "compiler/validate/tekton.py": ["tests/validate/test_tekton.py"],
    "compiler/validate/__init__.py": ["tests/validate/test_init.py"],
    # evaluate (a)
    "compiler/evaluate/__init__.py": ["tests/evaluate/test_init.py"],
    "compiler/evaluate/component.py": [
        "tests/evaluate/test_component.py",
        "tests/evaluate/test_params.py",
        "tests/evaluate/test_sandbox.py",
        "tests/evaluate/test_checkouts.py::test_a_component_in_a_neighbouring_checkout_compiles",
    ],
    "compiler/evaluate/params.py": [
        "tests/evaluate/test_params.py",
        "tests/evaluate/test_component.py",
    ],
    "compiler/evaluate/backend.py": [
        "tests/evaluate/test_backend.py",
        "tests/evaluate/test_sandbox.py::test_importbin_may_read_binary_files",
    ],
    "compiler/evaluate/sandbox.py": ["tests/evaluate/test_sandbox.py"],
    "compiler/evaluate/documents.py": ["tests/evaluate/test_documents.py"],
    "compiler/evaluate/errors.py": [
        "tests/evaluate/test_errors.py",
        "tests/test_checks.py::test_stage_checks_live_with_their_emitters",
    ],
    "compiler/evaluate/layout.py": ["tests/evaluate/test_layout.py"],
    "compiler/evaluate/pool.py": ["tests/evaluate/test_pool.py"],
    "compiler/evaluate/worker.py": [
        "tests/evaluate/test_worker.py",
        "tests/evaluate/test_init.py",
        "tests/evaluate/test_tekton.py::test_presubmit_compiles_like_the_seed",
    ],
    # evaluate (b)
    "compiler/evaluate/checkouts.py": ["tests/evaluate/test_checkouts.py"],
    "compiler/evaluate/pyfunc.py": ["tests/evaluate/test_pyfunc.py"],
    "compiler/evaluate/pyfunc_runner.py": [
        "tests/evaluate/test_pyfunc_runner.py",
        "tests/evaluate/test_pyfunc.py",
    ],
    "compiler/evaluate/tekton.py": ["tests/evaluate/test_tekton.py"],
    "compiler/yamlpos.py": ["tests/test_yamlpos.py", "tests/test_checks.py"],
    # reporter and rule helpers
    "compiler/report/reporter.py": ["tests/report/test_reporter.py"],
    "compiler/report/buildlog.py": ["tests/report/test_buildlog.py"],
    "compiler/report/job.py": [
        "tests/report/test_job.py",
        "tests/report/test_layout.py",
        "tests/report/test_metadata.py",
    ],
    "compiler/report/layout.py": ["tests/report/test_layout.py"],
    "compiler/report/metadata.py": ["tests/report/test_metadata.py"],
    "compiler/rules/_workflow.py": ["tests/rules/test_workflow.py"],
    "compiler/rules/_settings.py": [
        "tests/rules/test_settings.py",
        "tests/rules/test_init.py::test_suppression_per_entry_and_per_repository_and_severity",
        "tests/rules/test_init.py::test_settings_apply_to_other_stages_diagnostics_but_not_to_broken_input",
        "tests/rules/test_init.py::test_entry_lint_disable_with_an_unknown_id_is_a_config_error",
    ],
    "compiler/rules/_context.py": [
        "tests/rules/test_context.py",
        "tests/rules/test_step_image.py",
        "tests/rules/test_immutable_image.py",
        "tests/rules/test_exit_handler.py",
        "tests/rules/test_extra_repos.py",
        "tests/rules/test_nfs_layout.py",
    ],
    "compiler/rules/_tekton.py": [
        "tests/rules/test_tekton.py",
        "tests/rules/test_artifacts_gcs.py",
        "tests/rules/test_tekton_rules.py",
    ],
    "compiler/rules/_cached.py": ["tests/rules/test_cached.py"],
    "compiler/rules/artifacts_gcs.py": [
        "tests/rules/test_artifacts_gcs.py",
        "tests/rules/test_tekton_rules.py",
    ],
    # compile path: orchestration
    "compiler/rules/__init__.py": [
        "tests/rules",
        "tests/test_checks.py",
        "tests/commands/test_rules.py",
    ],
    "compiler/affected.py": [
        "tests/test_affected.py",
        "tests/commands/test_lint.py",
        "tests/test_cli.py::test_lint_files_checks_only_affected_entries",
        "tests/evaluate/test_tekton.py::test_lint_of_changed_yaml_checks_the_tekton_entries",
    ],
    # not the whole of test_cli (nor its bad inputs, a third of the time): its evaluation-limit
    # tests take minutes and reach pipeline.py the way the others do
    "compiler/pipeline.py": [
        "tests/test_pipeline.py",
        "tests/commands/test_compile.py",
        "tests/commands/test_lint.py",
        "tests/test_golden.py::test_project_golden_files_are_current",
        "tests/test_golden.py::test_every_entry_has_a_golden_file_per_job_type",
        "tests/test_golden.py::test_golden_environment_is_what_prow_sets_per_job_type",
        "tests/test_cli.py::test_clean_repo_lints_clean",
        "tests/test_cli.py::test_json_diagnostic_keys_follow_the_contract",
        "tests/test_cli.py::test_no_config_is_a_usage_error",
        "tests/test_cli.py::test_plan_json_and_text",
        "tests/test_cli.py::test_compile_stream_and_out_dir",
        "tests/test_cli.py::test_lint_files_checks_only_affected_entries",
        "tests/test_cli.py::test_plan_reports_config_problems_in_every_format",
        "tests/test_cli.py::test_plan_and_compile_without_job_type",
        "tests/test_cli.py::test_argo_version_chooses_the_schema_and_says_so",
        "tests/test_cli.py::test_bad_target_or_interpreter_is_a_usage_error",
        "tests/test_cli.py::test_a_config_file_symlinked_out_of_the_repo_is_denied",
        "tests/test_cli.py::test_a_config_that_is_not_a_file_says_what_it_is",
        "tests/test_cli.py::test_py_func_builders_run_with_the_configured_interpreter",
        "tests/evaluate/test_tekton.py::test_evaluate_a_run_and_its_teardown",
        "tests/evaluate/test_tekton.py::test_fixture_golden_files_are_current",
        "tests/validate/test_tekton.py::test_diagnostics_point_at_the_file_and_line_to_change",
        "tests/validate/test_tekton.py::test_a_tekton_params_value_is_blamed_on_prow_config",
        "tests/validate/test_releases.py::test_a_ksonnet_app_targets_the_argo_of_its_era_unless_told",
    ],
    "compiler/cache.py": ["tests/test_cache.py"],
    # report/html (a)
    "compiler/report/html/saved.py": ["tests/report/html/test_saved.py"],  # with gs:// dirs
    "compiler/report/html/model.py": [
        "tests/report/html/test_model.py",
        "tests/report/html/test_junit_results.py",  # makes the page's JunitFiles
        "tests/report/html/test_render.py",
    ],
    "compiler/report/html/junit_results.py": ["tests/report/html/test_junit_results.py"],
    "compiler/report/html/escape.py": [
        "tests/report/html/test_escape.py",
        "tests/report/html/test_render.py",
    ],
    # report/html (b)
    "compiler/report/html/render.py": [
        "tests/report/html/test_render.py",
        "tests/report/html/test_init.py",
    ],
    "compiler/report/html/graph_layout.py": [
        "tests/report/html/test_graph_layout.py",
        "tests/report/html/test_render.py",
    ],
    "compiler/report/html/page.py": [
        "tests/report/html/test_page.py",
        "tests/report/html/test_render.py",
        "tests/report/html/test_init.py",
    ],
    "compiler/report/html/__init__.py": [
        "tests/report/html/test_init.py",
        "tests/report/test_reporter.py",
    ],
}

_COMPARE_SWAPS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
_BINOP_SWAPS: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.FloorDiv,
    ast.FloorDiv: ast.Mult,
    ast.Div: ast.Mult,
    ast.Mod: ast.FloorDiv,
}


@dataclass(frozen=True)
class Mutant:
    line: int
    col: int
    end_line: int
    end_col: int
    replacement: str
    description: str

    def apply(self, source_lines: list[str]) -> str:
        """The module's source with this mutant's span replaced (everything else byte-equal)."""
        lines = list(source_lines)
        head = lines[self.line - 1][: self.col]
        tail = lines[self.end_line - 1][self.end_col :]
        lines[self.line - 1 : self.end_line] = [head + self.replacement + tail]
        return "".join(lines)


def _span(node: ast.AST) -> tuple[int, int, int, int]:
    return node.lineno, node.col_offset, node.end_lineno or node.lineno, node.end_col_offset or 0


def _copy_with(node: ast.AST, **changes: object) -> ast.AST:
    clone = ast.parse(ast.unparse(node), mode="eval").body if isinstance(node, ast.expr) else node
    for key, value in changes.items():
        setattr(clone, key, value)
    return clone


def _docstring_nodes(tree: ast.AST) -> set[int]:
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0]))
    return found


def mutants(source: str, strings: bool = False) -> Iterator[Mutant]:
    tree = ast.parse(source)
    skipped = _docstring_nodes(tree) | {
        id(part)
        for node in ast.walk(tree)
        if isinstance(node, ast.JoinedStr)
        for part in ast.walk(node)
    }
    annotations = {
        id(sub)
        for node in ast.walk(tree)
        for attr in ("annotation", "returns")
        if isinstance(getattr(node, attr, None), ast.AST)
        for sub in ast.walk(getattr(node, attr))
    }
    for node in ast.walk(tree):
        if id(node) in annotations or not hasattr(node, "lineno"):
            continue
        yield from _node_mutants(node, skipped, strings)


def _expr_mutant(node: ast.expr, new: ast.expr, description: str) -> Mutant:
    return Mutant(*_span(node), ast.unparse(new), description)


def _node_mutants(node: ast.AST, skipped: set[int], strings: bool) -> Iterator[Mutant]:
    if isinstance(node, ast.Compare):
        for index, op in enumerate(node.ops):
            swap = _COMPARE_SWAPS.get(type(op))
            if swap:
                clone = _copy_with(node)
                assert isinstance(clone, ast.Compare)
                clone.ops[index] = swap()
                yield _expr_mutant(node, clone, f"{type(op).__name__} -> {swap.__name__}")
    elif isinstance(node, ast.BoolOp):
        other = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        yield _expr_mutant(
            node, _copy_with(node, op=other), f"{type(node.op).__name__} -> {type(other).__name__}"
        )
    elif isinstance(node, ast.BinOp) and type(node.op) in _BINOP_SWAPS:
        swap = _BINOP_SWAPS[type(node.op)]
        yield _expr_mutant(
            node, _copy_with(node, op=swap()), f"{type(node.op).__name__} -> {swap.__name__}"
        )
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        yield _expr_mutant(node, node.operand, "drop not")
    elif isinstance(node, ast.Constant) and id(node) not in skipped:
        value = node.value
        if isinstance(value, bool):
            yield _expr_mutant(node, ast.Constant(not value), f"{value} -> {not value}")
        elif isinstance(value, int):
            yield _expr_mutant(node, ast.Constant(value + 1), f"{value} -> {value + 1}")
        elif isinstance(value, str) and value and strings:
            yield _expr_mutant(node, ast.Constant("XX" + value + "XX"), "string changed")
    elif isinstance(node, (ast.If, ast.While)) and not (
        isinstance(node.test, ast.UnaryOp) and isinstance(node.test.op, ast.Not)
    ):
        test = node.test
        yield _expr_mutant(test, ast.UnaryOp(ast.Not(), test), "negate condition")
    elif isinstance(node, ast.Return) and node.value is not None:
        if not (isinstance(node.value, ast.Constant) and node.value.value is None):
            yield Mutant(*_span(node), "return None", "return None")
    elif id(node) not in skipped and (
        isinstance(node, (ast.Raise, ast.Continue, ast.Break))
        or (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call))
    ):
        yield Mutant(*_span(node), "pass", f"delete {type(node).__name__.lower()}")


def excluded(mutant: Mutant, source_lines: list[str]) -> bool:
    """Marked equivalent: the marker is on a line of the mutant, or on a comment-only line
    right above its first line (when the line itself has no room for it)."""
    above = mutant.line - 2
    comment_above = above >= 0 and source_lines[above].lstrip().startswith(EXCLUDE_MARK)
    if comment_above and _marks(source_lines[above], mutant):
        return True
    return any(
        _marks(source_lines[line - 1], mutant)
        for line in range(mutant.line, mutant.end_line + 1)
        if line - 1 < len(source_lines)
    )


def _marks(line: str, mutant: Mutant) -> bool:
    """The line's marker covers this mutant: it names no mutants, or names one of this one's."""
    found = _MARKER.search(line)
    if found is None:
        return False
    only = found.group("only")
    if only is None:
        return True
    return any(part.strip() and part.strip() in mutant.description for part in only.split("|"))


@dataclass
class Outcome:
    mutant: Mutant
    killed: bool
    seconds: float
    ran: str  # "all", or how many selected tests
    covered: bool  # did coverage.py see any test run the mutated lines


class Sandbox:
    """A private copy of the project in which one mutant at a time is installed."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.project = root / "kftest"
        self.project.mkdir(parents=True)
        # The working tree as git sees it (tracked + new files): what the tests see in a clone.
        listing = (
            subprocess.run(
                ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                cwd=REPO,
                capture_output=True,
                check=True,
            )
            .stdout.decode()
            .split("\0")
        )
        for name in filter(None, listing):
            source, target = REPO / name, self.project / name
            if source.is_file():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)
        shared = REPO.parent / "shared"
        if shared.is_dir():
            (root / "shared").symlink_to(shared)
        subprocess.run(["git", "init", "-q"], cwd=self.project, check=True)

    def run(self, module: str, mutated: str, tests: Sequence[str], timeout: float) -> bool:
        target = self.project / module
        original = target.read_text(encoding="utf-8")
        target.write_text(mutated, encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(self.project), "PYTHONDONTWRITEBYTECODE": "1"}
        try:
            result = subprocess.run(
                [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests],
                cwd=self.project,
                env=env,
                capture_output=True,
                timeout=timeout,
                check=False,
            )
            return result.returncode != 0
        except subprocess.TimeoutExpired:
            return True  # a mutant that hangs the tests is noticed (as a timeout)
        finally:
            target.write_text(original, encoding="utf-8")


def baseline_seconds(sandbox: Sandbox, module: str, tests: Sequence[str]) -> float:
    source = (REPO / module).read_text(encoding="utf-8")
    started = time.monotonic()
    if sandbox.run(module, source, tests, timeout=3600):
        raise SystemExit(f"the tests fail on the unmutated {module}: fix them first ({tests})")
    return time.monotonic() - started


#: A pytest plugin naming coverage.py's context after the test and its phase, so each line
#: measured knows which tests ran it and whether inside the test body ("|run") or not.
_CONTEXT_PLUGIN = """
import os, coverage, pytest

def _switch(name):
    os.environ["KFTEST_MUTATE_CONTEXT"] = name  # for subprocesses: see _SUBPROCESS_CONTEXT
    cov = coverage.Coverage.current()
    if cov is not None:
        cov.switch_context(name)

def _forked():
    # a forked worker (the evaluation pool) measures under the test that forked it
    cov = coverage.Coverage.current()
    if cov is not None:
        cov.switch_context(os.environ.get("KFTEST_MUTATE_CONTEXT", ""))

os.register_at_fork(after_in_child=_forked)

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    _switch(item.nodeid + "|setup")
    yield

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    _switch(item.nodeid + "|run")
    yield

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    _switch(item.nodeid + "|teardown")
    yield
    _switch("")

_seconds = {}

def pytest_runtest_logreport(report):
    _seconds[report.nodeid] = _seconds.get(report.nodeid, 0.0) + report.duration

def pytest_sessionfinish(session):
    import json
    with open(os.environ["KFTEST_MUTATE_DURATIONS"], "w") as out:
        json.dump(_seconds, out)
"""


#: A subprocess (``python -m compiler`` from a test) is measured by coverage.py's ``patch =
#: subprocess``; this sitecustomize, first on its PYTHONPATH, names its context after the test
#: that started it.
_SUBPROCESS_CONTEXT = """
import os

def _switch():
    name = os.environ.get("KFTEST_MUTATE_CONTEXT")
    if name:
        try:
            import coverage
            cov = coverage.Coverage.current()
            if cov is not None:
                cov.switch_context(name)
        except Exception:
            pass

_switch()
os.register_at_fork(after_in_child=_switch)  # its forked workers too
"""


@dataclass(frozen=True)
class LineTests:
    """Which tests ran each line of the module, from one run of its tests under coverage.py."""

    #: line -> contexts ("<nodeid>|run", "<nodeid>|setup", ... or "" outside any test)
    contexts: dict[int, set[str]]
    #: node id -> seconds (set-up, call, tear-down), and the run's start-up/collection seconds
    seconds: dict[str, float] = field(default_factory=dict)
    overhead: float = 0.0

    def budget(self, tests: Sequence[str]) -> float:
        """How long these tests may run on a mutant before it counts as a hang (a kill)."""
        return max(30.0, 5 * (self.overhead + sum(self.seconds.get(t, 1.0) for t in tests)))

    def tests_for(self, lines: Sequence[int]) -> list[str] | None:
        """The tests that ran these lines (in a body, a fixture or a subprocess of theirs), to
        run first against a mutant of them; None when no test is known to run them."""
        seen = {context for line in lines for context in self.contexts.get(line, set())}
        tests = {context.rpartition("|")[0] for context in seen if context}
        return sorted(tests) or None


def measure_line_tests(
    sandbox: Sandbox, module: str, tests: Sequence[str]
) -> tuple[LineTests, float]:
    """Run the tests once on the unmutated module under coverage.py; also how long that took."""
    work = sandbox.root / "coverage"
    work.mkdir(exist_ok=True)
    (work / "kftest_mutate_contexts.py").write_text(_CONTEXT_PLUGIN, encoding="utf-8")
    (work / "sitecustomize.py").write_text(_SUBPROCESS_CONTEXT, encoding="utf-8")
    rcfile = work / "coveragerc"
    target = (sandbox.project / module).resolve()
    rcfile.write_text(
        "[run]\n"
        f"data_file = {work / 'data'}\n"
        "parallel = true\n"
        f"include = {target}\n"
        "patch = subprocess, _exit, fork\n",
        encoding="utf-8",
    )
    durations = work / "durations.json"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(sandbox.project), str(work)]),
        "PYTHONDONTWRITEBYTECODE": "1",
        "KFTEST_MUTATE_DURATIONS": str(durations),
    }
    command = [sys.executable, "-m", "coverage", "run", f"--rcfile={rcfile}", "-m", "pytest"]
    started = time.monotonic()
    result = subprocess.run(
        [*command, "-q", "-p", "no:cacheprovider", "-p", "kftest_mutate_contexts", *tests],
        cwd=sandbox.project,
        env=env,
        capture_output=True,
        check=False,
    )
    seconds = time.monotonic() - started
    if result.returncode != 0:
        raise SystemExit(f"the tests fail on the unmutated {module}: fix them first ({tests})")
    subprocess.run(
        [sys.executable, "-m", "coverage", "combine", f"--rcfile={rcfile}", "-q"],
        cwd=work,
        env=env,
        capture_output=True,
        check=True,
    )
    from coverage import CoverageData  # only the selection needs coverage.py

    data = CoverageData(basename=str(work / "data"))
    data.read()
    contexts: dict[int, set[str]] = {}
    for measured in data.measured_files():
        if Path(measured).resolve() == target:
            for line, names in data.contexts_by_lineno(measured).items():
                contexts.setdefault(line, set()).update(names)
    per_test = json.loads(durations.read_text(encoding="utf-8"))
    return LineTests(contexts, per_test, max(0.0, seconds - sum(per_test.values()))), seconds


def statement_lines(source: str) -> dict[int, range]:
    """For each line, the lines of the statement (a compound statement's header) holding it."""
    spans: dict[int, range] = {}
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.stmt):
            continue
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
            last = max(node.lineno, body[0].lineno - 1)  # the header only
        else:
            last = node.end_lineno or node.lineno
        span = range(node.lineno, last + 1)
        for line in span:
            # the innermost statement wins: walk() visits outer statements first
            spans[line] = span
    return spans


def run_module(
    module: str,
    tests: Sequence[str],
    jobs: int,
    strings: bool = False,
    previous: dict[str, object] | None = None,
    select: bool = True,
) -> dict[str, object]:
    source = (REPO / module).read_text(encoding="utf-8")
    lines = source.splitlines(keepends=True)
    candidates = list(mutants(source, strings))
    chosen = [m for m in candidates if not excluded(m, lines)]
    skipped = len(candidates) - len(chosen)
    killed_before = 0
    if previous is not None:
        # Only the previous run's survivors run again; the mutants it killed stay killed as long
        # as tests were only added. Valid while the module's source has not changed since.
        survived = {(s["line"], s["col"], s["change"]) for s in previous["survivors"]}  # type: ignore[union-attr]
        again = [m for m in chosen if (m.line, m.col, m.description) in survived]
        killed_before = len(chosen) - len(again)
        chosen = again
    spans = statement_lines(source)
    with tempfile.TemporaryDirectory(prefix="kftest-mutants-") as tmp:
        sandboxes = [Sandbox(Path(tmp) / f"w{index}") for index in range(jobs)]
        if select:
            line_tests, seconds = measure_line_tests(sandboxes[0], module, tests)
        else:
            line_tests, seconds = None, baseline_seconds(sandboxes[0], module, tests)
        budget = max(30.0, 5 * seconds)
        free = list(sandboxes)

        def attempt(mutant: Mutant) -> Outcome:
            sandbox = free.pop()
            try:
                started = time.monotonic()
                mutated = mutant.apply(lines)
                touched = [
                    line
                    for own in range(mutant.line, mutant.end_line + 1)
                    for line in spans.get(own, range(own, own + 1))
                ]
                chosen_tests = line_tests.tests_for(touched) if line_tests else None
                covered = line_tests is None or any(line in line_tests.contexts for line in touched)
                first = budget if chosen_tests is None else line_tests.budget(chosen_tests)  # type: ignore[union-attr]
                killed = sandbox.run(module, mutated, chosen_tests or tests, min(budget, first))
                if not killed and chosen_tests is not None:
                    # The tests that run the line missed it; the whole set has the last word.
                    killed = sandbox.run(module, mutated, tests, budget)
                ran = "all" if chosen_tests is None else f"{len(chosen_tests)} tests"
                return Outcome(mutant, killed, time.monotonic() - started, ran, covered)
            finally:
                free.append(sandbox)

        outcomes: list[Outcome] = []
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            for outcome in pool.map(attempt, chosen):
                outcomes.append(outcome)
                mutant = outcome.mutant
                verdict = "killed  " if outcome.killed else "SURVIVED"
                note = "" if outcome.covered else ", coverage saw no test run it"
                print(
                    f"  [{len(outcomes)}/{len(chosen)}] {verdict} {module}:{mutant.line}: "
                    f"{mutant.description} ({outcome.ran}, {outcome.seconds:.0f} s{note})",
                    file=sys.stderr,
                    flush=True,
                )
    survivors = [o.mutant for o in outcomes if not o.killed]
    uncovered = {id(o.mutant) for o in outcomes if not o.killed and not o.covered}
    killed = killed_before + len(outcomes) - len(survivors)
    score = killed / (killed + len(survivors)) if killed + len(survivors) else 1.0
    return {
        "module": module,
        "tests": list(tests),
        "mutants": len(candidates),
        "excluded": skipped,
        "killed": killed,
        "survived": len(survivors),
        "score": round(score * 100, 1),
        "survivors": [
            {
                "line": m.line,
                "col": m.col,
                "change": m.description,
                "code": lines[m.line - 1].strip(),
                "covered": id(m) not in uncovered,
            }
            for m in survivors
        ],
    }


def list_excluded(modules: Sequence[str]) -> None:
    for module in modules:
        for number, line in enumerate((REPO / module).read_text().splitlines(), 1):
            if EXCLUDE_MARK in line:
                print(f"{module}:{number}: {line.split(EXCLUDE_MARK, 1)[1].strip(' —-')}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", help="module paths, e.g. compiler/prow.py")
    parser.add_argument("-t", "--tests", action="append", default=[], help="extra test paths")
    parser.add_argument("--all", action="store_true", help="every module in MODULE_TESTS")
    parser.add_argument("-j", "--jobs", type=int, default=max(1, (os.cpu_count() or 2) // 2))
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument("--list-excluded", action="store_true")
    parser.add_argument(
        "--recheck",
        type=Path,
        help="a --json file of an earlier run: run only its survivors again (after adding tests)",
    )
    parser.add_argument(
        "--strings", action="store_true", help="also mutate string literals (many more mutants)"
    )
    parser.add_argument(
        "--no-select",
        dest="select",
        action="store_false",
        help="run every test against every mutant (no coverage-guided selection)",
    )
    args = parser.parse_args(argv)
    modules = list(MODULE_TESTS) if args.all else args.modules
    if args.list_excluded:
        list_excluded(modules or list(MODULE_TESTS))
        return 0
    if not modules:
        parser.error("name a module, or --all")
    earlier = {r["module"]: r for r in json.loads(args.recheck.read_text())} if args.recheck else {}
    results = []
    for module in modules:
        tests = [*MODULE_TESTS.get(module, [_default_tests(module)]), *args.tests]
        result = run_module(
            module, tests, args.jobs, args.strings, earlier.get(module), select=args.select
        )
        results.append(result)
        print(
            f"{module}: {result['score']}% ({result['killed']}/"
            f"{result['killed'] + result['survived']} killed, {result['excluded']} excluded)"
        )
        for survivor in result["survivors"]:  # type: ignore[union-attr]
            note = "" if survivor["covered"] else "  (coverage saw no test run it)"
            print(
                f"  survived {module}:{survivor['line']}: {survivor['change']}: "
                f"{survivor['code']}{note}"
            )
        if args.json:
            # after every module, so an interrupted --all keeps what it finished
            args.json.write_text(json.dumps(results, indent=2) + "\n")
    if len(results) > 1:
        print(summary_table(results))
    return 0


def summary_table(results: Sequence[dict[str, object]]) -> str:
    """The scores as a Markdown table, one row per module."""
    rows = ["| module | score | killed / non-equivalent | excluded |", "|---|---|---|---|"]
    for result in results:
        total = int(result["killed"]) + int(result["survived"])  # type: ignore[call-overload]
        rows.append(
            f"| {result['module']} | {result['score']}% | {result['killed']}/{total} "
            f"| {result['excluded']} |"
        )
    return "\n".join(rows)


def _default_tests(module: str) -> str:
    path = Path(module)
    parts = path.with_suffix("").parts[1:]  # drop "compiler"
    return str(Path("tests", *parts[:-1], f"test_{parts[-1]}.py"))


if __name__ == "__main__":
    raise SystemExit(main())
