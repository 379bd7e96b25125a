"""Core types shared by every stage: plain data, no behaviour beyond lookups."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

JOB_TYPES = ("presubmit", "postsubmit", "periodic", "batch")


@dataclass(frozen=True)
class Position:
    """Where a value came from: repo-relative file, 1-based line and column (None if unknown)."""

    file: str
    line: int | None = None
    column: int | None = None


@dataclass
class Entry:
    """One ``workflows:`` entry of prow_config.yaml, with the position of every key it set.

    ``positions`` maps dotted key paths (``"name"``, ``"params"``, ``"params.stepImage"``,
    ``"include_dirs[1]"``) to where they stand in prow_config.yaml, so that a diagnostic
    about a compiled workflow can point at the line the user must change.
    """

    name: str
    index: int
    position: Position
    app_dir: str | None = None
    component: str | None = None
    py_func: str | None = None
    tekton_run: str | None = None  # a PipelineRun YAML file, resolved as app_dir is
    tekton_params: list[tuple[str, Any]] = field(default_factory=list)
    tekton_teardown: str | None = None
    tekton_teardown_params: list[tuple[str, Any]] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    kwargs: dict[str, Any] = field(default_factory=dict)
    job_types: list[str] = field(default_factory=list)
    include_dirs: list[str] = field(default_factory=list)
    lint_disable: list[str] = field(default_factory=list)
    positions: dict[str, Position] = field(default_factory=dict)

    def where(self, key: str) -> Position:
        """The position of ``key`` (or its nearest set ancestor), else of the entry itself."""
        while key:
            if key in self.positions:
                return self.positions[key]
            key = key.rpartition(".")[0]
        return self.position

    @property
    def kind(self) -> str:
        """``"jsonnet"`` (app_dir + component), ``"py_func"`` or ``"tekton"``."""
        if self.app_dir:
            return "jsonnet"
        if self.tekton_run:
            return "tekton"
        return "py_func"

    def runs_for(self, job_type: str) -> bool:
        return not self.job_types or job_type in self.job_types

    def job_types_to_compile(self) -> list[str]:
        """Every job type this entry can run under (lint and golden compile each)."""
        return [jt for jt in JOB_TYPES if self.runs_for(jt)]


@dataclass
class ProwConfig:
    path: str  # repo-relative
    workflows: list[Entry]
    python_paths: list[str] = field(default_factory=list)


@dataclass
class CompiledWorkflow:
    """The result of evaluating one entry for one job type."""

    entry: Entry
    job_type: str
    name: str  # the generated metadata.name
    document: dict[str, Any]
    source: str | None = None  # repo-relative component file (or py_func)
    params: dict[str, Any] = field(default_factory=dict)  # the params the component saw
    imports: frozenset[str] = frozenset()  # files the evaluation read: repo-relative, or
    # absolute when outside the repository
    text: str | None = None  # the emitted YAML (compiler.emit.dump of document)
