"""Where app_dir, the component and the library dirs are."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from compiler.evaluate import layout
from compiler.paths import LIB_DIR
from compiler.prow import ProwEnv
from tests.conftest import run_kftest

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


def test_app_dir_not_found_lists_every_place_tried(tmp_path: Path) -> None:
    repos, repo = tmp_path / "src", tmp_path / "me" / "kubeflow"
    make(tmp_path, "src", "me/kubeflow")
    found = layout.find_component("kubeflow/testing/workflows", "wf", repo, repos, NO_ENV)
    assert isinstance(found, layout.NotFound)
    assert found.key == "app_dir"
    assert found.message.startswith(
        f"app_dir 'kubeflow/testing/workflows' not found (tried {repos}/kubeflow/testing/"
        "workflows, kubeflow/testing/workflows); the checkout of kubeflow/testing is missing: "
        "tried ../../src/kubeflow/testing, ../testing, ../../kubeflow/testing; clone it beside"
    )
    plain = layout.find_component("workflows", "wf", repo, None, NO_ENV)
    assert plain == layout.NotFound("app_dir", "app_dir 'workflows' not found (tried workflows)")


def test_component_not_found_lists_both_layouts_of_every_app_dir(tmp_path: Path) -> None:
    repos, repo = tmp_path / "src", tmp_path / "src/kubeflow/testing"
    make(repos, "kubeflow/testing/workflows/components")
    found = layout.find_component("kubeflow/testing/workflows", "wf", repo, repos, NO_ENV)
    assert found == layout.NotFound(
        "component",
        # (the repos dir's copy is this repository: one app_dir, tried once)
        "component 'wf' not found (tried workflows/components/wf.jsonnet, workflows/wf.jsonnet)",
    )
    # the repos dir's copy and the repository's own: both apps are searched, in order
    make(repo, "kubeflow/testing/workflows")
    (repo / "kubeflow/testing/workflows/wf.jsonnet").write_text("{}")
    found = layout.find_component("kubeflow/testing/workflows", "wf", repo, repos, NO_ENV)
    assert isinstance(found, layout.Component)
    assert found.file == repo / "kubeflow/testing/workflows/wf.jsonnet"
    assert (found.params_file, found.checkout) == (None, None)


def test_names_the_filesystem_cannot_hold_are_not_found(tmp_path: Path) -> None:
    for app_dir in ("a\0b", "d" * 300):
        found = layout.find_component(app_dir, "wf", tmp_path, None, NO_ENV)
        assert isinstance(found, layout.NotFound) and found.key == "app_dir"
    make(tmp_path, "app")
    found = layout.find_component("app", "w\0f", tmp_path, None, NO_ENV)
    assert isinstance(found, layout.NotFound) and found.key == "component"


def test_a_component_in_another_checkout_makes_that_checkout_readable(tmp_path: Path) -> None:
    clone = tmp_path / "kubeflow" / "kubeflow"
    other = tmp_path / "kubeflow" / "testing"
    make(clone, ".git", "py")
    make(other, ".git", "workflows/components")
    (other / "workflows/components/wf.jsonnet").write_text("{}")
    (other / "workflows/components/params.libsonnet").write_text("{}")
    found = layout.find_component("kubeflow/testing/workflows", "wf", clone, None, NO_ENV)
    assert found == layout.Component(
        other / "workflows",
        other / "workflows/components/wf.jsonnet",
        other / "workflows/components/params.libsonnet",
        other,
    )
    # this repository's own directories, named the seed's way, are no other checkout
    assert layout.checkout_root("kubeflow/kubeflow/py", clone / "py", clone, None, NO_ENV) is None
    assert layout.checkout_root("py", clone / "py", clone, None, NO_ENV) is None
    assert layout.checkout_root("kubeflow/testing/x", tmp_path, clone, None, NO_ENV) is None
    assert layout.missing_checkout("kubeflow/testing/x", clone, None, NO_ENV) is None
    assert layout.missing_checkout("x", clone, None, NO_ENV) is None


def test_allowed_roots(tmp_path: Path) -> None:
    repo, repos, extra = tmp_path / "repo", tmp_path / "src", tmp_path / "lib"
    assert layout.allowed_roots(repo, None, [extra]) == [
        repo,
        extra,
        LIB_DIR,
        layout.KSONNET_SHIM_DIR,
    ]
    assert layout.allowed_roots(repo, repos, [])[-1] == repos


def test_python_paths_resolve_as_app_dir_does(tmp_path: Path) -> None:
    repos, repo = tmp_path / "src", tmp_path / "repo"
    assert list(layout.python_path_candidates("py", repo, repos, NO_ENV)) == [
        repos / "py",
        repo / "py",
    ]


@pytest.mark.parametrize(
    ("app_yaml", "ksonnet"),
    [
        ("apiVersion: 0.3.0\nkind: ksonnet.io/app\n", True),
        ("kind: ksonnet.io/app\napiVersion: '0.1.0'\n", True),
        ('apiVersion: "0.2"\n', True),
        ("apiVersion: 1.0\n", False),
        ("apiVersion: 10.1\n", False),
        ("# apiVersion: 0.3.0\n", False),
        ("x: " + "y" * 5000 + "\napiVersion: 0.3.0\n", False),  # only the head is read
    ],
)
def test_is_ksonnet_app(tmp_path: Path, app_yaml: str, ksonnet: bool) -> None:
    assert layout.is_ksonnet_app(tmp_path) is False  # no app.yaml
    (tmp_path / "app.yaml").write_text(app_yaml)
    assert layout.is_ksonnet_app(tmp_path) is ksonnet


def test_show(tmp_path: Path) -> None:
    assert layout.show(tmp_path / "a/b", tmp_path) == "a/b"
    assert layout.show(Path("/elsewhere/b"), tmp_path) == "/elsewhere/b"


def test_registry_packages_named_only_by_their_key(tmp_path: Path) -> None:
    app = tmp_path / "app"
    make(app, "vendor/kubeflow/core@2", "vendor/kubeflow/core@3", "vendor/other/tool@1")
    make(app, "vendor/plain@1")  # `plain` has no registry: not an alias, whatever is vendored
    (app / "vendor/stray-file").write_text("")
    (app / "app.yaml").write_text(
        "libraries:\n"
        "  kubeflow/core:\n"
        "    version: 3\n"  # registry and name from the key; a number as the version
        "  plain: {version: 1}\n"  # no registry at all: skipped
        "  broken: just a string\n"
        "  other/tool: {}\n"  # no version: the only vendored one
    )
    assert layout.package_aliases(app) == {
        "kubeflow/core/": app / "vendor/kubeflow/core@3",
        "other/tool/": app / "vendor/other/tool@1",
    }


def test_a_version_app_yaml_names_that_is_not_vendored(tmp_path: Path) -> None:
    app = tmp_path / "app"
    make(app, "vendor/kubeflow/core@2", "vendor/kubeflow/core@3")
    (app / "app.yaml").write_text("libraries:\n  core: {registry: kubeflow, version: '4'}\n")
    assert layout.package_aliases(app) == {}  # two others: ambiguous, not guessed
    make(app, "vendor/kubeflow/core")
    assert layout.package_aliases(app) == {"kubeflow/core/": app / "vendor/kubeflow/core"}


def test_no_vendor_directory_no_aliases(tmp_path: Path) -> None:
    (tmp_path / "app.yaml").write_text("libraries:\n  kubeflow/core: {version: '1'}\n")
    assert layout.package_aliases(tmp_path) == {}


def test_without_app_yaml_the_only_vendored_version_is_used(tmp_path: Path) -> None:
    make(tmp_path, "vendor/kubeflow/core@1")
    assert layout.package_aliases(tmp_path) == {
        "kubeflow/core/": tmp_path / "vendor/kubeflow/core@1"
    }


def test_another_checkout_under_its_owner_directory(tmp_path: Path) -> None:
    # ../../<owner>/<repo>: the owner's name is what finds it
    clone = tmp_path / "me" / "kubeflow"
    other = tmp_path / "kubeflow" / "testing"
    make(clone, ".git")
    make(other, ".git", "workflows")
    (other / "workflows/wf.jsonnet").write_text("{}")
    found = layout.find_component("kubeflow/testing/workflows", "wf", clone, None, NO_ENV)
    assert isinstance(found, layout.Component)
    assert (found.file, found.checkout) == (other / "workflows/wf.jsonnet", other)


def test_the_version_app_yaml_names_wins_over_an_unversioned_copy(tmp_path: Path) -> None:
    make(tmp_path, "vendor/kubeflow/core@1", "vendor/kubeflow/core")
    (tmp_path / "app.yaml").write_text("libraries:\n  kubeflow/core: {version: '1'}\n")
    assert layout.package_aliases(tmp_path) == {
        "kubeflow/core/": tmp_path / "vendor/kubeflow/core@1"
    }


@pytest.mark.parametrize(("end", "ksonnet"), [(4096, True), (4097, False)])
def test_only_the_first_4096_bytes_of_app_yaml_are_read(
    tmp_path: Path, end: int, ksonnet: bool
) -> None:
    line = "apiVersion: 0.3"  # its last character is byte `end` of the file
    filler = "# " + "x" * (end - len(line) - 3) + "\n"
    (tmp_path / "app.yaml").write_text(filler + line + ".0\n")
    assert len(filler + line) == end
    assert layout.is_ksonnet_app(tmp_path) is ksonnet


def test_an_unreadable_app_yaml_is_as_good_as_none(make_repo: Callable[..., Path]) -> None:
    # The only vendored version of the package is imported without app.yaml's help; a user who
    # cannot read app.yaml gets the compile, not a crash.
    repo = make_repo(
        {
            "prow_config.yaml": (
                "workflows:\n  - name: unittests\n    app_dir: ci\n    component: unittests\n"
                "    params: {stepImage: 'gcr.io/kubeflow-ci/test-worker:v20240101-0123abc'}\n"
            ),
            "ci/app.yaml": "apiVersion: 0.3.0\nlibraries:\n  automation: {registry: kubeflow}\n",
            "ci/vendor/kubeflow/automation@51b410a/words.libsonnet": "{ word: 'vendored' }\n",
            "ci/components/unittests.jsonnet": (
                "local kftest = import 'kftest.libsonnet';\n"
                "local words = import 'kubeflow/automation/words.libsonnet';\n"
                "function(params)\n"
                "  local wf = kftest.workflow(params, 'unittests');\n"
                "  wf.dag([wf.step('say', ['echo', words.word])])\n"
            ),
        }
    )
    (repo / "ci/app.yaml").chmod(0)
    out = repo / "out"
    result = run_kftest(
        "compile",
        "--repo-root",
        str(repo),
        "--job-type",
        "presubmit",
        "--all",
        "--out",
        str(out),
        unprivileged=True,
    )
    assert result.code == 0, result.stderr
    [compiled] = out.glob("*.yaml")
    assert "- vendored" in compiled.read_text()
