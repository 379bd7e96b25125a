"""Argo validation: structure (``argo-schema``) then semantics (``argo-semantic``).

``validate_workflow`` is what the lint and compile paths call for every compiled document. The
diagnostics carry a ``path`` into the document (``spec.templates[2].container.image``, see
:mod:`compiler.validate.docpath`); file and line are left for the caller to fill in.
"""

from __future__ import annotations

from compiler.diagnostics import Diagnostic
from compiler.validate.releases import Release
from compiler.validate.schema import check_schema, scan
from compiler.validate.semantic import check_semantics

__all__ = ["check_schema", "check_semantics", "validate_workflow"]


def validate_workflow(
    document: dict[str, object], release: Release | None = None
) -> list[Diagnostic]:
    """Every problem of one Argo document: schema problems first, then semantic ones.

    Semantic checks run even when the structure is broken (they skip what they cannot read),
    so one pass shows both a typo and, say, an undefined entrypoint.
    """
    structural, tagged = scan(document, release)
    return structural + check_semantics(document, tagged=tagged)
