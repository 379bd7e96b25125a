"""py_func builders that go wrong in the ways users' code does."""

import os
import sys
import time


def raises(name=None, namespace=None, **kwargs):
    config = {}
    return config["missing_key"]


def hangs(name=None, namespace=None, **kwargs):
    while True:
        time.sleep(0.05)


def spins(name=None, namespace=None, **kwargs):
    while True:
        pass


def returns_text(name=None, namespace=None, **kwargs):
    return "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\n"


def chatty(name=None, namespace=None, **kwargs):
    print("building the workflow...")
    sys.stdout.flush()
    os.write(1, b"raw bytes on fd 1\n")
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"entrypoint": "e2e", "templates": [{"name": "e2e", "container": {"image": "x:1"}}]},
    }


def environment(name=None, namespace=None, **kwargs):
    """Reports what it can see of the process environment, and its kwargs."""
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "annotations": {
                "environ": ",".join(sorted(os.environ)),
                "kwargs": ",".join(sorted(kwargs)),
                "sys-path-0": sys.path[0],
            },
        },
        "spec": {"entrypoint": "e2e", "templates": [{"name": "e2e", "container": {"image": "x:1"}}]},
    }


def exits(name=None, namespace=None, **kwargs):
    os._exit(3)


not_a_function = 42


CALLS = []


def counts(name=None, namespace=None, **kwargs):
    """Module state: shared between entries only if they shared an interpreter."""
    CALLS.append(name)
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": name, "annotations": {"calls": str(len(CALLS))}},
        "spec": {"entrypoint": "e2e", "templates": [{"name": "e2e", "container": {"image": "x:1"}}]},
    }
