"""The import sandbox: what jsonnet may read, in which order it searches, what it records."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from compiler.evaluate import EvalRequest, EvalResult, evaluate
from compiler.evaluate.layout import KSONNET_SHIM_DIR
from compiler.evaluate.sandbox import Denial, Importer


def denied(result: EvalResult) -> tuple[str | None, int | None, int | None, str]:
    assert result.documents == []
    [diagnostic] = result.diagnostics
    assert diagnostic.rule == "import-denied", diagnostic
    return diagnostic.file, diagnostic.line, diagnostic.column, diagnostic.message


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A directory beside the repository, with a file jsonnet must not read."""
    directory = tmp_path / "outside"
    directory.mkdir()
    (directory / "secret.libsonnet").write_text("{ token: 'hunter2' }\n")
    return directory


def test_importstr_of_an_absolute_path(component_request: Callable[..., EvalRequest]) -> None:
    request = component_request({"app/wf.jsonnet": "{\n  a: importstr '/etc/passwd',\n}\n"})
    file, line, column, message = denied(evaluate(request))
    assert (file, line, column) == ("app/wf.jsonnet", 2, 6)
    assert "'/etc/passwd'" in message
    assert "root:" not in message


def test_dot_dot_escape(component_request: Callable[..., EvalRequest], outside: Path) -> None:
    escape = "../" * 30 + str(outside / "secret.libsonnet").lstrip("/")
    request = component_request({"app/wf.jsonnet": f"local s = import '{escape}';\ns.token\n"})
    file, line, _, message = denied(evaluate(request))
    assert (file, line) == ("app/wf.jsonnet", 1)
    assert str(outside / "secret.libsonnet") in message
    assert "hunter2" not in message


def test_symlink_out_of_the_repo_names_the_importing_file(
    component_request: Callable[..., EvalRequest], outside: Path
) -> None:
    request = component_request(
        {
            "app/wf.jsonnet": "local h = import 'lib/helpers.libsonnet';\nh\n",
            "app/lib/helpers.libsonnet": "// helpers\n{\n  s: import 'creds.libsonnet',\n}\n",
        }
    )
    os.symlink(outside / "secret.libsonnet", request.repo_root / "app/lib/creds.libsonnet")
    file, line, column, message = denied(evaluate(request))
    assert (file, line, column) == ("app/lib/helpers.libsonnet", 3, 6)
    assert str(outside / "secret.libsonnet") in message


def test_symlinked_directory_out_of_the_repo(
    component_request: Callable[..., EvalRequest], outside: Path
) -> None:
    request = component_request({"app/wf.jsonnet": "import 'ext/secret.libsonnet'\n"})
    os.symlink(outside, request.repo_root / "app/ext")
    file, line, _, _ = denied(evaluate(request))
    assert (file, line) == ("app/wf.jsonnet", 1)


def test_component_that_is_a_symlink_out_of_the_repo(
    component_request: Callable[..., EvalRequest], outside: Path
) -> None:
    request = component_request({"app/keep.jsonnet": "{}"})
    os.symlink(outside / "secret.libsonnet", request.repo_root / "app/wf.jsonnet")
    result = evaluate(request)
    [diagnostic] = result.diagnostics
    assert (diagnostic.rule, diagnostic.file, diagnostic.line) == (
        "import-denied",
        "prow_config.yaml",
        4,
    )
    assert diagnostic.message.startswith(
        f"app/wf.jsonnet resolves to {outside / 'secret.libsonnet'}, outside the repository"
    )


def test_symlink_inside_the_repo_is_fine(component_request: Callable[..., EvalRequest]) -> None:
    request = component_request(
        {
            "app/wf.jsonnet": "local s = import 'shared.libsonnet';\n[s.wf]\n",
            "common/shared.libsonnet": "{ wf: { kind: 'Workflow', metadata: { name: 'n' } } }\n",
        }
    )
    os.symlink(
        request.repo_root / "common/shared.libsonnet", request.repo_root / "app/shared.libsonnet"
    )
    result = evaluate(request)
    assert result.diagnostics == []
    assert "app/shared.libsonnet" in result.imports


def test_jpath_dirs_are_allowed_and_recorded_absolute(
    component_request: Callable[..., EvalRequest], outside: Path
) -> None:
    component = "local s = import 'secret.libsonnet';\n[{kind: 'Workflow', t: s.token}]"
    request = component_request({"app/wf.jsonnet": component}, jpath=(outside,))
    result = evaluate(request)
    assert result.diagnostics == []
    assert result.documents == [{"kind": "Workflow", "t": "hunter2"}]
    assert str(outside / "secret.libsonnet") in result.imports


def test_repos_dir_is_an_allowed_root(tmp_path: Path) -> None:
    from tests.evaluate.conftest import make_entry, make_request, write_files

    repos = tmp_path / "src"
    write_files(
        repos,
        {
            "kubeflow/testing/workflows/lib.libsonnet": "{ kind: 'Workflow' }\n",
            "kubeflow/kubeflow/testing/workflows/components/wf.jsonnet": (
                "[import '../../../../testing/workflows/lib.libsonnet']\n"
            ),
        },
    )
    entry = make_entry(app_dir="kubeflow/kubeflow/testing/workflows", component="wf")
    result = evaluate(make_request(repos / "kubeflow/kubeflow", entry, repos_dir=repos))
    assert result.diagnostics == []
    assert result.documents == [{"kind": "Workflow"}]


def test_search_order_vendor_before_kftest_lib_before_ksonnet_shim(
    component_request: Callable[..., EvalRequest],
) -> None:
    request = component_request(
        {
            "app/components/wf.jsonnet": """
                local k = import 'k.libsonnet';
                local v = import 'from-vendor.libsonnet';
                local a = import 'from-app-lib.libsonnet';
                k.core.v1.list.new([v, a])
            """,
            "vendor/k.libsonnet": "{ core: { v1: { list: { new(items): items } } } }",
            "vendor/from-vendor.libsonnet": "{ kind: 'Workflow', from: 'vendor' }",
            "app/lib/from-app-lib.libsonnet": "{ kind: 'Workflow', from: 'app lib' }",
        }
    )
    result = evaluate(request)
    assert result.diagnostics == []
    # the repository's own k.libsonnet won over the shim: the array came back as is
    assert [doc["from"] for doc in result.documents] == ["vendor", "app lib"]
    assert "vendor/k.libsonnet" in result.imports
    assert str(KSONNET_SHIM_DIR / "k.libsonnet") not in result.imports


def test_importer_prefers_the_importing_files_directory(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a/x.libsonnet").write_text("'a'")
    (tmp_path / "b/x.libsonnet").write_text("'b'")
    importer = Importer([tmp_path], [tmp_path / "b"])
    assert importer(str(tmp_path / "a") + "/", "x.libsonnet") == (
        str(tmp_path / "a/x.libsonnet"),
        b"'a'",
    )
    assert importer(str(tmp_path), "x.libsonnet")[1] == b"'b'"
    assert list(importer.loaded) == [
        str(tmp_path / "a/x.libsonnet"),
        str(tmp_path / "b/x.libsonnet"),
    ]


def test_importbin_may_read_binary_files(component_request: Callable[..., EvalRequest]) -> None:
    request = component_request(
        {
            "app/wf.jsonnet": "[{kind: 'Workflow', n: std.length(importbin 'blob.bin')}]\n",
            "app/blob.bin": b"\xff\xfe\x00\x01",
        }
    )
    # Whatever the backend (rjsonnet passes imported files as text, so kftest re-runs such a
    # component with gojsonnet), importbin works: a regression is a failure, never a skip.
    result = evaluate(request)
    assert result.diagnostics == []
    assert result.documents == [{"kind": "Workflow", "n": 4}]


def test_the_filesystem_root_as_a_root_allows_everything_under_it(tmp_path: Path) -> None:
    # `-J /` is documented as allowed; "/" + os.sep is "//", which no resolved path starts with.
    (tmp_path / "x.libsonnet").write_text("'x'")
    importer = Importer([Path("/")], [])
    assert importer.allowed(str(tmp_path / "x.libsonnet"))
    assert importer(str(tmp_path), str(tmp_path / "x.libsonnet"))[1] == b"'x'"


def test_a_root_is_not_a_prefix_of_its_siblings(tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo-evil").mkdir()
    importer = Importer([tmp_path / "repo"], [])
    assert importer.allowed(str(tmp_path / "repo"))
    assert not importer.allowed(str(tmp_path / "repo-evil/x"))


def test_a_directory_named_like_the_import_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "a/x.libsonnet").mkdir(parents=True)
    (tmp_path / "b").mkdir()
    (tmp_path / "b/x.libsonnet").write_text("'b'")
    importer = Importer([tmp_path], [tmp_path / "b"])
    assert importer(str(tmp_path / "a"), "x.libsonnet") == (str(tmp_path / "b/x.libsonnet"), b"'b'")


def test_a_file_is_read_once_and_recorded(tmp_path: Path) -> None:
    (tmp_path / "x.libsonnet").write_text("'first'")
    importer = Importer([tmp_path], [])
    assert importer(str(tmp_path), "x.libsonnet")[1] == b"'first'"
    (tmp_path / "x.libsonnet").write_text("'changed'")
    # what the evaluation already saw stays what it sees: one file, one content
    assert importer(str(tmp_path), "x.libsonnet")[1] == b"'first'"
    assert importer.loaded == {str(tmp_path / "x.libsonnet"): b"'first'"}
    assert importer.failures == [] and importer.denials == []


def test_not_found_lists_the_directories_searched_once_each(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    importer = Importer(
        [tmp_path],
        [tmp_path, tmp_path / "lib"],
        show=lambda path: Path(path).relative_to(tmp_path.parent).as_posix(),
    )
    with pytest.raises(RuntimeError) as raised:
        importer(str(tmp_path), "nothere.libsonnet")
    top = tmp_path.name
    message = f"import 'nothere.libsonnet' not found (searched {top}, {top}/lib)"
    assert str(raised.value) == message
    assert importer.failures == [message]
    assert importer.loaded == {}


def test_an_absolute_import_inside_a_root_is_read_as_is(tmp_path: Path) -> None:
    (tmp_path / "x.libsonnet").write_text("'x'")
    importer = Importer([tmp_path], [tmp_path / "elsewhere"])
    target = str(tmp_path / "sub" / ".." / "x.libsonnet")
    assert importer("/somewhere/else", target) == (str(tmp_path / "x.libsonnet"), b"'x'")


def test_a_denial_names_the_importing_file_line_and_column(tmp_path: Path, outside: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "app").mkdir(parents=True)
    main = repo / "app" / "wf.jsonnet"
    text = "{\n  // a comment\n  s: import /* look away */ 'secret.libsonnet',\n}\n"
    main.write_text(text)
    (repo / "app" / "other.jsonnet").write_text("{}")
    importer = Importer([repo], [outside])
    importer(str(repo / "app"), "other.jsonnet")
    importer.read_main(main)
    with pytest.raises(PermissionError) as raised:
        importer(str(repo / "app") + "/", "secret.libsonnet")
    resolved = str(outside / "secret.libsonnet")
    # not written as `import '...'`: the import string itself is what is pointed at
    assert importer.denials == [Denial(str(main), 3, 30, "secret.libsonnet", resolved)]
    assert str(raised.value) == (
        f"import 'secret.libsonnet' denied: it resolves to {resolved}, outside the allowed roots"
    )
    assert importer.failures == [str(raised.value)]
    assert resolved not in importer.loaded


@pytest.mark.parametrize(
    ("statement", "line", "column"),
    [
        ("importstr 'secret.libsonnet'", 2, 6),
        ('import "secret.libsonnet"', 2, 6),
        ("import @'secret.libsonnet'", 2, 6),
        ("importbin |||\n    secret.libsonnet\n  |||", 2, 6),
    ],
)
def test_every_form_of_import_is_located(
    tmp_path: Path, outside: Path, statement: str, line: int, column: int
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    main = repo / "wf.jsonnet"
    main.write_text(f"// secret.libsonnet is read below\n{{ s: {statement} }}\n")
    importer = Importer([repo], [outside])
    importer.read_main(main)
    with pytest.raises(PermissionError):
        importer(str(repo), "secret.libsonnet")
    [denial] = importer.denials
    assert (denial.importer, denial.line, denial.column) == (str(main), line, column)


def test_a_denial_from_an_unknown_file_has_no_place(tmp_path: Path, outside: Path) -> None:
    importer = Importer([tmp_path / "repo"], [outside])
    with pytest.raises(PermissionError):
        importer(str(tmp_path / "repo"), "secret.libsonnet")
    [denial] = importer.denials
    assert (denial.importer, denial.line, denial.column) == (None, None, None)


@pytest.mark.parametrize(("form", "allowed"), [("importbin", True), ("importstr", False)])
def test_only_importbin_may_read_bytes_that_are_not_utf8(
    tmp_path: Path, form: str, allowed: bool
) -> None:
    main = tmp_path / "wf.jsonnet"
    main.write_text(f"// blob.bin holds bytes\n{form} 'blob.bin'\n")
    (tmp_path / "blob.bin").write_bytes(b"ok\xff")
    importer = Importer([tmp_path], [])
    importer.read_main(main)
    if allowed:
        assert importer(str(tmp_path), "blob.bin") == (str(tmp_path / "blob.bin"), b"ok\xff")
        return
    with pytest.raises(RuntimeError) as raised:
        importer(str(tmp_path), "blob.bin")
    message = f"{tmp_path / 'blob.bin'}: not valid UTF-8 (byte 0xff at offset 2)"
    assert str(raised.value) == message
    assert importer.failures == [message]
    assert str(tmp_path / "blob.bin") not in importer.loaded


def test_a_registry_alias_is_tried_after_the_search_path(tmp_path: Path) -> None:
    (tmp_path / "vendor/kubeflow/automation@1").mkdir(parents=True)
    (tmp_path / "vendor/kubeflow/automation@1/release.libsonnet").write_text("'aliased'")
    aliases = {"kubeflow/automation/": tmp_path / "vendor/kubeflow/automation@1"}
    importer = Importer([tmp_path], [tmp_path / "vendor"], aliases=aliases)
    found = importer(str(tmp_path), "kubeflow/automation/release.libsonnet")
    assert found == (str(tmp_path / "vendor/kubeflow/automation@1/release.libsonnet"), b"'aliased'")
    (tmp_path / "vendor/kubeflow/automation").mkdir()
    (tmp_path / "vendor/kubeflow/automation/release.libsonnet").write_text("'unversioned'")
    assert (
        Importer([tmp_path], [tmp_path / "vendor"], aliases=aliases)(
            str(tmp_path), "kubeflow/automation/release.libsonnet"
        )[1]
        == b"'unversioned'"
    )


def test_the_importing_file_is_looked_for_in_the_importing_directory_only(
    tmp_path: Path, outside: Path
) -> None:
    repo = tmp_path / "repo"
    (repo / "a").mkdir(parents=True)
    (repo / "b").mkdir()
    elsewhere = repo / "a" / "same.jsonnet"
    elsewhere.write_text("{ s: import 'secret.libsonnet' }\n")
    # a first empty line: lines and columns count from the very start of the file
    importing = repo / "b" / "wf.jsonnet"
    importing.write_text("\n{ s: import 'secret.libsonnet' }\n")
    importer = Importer([repo], [outside])
    importer.read_main(elsewhere)
    importer.read_main(importing)
    with pytest.raises(PermissionError):
        importer(str(repo / "b"), "secret.libsonnet")
    [denial] = importer.denials
    assert (denial.importer, denial.line, denial.column) == (str(importing), 2, 6)


def test_a_library_dir_whose_name_is_not_utf8(
    component_request: Callable[..., EvalRequest], tmp_path: Path
) -> None:
    # The not-found message names the -J dir; its undecodable byte once crashed gojsonnet
    # ("the evaluation crashed (SIGQUIT)") when the message crossed into it.
    library = Path(os.fsdecode(bytes(tmp_path) + b"/caf\xe9"))
    library.mkdir()
    request = component_request(
        {"app/wf.jsonnet": "local x = import 'nothere.libsonnet';\nx\n"}, jpath=(library,)
    )
    result = evaluate(request)
    [diagnostic] = result.diagnostics
    assert (diagnostic.rule, diagnostic.file, diagnostic.line) == (
        "jsonnet-error",
        "app/wf.jsonnet",
        1,
    )
    assert diagnostic.message.startswith("import 'nothere.libsonnet' not found (searched app,")
    assert f"{tmp_path}/caf\\udce9" in diagnostic.message
