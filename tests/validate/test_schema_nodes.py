"""compiler/validate/schema_nodes.py."""

from __future__ import annotations
