"""compiler/validate/leaves.py: what a leaf template runs (container, script, containerSet,
resource) and the volumes its containers mount, each finding at its path with its message."""

from __future__ import annotations

from typing import Any

import pytest

from compiler.validate.semantic import check_semantics

Doc = dict[str, Any]
T0 = "spec.templates[0]"


def workflow(main: Doc, kind: str = "Workflow", **spec: Any) -> Doc:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": kind,
        "metadata": {"name": "wf"},
        "spec": {"entrypoint": "main", "templates": [{"name": "main", **main}], **spec},
    }


def mounting(*mounts: Doc, holder: str = "container", **spec: Any) -> Doc:
    return workflow({holder: {"image": "a:1", "volumeMounts": list(mounts)}}, **spec)


def findings(document: Doc) -> list[tuple[str, str | None, str]]:
    return [(d.severity.value, d.path, d.message) for d in check_semantics(document)]


def errors(document: Doc) -> list[tuple[str | None, str]]:
    return [(d.path, d.message) for d in check_semantics(document) if d.is_error]


def no_volume(path: str, name: str, hint: str = "") -> tuple[str, str]:
    return (
        path,
        f"volumeMount '{name}' names no volume of the workflow (spec.volumes, "
        f"spec.volumeClaimTemplates or the template's volumes){hint}",
    )


# --- volumes ------------------------------------------------------------------------------


def test_a_mount_of_an_unknown_volume_names_the_mount_and_suggests_the_volume() -> None:
    document = mounting(
        {"name": "dta", "mountPath": "/d"}, volumes=[{"name": "data", "emptyDir": {}}]
    )
    assert errors(document) == [
        no_volume(f"{T0}.container.volumeMounts[0]", "dta", "; did you mean 'data'?")
    ]


@pytest.mark.parametrize(
    "spec",
    [
        {"volumes": [{"name": "data", "emptyDir": {}}]},
        {"volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {}}]},
        {"templateDefaults": {"volumes": [{"name": "data", "emptyDir": {}}]}},
    ],
    ids=["volumes", "claim-templates", "template-defaults"],
)
def test_every_place_a_workflow_declares_volumes_counts(spec: Doc) -> None:
    assert errors(mounting({"name": "data", "mountPath": "/d"}, **spec)) == []
    assert errors(mounting({"name": "other", "mountPath": "/d"}, **spec)) == [
        no_volume(f"{T0}.container.volumeMounts[0]", "other")
    ]


def test_a_template_may_mount_its_own_volumes() -> None:
    document = workflow(
        {
            "container": {"image": "a:1", "volumeMounts": [{"name": "own", "mountPath": "/o"}]},
            "volumes": [{"name": "own", "emptyDir": {}}],
        }
    )
    assert errors(document) == []


@pytest.mark.parametrize(
    ("holder", "where"),
    [
        ("script", "script"),
        ("sidecars", "sidecars[0]"),
        ("initContainers", "initContainers[0]"),
        ("containerSet", "containerSet.containers[0]"),
    ],
)
def test_mounts_of_every_container_of_a_template_are_checked(holder: str, where: str) -> None:
    mount = {"name": "nope", "mountPath": "/n"}
    container = {"name": "main", "image": "a:1", "volumeMounts": [mount]}
    body: Doc = {
        "script": {"image": "a:1", "source": "true", "volumeMounts": [mount]},
        "sidecars": {"container": {"image": "a:1"}, "sidecars": [container]},
        "initContainers": {"container": {"image": "a:1"}, "initContainers": [container]},
        "containerSet": {"containerSet": {"containers": [container]}},
    }[holder]
    if holder == "script":
        body = {"script": body}
    assert no_volume(f"{T0}.{where}.volumeMounts[0]", "nope") in errors(workflow(body))


def test_the_volume_mounts_of_a_container_set_itself_are_checked() -> None:
    body = {
        "containerSet": {
            "volumeMounts": [{"name": "nope", "mountPath": "/n"}],
            "containers": [{"name": "main", "image": "a:1"}],
        }
    }
    assert errors(workflow(body)) == [no_volume(f"{T0}.containerSet.volumeMounts[0]", "nope")]


@pytest.mark.parametrize(
    ("kind", "spec"),
    [
        ("WorkflowTemplate", {}),
        ("ClusterWorkflowTemplate", {}),
        ("Workflow", {"podSpecPatch": "{}"}),
    ],
)
def test_volumes_are_not_judged_where_they_come_from_elsewhere(kind: str, spec: Doc) -> None:
    document = workflow(
        {"container": {"image": "a:1", "volumeMounts": [{"name": "x", "mountPath": "/x"}]}},
        kind=kind,
        **spec,
    )
    assert errors(document) == []


def test_volumes_are_not_judged_under_a_workflow_template_ref() -> None:
    document = mounting({"name": "x", "mountPath": "/x"}, workflowTemplateRef={"name": "other"})
    assert not any("volumeMount" in message for _, message in errors(document))


def test_a_template_with_a_pod_spec_patch_is_not_judged() -> None:
    document = workflow(
        {
            "container": {"image": "a:1", "volumeMounts": [{"name": "x", "mountPath": "/x"}]},
            "podSpecPatch": "{}",
        }
    )
    assert errors(document) == []


@pytest.mark.parametrize("name", ["", "{{inputs.parameters.volume}}", 3, None])
def test_empty_templated_and_odd_mount_names_are_not_volume_findings(name: object) -> None:
    document = mounting({"name": name, "mountPath": "/x"}, volumes=[{"name": "v"}])
    assert not any("volumeMount" in message for _, message in errors(document))


def test_every_unknown_mount_is_reported_and_known_ones_are_not() -> None:
    document = mounting(
        {"name": "a", "mountPath": "/a"},
        {"name": "known", "mountPath": "/k"},
        {"name": "b", "mountPath": "/b"},
        volumes=[{"name": "known"}],
    )
    assert [path for path, _ in errors(document)] == [
        f"{T0}.container.volumeMounts[0]",
        f"{T0}.container.volumeMounts[2]",
    ]


def test_volumes_are_read_once_and_apply_to_every_template() -> None:
    document = mounting({"name": "data", "mountPath": "/d"}, volumes=[{"name": "data"}])
    second = {"name": "two", "container": {"image": "a:1", "volumeMounts": [{"name": "bad"}]}}
    second["container"]["volumeMounts"][0]["mountPath"] = "/b"
    document["spec"]["templates"].append(second)
    assert errors(document) == [no_volume("spec.templates[1].container.volumeMounts[0]", "bad")]


# --- mount paths --------------------------------------------------------------------------


def test_a_mount_path_used_twice_names_the_first_mount() -> None:
    document = mounting(
        {"name": "v", "mountPath": "/m"},
        {"name": "w", "mountPath": "/other"},
        {"name": "w", "mountPath": "/m"},
        volumes=[{"name": "v"}, {"name": "w"}],
    )
    assert errors(document) == [
        (f"{T0}.container.volumeMounts[2]", "mountPath '/m' is already mounted by volumeMount 'v'")
    ]


def test_a_mount_without_a_path_is_not_a_duplicate() -> None:
    document = mounting({"name": "v"}, {"name": "v"}, volumes=[{"name": "v"}])
    assert errors(document) == []


def test_an_input_artifact_at_a_mounted_path_is_an_error_on_the_artifact() -> None:
    document = mounting({"name": "v", "mountPath": "/m"}, volumes=[{"name": "v"}])
    document["spec"]["templates"][0]["inputs"] = {
        "artifacts": [
            {"name": "ok", "path": "/elsewhere", "raw": {"data": "x"}},
            {"name": "clash", "path": "/m", "raw": {"data": "x"}},
        ]
    }
    assert errors(document) == [
        (
            f"{T0}.inputs.artifacts[1]",
            "input artifact path '/m' is already mounted by volumeMount 'v'",
        )
    ]


# --- images -------------------------------------------------------------------------------


@pytest.mark.parametrize("image", [None, ""])
def test_a_container_needs_an_image_unless_template_defaults_give_one(image: object) -> None:
    document = workflow({"container": {"image": image, "command": ["true"]}})
    assert errors(document) == [
        (f"{T0}.container.image", "template 'main' container.image may not be empty")
    ]
    document["spec"]["templateDefaults"] = {"container": {"image": "a:1"}}
    assert errors(document) == []
    document["spec"]["templateDefaults"] = {"script": {"image": "a:1"}}
    assert len(errors(document)) == 1


@pytest.mark.parametrize("image", [None, ""])
def test_a_script_needs_an_image_unless_template_defaults_give_one(image: object) -> None:
    document = workflow({"script": {"image": image, "source": "true"}})
    assert errors(document) == [
        (f"{T0}.script.image", "template 'main' script.image may not be empty")
    ]
    document["spec"]["templateDefaults"] = {"script": {"image": "a:1"}}
    assert errors(document) == []
    document["spec"]["templateDefaults"] = {"container": {"image": "a:1"}}
    assert len(errors(document)) == 1


def test_a_script_with_an_image_is_fine() -> None:
    assert errors(workflow({"script": {"image": "a:1", "source": "true"}})) == []


# --- containerSet -------------------------------------------------------------------------


def container_set(*containers: Doc, **body: Any) -> Doc:
    return workflow({"containerSet": {"containers": list(containers)}, **body})


def test_a_container_set_needs_a_container() -> None:
    assert errors(container_set()) == [
        (f"{T0}.containerSet.containers", "containerSet must have at least one container")
    ]


def test_container_set_names_and_dependencies() -> None:
    document = container_set(
        {"name": "main", "image": "a:1"},
        {"name": "b", "image": "a:1", "dependencies": ["main", "nope", 3]},
        {"name": "main", "image": "a:1"},
        {"name": "Bad_Name", "image": "a:1"},
    )
    assert errors(document) == [
        (
            f"{T0}.containerSet.containers[2].name",
            "container name 'main' is not unique",
        ),
        (
            f"{T0}.containerSet.containers[3].name",
            "container name 'Bad_Name' is invalid: must consist of alpha-numeric characters or "
            "'-', and must start with an alpha-numeric character",
        ),
        (f"{T0}.containerSet.containers[1]", "container dependency 'nope' is not defined"),
    ]


def test_duplicate_mount_paths_of_a_container_set() -> None:
    document = container_set(
        {"name": "main", "image": "a:1"},
        volumes=[{"name": "v"}],
    )
    document["spec"]["templates"][0]["containerSet"]["volumeMounts"] = [
        {"name": "v", "mountPath": "/m"},
        {"name": "v", "mountPath": "/m"},
    ]
    assert errors(document) == [
        (
            f"{T0}.containerSet.volumeMounts[1]",
            "mountPath '/m' is already mounted by volumeMount 'v'",
        )
    ]


MAIN_NEEDED = 'containerSet must have a container named "main" for input or output'


@pytest.mark.parametrize(
    "io",
    [
        {"inputs": {"artifacts": [{"name": "a", "path": "/a", "raw": {"data": "x"}}]}},
        {"outputs": {"parameters": [{"name": "p", "valueFrom": {"path": "/p"}}]}},
        {"outputs": {"artifacts": [{"name": "a", "path": "/a"}]}},
    ],
    ids=["input-artifacts", "output-parameters", "output-artifacts"],
)
def test_input_or_output_needs_a_main_container(io: Doc) -> None:
    named = {"name": "other", "image": "a:1"}
    assert (f"{T0}.containerSet.containers", MAIN_NEEDED) in errors(container_set(named, **io))
    assert errors(container_set({"name": "main", "image": "a:1"}, **io)) == []


def test_without_input_or_output_no_main_container_is_needed() -> None:
    assert errors(container_set({"name": "other", "image": "a:1"})) == []


# --- resource -----------------------------------------------------------------------------


def resource(**fields: Any) -> Doc:
    return workflow({"resource": fields})


ONE_OF = "either resource.manifest or resource.manifestFrom must be set"
ONLY_ONE = "only one of manifest or manifestFrom can be specified"
FROM_ARTIFACT = {"artifact": {"name": "m"}}
INPUT_M = {"artifacts": [{"name": "m", "path": "/m", "raw": {"data": "a: b"}}]}


@pytest.mark.parametrize("action", ["get", "create", "apply", "delete", "replace", "patch"])
def test_every_resource_action_argo_knows_is_accepted(action: str) -> None:
    assert errors(resource(action=action, manifest="a: b")) == []


@pytest.mark.parametrize("action", ["destroy", "Create", ""])
def test_other_resource_actions_are_errors_listing_the_valid_ones(action: str) -> None:
    assert errors(resource(action=action, manifest="a: b")) == [
        (
            f"{T0}.resource.action",
            "resource.action must be one of: apply, create, delete, get, patch, replace",
        )
    ]


def test_a_templated_resource_action_is_not_judged() -> None:
    document = resource(action="{{inputs.parameters.verb}}", manifest="a: b")
    document["spec"]["templates"][0]["inputs"] = {"parameters": [{"name": "verb", "value": "x"}]}
    assert errors(document) == []


@pytest.mark.parametrize("action", ["delete", "get"])
def test_delete_and_get_need_no_manifest(action: str) -> None:
    assert errors(resource(action=action)) == []


def test_other_actions_need_exactly_one_manifest_source() -> None:
    assert errors(resource(action="create")) == [(f"{T0}.resource", ONE_OF)]
    assert errors(resource(action="create", manifest="")) == [(f"{T0}.resource", ONE_OF)]
    both = workflow(
        {"resource": {"action": "create", "manifest": "a: b", "manifestFrom": FROM_ARTIFACT}}
    )
    both["spec"]["templates"][0]["inputs"] = INPUT_M
    assert errors(both) == [(f"{T0}.resource", ONLY_ONE)]
    alone = workflow({"resource": {"action": "apply", "manifestFrom": FROM_ARTIFACT}})
    alone["spec"]["templates"][0]["inputs"] = INPUT_M
    assert errors(alone) == []


def test_manifest_from_must_name_an_input_artifact() -> None:
    document = workflow({"resource": {"action": "apply", "manifestFrom": FROM_ARTIFACT}})
    assert errors(document) == [
        (
            f"{T0}.resource.manifestFrom.artifact",
            "manifestFrom artifact 'm' is not an input artifact of the template",
        )
    ]


def test_the_manifest_from_artifact_has_at_most_one_location() -> None:
    artifact = {"name": "m", "s3": {"key": "k"}, "gcs": {"key": "k"}}
    document = workflow({"resource": {"action": "apply", "manifestFrom": {"artifact": artifact}}})
    document["spec"]["templates"][0]["inputs"] = INPUT_M
    assert errors(document) == [
        (
            f"{T0}.resource.manifestFrom.artifact",
            "at most one artifact location can be specified (found s3, gcs)",
        )
    ]


@pytest.mark.parametrize(
    ("manifest", "valid"),
    [
        ("a: b", True),
        ("a: [b", False),
        ("a: {{workflow.name}}", True),
        ("a: {{\n  workflow.name\n}}", True),  # a tag across lines
        ("a: {{x}} {{y}}", True),
        ("a: 1\na: 2", True),  # duplicate keys: Go's YAML keeps the last
        ("a: b\n---\nc: [d", False),  # every document is parsed
        ("a: 1\n...\nb: 2\n", True),  # YAML 1.2: a document may follow "..." without "---"
        ("\t- x", False),
    ],
)
def test_a_manifest_must_be_yaml_after_argo_substitutes_its_tags(
    manifest: str, valid: bool
) -> None:
    expected = (
        [] if valid else [(f"{T0}.resource.manifest", "resource.manifest must be valid YAML")]
    )
    assert errors(resource(action="create", manifest=manifest)) == expected


# --- deadline and parallelism --------------------------------------------------------------


@pytest.mark.parametrize(
    ("deadline", "valid"),
    [
        (0, True),
        (30, True),
        (-1, False),
        ("30", True),
        (" 30 ", True),
        ("+3", True),
        ("0", True),
        ("-1", False),
        ("30s", False),
        ("{{workflow.parameters.t}}", True),
        (" {{inputs.parameters.t}} ", True),
        ("{{x", False),
        (1.5, True),  # another type is the schema's problem
        (True, True),
    ],
)
def test_active_deadline_seconds_of_a_leaf(deadline: object, valid: bool) -> None:
    document = workflow(
        {"container": {"image": "a:1"}, "activeDeadlineSeconds": deadline},
        arguments={"parameters": [{"name": "t", "value": "5"}]},
    )
    document["spec"]["templates"][0]["inputs"] = {"parameters": [{"name": "t", "value": "1"}]}
    expected = (
        []
        if valid
        else [
            (
                f"{T0}.activeDeadlineSeconds",
                "activeDeadlineSeconds must be a positive integer or an argo variable",
            )
        ]
    )
    assert errors(document) == expected


def test_parallelism_is_for_steps_and_dags_only() -> None:
    document = workflow({"container": {"image": "a:1"}, "parallelism": 2})
    assert findings(document) == [
        ("error", f"{T0}.parallelism", "parallelism is only valid for steps and dag templates")
    ]
    document["spec"]["templates"][0]["parallelism"] = None
    assert findings(document) == []
