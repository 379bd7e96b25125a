"""Compile small components the way kftest does, for the rule and lib tests.

Evaluation uses the default binding, rjsonnet, in this process, with lib/ on the path and the
params as the top-level argument ``params`` (the modern component form). Not go-jsonnet: once
its runtime is loaded, the evaluate stage must spawn its workers instead of forking them, for
the rest of the test session. The configuration goes through the real loader, so entries carry
their prow_config.yaml positions.
"""

from __future__ import annotations

import copy
import json
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import rjsonnet

from compiler import paths
from compiler.config import load_config
from compiler.diagnostics import Diagnostic
from compiler.model import CompiledWorkflow, Entry, Position, ProwConfig
from compiler.prow import DEFAULT_BUCKET, DEFAULT_NAMESPACE, ProwEnv, workflow_name
from compiler.rules import LintSettings, check_workflow

STEP_IMAGE = "gcr.io/kubeflow-ci/test-worker:v20240101-0123abc"
COMPONENT = "ci/workflows/example.jsonnet"
DEFAULT_CONFIG = f"""\
workflows:
  - name: unittests
    app_dir: ci/workflows
    component: example
    params:
      stepImage: {STEP_IMAGE}
"""
SALT = "abcd"


@dataclass
class Compiled:
    workflow: CompiledWorkflow
    env: ProwEnv
    config: ProwConfig
    repo_root: Path | None = None

    def lint(self, settings: LintSettings | None = None) -> list[Diagnostic]:
        return check_workflow(
            self.workflow,
            self.env,
            settings or LintSettings(),
            self.config.path,
            repo_root=self.repo_root,
        )


def prow_env(job_type: str, **values: str) -> ProwEnv:
    return ProwEnv(job_type=None, values=values).for_job_type(job_type, placeholders=True)


def run_params(entry_name: str, env: ProwEnv) -> dict[str, Any]:
    return {
        "name": workflow_name(env, entry_name, SALT),
        "namespace": DEFAULT_NAMESPACE,
        "prow_env": env.prow_env_string(),
        "bucket": DEFAULT_BUCKET,
    }


def load_entry(root: Path, config_yaml: str) -> ProwConfig:
    path = root / "prow_config.yaml"
    path.write_text(textwrap.dedent(config_yaml))
    config, diagnostics = load_config(path, root)
    assert config is not None and not [d for d in diagnostics if d.is_error], diagnostics
    return config


def evaluate(component: Path, params: dict[str, Any]) -> Any:
    text = rjsonnet.evaluate_file(
        str(component),
        jpathdir=[str(paths.LIB_DIR)],
        tla_codes={"params": json.dumps(params)},
    )
    return json.loads(text)


def compile_component(
    root: Path,
    jsonnet: str,
    job_type: str = "presubmit",
    config_yaml: str = DEFAULT_CONFIG,
    env: ProwEnv | None = None,
) -> Compiled:
    """Write prow_config.yaml and the component under ``root``; compile the first entry."""
    config = load_entry(root, config_yaml)
    entry = config.workflows[0]
    component = root / COMPONENT
    component.parent.mkdir(parents=True, exist_ok=True)
    component.write_text(textwrap.dedent(jsonnet))
    env = env or prow_env(job_type)
    params = {**entry.params, **run_params(entry.name, env)}
    document = evaluate(component, params)
    compiled = CompiledWorkflow(
        entry=entry,
        job_type=job_type,
        name=params["name"],
        document=document,
        source=COMPONENT,
        params=params,
    )
    return Compiled(compiled, env, config)


def from_document(
    document: Any,
    job_type: str = "presubmit",
    params: dict[str, Any] | None = None,
    entry: Entry | None = None,
) -> Compiled:
    """A hand-written document, as if a component had produced it."""
    entry = entry or Entry(
        name="unittests",
        index=0,
        position=Position("prow_config.yaml", 2, 5),
        app_dir="ci/workflows",
        component="example",
        params={"stepImage": STEP_IMAGE},
        positions={
            "params": Position("prow_config.yaml", 6, 7),
            "params.stepImage": Position("prow_config.yaml", 6, 18),
        },
    )
    env = prow_env(job_type)
    merged = {**entry.params, **run_params(entry.name, env), **(params or {})}
    compiled = CompiledWorkflow(
        entry=entry,
        job_type=job_type,
        name=merged["name"],
        document=document,
        source=COMPONENT,
        params=merged,
    )
    config = ProwConfig(path="prow_config.yaml", workflows=[entry])
    return Compiled(compiled, env, config)


def lib_document(job_type: str = "presubmit", style: str = "dag", **options: Any) -> Compiled:
    """A typical lib-built workflow, evaluated from a snippet (no files needed)."""
    env = prow_env(job_type)
    params = {"stepImage": STEP_IMAGE, **run_params("unittests", env)}
    kubeconfig = json.dumps(bool(options.get("kubeconfig")))
    builder = f"kftest.workflow(params, 'unittests', kubeconfig={kubeconfig})"
    body = (
        "wf.dag([wf.step('build', ['make']), wf.step('test', ['make', 'test'], deps=['build'])])"
        if style == "dag"
        else "wf.steps([[wf.step('build', ['make'])], [wf.step('test', ['make', 'test'])]])"
    )
    snippet = (
        f"local kftest = import 'kftest.libsonnet';\nfunction(params) local wf = {builder}; {body}"
    )
    text = rjsonnet.evaluate_snippet(
        "lib-example.jsonnet",
        snippet,
        jpathdir=[str(paths.LIB_DIR)],
        tla_codes={"params": json.dumps(params)},
    )
    return from_document(json.loads(text), job_type=job_type, params=params)


TEKTON_RUN = "tekton/run.yaml"
TEKTON_CONFIG = f"""\
workflows:
  - name: unittests
    tekton_run: {TEKTON_RUN}
"""


def compile_tekton(root: Path, run_yaml: str, job_type: str = "presubmit") -> Compiled:
    """Write prow_config.yaml (one tekton_run entry) and the run file; compile it as kftest
    does, for a repository kubeflow/testing."""
    from compiler.evaluate import EvalRequest
    from compiler.evaluate.tekton import evaluate_tekton

    config = load_entry(root, TEKTON_CONFIG)
    entry = config.workflows[0]
    (root / TEKTON_RUN).parent.mkdir(parents=True, exist_ok=True)
    (root / TEKTON_RUN).write_text(textwrap.dedent(run_yaml))
    env = prow_env(job_type, REPO_OWNER="kubeflow", REPO_NAME="testing")
    request = EvalRequest(
        entry=entry,
        config_file=config.path,
        repo_root=root,
        repos_dir=None,
        jpath=(),
        run_params=run_params(entry.name, env),
        prow_env=env,
        python_paths=(),
    )
    result = evaluate_tekton(request)
    assert not [d for d in result.diagnostics if d.is_error], result.diagnostics
    [document] = result.documents
    compiled = CompiledWorkflow(
        entry=entry,
        job_type=job_type,
        name=document["metadata"]["name"],
        document=document,
        source=TEKTON_RUN,
        params=result.params,
    )
    return Compiled(compiled, env, config, root)


def rules_of(diagnostics: list[Diagnostic]) -> list[str]:
    return sorted(d.rule for d in diagnostics)


def variant(
    base: Compiled, change: Callable[[dict[str, Any]], object], job_type: str | None = None
) -> Compiled:
    """``base`` with its document changed in place by ``change`` (on a deep copy)."""
    document = copy.deepcopy(base.workflow.document)
    change(document)
    return from_document(
        document,
        job_type=job_type or base.workflow.job_type,
        params=base.workflow.params,
        entry=base.workflow.entry,
    )


def found(compiled: Compiled, rule: str, settings: LintSettings | None = None) -> list[Diagnostic]:
    return [d for d in compiled.lint(settings) if d.rule == rule]


def template(document: dict[str, Any], name: str) -> dict[str, Any]:
    return next(t for t in document["spec"]["templates"] if t.get("name") == name)
