"""What the parent reports for a request whose worker timed out, ran out of memory or died."""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from compiler.evaluate import EvalRequest, EvalResult, evaluate_many, worker
from compiler.evaluate.backend import ENV_VAR, Backend, installed
from compiler.evaluate.pool import Failure
from compiler.model import Position
from tests.evaluate.conftest import CONFIG, KEY_LINES, make_entry, make_request

WORKFLOW = "function(params) [{kind: 'Workflow', metadata: {name: params.name}}]"
TAILSTRICT = "// recurses\nlocal f(n) =\n  f(n + 1) tailstrict;\nf(0)\n"


def jsonnet_request(root: Path, text: str = "{}", **options: object) -> EvalRequest:
    (root / "app").mkdir(exist_ok=True)
    (root / "app" / "wf.jsonnet").write_text(text)
    request = make_request(root, make_entry(app_dir="app", component="wf"))
    return dataclasses.replace(request, **options)


def lost(
    request: EvalRequest, failure: Failure
) -> tuple[str, str | None, int | None, int | None, str]:
    result = worker.lost(request, failure)
    assert result.documents == [] and result.params == {} and result.imports == frozenset()
    [diagnostic] = result.diagnostics
    assert (diagnostic.rule, diagnostic.workflow) == ("jsonnet-error", "e2e")
    return diagnostic.file, diagnostic.line, diagnostic.column, diagnostic.message, result.source


def test_a_timeout_is_reported_at_the_component(tmp_path: Path) -> None:
    request = jsonnet_request(tmp_path, timeout=1.5)
    assert lost(request, Failure("timeout", True)) == (
        "app/wf.jsonnet",
        None,
        None,
        "evaluation did not finish within 1.5 s of CPU time "
        "(does it terminate? --eval-timeout sets the limit)",
        "app/wf.jsonnet",
    )


def test_out_of_memory_points_at_the_first_tailstrict_call(tmp_path: Path) -> None:
    request = jsonnet_request(tmp_path, TAILSTRICT, memory=256 << 20)
    file, line, column, message, _ = lost(request, Failure("ran out", False, kind="memory"))
    assert (file, line, column) == ("app/wf.jsonnet", 3, 12)
    assert message == (
        "the evaluation used more than 256 MiB of memory (--eval-memory sets the limit) "
        "(runaway recursion through this `tailstrict` call?)"
    )


def test_a_stack_overflow_without_tailstrict_is_reported_at_the_file(tmp_path: Path) -> None:
    request = jsonnet_request(tmp_path, "local f(n) = [f(n + 1)];\nf(0)\n")
    file, line, column, message, _ = lost(request, Failure("overflow", False, kind="stack"))
    assert (file, line, column) == ("app/wf.jsonnet", None, None)
    assert message == "the evaluation recursed without bound and overflowed the native stack"


@pytest.mark.parametrize(
    ("text", "where"), [("tailstrict", (1, 1)), ("\ntailstrict", (2, 1)), ("\n tailstrict", (2, 2))]
)
def test_tailstrict_at_the_start_of_a_line(
    tmp_path: Path, text: str, where: tuple[int, int]
) -> None:
    request = jsonnet_request(tmp_path, text)
    _, line, column, _, _ = lost(request, Failure("overflow", False, kind="stack"))
    assert (line, column) == where


def test_a_timeout_does_not_blame_tailstrict(tmp_path: Path) -> None:
    request = jsonnet_request(tmp_path, TAILSTRICT)
    file, line, _, message, _ = lost(request, Failure("timeout", True))
    assert (file, line) == ("app/wf.jsonnet", None)
    assert "tailstrict" not in message


def test_a_crash_says_how_the_worker_ended(tmp_path: Path) -> None:
    request = jsonnet_request(tmp_path)
    _, _, _, message, _ = lost(request, Failure("crashed (SIGABRT)", False))
    assert message == "the evaluation crashed (SIGABRT) (a bug in the jsonnet binding?)"


def test_a_missing_component_is_reported_at_its_prow_config_line(tmp_path: Path) -> None:
    request = make_request(tmp_path, make_entry(app_dir="app", component="wf"))
    file, line, column, _, source = lost(request, Failure("timeout", True))
    assert (file, line, column, source) == (CONFIG, KEY_LINES["component"], 7, None)


def test_a_py_func_is_reported_at_its_prow_config_line(tmp_path: Path) -> None:
    request = make_request(tmp_path, make_entry(py_func="ci.create_workflow"), timeout=2)
    file, line, _, message, source = lost(request, Failure("timeout", True))
    assert (file, line, source) == (CONFIG, KEY_LINES["py_func"], None)
    assert message.startswith("evaluation did not finish within 2 s of CPU time")


def test_a_tekton_run_is_reported_at_its_prow_config_line(tmp_path: Path) -> None:
    entry = make_entry(tekton_run="ci/run.yaml")
    entry.positions["tekton_run"] = Position(CONFIG, 9, 7)
    file, line, _, _, _ = lost(make_request(tmp_path, entry), Failure("timeout", True))
    assert (file, line) == (CONFIG, 9)


def test_what_the_worker_finished_before_it_was_lost_is_kept(tmp_path: Path) -> None:
    request = jsonnet_request(tmp_path)
    partial = EvalResult(
        documents=[], source="app/wf.jsonnet", imports=frozenset(), params={}, diagnostics=[]
    )
    assert worker.lost(request, Failure("timeout", True, partial)) is partial


def test_a_py_func_gets_a_grace_period_for_its_own_limit(tmp_path: Path) -> None:
    backend = Backend("go")
    py = make_request(tmp_path, make_entry(py_func="ci.create_workflow"), timeout=3)
    jsonnet = make_request(tmp_path, make_entry(app_dir="app", component="wf"), timeout=3)
    assert worker.budget(worker.Task(py, backend)) == 3 + worker.PYFUNC_GRACE
    assert worker.budget(worker.Task(jsonnet, backend)) == 3


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (None, "no limit"),
        (1 << 30, "1 GiB"),
        (3 << 29, "1.5 GiB"),
        ((1 << 30) - (1 << 20), "1023 MiB"),
        (1 << 20, "1 MiB"),
        (1 << 10, "1 KiB"),
        (1023, "1023 bytes"),
    ],
)
def test_format_size(size: int | None, shown: str) -> None:
    assert worker.format_size(size) == shown


def test_tailstrict_of_an_unreadable_file(tmp_path: Path) -> None:
    assert worker._tailstrict(tmp_path / "gone.jsonnet") == (None, None)


def _spin(seconds: float) -> None:
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def spin_then_summarize(request: EvalRequest, result: EvalResult) -> tuple[int, list[str]]:
    """A finish step that takes longer than the evaluation's own budget (CPU time)."""
    _spin(2 * request.timeout)
    return os.getpid(), [document["metadata"]["name"] for document in result.documents]


def spin_then_die(request: EvalRequest, result: EvalResult) -> tuple[int, list[str], list[str]]:
    """A slow finish step that then kills its worker; in the parent it summarizes its input."""
    if multiprocessing.parent_process() is not None:
        _spin(request.timeout)
        os._exit(3)
    names = [document["metadata"]["name"] for document in result.documents]
    return os.getpid(), names, [diagnostic.rule for diagnostic in result.diagnostics]


def test_the_finish_step_has_its_own_budget(component_request: Callable[..., EvalRequest]) -> None:
    request = component_request({"app/wf.jsonnet": WORKFLOW}, timeout=0.3)
    [(pid, names)] = evaluate_many([request], finish=spin_then_summarize)
    assert pid != os.getpid()  # it finished in the worker, not timed out
    assert names == [request.run_params["name"]]


def test_a_slow_finish_step_that_dies_gets_the_evaluated_result(
    component_request: Callable[..., EvalRequest], monkeypatch: pytest.MonkeyPatch
) -> None:
    if installed("go"):
        monkeypatch.setenv(ENV_VAR, "go")  # no second opinion: one crash is enough here
    request = component_request({"app/wf.jsonnet": WORKFLOW}, timeout=0.3)
    [(pid, names, rules)] = evaluate_many([request], finish=spin_then_die)
    # the worker reported the result while finishing: finish runs here, on that result
    assert (pid, names, rules) == (os.getpid(), [request.run_params["name"]], [])


@pytest.mark.skipif(
    not (installed("rust") and installed("go")), reason="needs rjsonnet and gojsonnet"
)
def test_an_error_of_the_fast_binding_is_located_by_the_reference_one(
    component_request: Callable[..., EvalRequest], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_VAR, "rust")  # jrsonnet reports a missing field without a place
    request = component_request({"app/wf.jsonnet": "local o = {};\n{\n  a: o.missing,\n}\n"})
    [result] = evaluate_many([request])
    [diagnostic] = result.diagnostics
    assert (diagnostic.rule, diagnostic.file, diagnostic.line) == (
        "jsonnet-error",
        "app/wf.jsonnet",
        3,
    )
