"""A 2019 builder: the seed called it with the entry's kwargs only (no name, namespace or
test_target_name), so it takes exactly those."""

import os

from ci import argo_build


def create_workflow(url="https://example.com/hello-world.yaml"):
    name = "%s-old-style" % os.environ.get("JOB_NAME", "unset")
    workflow = argo_build.new_workflow(name, "kubeflow-test-infra")
    workflow["metadata"]["labels"].update(argo_build.prow_labels())
    workflow["metadata"]["annotations"] = {"url": url}
    step = argo_build.container_template("hello", ["echo", url])
    argo_build.add_task_to_dag(workflow, "e2e", step, [])
    return workflow
