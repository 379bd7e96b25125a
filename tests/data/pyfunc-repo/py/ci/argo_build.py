"""A few helpers in the style of kubeflow/testing's argo_build_util."""

import copy
import os

PROW_VARS = ["JOB_NAME", "JOB_TYPE", "BUILD_ID", "REPO_OWNER", "REPO_NAME", "PULL_NUMBER"]


def new_workflow(name, namespace):
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": name, "namespace": namespace, "labels": {}},
        "spec": {
            "entrypoint": "e2e",
            "onExit": "exit-handler",
            "templates": [
                {"name": "e2e", "dag": {"tasks": []}},
                {"name": "exit-handler", "dag": {"tasks": []}},
            ],
        },
    }


def prow_labels():
    return {key: os.environ[key] for key in PROW_VARS if os.environ.get(key)}


def container_template(name, command):
    return {
        "name": name,
        "container": {
            "image": "gcr.io/kubeflow-ci/test-worker:v20190802-c6f9140-e3b0c4",
            "command": command,
            "env": [],
        },
    }


def add_task_to_dag(workflow, dag_name, template, dependencies):
    dags = [t for t in workflow["spec"]["templates"] if t["name"] == dag_name]
    if not dags:
        raise ValueError("workflow has no dag named " + dag_name)
    task = {"name": template["name"], "template": template["name"]}
    if dependencies:
        task["dependencies"] = dependencies
    dags[0]["dag"]["tasks"].append(task)
    workflow["spec"]["templates"].append(copy.deepcopy(template))
