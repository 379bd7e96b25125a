"""A py_func workflow builder in the style of kubeflow/testing's ci/kf_unittests.py."""

import os

from ci import argo_build


def create_workflow(name=None, namespace=None, bucket="kubernetes-jenkins", **kwargs):
    """Return the Argo workflow for the unit tests.

    kftest passes ``name`` and ``namespace``; ``test_target_name`` and the prow_config kwargs
    arrive in ``kwargs``.
    """
    test_dir = "/mnt/test-data-volume/" + name
    workflow = argo_build.new_workflow(name, namespace)
    workflow["metadata"]["labels"].update(argo_build.prow_labels())
    workflow["metadata"]["labels"]["workflow_template"] = "unittests"
    checkout = argo_build.container_template(
        "checkout",
        ["/usr/local/bin/checkout_repos.sh", "--src_dir=" + test_dir + "/src"],
    )
    argo_build.add_task_to_dag(workflow, "e2e", checkout, [])
    for shard in range(kwargs.get("shards", 1)):
        step = argo_build.container_template(
            "py-test-%d" % shard,
            ["pytest", "--junitxml=%s/output/artifacts/junit_py-test-%d.xml" % (test_dir, shard)],
        )
        step["container"]["env"].append(
            {"name": "TEST_TARGET_NAME", "value": kwargs["test_target_name"]}
        )
        if kwargs.get("use_basic_auth"):
            step["container"]["env"].append({"name": "BASIC_AUTH", "value": "true"})
        argo_build.add_task_to_dag(workflow, "e2e", step, ["checkout"])
    copy = argo_build.container_template(
        "copy-artifacts",
        ["python", "-m", "kubeflow.testing.prow_artifacts", "--artifacts_dir=" + test_dir + "/output",
         "copy_artifacts", "--bucket=" + bucket],
    )
    argo_build.add_task_to_dag(workflow, "exit-handler", copy, [])
    # The seed's builders read the Prow variables from the environment.
    workflow["metadata"]["annotations"] = {"home-is-set": str("HOME" in os.environ).lower()}
    return workflow
