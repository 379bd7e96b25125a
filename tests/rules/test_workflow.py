from __future__ import annotations

import pytest

from compiler.rules._workflow import Call, ImageRef, Workflow, dependents, is_under


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
