from __future__ import annotations

import pytest

from compiler.diagnostics import Diagnostic, Severity
from compiler.formats import Report


@pytest.fixture
def diagnostics() -> list[Diagnostic]:
    """One of each shape a format must handle: full, line only, file only, no place at all."""
    return [
        Diagnostic(
            "immutable-image",
            "image gcr.io/x/test:latest uses a moving tag:\nset params.stepImage to a digest",
            file="prow_config.yaml",
            line=12,
            column=7,
            workflow="unittests",
            path="spec.templates[1].container.image",
        ),
        Diagnostic(
            "dead-include-pattern",
            "include_dirs pattern 'docs/*' matches no tracked file",
            Severity.WARNING,
            file="prow_config.yaml",
            line=9,
            workflow="unittests",
        ),
        Diagnostic("yaml-syntax", "mapping values are not allowed here", file="prow_config.yaml"),
        Diagnostic("argo-semantic", "entrypoint 'main' names no template", workflow="e2e"),
    ]


@pytest.fixture
def report(diagnostics: list[Diagnostic]) -> Report:
    return Report(
        command="lint",
        diagnostics=diagnostics,
        checked=("unittests", "e2e", "docs"),
        rules=(
            ("immutable-image", "images have an immutable tag or a digest"),
            ("dead-include-pattern", "include_dirs patterns match files", Severity.WARNING),
        ),
    )
