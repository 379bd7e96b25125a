"""Backend choice, and that every installed binding evaluates a component the same way."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from compiler.diagnostics import UsageError
from compiler.evaluate import EvalRequest, evaluate
from compiler.evaluate.backend import ENV_VAR, MODULES, REFERENCE, Backend, choose, installed

INSTALLED = [name for name in MODULES if installed(name)]


def test_default_is_the_first_installed_in_order_of_speed() -> None:
    assert choose({}).name == INSTALLED[0]


def test_env_var_picks_a_backend_case_insensitively() -> None:
    assert choose({ENV_VAR: f" {INSTALLED[-1].upper()} "}).name == INSTALLED[-1]


def test_unknown_backend_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="unknown jsonnet backend; use one of rust, go, cpp"):
        choose({ENV_VAR: "python"})


def test_reference_is_go_for_the_others() -> None:
    assert Backend(REFERENCE).reference() is None
    for name in INSTALLED:
        if name != REFERENCE:
            assert Backend(name).reference() == (
                Backend(REFERENCE) if installed(REFERENCE) else None
            )


@pytest.mark.parametrize("name", INSTALLED)
def test_every_binding_gives_the_same_result(
    name: str,
    component_request: Callable[..., EvalRequest],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: object,
) -> None:
    monkeypatch.setenv(ENV_VAR, name)
    request = component_request(
        {
            "app/components/wf.jsonnet": """
                local h = import '../helpers/h.libsonnet';
                local legacy = std.extVar('__ksonnet/params').components.wf;
                function(params) [h.workflow(params.name, legacy.retries, importstr 'note.txt')]
            """,
            "app/components/note.txt": "a note\n",
            "app/helpers/h.libsonnet": """
                {
                  workflow(name, retries, note):: {
                    kind: 'Workflow',
                    metadata: { name: name },
                    spec: { retries: retries, note: note, step: 'step-%02d' % retries },
                  },
                }
            """,
        },
        params={"retries": 3},
    )
    # rjsonnet once resolved a file's relative imports against the process's cwd
    monkeypatch.chdir(tmp_path)
    result = evaluate(request)
    assert result.diagnostics == []
    assert result.documents == [
        {
            "kind": "Workflow",
            "metadata": {"name": request.run_params["name"]},
            "spec": {"retries": 3, "note": "a note\n", "step": "step-03"},
        }
    ]
