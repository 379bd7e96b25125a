"""``kftest rules [ID]``: list every rule id, or print one rule's documentation."""

from __future__ import annotations

import difflib

from compiler import rules
from compiler.commands.common import echo
from compiler.diagnostics import EXIT_OK, UsageError

#: The checks of the other stages (not guideline rules): what they report, from the contract.
BUILT_IN: dict[str, str] = {
    "yaml-syntax": "a YAML file does not parse",
    "config-schema": "prow_config.yaml (or .kftest.yaml) does not match its schema: types, "
    "unknown keys, lists",
    "duplicate-name": "two entries with the same name can run for the same job type",
    "component-missing": "an entry's app_dir/component (or py_func) does not resolve",
    "jsonnet-error": "evaluation failed (syntax or runtime), reported at the jsonnet file:line",
    "import-denied": "jsonnet tried to import a file outside the allowed roots",
    "argo-schema": "the output is not a structurally valid Argo Workflow (unknown fields included)",
    "argo-semantic": "what Argo's own validator rejects: missing entrypoint/template, bad "
    "references, dependency cycles",
}


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
    echo(show(rule_id) if rule_id else listing())
    return EXIT_OK


def listing() -> str:
    infos = rules.all_rules()
    width = max(len(rule_id) for rule_id in [*BUILT_IN, *(info.id for info in infos)])
    lines = ["Guideline rules (kftest rules ID prints one's documentation):", ""]
    for info in infos:
        lines.append(f"  {info.id:<{width}}  {info.severity.value:<7}  {info.summary}")
    lines += ["", "Checks of the other stages:", ""]
    for rule_id, summary in BUILT_IN.items():
        lines.append(f"  {rule_id:<{width}}  {'error':<7}  {summary}")
    return "\n".join(lines) + "\n"


def show(rule_id: str) -> str:
    info = rules.get_rule(rule_id)
    if info is not None:
        header = f"{info.id} ({info.severity.value} by default)"
        return f"{header}\n\n{info.doc}\n\n{_suppression(info.id)}"
    if rule_id in BUILT_IN:
        note = (
            "It reports input kftest cannot read or evaluate; it cannot be switched off."
            if rule_id not in rules.SUPPRESSIBLE
            else _suppression(rule_id)
        )
        return f"{rule_id} (error)\n\n{BUILT_IN[rule_id]}.\n\n{note}\n"
    known = [*(info.id for info in rules.all_rules()), *BUILT_IN]
    hint = difflib.get_close_matches(rule_id, known, n=1)
    suggestion = f"; did you mean {hint[0]}?" if hint else ""
    raise UsageError(f"no rule {rule_id!r}{suggestion} (`kftest rules` lists them)")
