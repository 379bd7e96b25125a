"""lib/kftest.libsonnet: what it builds, and that everything it builds lints clean.

The clean-lint tests go through the real pipeline (config, evaluate, Argo validation, every
guideline rule); the detail tests evaluate with the default binding in this process.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import rjsonnet

from compiler import emit, paths, pipeline
from compiler.evaluate.backend import MODULES, installed
from compiler.model import JOB_TYPES
from compiler.validate import validate_workflow

IMAGE = "gcr.io/kubeflow-ci/test-worker:v20240101-0123abc"

COMPONENTS = {
    "dag.jsonnet": """
        local kftest = import 'kftest.libsonnet';
        function(params)
          local wf = kftest.workflow(params, 'unittests');
          wf.dag([
            wf.step('build', ['make']),
            wf.step('unit', ['make', 'test'], deps=['build']),
            wf.step('lint', kftest.sh(['make lint', 'make vet']), deps=['build']),
            wf.step('report', ['ls', wf.dirs.artifacts], deps=['unit', 'lint']),
          ])
    """,
    "steps.jsonnet": """
        local kftest = import 'kftest.libsonnet';
        function(params)
          local wf = kftest.workflow(params, 'e2e', kubeconfig=true);
          wf.steps(
            [
              [wf.step('create-cluster', ['make', 'cluster', 'KUBECONFIG=' + wf.dirs.kubeconfig])],
              [wf.step('e2e-tests', ['pytest', 'e2e']), wf.step('smoke', ['pytest', 'smoke'])],
            ],
            exitSteps=[wf.step('teardown', ['make', 'teardown'])],
          )
    """,
    "custom.jsonnet": """
        local kftest = import 'kftest.libsonnet';
        function(params)
          local wf = kftest.workflow(params, 'custom', pythonPath=['kubeflow/testing/py'],
                                     env={ EXTRA: 'on', GITHUB_TOKEN: null });
          wf.dag([
            wf.step('build', ['make'], workingDir=wf.dirs.src, deadline=60,
                    resources={ requests: { cpu: '1' } }, args=['all'],
                    env={ EXTRA: 'step', MODE: 'fast' }),
          ])
    """,
}

CONFIG = f"""\
workflows:
  - name: dag
    app_dir: ci
    component: dag
    include_dirs: [src/*]
    params:
      stepImage: {IMAGE}
  - name: steps
    app_dir: ci
    component: steps
    params:
      stepImage: {IMAGE}
  - name: custom
    app_dir: ci
    component: custom
    params:
      stepImage: {IMAGE}
      nfsClaim: nfs-staging
      nfsMount: /data
      extraRepos: kubeflow/testing@HEAD;kubeflow/kubeflow@0123abcd:42
      stepDeadline: "900"
      ttlSeconds: 3600
"""


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], dict[str, Any]]:
    """Every entry for every job type, through the real pipeline, with everything checked."""
    root = tmp_path_factory.mktemp("repo")
    (root / "ci").mkdir()
    (root / "src").mkdir()
    (root / "src" / "main.py").write_text("")
    for name, text in COMPONENTS.items():
        (root / "ci" / name).write_text(textwrap.dedent(text))
    (root / "prow_config.yaml").write_text(CONFIG)
    options = pipeline.Options(
        repo_root=root,
        config_path=root / "prow_config.yaml",
        salt="abcd",
        environ={},
        changed_files=[],
    )
    result = pipeline.compile_all(options)
    assert result.diagnostics == []
    return {(w.entry.name, w.job_type): w.document for w in result.workflows}


def test_every_style_and_job_type_lints_clean(compiled: dict[Any, dict[str, Any]]) -> None:
    assert sorted(compiled) == sorted(
        (name, job_type) for name in ("dag", "steps", "custom") for job_type in JOB_TYPES
    )
    for document in compiled.values():
        assert validate_workflow(document) == []


def _template(document: dict[str, Any], name: str) -> dict[str, Any]:
    return next(t for t in document["spec"]["templates"] if t["name"] == name)


def _env(document: dict[str, Any], name: str) -> dict[str, Any]:
    return {
        item["name"]: item.get("value", item.get("valueFrom"))
        for item in _template(document, name)["container"]["env"]
    }


@pytest.mark.parametrize("job_type", JOB_TYPES)
def test_labels_follow_prow(compiled: dict[Any, dict[str, Any]], job_type: str) -> None:
    labels = compiled[("dag", job_type)]["metadata"]["labels"]
    expected = {"org": "local", "repo": "repo", "workflow": "unittests"}
    if job_type == "presubmit":
        expected["pr"] = "1"
    assert labels == expected


def test_the_dag_and_the_layout(compiled: dict[Any, dict[str, Any]]) -> None:
    document = compiled[("dag", "postsubmit")]
    name = document["metadata"]["name"]
    test_dir = f"/mnt/test-data-volume/{name}"
    tasks = {t["name"]: t.get("dependencies") for t in _template(document, "e2e")["dag"]["tasks"]}
    assert tasks == {
        "checkout": None,
        "build": ["checkout"],
        "unit": ["build"],
        "lint": ["build"],
        "report": ["unit", "lint"],
    }
    checkout = _template(document, "checkout")["container"]["command"]
    assert checkout == [
        "/bin/sh",
        "-xc",
        f"mkdir -p '{test_dir}/outputs/artifacts' && kftest checkout '{test_dir}/src'",
    ]
    assert _template(document, "lint")["container"]["command"] == [
        "/bin/sh",
        "-xc",
        "make lint && make vet",
    ]
    env = _env(document, "unit")
    assert env["PYTHONPATH"] == f"{test_dir}/src/local/repo:{test_dir}/src/kubeflow/testing/py"
    assert env["ARTIFACTS_DIR"] == f"{test_dir}/outputs/artifacts"
    assert env["GOOGLE_APPLICATION_CREDENTIALS"] == "/secret/gcp-credentials/key.json"
    assert env["GITHUB_TOKEN"] == {"secretKeyRef": {"name": "github-token", "key": "github_token"}}
    assert env["JOB_TYPE"] == "postsubmit" and "PULL_NUMBER" not in env
    assert "KUBECONFIG" not in env
    unit = _template(document, "unit")
    assert unit["activeDeadlineSeconds"] == 1800
    assert unit["container"]["workingDir"] == f"{test_dir}/src/local/repo"
    assert document["spec"]["ttlStrategy"] == {"secondsAfterCompletion": 604800}
    assert document["spec"]["volumes"] == [
        {"name": "kubeflow-test-volume", "persistentVolumeClaim": {"claimName": "nfs-external"}},
        {"name": "gcp-credentials", "secret": {"secretName": "kubeflow-testing-credentials"}},
        {"name": "github-token", "secret": {"secretName": "github-token"}},
    ]
    upload = _template(document, "copy-artifacts")["container"]["command"]
    assert (
        f"--artifacts_dir={test_dir}/outputs" in upload and "--bucket=kubernetes-jenkins" in upload
    )


def test_steps_style_with_kubeconfig_and_exit_steps(compiled: dict[Any, dict[str, Any]]) -> None:
    document = compiled[("steps", "presubmit")]
    groups = [[s["name"] for s in group] for group in _template(document, "e2e")["steps"]]
    assert groups == [["checkout"], ["create-cluster"], ["e2e-tests", "smoke"]]
    exit_steps = _template(document, "exit-handler")["steps"]
    assert [[s["name"] for s in group] for group in exit_steps] == [
        ["teardown"],
        ["copy-artifacts"],
        ["test-dir-delete"],
    ]
    assert exit_steps[0][0]["continueOn"] == {"failed": True, "error": True}
    kubeconfig = f"/mnt/test-data-volume/{document['metadata']['name']}/.kube/config"
    for name in ("create-cluster", "e2e-tests", "smoke", "teardown", "copy-artifacts"):
        assert _env(document, name)["KUBECONFIG"] == kubeconfig
    assert "KUBECONFIG" not in _env(document, "checkout")


def test_params_and_options_reach_the_workflow(compiled: dict[Any, dict[str, Any]]) -> None:
    document = compiled[("custom", "periodic")]
    name = document["metadata"]["name"]
    assert document["spec"]["volumes"][0]["persistentVolumeClaim"] == {"claimName": "nfs-staging"}
    assert document["spec"]["ttlStrategy"] == {"secondsAfterCompletion": 3600}
    build = _template(document, "build")
    assert build["activeDeadlineSeconds"] == 60
    assert _template(document, "checkout")["activeDeadlineSeconds"] == 900
    container = build["container"]
    assert container["volumeMounts"][0] == {"name": "kubeflow-test-volume", "mountPath": "/data"}
    assert container["workingDir"] == f"/data/{name}/src"
    assert container["args"] == ["all"]
    assert container["resources"] == {"requests": {"cpu": "1"}}
    env = _env(document, "build")
    assert (env["EXTRA"], env["MODE"]) == ("step", "fast")
    assert "GITHUB_TOKEN" not in env
    assert env["PYTHONPATH"] == f"/data/{name}/src/kubeflow/testing/py"
    assert [e["name"] for e in container["env"]] == sorted(env)
    checkout_env = _env(document, "checkout")
    assert checkout_env["EXTRA_REPOS"] == "kubeflow/testing@HEAD;kubeflow/kubeflow@0123abcd:42"


def _evaluate(component: str, params: dict[str, Any]) -> Any:
    text = rjsonnet.evaluate_snippet(
        "component.jsonnet",
        textwrap.dedent(component),
        jpathdir=[str(paths.LIB_DIR)],
        tla_codes={"params": json.dumps(params)},
    )
    return json.loads(text)


PARAMS = {"name": "wf-1234-abcd", "stepImage": IMAGE, "prow_env": "REPO_OWNER=o,REPO_NAME=r"}


@pytest.mark.parametrize(
    ("body", "params", "message"),
    [
        ("kftest.workflow(params, 'u').dag([])", {"name": "n"}, "the `stepImage` param is not set"),
        ("kftest.workflow(params, 'u').dag([])", {"stepImage": IMAGE}, "params has no `name`"),
        ("kftest.workflow(params, '').dag([])", PARAMS, "give the `workflow` label"),
        (
            "local wf = kftest.workflow(params, 'u'); wf.dag([wf.step('checkout', ['x'])])",
            PARAMS,
            'step name "checkout" is reserved',
        ),
    ],
)
def test_mistakes_give_clear_errors(body: str, params: dict[str, Any], message: str) -> None:
    component = f"local kftest = import 'kftest.libsonnet';\nfunction(params) {body}"
    with pytest.raises(RuntimeError, match=re.escape(message)):
        _evaluate(component, params)


def test_prow_values_and_defaults() -> None:
    component = """\
        local kftest = import 'kftest.libsonnet';
        function(params)
          local wf = kftest.workflow(params, 'u');
          { prow: wf.prow, prowEnv: wf.prowEnv, labels: wf.labels, defaults: kftest.defaults }
    """
    params = {**PARAMS, "prow_env": "REPO_OWNER=o,JOB_NAME=j=k,BROKEN"}
    result = _evaluate(component, params)
    assert result["prowEnv"] == {"REPO_OWNER": "o", "JOB_NAME": "j=k"}
    assert result["prow"]["REPO_NAME"] == "notset" and result["prow"]["JOB_NAME"] == "j=k"
    assert result["labels"] == {"org": "o", "repo": "notset", "workflow": "u"}
    assert result["defaults"]["nfsClaim"] == "nfs-external"


def test_the_backends_agree(
    compiled: dict[Any, dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path
    (root / "ci").mkdir()
    (root / "ci" / "steps.jsonnet").write_text(textwrap.dedent(COMPONENTS["steps.jsonnet"]))
    (root / "prow_config.yaml").write_text(
        f"workflows:\n  - {{name: steps, app_dir: ci, component: steps, "
        f"params: {{stepImage: '{IMAGE}'}}}}\n"
    )
    options = pipeline.Options(
        repo_root=root,
        config_path=root / "prow_config.yaml",
        salt="abcd",
        environ={},
        changed_files=[],
        job_type="presubmit",
        lint=False,
    )
    # Every installed binding; the C++ one only comes with the [cpp] extra, which a fresh
    # `pip install -e '.[test]'` does not install.
    others = [name for name in MODULES if name != "rust" and installed(name)]
    if not others:
        pytest.skip("only one jsonnet binding is installed")
    for backend in others:
        monkeypatch.setenv("KFTEST_JSONNET", backend)
        [workflow] = pipeline.compile_all(options).workflows
        assert workflow.document == compiled[("steps", "presubmit")], backend


def _blocks(text: str) -> list[tuple[str, str]]:
    return [
        (match[1], match[2])
        for match in re.finditer(r"^```(\w*)\n(.*?)^```$", text, re.MULTILINE | re.DOTALL)
    ]


README_ENV = {
    "JOB_TYPE": "presubmit",
    "JOB_NAME": "kftest-presubmit",
    "REPO_OWNER": "kubeflow",
    "REPO_NAME": "kftest",
    "PULL_NUMBER": "42",
    "PULL_PULL_SHA": "8f3e1c2d4b5a69788f3e1c2d4b5a69788f3e1c2d",
    "PULL_BASE_SHA": "1a2b3c4d5e6f70811a2b3c4d5e6f70811a2b3c4d",
    "BUILD_ID": "1234",
    "BUILD_NUMBER": "1234",
}


def test_the_readme_example_compiles_to_the_output_it_shows(
    make_repo: Callable[..., Path],
) -> None:
    readme = (paths.LIB_DIR / "README.md").read_text()
    (_, config), (_, component), (_, output), *_ = _blocks(readme)
    assert "PULL_NUMBER=42" in readme and "--salt abcd" in readme
    root = make_repo({"prow_config.yaml": config, "ci/workflows/unittests.jsonnet": component})
    options = pipeline.Options(
        repo_root=root,
        config_path=root / "prow_config.yaml",
        salt="abcd",
        environ=README_ENV,
        changed_files=["py/test_x.py"],
        placeholders=False,
    )
    result = pipeline.compile_selected(options)
    assert [d for d in result.diagnostics if d.rule != "dead-include-pattern"] == []
    [workflow] = result.workflows
    assert emit.dump(workflow.document) == output
