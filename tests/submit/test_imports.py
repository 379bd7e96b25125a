from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
MODULES = [
    "compiler.cli",
    "compiler.commands.run",
    "compiler.commands.submit",
    "compiler.submit.create",
    "compiler.submit.wait",
    "compiler.submit.batch",
    "compiler.report.reporter",
    "compiler.storage",
    "compiler.cluster.api",
    "compiler.operate.cleanup",
]


def test_network_clients_are_imported_only_when_used() -> None:
    code = (
        f"import sys, {', '.join(MODULES)}\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in ('kubernetes', 'google')]\n"
        "print(heavy)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
