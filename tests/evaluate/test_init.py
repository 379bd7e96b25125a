"""evaluate_many: order, parallel workers, the finish hook, and second chances."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

from compiler.evaluate import EvalRequest, EvalResult, evaluate, evaluate_many
from compiler.evaluate.backend import ENV_VAR, installed
from tests.evaluate.conftest import DATA, make_entry, make_request

WORKFLOW = "function(params) {kind: 'Workflow', metadata: {name: params.name}}"


def summary(request: EvalRequest, result: EvalResult) -> tuple[int, list[str], list[str]]:
    """A finish step: module-level, as evaluate_many requires."""
    names = [document["metadata"]["name"] for document in result.documents]
    return os.getpid(), names, [diagnostic.rule for diagnostic in result.diagnostics]


def test_results_in_request_order_across_kinds(
    component_request: Callable[..., EvalRequest],
) -> None:
    jsonnet = component_request({"app/wf.jsonnet": WORKFLOW, "app/bad.jsonnet": "{"})
    bad = component_request({}, component="bad")
    py = make_request(
        DATA / "pyfunc-repo",
        make_entry(name="py", py_func="ci.unittests.create_workflow"),
        python_paths=("py",),
    )
    results = evaluate_many([py, jsonnet, bad, jsonnet], jobs=2)
    assert [r.source for r in results] == [
        "py:ci.unittests.create_workflow",
        "app/wf.jsonnet",
        "app/bad.jsonnet",
        "app/wf.jsonnet",
    ]
    assert [len(r.documents) for r in results] == [1, 1, 0, 1]
    assert evaluate(jsonnet) == results[1]


def test_finish_runs_in_the_worker(component_request: Callable[..., EvalRequest]) -> None:
    request = component_request({"app/wf.jsonnet": WORKFLOW})
    [(pid, names, rules)] = evaluate_many([request], finish=summary)
    assert pid != os.getpid()
    assert (names, rules) == ([request.run_params["name"]], [])


def test_finish_runs_here_for_a_request_that_timed_out(
    component_request: Callable[..., EvalRequest],
) -> None:
    looping = "local f(n) = if n == 0 then 1 else f(n - 1) + f(n - 1);\nf(70)\n"
    request = component_request({"app/wf.jsonnet": looping}, timeout=0.5)
    [(pid, names, rules)] = evaluate_many([request], finish=summary)
    assert (pid, names, rules) == (os.getpid(), [], ["jsonnet-error"])


def test_no_requests() -> None:
    assert evaluate_many([]) == []


@pytest.mark.skipif(
    not (installed("rust") and installed("go")), reason="needs rjsonnet and gojsonnet"
)
def test_a_crash_of_the_fast_binding_gets_a_second_opinion(
    component_request: Callable[..., EvalRequest], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_VAR, "rust")
    # Deeply nested arrays overflow jrsonnet's native stack (SIGSEGV); go-jsonnet stops cleanly.
    deep = "std.foldl(function(nested, i) [nested], std.range(1, 40000), [])\n"
    [result] = evaluate_many([component_request({"app/wf.jsonnet": deep})])
    [diagnostic] = result.diagnostics
    assert (diagnostic.rule, diagnostic.file) == ("jsonnet-error", "app/wf.jsonnet")
    assert "stack depth limit exceeded" in diagnostic.message
