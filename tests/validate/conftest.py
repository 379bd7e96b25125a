"""Fixtures for the Argo validation tests: the shared Argo corpus, a Go-like YAML loader, and a
session summary of the conformance counts (shown in every ``pytest`` run)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

ARGO = Path(__file__).resolve().parents[2] / ".." / "shared" / "argo"
ARGO_KINDS = ("Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow")

# Filled by test_conformance.py, printed at the end of the session.
CONFORMANCE_COUNTS: dict[str, int] = {}


def yaml_loader() -> YAML:
    """YAML as Go's sigs.k8s.io/yaml reads Argo files: safe, no timestamps, last key wins."""
    loader = YAML(typ="safe", pure=False)
    loader.allow_duplicate_keys = True
    constructors = loader.constructor.yaml_constructors
    constructors["tag:yaml.org,2002:timestamp"] = constructors["tag:yaml.org,2002:str"]
    return loader


def argo_documents(root: Path) -> tuple[tuple[str, int, Any], ...]:
    """(path relative to the corpus, index in the file, document) of every Argo document.

    Loaded once per session: several tests read the corpus, and nothing mutates it.
    """
    return _load_documents(root.resolve())


@functools.cache
def _load_documents(root: Path) -> tuple[tuple[str, int, Any], ...]:
    return tuple(_documents(root))


def _documents(root: Path) -> Iterator[tuple[str, int, Any]]:
    loader = yaml_loader()
    for path in sorted(root.rglob("*.yaml")):
        with path.open(encoding="utf-8") as stream:
            for index, document in enumerate(loader.load_all(stream)):
                if isinstance(document, dict) and document.get("kind") in ARGO_KINDS:
                    yield path.relative_to(ARGO.resolve()).as_posix(), index, document


@pytest.fixture(scope="session")
def conformance_counts() -> dict[str, int]:
    """The dict the session summary prints (this module's, however the test imports us)."""
    return CONFORMANCE_COUNTS


Documents = Callable[[Path], tuple[tuple[str, int, Any], ...]]


@pytest.fixture(scope="session")
def argo_docs() -> Documents:
    """``argo_documents`` (a fixture, so tests need not import this conftest)."""
    return argo_documents


@pytest.fixture(scope="session")
def yaml_load() -> Callable[[str], list[Any]]:
    """Every document of a YAML text, read as Go reads Argo files."""
    return lambda text: list(yaml_loader().load_all(text))


@pytest.fixture(scope="session")
def argo_data() -> Path:
    if not (ARGO / "examples").is_dir():
        pytest.skip(f"the shared Argo corpus is not at {ARGO}")
    return ARGO


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if CONFORMANCE_COUNTS:
        terminalreporter.write_sep("-", "Argo validation conformance (shared/argo)")
        for name, value in sorted(CONFORMANCE_COUNTS.items()):
            terminalreporter.write_line(f"{name}: {value}")
