from __future__ import annotations

from standins.fixtures import gcs, gcs_emulator, kube  # noqa: F401
