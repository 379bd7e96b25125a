"""Which entries a set of changed files can affect, and the facts kept between runs to find
them fast (compiler.cache): a later run must answer as a first run would."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from compiler import affected, pipeline
from tests.conftest import write_files

CONFIG = """
workflows:
  - name: first
    app_dir: app
    component: first
  - name: second
    app_dir: app
    component: second
  - name: legacy
    app_dir: ks
    component: legacy
"""

FILES = {
    "prow_config.yaml": CONFIG,
    "app/first.jsonnet": "local h = import 'helper.libsonnet';\nh.wf('first')\n",
    "app/second.jsonnet": "local o = import 'other.libsonnet';\no.wf('second')\n",
    "app/helper.libsonnet": "{ wf(n):: { name: n } }\n",
    "app/other.libsonnet": "{ wf(n):: { name: n } }\n",
    "app/lib/shadow.libsonnet": "{}\n",
    "ks/components/legacy.jsonnet": "local p = std.extVar('__ksonnet/params');\np\n",
    "ks/components/params.libsonnet": "{ components: {} }\n",
}


def options(root: Path, cached: bool = True) -> pipeline.Options:
    return pipeline.Options(
        repo_root=root, config_path=root / "prow_config.yaml", environ={}, cache=cached
    )


def affected_by(root: Path, *files: str, cached: bool = True) -> list[str]:
    opts = options(root, cached)
    config = pipeline.load(opts).config
    assert config is not None
    return affected.entries_affected_by([root / file for file in files], config, opts)


def age(root: Path) -> None:
    """Every file and directory an hour old: what the cache saw is no longer "racy"."""
    past = time.time() - 3600
    for directory, _, names in os.walk(root):
        for name in [*names, "."]:
            os.utime(os.path.join(directory, name), (past, past))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    write_files(tmp_path, FILES)
    age(tmp_path)
    return tmp_path


def both(root: Path, *files: str) -> list[str]:
    """The cached answer, checked against a run without the cache."""
    cached = affected_by(root, *files)
    assert cached == affected_by(root, *files, cached=False)
    return cached


def test_closures_and_params(repo: Path, _private_cache: Path) -> None:
    assert both(repo, "app/helper.libsonnet") == ["first"]
    assert list(_private_cache.glob("imports-*"))  # the facts were kept
    assert both(repo, "app/helper.libsonnet") == ["first"]  # and reused
    assert both(repo, "app/other.libsonnet") == ["second"]
    assert both(repo, "ks/components/params.libsonnet") == ["legacy"]
    assert both(repo, "prow_config.yaml") == ["first", "second", "legacy"]
    assert both(repo, "README.md") == []


def test_an_edited_import_is_seen(repo: Path) -> None:
    assert both(repo, "app/other.libsonnet") == ["second"]
    (repo / "app/first.jsonnet").write_text(
        "local h = import 'helper.libsonnet';\nlocal o = import 'other.libsonnet';\no.wf('x')\n"
    )
    assert both(repo, "app/other.libsonnet") == ["first", "second"]


def test_a_fresh_edit_of_the_same_size_is_seen(repo: Path) -> None:
    """A recent mtime is never trusted (the clock is coarse): the content hash decides."""
    assert both(repo, "app/other.libsonnet") == ["second"]
    first = repo / "app/first.jsonnet"
    first.write_text(first.read_text().replace("helper", "other_"))
    (repo / "app/other_.libsonnet").write_text("{}\n")
    assert both(repo, "app/other_.libsonnet") == ["first"]
    assert both(repo, "app/other_.libsonnet") == ["first"]


def test_a_new_file_that_shadows_an_import_is_seen(repo: Path) -> None:
    write_files(repo, {"app/second.jsonnet": "import 'shadow.libsonnet'\n"})
    age(repo)
    assert both(repo, "app/lib/shadow.libsonnet") == ["second"]
    # A shadow.libsonnet next to the component now wins over app/lib's.
    write_files(repo, {"app/shadow.libsonnet": "{}\n"})
    assert both(repo, "app/lib/shadow.libsonnet") == []
    assert both(repo, "app/shadow.libsonnet") == ["second"]


def test_a_deleted_component_is_seen(repo: Path) -> None:
    assert both(repo, "app/helper.libsonnet") == ["first"]
    (repo / "app/first.jsonnet").unlink()
    assert both(repo, "app/helper.libsonnet") == []


def test_a_broken_cache_changes_nothing(repo: Path, _private_cache: Path) -> None:
    assert both(repo, "app/helper.libsonnet") == ["first"]
    for path in _private_cache.iterdir():
        path.write_bytes(path.read_bytes()[:40])
    assert both(repo, "app/helper.libsonnet") == ["first"]


def test_imports_are_found_at_word_boundaries_only() -> None:
    text = (
        "local a = import 'a.libsonnet';\n"
        "local b = reimport 'nothing';\n"
        'local c = importstr "c.txt" + x_import"no";\n'
        "(importbin @'d.bin')\n"
        # Not an import where it starts, but one inside its string: found, as `\b` finds it.
        "reimport 'import \"e.libsonnet\"'\n"
        # What comes right before the word decides: a bracket is a boundary, a letter not.
        "f(import 'f.libsonnet') + \nximport 'g'\n"
    )
    assert affected.imports_in(text) == [
        "a.libsonnet",
        "c.txt",
        "d.bin",
        "e.libsonnet",
        "f.libsonnet",
    ]


def test_without_the_cache_nothing_is_kept(repo: Path, _private_cache: Path) -> None:
    assert affected_by(repo, "app/helper.libsonnet", cached=False) == ["first"]
    assert not list(_private_cache.glob("imports-*"))
    assert affected_by(repo, "app/helper.libsonnet") == ["first"]
    assert list(_private_cache.glob("imports-*"))


def test_an_edit_in_the_same_clock_tick_is_seen(repo: Path) -> None:
    """A file system with a coarse clock can give an edit the mtime of the version the cache
    saw: a file changed that recently is never trusted by its size and mtime."""
    first = repo / "app/first.jsonnet"
    first.write_text(first.read_text())  # just now
    seen = os.stat(first).st_mtime_ns
    assert affected_by(repo, "app/other.libsonnet") == ["second"]
    first.write_text(first.read_text().replace("helper.", "other.."))  # the same size
    os.utime(first, ns=(seen, seen))
    (repo / "app/other..libsonnet").write_text("{}\n")
    assert affected_by(repo, "app/other..libsonnet") == ["first"]


def test_the_repository_lint_settings_affect_every_entry(repo: Path) -> None:
    (repo / ".kftest.yaml").write_text("lint: {}\n")
    assert both(repo, ".kftest.yaml") == ["first", "second", "legacy"]


KINDS_CONFIG = """
workflows:
  - name: jsonnet
    app_dir: app
    component: first
  - name: builder
    py_func: ci.build.create_workflow
  - name: tekton
    tekton_run: tekton/run.yaml
  - name: builder-2
    py_func: ci.other.create_workflow
"""


@pytest.mark.parametrize(
    ("changed", "expected"),
    [
        # Which Python a builder imports is not known statically: any .py file may matter.
        (["ci/unrelated.py"], ["builder", "builder-2"]),
        # A PipelineRun may use the Pipelines and Tasks of any YAML file.
        (["tekton/tasks.yaml"], ["tekton"]),
        (["deploy/x.yml"], ["tekton"]),
        (["app/helper.libsonnet", "ci/x.py"], ["jsonnet", "builder", "builder-2"]),
        (["README.md", "ci/build.pyc"], []),
        # No component of theirs: not even a file named only ".jsonnet" is one.
        ([".jsonnet"], []),
    ],
)
def test_builders_and_tekton_runs_by_the_kind_of_file_changed(
    repo: Path, changed: list[str], expected: list[str]
) -> None:
    write_files(
        repo, {"prow_config.yaml": KINDS_CONFIG, "tekton/run.yaml": "kind: x\n", ".jsonnet": "{}"}
    )
    assert both(repo, *changed) == expected


def test_a_run_that_learns_nothing_new_writes_nothing(repo: Path, _private_cache: Path) -> None:
    """Many pre-commit runs share the cache: one that only reads it leaves its file alone."""
    assert both(repo, "app/helper.libsonnet") == ["first"]
    (kept,) = _private_cache.glob("imports-*")
    written = kept.stat().st_ino  # a store renames a new file into place
    assert both(repo, "app/other.libsonnet") == ["second"]
    assert kept.stat().st_ino == written
    (repo / "app/first.jsonnet").write_text("import 'other.libsonnet'\n")
    age(repo)
    assert both(repo, "app/other.libsonnet") == ["first", "second"]
    assert kept.stat().st_ino != written  # what it learnt is kept


def test_an_app_directory_that_appears_is_seen(repo: Path) -> None:
    config = CONFIG + "  - name: late\n    app_dir: apps/late\n    component: c\n"
    write_files(repo, {"prow_config.yaml": config, "apps/README.md": ""})
    age(repo)
    assert both(repo, "apps/late/c.jsonnet") == []
    write_files(repo, {"apps/late/c.jsonnet": "{}\n"})
    assert both(repo, "apps/late/c.jsonnet") == ["late"]


def test_the_cache_trusts_an_old_file_of_unchanged_size_and_mtime(repo: Path) -> None:
    """As git trusts its index: a file whose size and mtime are those the cache saw (and
    older than the clock's tick) is not read again. Without the cache, every file is read."""
    assert both(repo, "app/other.libsonnet") == ["second"]
    first = repo / "app/first.jsonnet"
    seen = os.stat(first)
    first.write_text(first.read_text().replace("helper.", "other.."))  # the same size
    os.utime(first, ns=(seen.st_atime_ns, seen.st_mtime_ns))
    (repo / "app/other..libsonnet").write_text("{}\n")
    age(repo)
    os.utime(first, ns=(seen.st_atime_ns, seen.st_mtime_ns))
    assert affected_by(repo, "app/other..libsonnet") == []
    assert affected_by(repo, "app/other..libsonnet", cached=False) == ["first"]


def test_a_component_added_to_a_ksonnet_app_is_seen(repo: Path) -> None:
    config = CONFIG + "  - name: later\n    app_dir: ks\n    component: later\n"
    write_files(repo, {"prow_config.yaml": config})
    age(repo)
    assert both(repo, "ks/components/params.libsonnet") == ["legacy"]
    write_files(repo, {"ks/components/later.jsonnet": "{}\n"})
    assert both(repo, "ks/components/params.libsonnet") == ["legacy", "later"]


def test_a_versioned_ksonnet_registry_package_is_followed(repo: Path) -> None:
    write_files(
        repo,
        {
            "ks/app.yaml": "libraries:\n  kubeflow/automation: {version: 51b410a}\n",
            "ks/components/legacy.jsonnet": (
                "local r = import 'kubeflow/automation/release.libsonnet';\nr\n"
            ),
            "ks/vendor/kubeflow/automation@51b410a/release.libsonnet": "{}\n",
        },
    )
    age(repo)
    versioned = "ks/vendor/kubeflow/automation@51b410a"
    assert both(repo, f"{versioned}/release.libsonnet") == ["legacy"]
    # A file that appears in the package is seen; an unversioned copy on the vendor search
    # path comes first.
    write_files(repo, {"ks/components/legacy.jsonnet": "import 'kubeflow/automation/new.jsonnet'"})
    age(repo)
    assert both(repo, f"{versioned}/new.jsonnet") == []
    write_files(repo, {f"{versioned}/new.jsonnet": "{}\n"})
    assert both(repo, f"{versioned}/new.jsonnet") == ["legacy"]
    write_files(repo, {"ks/vendor/kubeflow/automation/new.jsonnet": "{}\n"})
    assert both(repo, "ks/vendor/kubeflow/automation/new.jsonnet") == ["legacy"]
    assert both(repo, f"{versioned}/new.jsonnet") == []


def test_entries_that_share_a_component_are_all_affected(repo: Path) -> None:
    config = CONFIG + "  - name: first-again\n    app_dir: app\n    component: first\n"
    write_files(repo, {"prow_config.yaml": config})
    assert both(repo, "app/helper.libsonnet") == ["first", "first-again"]


def test_symlinked_components_and_app_directories_are_followed(repo: Path) -> None:
    config = (
        CONFIG
        + "  - name: linked\n    app_dir: app\n    component: linked\n"
        + "  - name: via-dir\n    app_dir: app-link\n    component: second\n"
    )
    write_files(repo, {"prow_config.yaml": config, "shared/real.jsonnet": "import 'x.libsonnet'\n"})
    write_files(repo, {"shared/x.libsonnet": "{}\n"})
    (repo / "app/linked.jsonnet").symlink_to(repo / "shared/real.jsonnet")
    (repo / "app-link").symlink_to(repo / "app")
    age(repo)
    # The file a link points at, and what it imports from beside it, affect the entry.
    assert both(repo, "shared/real.jsonnet") == ["linked"]
    assert both(repo, "shared/x.libsonnet") == ["linked"]
    assert both(repo, "app/other.libsonnet") == ["second", "via-dir"]
    assert both(repo, "app/second.jsonnet") == ["second", "via-dir"]


def test_imported_data_is_read_by_no_one_for_imports(repo: Path) -> None:
    write_files(
        repo,
        {
            "app/first.jsonnet": "local d = importstr 'data.txt';\n{ d: d }\n",
            "app/second.jsonnet": "local d = importstr 'data.txt';\nimport 'other.libsonnet'\n",
            "app/data.txt": "import 'helper.libsonnet'\n",  # text, not jsonnet
        },
    )
    age(repo)
    assert both(repo, "app/data.txt") == ["first", "second"]
    assert both(repo, "app/helper.libsonnet") == []


def test_an_import_that_newly_resolves_nearer_is_seen(repo: Path) -> None:
    write_files(
        repo,
        {
            "app/first.jsonnet": "import 'util/x.libsonnet'\n",
            "app/lib/util/x.libsonnet": "{}\n",
            "app/util/README.md": "",
        },
    )
    age(repo)
    assert both(repo, "app/lib/util/x.libsonnet") == ["first"]
    # Only app/util changes: the file beside the component now wins over app/lib's.
    write_files(repo, {"app/util/x.libsonnet": "{}\n"})
    assert both(repo, "app/util/x.libsonnet") == ["first"]
    assert both(repo, "app/lib/util/x.libsonnet") == []


def test_a_jpath_directory_that_appears_is_searched(repo: Path) -> None:
    write_files(repo, {"app/first.jsonnet": "import 'j.libsonnet'\n", "deps/README.md": ""})
    age(repo)
    jpath = (repo / "deps" / "jlib",)

    def run(cached: bool) -> list[str]:
        opts = pipeline.Options(
            repo_root=repo,
            config_path=repo / "prow_config.yaml",
            environ={},
            cache=cached,
            jpath=jpath,
        )
        config = pipeline.load(opts).config
        assert config is not None
        return affected.entries_affected_by([repo / "deps/jlib/j.libsonnet"], config, opts)

    assert run(True) == run(False) == []
    write_files(repo, {"deps/jlib/j.libsonnet": "{}\n"})  # only deps changes
    assert run(True) == run(False) == ["first"]


def test_params_libsonnet_belongs_to_components_in_components_only(repo: Path) -> None:
    write_files(repo, {"app/components/params.libsonnet": "{ components: {} }\n"})
    age(repo)
    assert both(repo, "app/components/params.libsonnet") == []
    assert both(repo, "ks/components/params.libsonnet") == ["legacy"]
