"""A builder under a package whose name has a dash, as kubeflow/mpi-operator's py/ had it:
``importlib.import_module('ci.mpi-operator.create_e2e_workflow')`` imports it."""

from ci.old_style import create_workflow  # noqa: F401
