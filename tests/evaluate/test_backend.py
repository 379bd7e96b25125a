"""Backend choice, and that every installed binding evaluates a component the same way."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from compiler.diagnostics import UsageError
from compiler.evaluate import EvalRequest, evaluate, pool
from compiler.evaluate.backend import (
    ENV_VAR,
    MODULES,
    REFERENCE,
    Backend,
    JsonnetError,
    choose,
    installed,
)

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


@pytest.mark.skipif(not installed(REFERENCE), reason="needs gojsonnet, whose verdict counts")
@pytest.mark.parametrize("name", INSTALLED)
def test_the_stack_holds_jsonnets_default_500_frames(
    name: str, component_request: Callable[..., EvalRequest], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_VAR, name)
    recursion = "local f(n) = if n == 0 then 0 else 1 + f(n - 1);\n"
    deepest = 495  # 500 frames, less the ones around the calls
    deep = component_request(
        {"app/wf.jsonnet": recursion + f"[{{kind: 'Workflow', n: f({deepest})}}]\n"}
    )
    assert evaluate(deep).documents == [{"kind": "Workflow", "n": deepest}]
    deeper = component_request(
        {"app/wf.jsonnet": recursion + f"[{{kind: 'Workflow', n: f({deepest + 1})}}]\n"}
    )
    [diagnostic] = evaluate(deeper).diagnostics
    assert diagnostic.message == "stack depth limit exceeded: infinite recursion?"


@pytest.mark.skipif(not installed("go"), reason="needs gojsonnet")
def test_text_the_binding_refuses_is_a_jsonnet_error() -> None:
    [message] = pool.run([("go", "{ a: 1 }\x00")], _refused, lambda task: 30.0)
    assert message == "the binding refused the input: embedded null character"


def _refused(task: tuple[str, str], notify: pool.Notify) -> str:
    """In a worker: the Go runtime must not be loaded into the test process (see pool)."""
    name, text = task
    try:
        Backend(name).evaluate(
            "/x.jsonnet", text, import_callback=_no_imports, ext_codes={}, tla_codes={}
        )
    except JsonnetError as exc:
        return str(exc)
    raise AssertionError("no error")


def _no_imports(base: str, rel: str) -> tuple[str, bytes]:
    raise RuntimeError("no imports here")


@pytest.mark.parametrize("name", [name for name in MODULES if not installed(name)] or ["none"])
def test_a_binding_that_is_not_installed_is_a_usage_error(name: str) -> None:
    if name == "none":
        pytest.skip("every binding is installed")
    with pytest.raises(UsageError) as raised:
        choose({ENV_VAR: name})
    assert str(raised.value) == (
        f"{ENV_VAR}={name}: the {MODULES[name]} module is not installed "
        f"(pip install {dict(rust='rjsonnet', go='gojsonnet', cpp='jsonnet')[name]})"
    )


def test_no_binding_at_all_is_a_usage_error() -> None:
    # Without site-packages no binding is importable (backend itself needs nothing from there).
    code = (
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "from compiler.diagnostics import UsageError\n"
        "from compiler.evaluate.backend import choose\n"
        "try:\n    print('chose', choose({}))\n"
        "except UsageError as exc:\n    print('usage error:', exc)\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", code, str(root)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout == (
        "usage error: no jsonnet binding is installed: pip install rjsonnet (or gojsonnet)\n"
    )


@pytest.mark.parametrize("name", INSTALLED)
def test_each_binding_reads_imports_through_the_callback(name: str, tmp_path: Path) -> None:
    # Each binding on its own (evaluate() would hide a failure behind the reference binding).
    (tmp_path / "h.libsonnet").write_text("{ n: 3 }")
    (tmp_path / "note.txt").write_text("caf\u00e9\n")
    main = tmp_path / "wf.jsonnet"
    main.write_text("{ n: (import 'h.libsonnet').n, note: importstr 'note.txt' }")
    [output] = pool.run([(name, str(main))], _evaluated, lambda task: 30.0)
    assert json.loads(output) == {"n": 3, "note": "caf\u00e9\n"}


def _evaluated(task: tuple[str, str], notify: pool.Notify) -> str:
    name, filename = task
    text = Path(filename).read_text()
    return Backend(name).evaluate(filename, text, import_callback=_read, ext_codes={}, tla_codes={})


def _read(base: str, rel: str) -> tuple[str, bytes]:
    path = Path(base, rel)
    return str(path), path.read_bytes()


@pytest.mark.skipif(not installed("rust"), reason="needs rjsonnet")
def test_rjsonnet_is_told_which_import_is_not_text(tmp_path: Path) -> None:
    # rjsonnet takes imported files as text: importbin of bytes is an error, naming the file
    # (kftest then asks the reference binding, which reads bytes).
    (tmp_path / "blob.bin").write_bytes(b"ok\xff")
    main = tmp_path / "wf.jsonnet"
    main.write_text("std.length(importbin 'blob.bin')")
    [message] = pool.run([("rust", str(main))], _failed, lambda task: 30.0)
    assert f"{tmp_path / 'blob.bin'}: not valid UTF-8 (byte 2)" in message


def _failed(task: tuple[str, str], notify: pool.Notify) -> str:
    try:
        _evaluated(task, notify)
    except JsonnetError as exc:
        return str(exc)
    raise AssertionError("no error")
