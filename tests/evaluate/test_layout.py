"""Where app_dir, the component and the library dirs are."""

from __future__ import annotations

from pathlib import Path

from compiler.evaluate import layout
from compiler.paths import LIB_DIR
from compiler.prow import ProwEnv

NO_ENV = ProwEnv(job_type="presubmit", values={})


def make(root: Path, *dirs: str) -> None:
    for directory in dirs:
        (root / directory).mkdir(parents=True, exist_ok=True)


def test_app_dir_under_repos_dir_as_the_seed(tmp_path: Path) -> None:
    repos, repo = tmp_path / "src", tmp_path / "src/kubeflow/testing"
    make(repos, "kubeflow/testing/workflows/components")
    (repos / "kubeflow/testing/workflows/components/wf.jsonnet").write_text("{}")
    found = layout.find_component("kubeflow/testing/workflows", "wf", repo, repos, NO_ENV)
    assert isinstance(found, layout.Component)
    assert found.file == repos / "kubeflow/testing/workflows/components/wf.jsonnet"
    assert found.params_file is None


def test_owner_repo_prefix_matching_prow_or_the_checkout_is_stripped(tmp_path: Path) -> None:
    repo = tmp_path / "kubeflow" / "testing"
    make(repo, "workflows")
    assert layout.app_dir_candidates("kubeflow/testing/workflows", repo, None, NO_ENV)[-1] == (
        repo / "workflows"
    )
    elsewhere = tmp_path / "checkout"
    env = ProwEnv("presubmit", {"REPO_OWNER": "kubeflow", "REPO_NAME": "testing"})
    assert layout.app_dir_candidates("kubeflow/testing/workflows", elsewhere, None, env) == [
        elsewhere / "kubeflow/testing/workflows",
        elsewhere / "workflows",
    ]
    assert layout.app_dir_candidates("other/repo/workflows", elsewhere, None, env) == [
        elsewhere / "other/repo/workflows"
    ]


def test_ksonnet_layout_first_then_next_to_app_dir(tmp_path: Path) -> None:
    make(tmp_path, "app/components")
    (tmp_path / "app/wf.jsonnet").write_text("{}")
    found = layout.find_component("app", "wf", tmp_path, None, NO_ENV)
    assert isinstance(found, layout.Component) and found.file == tmp_path / "app/wf.jsonnet"
    (tmp_path / "app/components/wf.jsonnet").write_text("{}")
    (tmp_path / "app/components/params.libsonnet").write_text("{}")
    found = layout.find_component("app", "wf", tmp_path, None, NO_ENV)
    assert isinstance(found, layout.Component)
    assert found.file == tmp_path / "app/components/wf.jsonnet"
    assert found.params_file == tmp_path / "app/components/params.libsonnet"


def test_search_path_order(tmp_path: Path) -> None:
    make(tmp_path, "app/components", "app/lib", "app/vendor", "vendor", "extra")
    component = layout.Component(tmp_path / "app", tmp_path / "app/components/wf.jsonnet", None)
    assert layout.search_path(component, tmp_path, [tmp_path / "extra"]) == [
        tmp_path / "app/components",
        tmp_path / "app/lib",
        tmp_path / "app/vendor",
        tmp_path / "vendor",
        tmp_path / "extra",
        *([LIB_DIR] if LIB_DIR.is_dir() else []),
        layout.KSONNET_SHIM_DIR,
    ]


def test_missing_dirs_are_left_out_of_the_search_path(tmp_path: Path) -> None:
    make(tmp_path, "app")
    component = layout.Component(tmp_path / "app", tmp_path / "app/wf.jsonnet", None)
    assert layout.search_path(component, tmp_path, [tmp_path / "nothere"])[0] == tmp_path / "app"
    assert tmp_path / "vendor" not in layout.search_path(component, tmp_path, [])


def test_a_ksonnet_registry_package_resolves_as_ks_resolved_it(tmp_path: Path) -> None:
    app = tmp_path / "releaser"
    make(
        app,
        "vendor/kubeflow/automation@51b410a",
        "vendor/incubator/util",
        "vendor/x/y@1",
        "vendor/x/y@2",
    )
    (app / "app.yaml").write_text(
        "libraries:\n"
        "  kubeflow/automation:\n"
        "    name: automation\n"
        "    registry: kubeflow\n"
        "    version: 51b410a\n"
    )
    aliases = layout.package_aliases(app)
    # Named in app.yaml with its version; unversioned ones are on the vendor search path
    # already; two vendored versions and no app.yaml entry: ambiguous, not guessed.
    assert aliases == {"kubeflow/automation/": app / "vendor/kubeflow/automation@51b410a"}
    (app / "app.yaml").write_text("libraries: [not, a, mapping]\n")
    assert layout.package_aliases(app) == {
        "kubeflow/automation/": app / "vendor/kubeflow/automation@51b410a"
    }  # the only vendored version, found without app.yaml's help
