"""``--format junit``: a JUnit XML report that Prow's Spyglass and TestGrid read.

One ``<testsuite name="kftest <command>">`` with one testcase per (entry x rule family), so
that a dashboard shows, per entry, whether its configuration, its jsonnet, its Argo output
and its guideline checks pass. Every checked entry gets a testcase for every family, passing
or not, to keep test names stable across runs. Diagnostics that belong to no entry become
testcases named after their file. Only errors fail a testcase; warnings go to its
``<system-out>``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence

from compiler.checks import FAMILIES, family_of
from compiler.diagnostics import Diagnostic
from compiler.formats import Report, rule_meta
from compiler.formats.text import format_diagnostic

NO_FILE = "kftest"

# XML 1.0 cannot carry most control characters, and jsonnet or YAML errors may quote them.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _families(report: Report) -> list[str]:
    """One testcase per family for every checked entry: the registry's families (in data-path
    order), then those of other rules the report names, in first-seen order."""
    families = list(FAMILIES)
    extra_rules = [rule_meta(rule).id for rule in report.rules]
    extra_rules += [diagnostic.rule for diagnostic in report.diagnostics]
    for rule in extra_rules:
        family = family_of(rule)
        if family not in families:
            families.append(family)
    return families


def xml_text(text: str) -> str:
    """``text`` with the characters XML 1.0 cannot carry replaced by U+FFFD."""
    return _XML_INVALID.sub("\N{REPLACEMENT CHARACTER}", text)


def _testcase(name: str, family: str, diagnostics: Sequence[Diagnostic]) -> ET.Element:
    testcase = ET.Element(
        "testcase", {"classname": xml_text(name), "name": xml_text(f"{name} [{family}]")}
    )
    errors = [diagnostic for diagnostic in diagnostics if diagnostic.is_error]
    warnings = [diagnostic for diagnostic in diagnostics if not diagnostic.is_error]
    if errors:
        first = errors[0].message.splitlines()[0] if errors[0].message else ""
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        failure = ET.SubElement(
            testcase,
            "failure",
            {"message": xml_text(f"[{errors[0].rule}] {first}{more}"), "type": errors[0].rule},
        )
        failure.text = xml_text(_listing(errors))
    if warnings:
        ET.SubElement(testcase, "system-out").text = xml_text(_listing(warnings))
    return testcase


def _listing(diagnostics: Iterable[Diagnostic]) -> str:
    return "\n".join(format_diagnostic(diagnostic) for diagnostic in diagnostics)


def _groups(report: Report) -> dict[tuple[str, bool], list[Diagnostic]]:
    """Diagnostics by (entry name, True) or, when they belong to no entry, (file, False)."""
    groups: dict[tuple[str, bool], list[Diagnostic]] = {(name, True): [] for name in report.checked}
    for diagnostic in report.diagnostics:
        if diagnostic.workflow:
            key = (diagnostic.workflow, True)
        else:
            key = (diagnostic.file or NO_FILE, False)
        groups.setdefault(key, []).append(diagnostic)
    return groups


def render(report: Report) -> str:
    families = _families(report)
    suite = ET.Element("testsuite", {"name": f"kftest {report.command}"})
    for (name, is_entry), diagnostics in _groups(report).items():
        by_family: dict[str, list[Diagnostic]] = {}
        for diagnostic in diagnostics:
            by_family.setdefault(family_of(diagnostic.rule), []).append(diagnostic)
        # An entry lists every family; a file only the families it has diagnostics in.
        for family in families if is_entry else by_family:
            suite.append(_testcase(name, family, by_family.get(family, [])))

    tests = len(suite)
    failures = sum(1 for testcase in suite if testcase.find("failure") is not None)
    counts = {"tests": str(tests), "failures": str(failures), "errors": "0", "skipped": "0"}
    suite.attrib.update(counts)
    suites = ET.Element("testsuites", counts)
    suites.append(suite)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode")
