"""The Argo release targeted (argo_version): which schema validates, and what changes with it.

Also: the schemas of older releases under schemas/argo/ are exactly what
schemas/generate_argo_release_schemas.py makes of ../shared/argo/versions (skipped when absent).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from compiler.diagnostics import Severity
from compiler.validate import releases, validate_workflow
from tests.conftest import run_kftest

REPO = Path(__file__).resolve().parents[2]
GENERATOR = REPO / "schemas" / "generate_argo_release_schemas.py"
VERSIONS = REPO.parent / "shared" / "argo" / "versions"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_argo_release_schemas", GENERATOR)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not VERSIONS.is_dir(), reason="../shared/argo/versions is absent")
def test_the_shipped_release_schemas_are_what_the_script_generates() -> None:
    produced = _generator().build(VERSIONS)
    shipped = REPO / "schemas" / "argo"
    assert sorted(produced) == sorted(path.name for path in shipped.iterdir())
    for name, text in produced.items():
        assert (shipped / name).read_text(encoding="utf-8") == text, (
            f"schemas/argo/{name} is stale: run schemas/generate_argo_release_schemas.py"
        )


def test_every_release_of_the_issue_is_shipped() -> None:
    assert releases.shipped() == ["2.4", "2.7", "2.12", "3.0", "3.3", "3.5", "4.1"]
    assert releases.newest() == "4.1"
    for minor in releases.shipped():
        assert (REPO / "schemas" / releases.index()["releases"][minor]["file"]).is_file()


@pytest.mark.parametrize(
    ("target", "chosen"),
    [
        (None, "4.1"),
        ("2.12", "2.12"),
        ("v2.12.4", "2.12"),
        ("2.10", "2.7"),  # the newest shipped release not newer than the target
        ("v3.4.17", "3.3"),
        ("2.2", "2.4"),  # older than anything shipped: the oldest
        ("5.0", "4.1"),
        ("3.0.0-rc1", "3.0"),
    ],
)
def test_the_newest_shipped_schema_not_newer_than_the_target(
    target: str | None, chosen: str
) -> None:
    release = releases.choose(target)
    assert release.minor == chosen
    assert release.default is (target is None)
    assert release.describe().startswith(f"Argo {chosen} schema (v")


@pytest.mark.parametrize("target", ["2", "latest", "2.x", ""])
def test_a_malformed_target_is_refused(target: str) -> None:
    with pytest.raises(ValueError, match="not a release"):
        releases.choose(target)


def _workflow(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": "wf"},
        "spec": {
            "entrypoint": "main",
            "templates": [
                {
                    "name": "main",
                    "container": {
                        "image": "alpine:3",
                        "env": [
                            {
                                "name": "TOKEN",
                                "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}},
                            }
                        ],
                    },
                    "activeDeadlineSeconds": 1800,
                }
            ],
            **spec,
        },
    }


def _schema(document: dict[str, Any], target: str | None) -> list[tuple[str, str, str]]:
    return [
        (d.severity.value, d.path or "", d.message)
        for d in validate_workflow(document, releases.choose(target))
        if d.rule == "argo-schema"
    ]


def test_a_field_a_later_release_removed_is_a_warning_naming_the_replacement() -> None:
    document = _workflow(ttlSecondsAfterFinished=604800)
    for target in ("2.4", "2.7", "2.12"):
        [(severity, path, message)] = _schema(document, target)
        assert (severity, path) == (Severity.WARNING.value, "spec.ttlSecondsAfterFinished")
        assert "Argo 3.0 removed it; use 'ttlStrategy.secondsAfterCompletion'" in message


@pytest.mark.parametrize("target", ["3.0", "3.5", None])
def test_it_is_an_error_with_the_hint_where_the_target_lacks_it(target: str | None) -> None:
    [(severity, path, message)] = _schema(_workflow(ttlSecondsAfterFinished=604800), target)
    assert (severity, path) == (Severity.ERROR.value, "spec.ttlSecondsAfterFinished")
    assert "Argo replaced it with 'ttlStrategy.secondsAfterCompletion'" in message
    assert "valid up to Argo 2.12" in message and "argo_version" in message


def test_fields_newer_than_the_target_are_unknown() -> None:
    ttl = _workflow(ttlStrategy={"secondsAfterCompletion": 60})
    assert _schema(ttl, "2.7") == []
    [(severity, path, _)] = _schema(ttl, "2.4")  # ttlStrategy came with 2.7
    assert (severity, path) == ("error", "spec.ttlStrategy")
    hooks = _workflow(hooks={"exit": {"template": "main"}})
    assert _schema(hooks, "3.3") == []
    assert [p for _, p, _ in _schema(hooks, "3.0")] == ["spec.hooks"]


@pytest.mark.parametrize("target", releases.shipped())
def test_a_seed_era_workflow_is_valid_for_every_release(target: str) -> None:
    # The basics every release has, including what v2.7's spec shows as embedded structs
    # (secretKeyRef's name) and 64-bit integers it writes as strings (activeDeadlineSeconds).
    assert _schema(_workflow(), target) == []


def test_true_findings_stay_findings_in_every_release() -> None:
    document = _workflow()
    document["spec"]["templates"][0]["workingDir"] = "/src"
    document["spec"]["templates"][0]["container"]["metadata"] = {"labels": {}}
    for target in releases.shipped():
        problems = {(severity, path) for severity, path, _ in _schema(document, target)}
        assert problems == {
            ("error", "spec.templates[0].workingDir"),
            ("error", "spec.templates[0].container.metadata"),
        }, target


def test_the_index_lists_fields_only_older_releases_had() -> None:
    assert releases.older_field("WorkflowSpec", "ttlSecondsAfterFinished") == {
        "last": "2.12",
        "replacement": "ttlStrategy.secondsAfterCompletion",
    }
    assert releases.older_field("WorkflowSpec", "entrypoint") is None
    index = json.loads(releases.INDEX_FILE.read_text(encoding="utf-8"))
    assert index["releases"]["2.12"]["tag"] == "v2.12.13"


KSONNET_COMPONENT = """
local params = std.extVar('__ksonnet/params').components.e2e;
{
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Workflow',
  metadata: { name: params.name, namespace: params.namespace },
  spec: {
    entrypoint: 'main',
    ttlSecondsAfterFinished: 3600,
    templates: [{ name: 'main', container: { image: 'alpine:3.19', command: ['true'] } }],
  },
}
"""


@pytest.mark.parametrize(
    ("app_yaml", "args", "severity"),
    [
        ("apiVersion: 0.1.0\nkind: ksonnet.io/app\n", (), "warning"),  # the Argo of its era
        ("apiVersion: 0.1.0\nkind: ksonnet.io/app\n", ("--argo-version", "3.5"), "error"),
        (None, (), "error"),  # plain jsonnet: the newest release
    ],
)
def test_a_ksonnet_app_targets_the_argo_of_its_era_unless_told(
    make_repo: Any, app_yaml: str | None, args: tuple[str, ...], severity: str
) -> None:
    files = {
        "prow_config.yaml": (
            "workflows:\n  - {name: e2e, app_dir: test/workflows, component: e2e}\n"
        ),
        "test/workflows/components/e2e.jsonnet": KSONNET_COMPONENT,
        "test/workflows/components/params.libsonnet": "{ global: {}, components: { e2e: {} } }\n",
    }
    if app_yaml:
        files["test/workflows/app.yaml"] = app_yaml
    repo = make_repo(files)
    result = run_kftest("lint", "--repo-root", str(repo), "--format", "json", *args)
    ttl = [
        d
        for d in json.loads(result.stdout)["diagnostics"]
        if d["rule"] == "argo-schema" and d["path"] == "spec.ttlSecondsAfterFinished"
    ]
    assert [d["severity"] for d in ttl] == [severity], result.stdout
    assert ttl[0]["file"] == "test/workflows/components/e2e.jsonnet"


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("2.12", (2, 12)),
        ("v3.4.17", (3, 4)),
        (" 3.0.0-rc1 ", (3, 0)),
        ("4.1+build", (4, 1)),
        ("2", None),
        ("2.x", None),
        ("v2.12.13.1", None),
    ],
)
def test_a_release_is_major_dot_minor_with_an_optional_patch(
    text: str, parsed: tuple[int, int] | None
) -> None:
    assert releases.parse(text) == parsed


def test_what_a_release_says_it_is() -> None:
    shipped = releases.index()["releases"]
    newest = releases.choose(None)
    assert (newest.tag, newest.file) == (shipped["4.1"]["tag"], shipped["4.1"]["file"])
    assert newest.describe() == f"Argo 4.1 schema ({newest.tag}; the default)"
    asked = releases.choose("v3.4.17")
    assert (asked.minor, asked.target, asked.default) == ("3.3", "v3.4.17", False)
    assert (asked.tag, asked.file) == (shipped["3.3"]["tag"], shipped["3.3"]["file"])
    assert asked.describe() == f"Argo 3.3 schema ({asked.tag}; argo_version v3.4.17)"


def test_a_seed_era_entry_gets_the_last_2x_unless_a_release_is_targeted() -> None:
    assumed = releases.for_seed_era(releases.choose(None))
    assert (assumed.minor, assumed.default) == ("2.12", False)
    assert assumed.describe() == (
        f"Argo 2.12 schema ({assumed.tag}; argo_version 2.12, assumed for a seed-era entry)"
    )
    targeted = releases.choose("3.5")
    assert releases.for_seed_era(targeted) is targeted


def test_a_release_is_a_value_every_entry_can_share() -> None:
    release = releases.choose("2.12")
    with pytest.raises(dataclasses.FrozenInstanceError):
        release.target = "3.5"  # type: ignore[misc]
    assert {release, releases.choose("2.12")} == {release}
