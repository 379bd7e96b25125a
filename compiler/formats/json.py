"""``--format json``: the contract's object.

``{"diagnostics": [...], "errors": N, "warnings": M}``, each diagnostic's keys in the
contract's order.
"""

from __future__ import annotations

import json

from compiler.diagnostics import count
from compiler.formats import Report


def render(report: Report) -> str:
    errors, warnings = count(report.diagnostics)
    document = {
        "diagnostics": [diagnostic.to_dict() for diagnostic in report.diagnostics],
        "errors": errors,
        "warnings": warnings,
    }
    return json.dumps(document, indent=2)
