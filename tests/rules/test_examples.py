"""Every rule's documented examples, run.

A rule's docstring holds fenced blocks whose info string says what they are:

* ```` ```jsonnet compliant ```` / ```` ```jsonnet non-compliant ````: a component (a function
  of ``params``, with lib/ on the path) compiled for presubmit, postsubmit and periodic;
  a compliant one passes *every* rule and Argo's validation, a non-compliant one fails this
  rule for each job type;
* ```` ```yaml prow_config ````: the prow_config.yaml the following component examples are
  compiled with (until the next such block); by default one entry setting ``stepImage``;
* ```` ```yaml prow_config compliant ```` / ``non-compliant``: a configuration example, for
  configuration rules, checked against the files of the last ```` ```text tracked-files ````;
* ```` ```yaml tekton compliant ```` / ``non-compliant``: a Tekton PipelineRun file, compiled
  as a ``tekton_run`` entry for each job type (a compliant one also passes Tekton validation);
* a plain ```` ```text ```` block is documentation only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from compiler.model import JOB_TYPES
from compiler.rules import LintSettings, all_rules, check_config
from compiler.validate import validate_workflow
from compiler.validate.tekton import check_document

from .helpers import DEFAULT_CONFIG, TEKTON_RUN, compile_component, compile_tekton, load_entry

FENCE = re.compile(r"^```(?P<info>[^\n`]*)\n(?P<body>.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
VERDICTS = ("compliant", "non-compliant")
EXAMPLE_JOB_TYPES = [job_type for job_type in JOB_TYPES if job_type != "batch"]


@dataclass
class Example:
    rule: str
    number: int
    kind: str  # "jsonnet", "prow_config" or "tekton"
    verdict: str
    body: str
    config: str
    tracked_files: tuple[str, ...]

    @property
    def id(self) -> str:
        return f"{self.rule}-{self.number}-{self.verdict}"


def parse_examples(rule: str, doc: str) -> list[Example]:
    examples: list[Example] = []
    config = DEFAULT_CONFIG
    tracked: tuple[str, ...] = ()
    for match in FENCE.finditer(doc):
        words = match["info"].split()
        body = match["body"]
        verdict = next((word for word in words if word in VERDICTS), None)
        labels = [word for word in words[1:] if word not in VERDICTS]
        language = words[0] if words else ""
        if language == "yaml" and labels == ["prow_config"]:
            if verdict is None:
                config = body
                continue
            kind = "prow_config"
        elif language == "jsonnet" and not labels and verdict:
            kind = "jsonnet"
        elif language == "yaml" and labels == ["tekton"] and verdict:
            kind = "tekton"
        elif language == "text" and labels == ["tracked-files"] and verdict is None:
            tracked = tuple(line.strip() for line in body.splitlines() if line.strip())
            continue
        elif language == "text" and not labels and verdict is None:
            continue
        else:
            raise AssertionError(f"rule {rule}: unknown example block ```{match['info']}")
        examples.append(Example(rule, len(examples) + 1, kind, verdict, body, config, tracked))
    return examples


RULES = all_rules()
EXAMPLES = [example for rule in RULES for example in parse_examples(rule.id, rule.doc)]


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
def test_every_rule_documents_both_kinds_of_example(rule: object) -> None:
    verdicts = {example.verdict for example in parse_examples(rule.id, rule.doc)}  # type: ignore[attr-defined]
    assert verdicts == set(VERDICTS)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda example: example.id)
def test_documented_example(example: Example, tmp_path: Path) -> None:
    if example.kind == "prow_config":
        config = load_entry(tmp_path, example.body)
        found = check_config(config, example.tracked_files, LintSettings())
        mine = [d for d in found if d.rule == example.rule]
        if example.verdict == "compliant":
            assert found == []
        else:
            assert mine, f"{example.id}: expected a {example.rule} diagnostic"
            assert all(d.line is not None for d in mine)
        return
    for job_type in EXAMPLE_JOB_TYPES:
        if example.kind == "tekton":
            # A repository of its own per job type: the run file differs by nothing else.
            root = tmp_path / job_type
            root.mkdir()
            compiled = compile_tekton(root, example.body, job_type=job_type)
            valid = check_document(compiled.workflow.document)
        else:
            compiled = compile_component(
                tmp_path, example.body, job_type=job_type, config_yaml=example.config
            )
            valid = validate_workflow(compiled.workflow.document)
        found = compiled.lint()
        if example.verdict == "compliant":
            assert found == [], f"{example.id} ({job_type})"
            assert valid == []
        else:
            mine = [d for d in found if d.rule == example.rule]
            assert mine, f"{example.id} ({job_type}): expected a {example.rule} diagnostic"
            for diagnostic in mine:
                assert diagnostic.workflow == "unittests"
                assert diagnostic.file in (
                    "prow_config.yaml",
                    "ci/workflows/example.jsonnet",
                    TEKTON_RUN,
                )
                assert "internal error" not in diagnostic.message


def test_the_parser_rejects_unknown_blocks() -> None:
    with pytest.raises(AssertionError, match="unknown example block"):
        parse_examples("x", "```jsonnet compliante\n{}\n```\n")
    examples = parse_examples(
        "x",
        "```yaml prow_config\nworkflows: []\n```\n\n```jsonnet non-compliant\n{}\n```\n",
    )
    assert [(e.kind, e.verdict, e.config) for e in examples] == [
        ("jsonnet", "non-compliant", "workflows: []\n")
    ]
