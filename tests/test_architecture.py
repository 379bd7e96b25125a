"""Imports flow one way: down the numbered list of docs/architecture.md, the only copy of the
order. A package or module of compiler/ missing from the list fails too."""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
COMPILER = REPO_ROOT / "compiler"
ITEM = re.compile(r"^\d+\. `([\w.]+?)(?:/|\.py)?`")


def documented_order() -> list[str]:
    text = (REPO_ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text.split("## Packages, top to bottom", 1)[1].split("\n## ", 1)[0]
    return [match[1] for line in section.splitlines() if (match := ITEM.match(line))]


def units() -> set[str]:
    """compiler's top-level modules and packages, by name (``cli``, ``cluster``, ...)."""
    found = {path.stem for path in COMPILER.glob("*.py")}
    found |= {path.parent.name for path in COMPILER.glob("*/__init__.py")}
    return found


def imports() -> list[tuple[str, str, str]]:
    """(importing unit, imported unit, file) for every ``compiler.*`` import, lazy ones too."""
    known = units()
    found = []
    for path in sorted(COMPILER.rglob("*.py")):
        source = path.relative_to(COMPILER).parts[0].removesuffix(".py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                if node.module == "compiler":
                    names = [alias.name for alias in node.names]
                elif node.module.startswith("compiler."):
                    names = [node.module.split(".")[1]]
            elif isinstance(node, ast.Import):
                names = [a.name.split(".")[1] for a in node.names if a.name.startswith("compiler.")]
            for name in names:
                target = name if name in known else "__init__"  # e.g. compiler.__version__
                if target != source:
                    found.append((source, target, str(path.relative_to(REPO_ROOT))))
    return found


def test_every_package_is_in_the_documented_order_once() -> None:
    order = documented_order()
    assert len(order) == len(set(order)), order
    assert set(order) == units()


def test_no_package_imports_one_above_it() -> None:
    position = {name: index for index, name in enumerate(documented_order())}
    upward = [
        f"{file}: {source} imports {target}, which docs/architecture.md lists above it"
        for source, target, file in imports()
        if position[target] < position[source]
    ]
    assert upward == []


def test_the_check_sees_real_imports() -> None:
    """Guard against a parser that finds nothing: known edges are found."""
    edges = {(source, target) for source, target, _ in imports()}
    assert {("submit", "cluster"), ("operate", "cluster"), ("report", "storage")} <= edges
    assert ("commands", "pipeline") in edges and ("cli", "commands") in edges
