from __future__ import annotations

import pytest

from compiler.rules import _workflow
from compiler.rules._workflow import Call, ImageRef, Template, Workflow, dependents, is_under


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ("docker", ("docker", None, None)),
        ("docker:v1", ("docker", "v1", None)),
        ("localhost:5000/a/b", ("localhost:5000/a/b", None, None)),
        ("localhost:5000/a/b:v2", ("localhost:5000/a/b", "v2", None)),
        ("gcr.io/a/b@sha256:ff", ("gcr.io/a/b", None, "sha256:ff")),
        ("gcr.io/a/b:v1@sha256:ff", ("gcr.io/a/b", "v1", "sha256:ff")),
    ],
)
def test_image_references(image: str, expected: tuple[str, str | None, str | None]) -> None:
    ref = ImageRef.parse(image)
    assert (ref.repository, ref.tag, ref.digest) == expected


def test_dependents_follow_dependencies_and_depends_through_cycles() -> None:
    tasks = [
        Call("t[0]", {"name": "checkout"}),
        Call("t[1]", {"name": "a", "dependencies": ["checkout"]}),
        Call("t[2]", {"name": "b", "depends": "a.Succeeded && !c"}),
        Call("t[3]", {"name": "c", "dependencies": ["d"]}),
        Call("t[4]", {"name": "d", "dependencies": ["c"]}),
    ]
    assert dependents(tasks, "checkout") == {"a", "b"}
    assert dependents(tasks, "c") == {"b", "c", "d"}


def test_is_under() -> None:
    assert is_under("/a/b", "/a/") and is_under("/a", "/a")
    assert not is_under("/ab", "/a")


def test_templates_include_inline_ones_and_reachability_stops_at_cycles() -> None:
    workflow = Workflow(
        {
            "spec": {
                "entrypoint": "main",
                "templates": [
                    {
                        "name": "main",
                        "dag": {
                            "tasks": [
                                {"name": "x", "inline": {"container": {"image": "i:v1"}}},
                                {"name": "y", "template": "main"},
                            ]
                        },
                    }
                ],
            }
        }
    )
    assert [t.path for t in workflow.templates] == [
        "spec.templates[0]",
        "spec.templates[0].dag.tasks[0].inline",
    ]
    assert len(workflow.reachable(workflow.entrypoint)) == 2
    assert [c.path for c in workflow.containers] == [
        "spec.templates[0].dag.tasks[0].inline.container"
    ]
    assert workflow.name == ""


def test_a_templates_containers_helpers_and_mounts() -> None:
    template = Template(
        "spec.templates[0]",
        {
            "name": "t",
            "container": {"image": "c", "volumeMounts": [{"name": "a"}, "x"]},
            "script": {"image": "s", "volumeMounts": [{"name": "b", "mountPath": "/b"}]},
            "containerSet": {
                "containers": [{"image": "one"}, "garbage", {"image": "two"}],
                "volumeMounts": [{"name": "nfs", "mountPath": "/mnt/test-data-volume"}, 3],
            },
            "initContainers": [{"image": "init"}, 1],
            "sidecars": [{"image": "side"}],
        },
    )
    assert [c.path for c in template.containers] == [
        "spec.templates[0].container",
        "spec.templates[0].script",
        "spec.templates[0].containerSet.containers[0]",
        "spec.templates[0].containerSet.containers[2]",
    ]
    assert [c.image for c in template.containers] == ["c", "s", "one", "two"]
    assert all(c.template is template for c in template.containers)
    assert [c.path for c in template.helper_containers] == [
        "spec.templates[0].initContainers[0]",
        "spec.templates[0].sidecars[0]",
    ]
    assert [m["name"] for m in template.volume_mounts()] == ["a", "b", "nfs"]
    assert template.runs_code and template.label == "t"
    # The first mount of one of the volumes that says where.
    assert template.mount_path({"a", "b", "nfs"}) == "/b"
    assert template.mount_path({"nfs"}) == "/mnt/test-data-volume"
    assert template.mount_path({"a"}) is None and template.mount_path(set()) is None


def test_a_template_without_code_or_a_name() -> None:
    template = Template("spec.templates[3]", {"container": "x", "containerSet": [], "name": 7})
    assert template.containers == [] and not template.runs_code
    assert list(template.volume_mounts()) == []
    assert template.label == "spec.templates[3]"


def test_steps_and_tasks_are_calls() -> None:
    template = Template(
        "t",
        {
            "steps": [[{"name": "a"}, "x", {"name": "b"}], {"name": "c"}, "odd"],
            "dag": {"tasks": [{"name": "d"}, 5, {"name": "e"}]},
        },
    )
    assert [[c.path for c in group] for group in template.steps] == [
        ["t.steps[0][0]", "t.steps[0][2]"],
        ["t.steps[1][0]"],
        [],
    ]
    assert [t.path for t in template.tasks] == ["t.dag.tasks[0]", "t.dag.tasks[2]"]
    assert [c.name for c in template.calls] == ["a", "b", "c", "d", "e"]


def test_a_containers_env_strings_and_command() -> None:
    container = Template(
        "t",
        {
            "container": {
                "command": ["sh", 1, "-c"],
                "args": ["make test"],
                "source": "echo hi",
                "workingDir": "/mnt/test-data-volume/src",
                "volumeMounts": [{"name": "a"}, "b"],
                "env": [
                    {"name": "A", "value": "/a"},
                    {"name": "B", "valueFrom": {"secretKeyRef": {}}},
                    {"name": "A", "value": "shadowed"},
                    {"name": 3, "value": "x"},
                    "garbage",
                ],
            }
        },
    ).containers[0]
    assert container.env == {"A": (0, "/a"), "B": (1, None)}
    assert container.volume_mounts == [{"name": "a"}]
    assert container.command_words == [
        ("t.container.command[0]", "sh"),
        ("t.container.command[2]", "-c"),
        ("t.container.args[0]", "make test"),
        ("t.container.source", "echo hi"),
    ]
    assert container.strings[4:] == [
        ("t.container.workingDir", "/mnt/test-data-volume/src"),
        ("t.container.env[0].value", "/a"),
    ]


@pytest.mark.parametrize(
    ("command", "checks_out"),
    [
        (["/usr/local/bin/checkout.sh", "/src"], True),
        (["bash", "-c", "checkout_repos.sh --repos=x"], True),
        (["kftest", "checkout", "/src"], True),
        (["sh", "-c", "/usr/bin/kftest checkout /src && make"], True),
        (["kftest", "checkouts"], False),
        (["make", "checkout"], False),
        ([], False),
    ],
)
def test_runs_checkout(command: list[str], checks_out: bool) -> None:
    container = Template("t", {"container": {"command": command}}).containers[0]
    assert container.runs_checkout is checks_out


def test_a_call() -> None:
    call = Call("c", {"name": "n", "template": "t", "templateRef": {}, "inline": {"name": "i"}})
    assert (call.name, call.template_name, call.is_external) == ("n", "t", True)
    assert call.inline is not None and call.inline.path == "c.inline"
    plain = Call("c", {"inline": "x", "dependencies": ["a", 3], "depends": "(b.Failed || c)"})
    assert not plain.is_external and plain.inline is None
    assert plain.dependencies() == {"a", "b", "c"}
    assert Call("c", {"depends": ""}).dependencies() == set()


def workflow(templates: list[object], **spec: object) -> Workflow:
    return Workflow({"metadata": {"name": "wf", "labels": {"a": "b"}}, "spec": {**spec,
                    "templates": templates}})  # fmt: skip


def test_the_workflows_parts() -> None:
    first = {"name": "main", "steps": [[{"name": "s", "template": "leaf"}]]}
    leaf = {"name": "leaf", "container": {"image": "i"}, "sidecars": [{"image": "side"}]}
    wf = workflow([first, "junk", leaf, {"name": "main"}], entrypoint="main", onExit="leaf")
    assert wf.name == "wf" and wf.labels == {"a": "b"}
    assert [t.path for t in wf.top_templates] == [
        "spec.templates[0]",
        "spec.templates[2]",
        "spec.templates[3]",
    ]
    assert wf.by_name["main"].data is first  # the first of two with one name
    assert wf.entrypoint is not None and wf.entrypoint.data is first
    assert wf.exit_handler_name == "leaf"
    assert [c.image for c in wf.containers] == ["i"]
    assert [c.image for c in wf.all_containers] == ["i", "side"]
    assert not wf.uses_workflow_template
    assert workflow([], workflowTemplateRef={"name": "x"}).uses_workflow_template
    assert workflow([{"name": "main"}]).entrypoint is None
    assert workflow([{"name": "main"}], entrypoint="other").entrypoint is None
    assert Workflow("garbage", fallback_name="fallback").name == "fallback"


def test_the_exit_hook_of_argo_3_3() -> None:
    assert workflow([], hooks={"exit": {"template": "bye"}}).exit_handler_name == "bye"
    hooked = workflow([], onExit="first", hooks={"exit": {"template": "bye"}})
    assert hooked.exit_handler_name == "first"
    assert workflow([], hooks={"running": {"template": "x"}}).exit_handler_name is None


def test_reachable_and_calls_external() -> None:
    main = {"name": "main", "dag": {"tasks": [{"name": "a", "template": "a"}]}}
    a = {"name": "a", "steps": [[{"name": "b", "template": "b"}, {"name": "m", "template": "x"}]]}
    b = {"name": "b", "container": {"image": "i"}}
    other = {"name": "other", "container": {"image": "i"}}
    wf = workflow([main, a, b, other], entrypoint="main")
    assert sorted(str(t.name) for t in wf.reachable(wf.entrypoint)) == ["a", "b", "main"]
    assert wf.reachable(None) == []
    assert not wf.calls_external(wf.entrypoint)  # "x" is missing, not elsewhere
    ref = {"name": "r", "steps": [[{"name": "e", "templateRef": {"name": "t", "template": "u"}}]]}
    assert workflow([ref]).calls_external(workflow([ref]).top_templates[0])
    unnamed = {"name": "r", "dag": {"tasks": [{"name": "e"}]}}  # neither a name nor inline
    assert workflow([unnamed]).calls_external(workflow([unnamed]).top_templates[0])
    inline = {"name": "r", "dag": {"tasks": [{"name": "e", "inline": {"container": {}}}]}}
    assert not workflow([inline]).calls_external(workflow([inline]).top_templates[0])


def test_pvc_volumes() -> None:
    volumes = [
        {"name": "nfs", "persistentVolumeClaim": {"claimName": "nfs-external"}},
        {"name": "other", "persistentVolumeClaim": {"claimName": "other"}},
        {"persistentVolumeClaim": {"claimName": "nfs-external"}},
        "junk",
        {"name": "again", "persistentVolumeClaim": {"claimName": "nfs-external"}},
    ]
    wf = workflow([], volumes=volumes)
    assert wf.pvc_volumes("nfs-external") == [
        ("spec.volumes[0]", "nfs"),
        ("spec.volumes[4]", "again"),
    ]


def test_templates_are_listed_depth_first_in_document_order() -> None:
    nested = {"steps": [[{"name": "y", "inline": {"container": {"image": "y"}}}]]}
    first = {
        "name": "first",
        "dag": {
            "tasks": [
                {"name": "x", "inline": nested},
                {"name": "z", "inline": {"container": {"image": "z"}}},
            ]
        },
    }
    wf = workflow([first, {"name": "second"}])
    assert [t.path for t in wf.templates] == [
        "spec.templates[0]",
        "spec.templates[0].dag.tasks[0].inline",
        "spec.templates[0].dag.tasks[0].inline.steps[0][0].inline",
        "spec.templates[0].dag.tasks[1].inline",
        "spec.templates[1]",
    ]


def test_dependents_skip_unnamed_tasks() -> None:
    tasks = [Call("t[0]", {"dependencies": ["checkout"]}), Call("t[1]", {"name": "a"})]
    assert dependents(tasks, "checkout") == set()


def test_at_most_max_templates_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_workflow, "MAX_TEMPLATES", 3)
    inline = {"name": "0", "dag": {"tasks": [{"name": "x", "inline": {"name": "1"}}]}}
    wf = workflow([inline, {"name": "2"}, {"name": "3"}])
    assert [t.label for t in wf.templates] == ["0", "1", "2"]
