"""``kftest rules [ID]``: list every rule id, or print one rule's documentation."""

from __future__ import annotations

import difflib

import click

from compiler import checks, rules
from compiler.diagnostics import EXIT_OK, UsageError


def _suppression(rule_id: str) -> str:
    return (
        "Switch it off for one entry in prow_config.yaml:\n\n"
        "    - name: unittests\n"
        "      ...\n"
        f"      lint: {{disable: [{rule_id}]}}\n\n"
        f"or for the whole repository, or change its severity, in {rules.SETTINGS_FILE}:\n\n"
        "    lint:\n"
        f"      disable: [{rule_id}]\n"
        f"      severity: {{{rule_id}: warning}}\n"
    )


def run(rule_id: str | None) -> int:
    click.echo(show(rule_id) if rule_id else listing())
    return EXIT_OK


def listing() -> str:
    catalogue = checks.catalogue()
    width = max(len(rule_id) for rule_id in catalogue)
    infos = rules.all_rules()
    lines = ["Guideline rules (kftest rules ID prints one's documentation):", ""]
    for info in infos:
        lines.append(f"  {info.id:<{width}}  {info.severity.value:<7}  {info.summary}")
    lines += ["", "Checks of the other stages:", ""]
    for check in checks.stage_checks():
        lines.append(f"  {check.id:<{width}}  {check.severity.value:<7}  {check.summary}")
    return "\n".join(lines) + "\n"


def show(rule_id: str) -> str:
    info = rules.get_rule(rule_id)
    if info is not None:
        header = f"{info.id} ({info.severity.value} by default)"
        return f"{header}\n\n{info.doc}\n\n{_suppression(info.id)}"
    check = checks.get(rule_id)
    if check is not None:
        note = (
            _suppression(rule_id)
            if check.suppressible
            else "It reports input kftest cannot read or evaluate; it cannot be switched off."
        )
        return f"{rule_id} ({check.severity.value})\n\n{check.documentation}\n\n{note}\n"
    hint = difflib.get_close_matches(rule_id, list(checks.catalogue()), n=1)
    suggestion = f"; did you mean {hint[0]}?" if hint else ""
    raise UsageError(f"no rule {rule_id!r}{suggestion} (`kftest rules` lists them)")
