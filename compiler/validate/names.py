"""Argo's naming rules (workflow/validate), and "did you mean" suggestions."""

from __future__ import annotations

import re

MAX_FIELD_NAME_LENGTH = 128

_FIELD_NAME = re.compile(r"[a-zA-Z0-9][-a-zA-Z0-9]*\Z")
_PARAM_NAME = re.compile(r"[-a-zA-Z0-9_]+\Z")
_PARAMETER_REF = re.compile(r"\{\{[-a-zA-Z0-9]+(\.[-a-zA-Z0-9_]+)*\}\}")
METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*\Z")


def suggest(name: str, known: list[str]) -> str:
    # mutation: equivalent — n only caps the list; the first match is the best either way
    match = _close_matches(name, known, n=1, cutoff=0.6)
    return f"; did you mean '{match[0]}'?" if match else ""


def is_parameter(text: str) -> bool:
    """Whether ``text`` holds a ``{{...}}`` parameter reference (resolved at run time)."""
    return bool(_PARAMETER_REF.search(text))


def field_name_problem(name: str) -> str | None:
    """Templates, steps, tasks and containers: DNS-label-like, at most 128 characters."""
    if len(name) > MAX_FIELD_NAME_LENGTH:
        return f"must be no more than {MAX_FIELD_NAME_LENGTH} characters"
    if not _FIELD_NAME.match(name):
        return (
            "must consist of alpha-numeric characters or '-', and must start with an "
            "alpha-numeric character"
        )
    return None


def param_name_problem(name: str) -> str | None:
    """Parameters and artifacts: underscores allowed too."""
    if not _PARAM_NAME.match(name):
        return "must consist of alpha-numeric characters, '_' or '-'"
    return None


def _close_matches(word: str, possibilities: list[str], n: int, cutoff: float) -> list[str]:
    # difflib is imported on the first unknown name only: lint start-up is budgeted.
    import difflib

    return difflib.get_close_matches(word, possibilities, n=n, cutoff=cutoff)
