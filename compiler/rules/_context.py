"""What a rule receives (a context) and what it yields (problems)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compiler.model import CompiledWorkflow, Entry, ProwConfig
from compiler.prow import ProwEnv
from compiler.rules._cached import cached_property
from compiler.rules._settings import LintSettings
from compiler.rules._workflow import Workflow
from compiler.validate.releases import Release

#: Run parameters kftest (and lib/kftest.libsonnet) understand besides stepImage.
NFS_CLAIM_PARAM = "nfsClaim"
DEFAULT_NFS_CLAIM = "nfs-external"
EXTRA_REPOS_PARAM = "extraRepos"
STEP_IMAGE_PARAM = "stepImage"


@dataclass(frozen=True)  # mutation: equivalent — nothing assigns to or hashes one
class Problem:
    """One finding of a rule.

    ``path`` is where in the compiled document (``spec.templates[2].container.image``);
    ``param`` names the prow_config.yaml params key the offending value came from (or should
    come from), so the diagnostic points at that line of prow_config.yaml.
    """

    path: str | None
    message: str
    param: str | None = None


@dataclass(frozen=True)  # mutation: equivalent — nothing assigns to or hashes one
class ConfigProblem:
    """A finding about one prow_config.yaml entry; ``key`` as in :meth:`Entry.where`."""

    entry: Entry
    key: str  # e.g. include_dirs[1]
    message: str


@dataclass
class WorkflowContext:
    """One compiled workflow, with the entry and Prow environment it was compiled for."""

    compiled: CompiledWorkflow
    prow_env: ProwEnv
    settings: LintSettings
    release: Release | None = None  # the Argo release targeted; None: the newest
    repo_root: Path | None = None  # where a Tekton run's referenced Pipeline may be defined

    def argo_at_least(self, minor: str) -> bool:
        """Whether the targeted Argo release has what ``minor`` (``3.3``) introduced."""
        from compiler.validate import releases

        chosen = releases.parse(self.release.minor if self.release else releases.newest())
        # mutation: equivalent[0 -> 1] — the fallback: callers name a release literally ("3.3")
        wanted = releases.parse(minor) or (0, 0)
        return chosen is not None and chosen >= wanted

    @property
    def is_tekton(self) -> bool:
        """A Tekton PipelineRun (rules with ``KINDS`` including it), not an Argo Workflow."""
        return isinstance(self.compiled.document, dict) and (
            self.compiled.document.get("kind") == "PipelineRun"
        )

    @property
    def entry(self) -> Entry:
        return self.compiled.entry

    @property
    def job_type(self) -> str:
        return self.compiled.job_type

    @cached_property
    def workflow(self) -> Workflow:
        return Workflow(self.compiled.document, fallback_name=self.compiled.name)

    def drop_caches(self) -> None:
        """Break the reference cycles the rules' caches made (see ``Workflow.drop_caches``)."""
        workflow = self.__dict__.get("workflow")
        if workflow is not None:
            workflow.drop_caches()

    @cached_property
    def params(self) -> dict[str, Any]:
        """The params the component saw (run parameters and prow_config params merged)."""
        return self.compiled.params if isinstance(self.compiled.params, dict) else {}

    def configured(self, param: str) -> Any:
        """The value prow_config.yaml sets for ``param`` (``params`` or py_func ``kwargs``)."""
        for source in (self.entry.params, self.entry.kwargs):
            if isinstance(source, dict) and param in source:
                return source[param]
        return None

    @cached_property
    def step_image_param(self) -> str:
        """The prow_config.yaml param holding the step image, whatever the repository named it.

        ``stepImage`` when the entry sets it; else the param (``params`` or ``kwargs``) whose
        value is the image most step containers run (repositories said ``step_image``,
        ``testWorkerImage``, ...); else a param whose name says it is an image
        (``*image*``/``*Image*``) — so the rules can say it is set but not used; else
        ``stepImage``, the name the guideline asks for.
        """
        if self.configured(STEP_IMAGE_PARAM) is not None:
            return STEP_IMAGE_PARAM
        settings = {
            key: value
            for source in (self.entry.params, self.entry.kwargs)
            if isinstance(source, dict)
            for key, value in source.items()
            if isinstance(key, str) and isinstance(value, str) and value
        }
        used: Counter[str] = Counter()
        for container in self.workflow.containers:
            image = container.data.get("image")
            for key, value in settings.items():
                if image == value:
                    used[key] += 1  # mutation: equivalent — a step of 2: the same order
        if used:
            return sorted(used, key=lambda key: (-used[key], key))[0]
        named = sorted(key for key in settings if "image" in key.lower())
        return named[0] if len(named) == 1 else STEP_IMAGE_PARAM

    def param_key(self, param: str) -> str:
        """``params.X`` or ``kwargs.X``: the prow_config.yaml key a user edits to set ``param``."""
        if self.entry.py_func and not (isinstance(self.entry.params, dict) and self.entry.params):
            return f"kwargs.{param}"
        if isinstance(self.entry.kwargs, dict) and param in self.entry.kwargs:
            return f"kwargs.{param}"
        return f"params.{param}"

    @cached_property
    def nfs_claim(self) -> str:
        claim = self.params.get(NFS_CLAIM_PARAM)
        return claim if isinstance(claim, str) and claim else DEFAULT_NFS_CLAIM

    @cached_property
    def nfs_volume_names(self) -> set[str]:
        return {name for _, name in self.workflow.pvc_volumes(self.nfs_claim)}

    @cached_property
    def workflow_names(self) -> tuple[str, ...]:
        """The spellings of this workflow's name a path may use."""
        return (self.workflow.name, "{{workflow.name}}")


@dataclass
class ConfigContext:
    """prow_config.yaml as a whole, for rules about the configuration itself."""

    config: ProwConfig
    tracked_files: Sequence[str]
    settings: LintSettings
