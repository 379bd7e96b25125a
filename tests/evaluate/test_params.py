"""What a legacy component sees of ``__ksonnet/params``: its own params cheaply, and every
component's exactly as ksonnet gave them whenever its code can look at them."""

from __future__ import annotations

import dataclasses
import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from compiler.evaluate import EvalResult, evaluate_many, params
from tests.evaluate.conftest import make_entry, make_request

PARAMS = """
{
  global: { region: 'us-east1' },
  components: {
    alpha: { image: 'alpha:1', shards: 2, namespace: 'from-defaults' },
    beta: { image: 'beta:1', shards: 3 },
    gamma: { image: 'gamma:1', hidden:: 'not manifested' },
  },
}
"""


def workflow(body: str) -> str:
    """A legacy component whose Workflow's annotation ``seen`` is ``body``, as JSON."""
    return textwrap.dedent(
        f"""
        local all = std.extVar('__ksonnet/params');
        local params = std.extVar('__ksonnet/params').components.alpha;
        {{
          apiVersion: 'argoproj.io/v1alpha1',
          kind: 'Workflow',
          metadata: {{
            name: params.name,
            namespace: params.namespace,
            annotations: {{ seen: std.manifestJsonEx({body}, '') }},
          }},
          spec: {{
            entrypoint: 'e2e',
            templates: [{{ name: 'e2e', container: {{ image: 'x:1' }} }}],
          }},
        }}
        """
    )


def app(root: Path, components: dict[str, str]) -> None:
    directory = root / "app" / "components"
    directory.mkdir(parents=True)
    (directory / "params.libsonnet").write_text(PARAMS)
    for name, text in components.items():
        (directory / f"{name}.jsonnet").write_text(text)


def seen(
    root: Path, component: str = "alpha", entry_params: dict[str, object] | None = None
) -> tuple[Any, dict[str, Any], EvalResult]:
    entry = make_entry(app_dir="app", component=component, params=entry_params or {})
    [result] = evaluate_many([make_request(root, entry)])
    assert result.diagnostics == []
    [document] = result.documents
    return json.loads(document["metadata"]["annotations"]["seen"]), document, result


def test_own_params_keep_ksonnet_precedence(tmp_path: Path) -> None:
    body = "std.extVar('__ksonnet/params').components.alpha"
    app(tmp_path, {"alpha": workflow(body)})
    value, document, _ = seen(tmp_path, entry_params={"shards": 5, "namespace": "from-entry"})
    # params.libsonnet's defaults < the entry's params < the run parameters
    assert value["image"] == "alpha:1"
    assert value["shards"] == 5
    assert value["namespace"] == document["metadata"]["namespace"] != "from-entry"
    assert value["name"] == document["metadata"]["name"]


def test_global_is_seen(tmp_path: Path) -> None:
    app(tmp_path, {"alpha": workflow("std.extVar('__ksonnet/params').global")})
    value, _, _ = seen(tmp_path)
    assert value == {"region": "us-east1"}


@pytest.mark.parametrize(
    "body",
    [
        "all.components.beta",  # through a local: another component's defaults
        "std.objectFields(all.components)",
        "std.extVar('__ksonnet/params').components['beta']",
        "std.extVar('__ksonnet/params').components.beta",
    ],
)
def test_other_components_params_are_seen_as_ksonnet_gave_them(tmp_path: Path, body: str) -> None:
    app(tmp_path, {"alpha": workflow(body)})
    value, _, _ = seen(tmp_path, entry_params={"shards": 9})
    expected = {
        "all.components.beta": {"image": "beta:1", "shards": 3},
        "std.objectFields(all.components)": ["alpha", "beta", "gamma"],
    }.get(body, {"image": "beta:1", "shards": 3})
    assert value == expected


def test_a_helper_reading_every_component_sees_them_all(tmp_path: Path) -> None:
    app(tmp_path, {"alpha": workflow("helper.everything")})
    (tmp_path / "app" / "components" / "helper.libsonnet").write_text(
        "{ everything: std.extVar('__ksonnet/params').components }\n"
    )
    text = (tmp_path / "app" / "components" / "alpha.jsonnet").read_text()
    (tmp_path / "app" / "components" / "alpha.jsonnet").write_text(
        "local helper = import 'helper.libsonnet';\n" + text
    )
    value, _, result = seen(tmp_path, entry_params={"shards": 9})
    assert set(value) == {"alpha", "beta", "gamma"}
    assert value["alpha"]["shards"] == 9  # the merged params, not only the defaults
    assert value["gamma"] == {"image": "gamma:1"}  # manifested: hidden fields are gone
    assert "app/components/helper.libsonnet" in result.imports


def test_params_libsonnet_and_its_imports_stay_in_every_closure(tmp_path: Path) -> None:
    body = "std.extVar('__ksonnet/params').components.alpha"
    app(tmp_path, {"alpha": workflow(body), "beta": workflow(body).replace(".alpha", ".beta")})
    shared = tmp_path / "app" / "components" / "shared.libsonnet"
    shared.write_text("{ image: 'shared:1' }\n")
    params_file = tmp_path / "app" / "components" / "params.libsonnet"
    params_file.write_text("local s = import 'shared.libsonnet';\n{ x: s.image } + " + PARAMS)
    requests = [
        make_request(tmp_path, make_entry(name=name, app_dir="app", component=name, params={}))
        for name in ("alpha", "beta", "alpha")
    ]
    results = evaluate_many(requests, jobs=1)  # one worker: the second and third hit its cache
    for result in results:
        assert result.diagnostics == []
        assert {"app/components/params.libsonnet", "app/components/shared.libsonnet"} <= set(
            result.imports
        )


def test_broken_params_libsonnet_is_reported_for_every_component(tmp_path: Path) -> None:
    body = "std.extVar('__ksonnet/params').components.alpha"
    app(tmp_path, {"alpha": workflow(body), "beta": workflow(body).replace(".alpha", ".beta")})
    (tmp_path / "app" / "components" / "params.libsonnet").write_text("{ components: error 'no' }")
    requests = [
        make_request(tmp_path, make_entry(name=name, app_dir="app", component=name, params={}))
        for name in ("alpha", "beta")
    ]
    for result in evaluate_many(requests, jobs=1):
        [diagnostic] = result.diagnostics
        assert diagnostic.rule == "jsonnet-error"
        assert diagnostic.file == "app/components/params.libsonnet"
        assert diagnostic.line == 1


@pytest.mark.parametrize(
    ("text", "reads"),
    [
        ("local p = std.extVar('__ksonnet/params').components.alpha;", {"alpha"}),
        ('std.extVar("__ksonnet/params").components["my-app"]', {"my-app"}),
        ("std.extVar('__ksonnet/params').global.region", set()),
        ("std.extVar('__ksonnet/environments').namespace", set()),
        ("local s = import 'x.libsonnet'; std.length(s)", set()),
        # a component named '' (a name quoted, not the quote, is what is read)
        ("std.extVar('__ksonnet/params').components['']", {""}),
    ],
)
def test_reads_finds_the_components_read(text: str, reads: set[str]) -> None:
    assert params._reads(text) == reads


@pytest.mark.parametrize(
    "text",
    [
        "local p = std.extVar('__ksonnet/params'); p.components.alpha",
        "std.extVar('__ksonnet/params').components",
        "local e = std.extVar; e('__ksonnet/params')",
        "std.extVar('__ksonnet/' + 'params').components.alpha",
        "local s = std; s.extVar('__ksonnet/params')",
        "std['extVar']('__ksonnet/params')",
        "local name = '__ksonnet/params'; name",
    ],
)
def test_reads_is_any_when_more_can_be_seen(text: str) -> None:
    assert params._reads(text) is params._ANY


def test_reads_only_own() -> None:
    own = b"local p = std.extVar('__ksonnet/params').components.alpha;"
    other = b"local p = std.extVar('__ksonnet/params').components.beta;"
    assert params.reads_only_own({"/a.jsonnet": own, "/lib.libsonnet": b"{}"}, "alpha") is True
    assert params.reads_only_own({"/a.jsonnet": own, "/b.libsonnet": other}, "alpha") is False
    assert params.reads_only_own({"/a.jsonnet": own}, "beta") is False


def test_reads_only_own_sees_a_file_that_changed(tmp_path: Path) -> None:
    # A worker remembers what each file reads: the same path with new content is read anew.
    path = str(tmp_path / "changing.jsonnet")
    own = b"std.extVar('__ksonnet/params').components.alpha"
    assert params.reads_only_own({path: own}, "alpha")
    assert not params.reads_only_own({path: own.replace(b"alpha", b"beta")}, "alpha")
    assert params.reads_only_own({path: bytes(bytearray(own))}, "alpha")  # equal, not the same


@pytest.mark.parametrize(
    ("ksonnet_params", "expected"),
    [
        ({}, False),
        ({"components": None}, False),
        ({"components": {"alpha": {}}}, False),
        ({"components": {"beta": {}}}, True),
        ({"components": {"alpha": {}, "beta": {}}}, True),
    ],
)
def test_has_others(ksonnet_params: dict[str, Any], expected: bool) -> None:
    assert params.has_others(ksonnet_params, "alpha") is expected


@pytest.mark.parametrize(
    ("argo_version", "entry_params", "expected"),
    [
        ("3.4", {}, "3.4"),
        ("3.4", {"argoVersion": "3.1"}, "3.1"),  # the entry's own value wins
        (None, {}, "absent"),
        (None, {"argoVersion": "3.1"}, "3.1"),
    ],
)
def test_argo_version_reaches_the_top_level_params(
    tmp_path: Path, argo_version: str | None, entry_params: dict[str, Any], expected: str
) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "wf.jsonnet").write_text(
        "function(params) [{kind: 'Workflow', metadata: {name: params.name},\n"
        "  v: if std.objectHas(params, 'argoVersion') then params.argoVersion else 'absent'}]\n"
    )
    entry = make_entry(app_dir="app", component="wf", params=entry_params)
    request = dataclasses.replace(make_request(tmp_path, entry), argo_version=argo_version)
    [result] = evaluate_many([request])
    assert result.diagnostics == []
    assert result.documents[0]["v"] == expected


def test_a_component_reading_only_its_own_params_sees_them_and_global(tmp_path: Path) -> None:
    # Only `.components.alpha` and `.global` read: evaluated with its own params alone.
    params_var = "std.extVar('__ksonnet/params')"
    body = f"{{own: {params_var}.components.alpha, global: {params_var}.global}}"
    text = workflow(body).replace("local all = std.extVar('__ksonnet/params');\n", "")
    assert "local all" not in text
    app(tmp_path, {"alpha": text})
    value, document, result = seen(tmp_path, entry_params={"shards": 5})
    assert value["own"]["image"] == "alpha:1"
    assert value["own"]["shards"] == 5
    assert value["own"]["name"] == document["metadata"]["name"]
    assert value["global"] == {"region": "us-east1"}
    assert {"app/components/alpha.jsonnet", "app/components/params.libsonnet"} <= result.imports
