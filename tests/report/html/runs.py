"""A failing presubmit run by ``kftest run`` against the stand-ins, for the tests of the page."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from commands.test_run import PROW as PROW_BY_JOB_TYPE
from standins.fixtures import FAST, GcsEnv, KubeEnv

from compiler import pipeline
from compiler.commands.run import RunSettings, execute

IMAGE = "gcr.io/kubeflow-ci/test-worker:v20181017-bfeaaf5-dirty-4adcd0"
FILES = {
    "prow_config.yaml": f"""
        workflows:
          - name: e2e
            app_dir: ci
            component: e2e
            params: {{stepImage: "{IMAGE}"}}
        """,
    "ci/e2e.jsonnet": """
        local kftest = import 'kftest.libsonnet';
        function(params)
          local wf = kftest.workflow(params, 'e2e');
          wf.dag([wf.step('run-tests', ['python', '-m', 'pytest'])])
        """,
}
PROW = PROW_BY_JOB_TYPE["presubmit"]
BUILD_DIR = "pr-logs/pull/kubeflow_testing/7/kftest-presubmit/1500"


def failing_presubmit(
    make_repo: Callable[..., Path],
    kube: KubeEnv,
    gcs: GcsEnv,
    tmp_path: Path,
    message: str | None = None,
) -> int:
    """``kftest run`` of one entry whose workflow fails in two steps (each saying ``message``
    and printing it as the last line of its log); its exit code. The results land in ``gcs``
    under BUILD_DIR and locally in ``tmp_path / "out"``."""
    repo = make_repo(FILES)
    kube.api.controller.set_outcome("-e2e-", "Failed", failed_nodes=2, message=message)
    env = {**PROW, **kube.env, **gcs.env, "HOME": str(tmp_path)}
    options = pipeline.Options(
        repo_root=repo,
        config_path=repo / "prow_config.yaml",
        changed_files=["ci/e2e.jsonnet"],
        environ=env,
        placeholders=False,
        salt="abcd",
    )
    settings = RunSettings(bucket=gcs.bucket, output_dir=tmp_path / "out", retry=FAST,
                           timeout=20.0, grace=3.0)  # fmt: skip
    return execute(options, settings)
