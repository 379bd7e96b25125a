"""Stand-ins for the services kftest talks to: a Kubernetes API server and GCS (see README.md).

Reusable by any test package::

    from standins import KubeApiStandIn, FakeGcs, GcsFaultProxy
    from standins.fixtures import gcs, kube  # pytest fixtures (import them in a conftest.py)
"""

from .argo_controller import FakeArgoController, Outcome
from .gcs import FakeGcs, GcsFault, GcsFaultProxy, emulator_binary
from .kube_api import EVENTS, PODS, WORKFLOWS, Fault, KubeApiStandIn
from .kube_store import Store
from .tekton_controller import FakeTektonController, TektonOutcome

__all__ = [
    "EVENTS",
    "PODS",
    "WORKFLOWS",
    "FakeArgoController",
    "FakeGcs",
    "FakeTektonController",
    "Fault",
    "GcsFault",
    "GcsFaultProxy",
    "KubeApiStandIn",
    "Outcome",
    "Store",
    "TektonOutcome",
    "emulator_binary",
]
