"""A module whose own import fails: a dependency it needs is not installed."""

import kftest_no_such_dependency  # noqa: F401


def create_workflow(name=None, namespace=None, **kwargs):
    return {}
