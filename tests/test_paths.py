"""compiler/paths.py: where kftest may write a workflow's file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from compiler.paths import file_in


def test_a_workflow_file_lands_in_its_directory(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    assert file_in(out, "wf-1") == out / "wf-1.yaml"
    (out / "wf-1.yaml").write_text("old")  # an earlier run's file is overwritten
    assert file_in(out, "wf-1", real_directory=os.path.realpath(out)) == out / "wf-1.yaml"
    assert file_in(out, "wf-1", ".json") == out / "wf-1.json"


def test_a_symlinked_directory_is_fine(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    assert file_in(tmp_path / "link", "wf") == tmp_path / "link" / "wf.yaml"


def test_a_symlink_in_the_files_place_may_not_lead_out(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "inside.yaml").symlink_to(out / "target.yaml")
    assert file_in(out, "inside") == out / "inside.yaml"
    (out / "escape.yaml").symlink_to(tmp_path / "elsewhere.yaml")
    with pytest.raises(ValueError, match="is outside"):
        file_in(out, "escape")
    with pytest.raises(ValueError, match="is outside"):
        file_in(out, "escape", real_directory=os.path.realpath(out))


@pytest.mark.parametrize("name", ["../x", "a/b", "UPPER", "", ".", "..", "x" * 254])
def test_a_name_that_is_no_object_name_is_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="not a Kubernetes object name"):
        file_in(tmp_path, name)
