"""Jsonnet components: params, legacy ksonnet apps, output shapes, every evaluation error."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from compiler.evaluate import EvalRequest, EvalResult, evaluate
from compiler.evaluate.layout import KSONNET_SHIM_DIR
from compiler.paths import LIB_DIR
from tests.conftest import run_kftest
from tests.evaluate.conftest import DATA, KEY_LINES, make_entry, make_request

KSONNET_APP = DATA / "ksonnet-app"
STEP_IMAGE = "gcr.io/kubeflow-ci/test-worker:v20240101-0123abc"

WORKFLOW = """
function(params) {
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Workflow',
  metadata: { name: params.name, namespace: params.namespace },
  spec: { entrypoint: 'e2e', templates: [{ name: 'e2e', container: { image: 'x:1' } }] },
}
"""


def only(result: EvalResult) -> tuple[str, str | None, int | None, str]:
    assert len(result.diagnostics) == 1, result.diagnostics
    diagnostic = result.diagnostics[0]
    return diagnostic.rule, diagnostic.file, diagnostic.line, diagnostic.message


def ksonnet_request(params: dict[str, Any], **run_params: Any) -> EvalRequest:
    entry = make_entry(app_dir="test/workflows", component="workflows", params=params)
    request = make_request(KSONNET_APP, entry)
    return dataclasses.replace(request, run_params={**request.run_params, **run_params})


def template(document: dict[str, Any], name: str) -> dict[str, Any]:
    return next(t for t in document["spec"]["templates"] if t["name"] == name)


# --- legacy ksonnet -------------------------------------------------------------------------


def test_legacy_ksonnet_app_compiles_unchanged_with_ksonnet_precedence() -> None:
    params = {"platform": "gke", "useIstio": True, "deadline": 2400, "namespace": "from-entry"}
    request = ksonnet_request(params, namespace="run-namespace")
    result = evaluate(request)

    assert result.diagnostics == []
    [workflow] = result.documents
    assert workflow["kind"] == "Workflow"
    # run parameters beat the entry's params, which beat params.libsonnet's defaults
    assert workflow["metadata"]["name"] == request.run_params["name"]
    assert workflow["metadata"]["namespace"] == "run-namespace"
    deploy = template(workflow, "deploy")
    assert "--platform=gke" in deploy["container"]["command"]
    assert "--use_istio" in deploy["container"]["command"]  # a YAML bool stays a bool
    assert deploy["activeDeadlineSeconds"] == 2400  # and an int stays an int
    assert deploy["container"]["image"] == "gcr.io/kubeflow-ci/test-worker:v20190802-c6f9140-e3b0c4"
    copy = template(workflow, "copy-artifacts")
    assert "--bucket=kubernetes-jenkins" in copy["container"]["command"]
    # prow_env reached the component and was parsed by its own helpers
    assert workflow["metadata"]["labels"] == {
        "org": "local",
        "repo": "repo",
        "workflow": request.run_params["name"],
        "pr": "1",
    }
    assert "creationTimestamp" not in workflow["metadata"]
    assert result.params["platform"] == "gke"
    assert result.params["stepImage"].endswith("e3b0c4")
    assert result.source == "test/workflows/components/workflows.jsonnet"


def test_legacy_defaults_apply_where_the_entry_sets_nothing() -> None:
    result = evaluate(ksonnet_request({}))
    [workflow] = result.documents
    deploy = template(workflow, "deploy")
    assert "--platform=minikube" in deploy["container"]["command"]
    assert "--use_istio" not in deploy["container"]["command"]  # the string "false"
    assert deploy["activeDeadlineSeconds"] == 1800


def test_legacy_import_closure_is_recorded() -> None:
    result = evaluate(ksonnet_request({}))
    components = "test/workflows/components/"
    assert {
        components + "workflows.jsonnet",
        components + "params.libsonnet",
        components + "workflows.libsonnet",
        components + "util.libsonnet",
        str(KSONNET_SHIM_DIR / "k.libsonnet"),
    } == set(result.imports)


def test_ksonnet_environments_stub_gives_the_run_namespace(
    component_request: Callable[..., EvalRequest],
) -> None:
    request = component_request(
        {
            "app/components/wf.jsonnet": """
                local env = std.extVar('__ksonnet/environments');
                local p = std.extVar('__ksonnet/params');
                [{kind: 'Workflow', metadata: {name: env.name, namespace: env.namespace},
                  others: std.objectFields(p.components), global: p.global}]
            """,
            "app/components/params.libsonnet": """
                {global: {g: 1}, components: {wf: {a: 1}, other: {b: 2}}}
            """,
        }
    )
    [workflow] = evaluate(request).documents
    assert workflow["metadata"] == {
        "name": request.run_params["name"],
        "namespace": request.run_params["namespace"],
    }
    assert workflow["others"] == ["other", "wf"]
    assert workflow["global"] == {"g": 1}


# --- the modern form ------------------------------------------------------------------------


def test_top_level_function_gets_params(component_request: Callable[..., EvalRequest]) -> None:
    request = component_request(
        {
            "app/wf.jsonnet": """
                function(params) [{kind: 'Workflow', metadata: {name: params.name}, p: params}]
            """,
        },
        params={"stepImage": STEP_IMAGE, "retries": 3, "fast": False},
    )
    [workflow] = evaluate(request).documents
    assert workflow["p"] == {
        **request.run_params,
        "stepImage": STEP_IMAGE,
        "retries": 3,
        "fast": False,
    }


@pytest.mark.skipif(not (LIB_DIR / "kftest.libsonnet").is_file(), reason="lib/ not written yet")
def test_kftest_lib_is_always_importable(component_request: Callable[..., EvalRequest]) -> None:
    request = component_request(
        {
            "app/wf.jsonnet": """
                local kftest = import 'kftest.libsonnet';
                function(params)
                  local wf = kftest.workflow(params, 'unittests');
                  wf.dag([wf.step('pytest', ['python', '-m', 'pytest'])])
            """,
        },
        params={"stepImage": STEP_IMAGE},
    )
    result = evaluate(request)
    assert result.diagnostics == []
    [workflow] = result.documents
    assert workflow["metadata"]["name"] == request.run_params["name"]
    assert str(LIB_DIR / "kftest.libsonnet") in result.imports


def test_component_next_to_app_dir_without_components_dir(
    component_request: Callable[..., EvalRequest],
) -> None:
    request = component_request({"app/wf.jsonnet": WORKFLOW})
    result = evaluate(request)
    assert result.source == "app/wf.jsonnet"
    assert len(result.documents) == 1


# --- output shapes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "count"),
    [
        ("wf", 1),
        ("{apiVersion: 'v1', kind: 'List', items: [wf, null, wf]}", 2),
        ("[null, wf, wf, wf]", 3),
    ],
)
def test_accepted_shapes_drop_nulls(
    component_request: Callable[..., EvalRequest], body: str, count: int
) -> None:
    request = component_request(
        {
            "app/wf.jsonnet": f"""
                local wf = {{kind: 'Workflow', metadata: {{name: 'n', creationTimestamp: null}}}};
                {body}
            """
        }
    )
    result = evaluate(request)
    assert result.diagnostics == []
    assert result.documents == [{"kind": "Workflow", "metadata": {"name": "n"}}] * count


@pytest.mark.parametrize(
    ("body", "path", "words"),
    [
        ("'apiVersion: v1'", None, "produced a string"),
        ("42", None, "produced a number"),
        ("{kind: 'Service', metadata: {name: 'x'}}", "kind", "kind 'Service'"),
        ("[{kind: 'Workflow'}, {kind: 'Pod'}]", "[1].kind", "kind 'Pod'"),
        ("{kind: 'List', items: ['x']}", "items[0]", "a string where a Workflow"),
        ("{apiVersion: 'v1', kind: 'List', items: []}", None, "produced no Workflow"),
        ("[]", None, "produced no Workflow"),
    ],
)
def test_results_that_are_not_workflows(
    component_request: Callable[..., EvalRequest], body: str, path: str | None, words: str
) -> None:
    result = evaluate(component_request({"app/wf.jsonnet": body}))
    [diagnostic] = result.diagnostics
    assert (diagnostic.rule, diagnostic.file, diagnostic.path) == (
        "argo-schema",
        "app/wf.jsonnet",
        path,
    )
    assert words in diagnostic.message
    assert diagnostic.workflow == "e2e"


# --- errors ---------------------------------------------------------------------------------


def test_missing_component_points_at_component_line(
    component_request: Callable[..., EvalRequest],
) -> None:
    result = evaluate(component_request({"app/other.jsonnet": "{}"}, component="nope"))
    rule, file, line, message = only(result)
    assert (rule, file, line) == ("component-missing", "prow_config.yaml", KEY_LINES["component"])
    assert "app/components/nope.jsonnet" in message and "app/nope.jsonnet" in message


def test_no_component_key_points_at_the_app_dir_line(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    entry = make_entry(app_dir="app")  # no `component:` line to point at
    rule, file, line, message = only(evaluate(make_request(tmp_path, entry)))
    assert (rule, file, line) == ("component-missing", "prow_config.yaml", KEY_LINES["app_dir"])
    assert message.startswith("component '' not found (tried app/components/.jsonnet")


def test_missing_app_dir_points_at_app_dir_line(tmp_path: Path) -> None:
    entry = make_entry(app_dir="kubeflow/nothere/workflows", component="wf")
    rule, file, line, message = only(evaluate(make_request(tmp_path, entry)))
    assert (rule, file, line) == ("component-missing", "prow_config.yaml", KEY_LINES["app_dir"])
    assert "kubeflow/nothere/workflows" in message


def test_syntax_error_at_file_and_line(component_request: Callable[..., EvalRequest]) -> None:
    request = component_request({"app/wf.jsonnet": "{\n  a: 1\n  b: 2,\n}\n"})
    rule, file, line, message = only(evaluate(request))
    assert (rule, file, line) == ("jsonnet-error", "app/wf.jsonnet", 3)
    assert "comma" in message.lower()


def test_runtime_error_in_a_helper_is_reported_in_the_helper(
    component_request: Callable[..., EvalRequest],
) -> None:
    request = component_request(
        {
            "app/wf.jsonnet": "local h = import 'h.libsonnet';\n{\n  a: h.check(3),\n}\n",
            "app/h.libsonnet": "{\n  check(n):: if n > 2 then error 'too many: ' + n else n,\n}\n",
        }
    )
    rule, file, line, message = only(evaluate(request))
    assert (rule, file, line) == ("jsonnet-error", "app/h.libsonnet", 2)
    assert message == "too many: 3"


def test_error_raised_in_a_library_outside_the_repo_is_reported_at_the_component(
    component_request: Callable[..., EvalRequest], tmp_path: Path
) -> None:
    library = tmp_path / "jlib"
    library.mkdir()
    (library / "strict.libsonnet").write_text("{\n  need(p):: assert 'x' in p : 'need x'; p,\n}\n")
    request = component_request(
        {"app/wf.jsonnet": "local s = import 'strict.libsonnet';\n\ns.need({})\n"},
        jpath=(library,),
    )
    rule, file, line, message = only(evaluate(request))
    assert (rule, file) == ("jsonnet-error", "app/wf.jsonnet")
    assert line in (None, 3)
    assert message.startswith("need x")
    assert f"raised at {library / 'strict.libsonnet'}:2" in message


def test_missing_import_lists_the_search_path(
    component_request: Callable[..., EvalRequest],
) -> None:
    request = component_request({"app/wf.jsonnet": "local x = import 'nothere.libsonnet';\nx\n"})
    rule, file, line, message = only(evaluate(request))
    assert (rule, file, line) == ("jsonnet-error", "app/wf.jsonnet", 1)
    assert message.startswith("import 'nothere.libsonnet' not found (searched app,")


def test_infinite_recursion_is_a_clean_error(component_request: Callable[..., EvalRequest]) -> None:
    request = component_request({"app/wf.jsonnet": "local f(x) = f(x) + 1;\nf(1)\n"})
    rule, file, line, message = only(evaluate(request))
    assert (rule, file, line) == ("jsonnet-error", "app/wf.jsonnet", 1)
    assert "stack depth limit exceeded" in message


def test_component_that_never_finishes_is_stopped(
    component_request: Callable[..., EvalRequest],
) -> None:
    # 2**70 calls, but a shallow stack and no memory: only the time limit ends it.
    looping = "local f(n) = if n == 0 then 1 else f(n - 1) + f(n - 1);\nf(70)\n"
    request = component_request({"app/wf.jsonnet": looping}, timeout=1.0)
    rule, file, _, message = only(evaluate(request))
    assert (rule, file) == ("jsonnet-error", "app/wf.jsonnet")
    assert message.startswith("evaluation did not finish within 1 s")


def test_non_utf8_component(component_request: Callable[..., EvalRequest]) -> None:
    request = component_request({"app/wf.jsonnet": b"{\n  a: '\xff\xfe',\n}\n"})
    result = evaluate(request)
    rule, file, line, message = only(result)
    assert (rule, file, line, result.diagnostics[0].column) == (
        "jsonnet-error",
        "app/wf.jsonnet",
        2,
        7,
    )
    assert "UTF-8" in message


def test_non_utf8_after_an_empty_first_line(component_request: Callable[..., EvalRequest]) -> None:
    result = evaluate(component_request({"app/wf.jsonnet": b"\n'\xff'\n"}))
    rule, file, line, _ = only(result)
    assert (rule, file, line, result.diagnostics[0].column) == (
        "jsonnet-error",
        "app/wf.jsonnet",
        2,
        2,
    )


def test_non_utf8_imported_file(component_request: Callable[..., EvalRequest]) -> None:
    request = component_request(
        {"app/wf.jsonnet": "local x = import 'x.libsonnet';\nx\n", "app/x.libsonnet": b"'\xff'"}
    )
    rule, file, line, message = only(evaluate(request))
    assert (rule, file, line) == ("jsonnet-error", "app/wf.jsonnet", 1)
    assert "x.libsonnet: not valid UTF-8 (byte 0xff" in message


@pytest.mark.parametrize("content", ["", "\n  \n"])
def test_empty_component(component_request: Callable[..., EvalRequest], content: str) -> None:
    result = evaluate(component_request({"app/wf.jsonnet": content}))
    rule, file, line, message = only(result)
    assert result.diagnostics[0].column == 1
    assert (rule, file, line, message) == (
        "jsonnet-error",
        "app/wf.jsonnet",
        1,
        "the file is empty",
    )


def test_broken_params_libsonnet(component_request: Callable[..., EvalRequest]) -> None:
    request = component_request(
        {
            "app/components/wf.jsonnet": WORKFLOW,
            "app/components/params.libsonnet": "{\n  components: {wf: {a: }},\n}\n",
        }
    )
    rule, file, line, _ = only(evaluate(request))
    assert (rule, file, line) == ("jsonnet-error", "app/components/params.libsonnet", 2)


def test_process_environment_is_invisible(
    component_request: Callable[..., EvalRequest], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KFTEST_TEST_SECRET", "hunter2")
    request = component_request({"app/wf.jsonnet": "{ a: std.extVar('KFTEST_TEST_SECRET') }"})
    rule, _, _, message = only(evaluate(request))
    assert rule == "jsonnet-error"
    assert "KFTEST_TEST_SECRET" in message and "hunter2" not in message


@pytest.mark.parametrize("kind", ["object", "list"])
@pytest.mark.parametrize(("levels", "too_deep"), [(198, False), (199, True)])
def test_output_nested_deeper_than_the_limit(
    component_request: Callable[..., EvalRequest], kind: str, levels: int, too_deep: bool
) -> None:
    # The Workflow is level 1, `deep` level 2, and nest(n) adds n more: 200 levels at most.
    nest = "{ a: nest(n - 1) }" if kind == "object" else "[nest(n - 1)]"
    empty = "{}" if kind == "object" else "[]"
    component = WORKFLOW.replace(
        "function(params) {",
        f"local nest(n) = if n == 0 then {empty} else {nest};\n"
        f"function(params) {{\n  deep: nest({levels}),",
    )
    result = evaluate(component_request({"app/wf.jsonnet": component}))
    if too_deep:
        assert only(result) == (
            "jsonnet-error",
            "app/wf.jsonnet",
            None,
            "the value is nested more than 200 levels deep; no workflow is that deep",
        )
    else:
        assert result.diagnostics == []
        assert len(result.documents) == 1


def test_output_too_deep_for_the_json_parser(component_request: Callable[..., EvalRequest]) -> None:
    text = "local f(n) = if n == 0 then 0 else [f(n - 1)];\nf(3000)\n"
    rule, file, _, message = only(evaluate(component_request({"app/wf.jsonnet": text})))
    assert (rule, file) == ("jsonnet-error", "app/wf.jsonnet")
    assert message == "the value is nested more than 200 levels deep; no workflow is that deep"


def test_an_error_with_an_empty_message(component_request: Callable[..., EvalRequest]) -> None:
    request = component_request({"app/wf.jsonnet": "// nothing to say\nerror ''\n"})
    assert only(evaluate(request)) == (
        "jsonnet-error",
        "app/wf.jsonnet",
        2,
        "the component raised an error with an empty message",
    )


def test_a_nul_byte_in_the_component(component_request: Callable[..., EvalRequest]) -> None:
    result = evaluate(component_request({"app/wf.jsonnet": b"{\n  a: 'x\x00y',\n}\n"}))
    assert only(result) == (
        "jsonnet-error",
        "app/wf.jsonnet",
        2,
        "the file contains a NUL byte; jsonnet files must be text",
    )
    assert result.diagnostics[0].column == 8


def test_a_nul_byte_after_an_empty_first_line(
    component_request: Callable[..., EvalRequest],
) -> None:
    result = evaluate(component_request({"app/wf.jsonnet": b"\n'\x00'\n"}))
    rule, file, line, _ = only(result)
    assert (rule, file, line, result.diagnostics[0].column) == (
        "jsonnet-error",
        "app/wf.jsonnet",
        2,
        2,
    )


def test_a_component_that_evaluates_to_null(component_request: Callable[..., EvalRequest]) -> None:
    result = evaluate(component_request({"app/wf.jsonnet": "// nothing\nnull\n"}))
    assert only(result) == (
        "argo-schema",
        "app/wf.jsonnet",
        None,
        "evaluates to null; expected a Workflow, a list of Workflows or a v1 List",
    )
    assert result.source == "app/wf.jsonnet"
    assert result.imports == frozenset({"app/wf.jsonnet"})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("null", "evaluates to null; expected {global: {...}, components: {...}}"),
        (
            "[{components: {}}]",
            "params.libsonnet must evaluate to an object "
            "({global: {...}, components: {<component>: {...}}})",
        ),
    ],
)
def test_params_libsonnet_that_is_no_object(
    component_request: Callable[..., EvalRequest], text: str, message: str
) -> None:
    request = component_request(
        {"app/components/wf.jsonnet": WORKFLOW, "app/components/params.libsonnet": text}
    )
    result = evaluate(request)
    assert result.documents == []
    assert only(result) == ("jsonnet-error", "app/components/params.libsonnet", None, message)


def test_an_error_without_a_place_is_reported_at_the_component(
    component_request: Callable[..., EvalRequest],
) -> None:
    request = component_request({"app/wf.jsonnet": "{\n  a: function(x) x,\n}\n"})
    assert only(evaluate(request)) == (
        "jsonnet-error",
        "app/wf.jsonnet",
        None,
        "couldn't manifest function as JSON",
    )


# --- files a user cannot read ---------------------------------------------------------------

PARAMS_FILE = "ci/components/params.libsonnet"
UNREADABLE_CONFIG = "workflows:\n  - name: unittests\n    app_dir: ci\n    component: unittests\n"
UNREADABLE_COMPONENT = """
local kftest = import 'kftest.libsonnet';
function(params)
  local wf = kftest.workflow(params, 'unittests');
  wf.dag([wf.step('pytest', ['python', '-m', 'pytest'])])
"""


@pytest.mark.parametrize("unreadable", ["ci/components/unittests.jsonnet", PARAMS_FILE])
def test_an_unreadable_component_or_params_file_is_an_error_naming_it(
    make_repo: Callable[..., Path], unreadable: str
) -> None:
    repo = make_repo(
        {
            "prow_config.yaml": UNREADABLE_CONFIG,
            "ci/components/unittests.jsonnet": UNREADABLE_COMPONENT,
            PARAMS_FILE: "{ global: {}, components: { unittests: {} } }\n",
        }
    )
    (repo / unreadable).chmod(0)
    result = run_kftest("lint", "--repo-root", str(repo), "--format", "json", unprivileged=True)
    assert result.code == 1, result.stderr
    [diagnostic] = json.loads(result.stdout)["diagnostics"]
    assert (diagnostic["rule"], diagnostic["file"], diagnostic["workflow"]) == (
        "jsonnet-error",
        unreadable,
        "unittests",
    )
    assert diagnostic["message"].startswith("cannot read: "), diagnostic
    assert "Permission denied" in diagnostic["message"], diagnostic
