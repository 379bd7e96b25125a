"""kftest's compile speed against the floor and against jsonnet CLI + check-jsonschema.

    python bench/bench.py [--entries 500] [--style lib|inline] [--bindings-sample 40]

Generates a synthetic repository (bench/synthetic.py) in a temporary directory, then measures,
in this one run, on the same inputs:

1. the jsonnet bindings (rjsonnet, gojsonnet, the C++ jsonnet), per evaluation, on a sample;
2. the floor: every component evaluated with the fastest binding, parsed and emitted as YAML
   with kftest's emitter, and nothing else (one process, then as many processes as kftest uses);
3. ``kftest compile --out DIR`` (a separate process, cold, as a user runs it), and
   ``kftest lint`` (which also validates and applies every rule);
4. the ``jsonnet`` CLI once per component, then ``check-jsonschema`` against kftest's Argo schema
   (``apt-get install jsonnet`` brings the CLI; without it, a ``python -c`` call of the C++
   binding per component stands in, and the report says so).

It prints a Markdown report; bench/README.md keeps the figures of the last recorded run.
Not a test: run it by hand on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import multiprocessing
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
PROJECT = BENCH_DIR.parent
sys.path[:0] = [str(BENCH_DIR), str(PROJECT)]

import synthetic  # noqa: E402

from compiler import emit  # noqa: E402
from compiler.paths import LIB_DIR, SCHEMAS_DIR  # noqa: E402
from compiler.prow import DEFAULT_BUCKET, DEFAULT_NAMESPACE, ProwEnv, workflow_name  # noqa: E402

SALT = "abcd"
JOB_TYPE = "presubmit"
BINDINGS = {"rust": "rjsonnet", "go": "_gojsonnet", "cpp": "_jsonnet"}
ARGO_SCHEMA = SCHEMAS_DIR / "argo-workflow.schema.json"


# --- inputs ---------------------------------------------------------------------------------


def run_params(entry: synthetic.SyntheticEntry) -> dict[str, Any]:
    """The params kftest gives a component: the entry's, then the run parameters."""
    env = ProwEnv.from_environ({}, JOB_TYPE).for_job_type(JOB_TYPE, placeholders=True)
    return {
        **entry.params,
        "name": workflow_name(env, entry.name, SALT),
        "namespace": DEFAULT_NAMESPACE,
        "prow_env": env.prow_env_string(),
        "bucket": DEFAULT_BUCKET,
    }


def jpath(root: Path) -> list[str]:
    return [str(root / "workflows"), str(LIB_DIR)]


# --- the bindings and the floor -------------------------------------------------------------


def evaluate_with(binding: str, root: Path, entry: synthetic.SyntheticEntry) -> str:
    module = importlib.import_module(BINDINGS[binding])
    return str(
        module.evaluate_file(
            str(root / entry.component),
            jpathdir=jpath(root),
            tla_codes={"params": json.dumps(run_params(entry))},
        )
    )


def floor_one(task: tuple[str, Path, synthetic.SyntheticEntry]) -> str:
    binding, root, entry = task
    return emit.dump(json.loads(evaluate_with(binding, root, entry)))


def floor(
    binding: str, root: Path, entries: Sequence[synthetic.SyntheticEntry], jobs: int
) -> float:
    tasks = [(binding, root, entry) for entry in entries]
    started = time.perf_counter()
    if jobs == 1:
        outputs = [floor_one(task) for task in tasks]
    else:
        # fork is safe here: the rust and C++ bindings start no threads.
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            outputs = pool.map(floor_one, tasks, chunksize=8)
    elapsed = time.perf_counter() - started
    assert len(outputs) == len(entries)
    return elapsed


def per_evaluation(binding: str, root: Path, entries: Sequence[synthetic.SyntheticEntry]) -> float:
    evaluate_with(binding, root, entries[0])  # warm: the module is imported
    started = time.perf_counter()
    for entry in entries:
        evaluate_with(binding, root, entry)
    return (time.perf_counter() - started) / len(entries)


# --- kftest ---------------------------------------------------------------------------------


def evaluate_stage(root: Path, entries: Sequence[synthetic.SyntheticEntry]) -> tuple[float, float]:
    """kftest's evaluate stage alone, in this process: (seconds, seconds with the YAML emit)."""
    from compiler.evaluate import EvalRequest, evaluate_many
    from compiler.model import Entry, Position

    env = ProwEnv.from_environ({}, JOB_TYPE).for_job_type(JOB_TYPE, placeholders=True)
    requests = []
    for index, entry in enumerate(entries):
        params = run_params(entry)
        model = Entry(
            name=entry.name,
            index=index,
            position=Position("prow_config.yaml"),
            app_dir="workflows",
            component=Path(entry.component).stem,
            params=dict(entry.params),
        )
        run = {key: params[key] for key in ("name", "namespace", "prow_env", "bucket")}
        requests.append(EvalRequest(model, "prow_config.yaml", root, None, (), run, env, ()))
    started = time.perf_counter()
    results = evaluate_many(requests)
    evaluated = time.perf_counter() - started
    texts = [emit.dump(document) for result in results for document in result.documents]
    emitted = time.perf_counter() - started
    problems = [d for result in results for d in result.diagnostics]
    assert len(texts) == len(entries) and not problems, problems[:3]
    return evaluated, emitted


def kftest(args: Sequence[str], root: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    empty = root / ".no-changes"
    empty.write_text("")
    command = [
        sys.executable,
        "-m",
        "compiler",
        *args,
        "--repo-root",
        str(root),
        "--job-type",
        JOB_TYPE,
        "--salt",
        SALT,
        "--changed-files",
        str(empty),
    ]
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PULL_", "JOB_", "REPO_", "BUILD_"))
    }
    started = time.perf_counter()
    result = subprocess.run(
        command, cwd=PROJECT, capture_output=True, text=True, env=environ, check=False
    )
    return time.perf_counter() - started, result


def pipeline_stage(root: Path, lint: bool) -> float:
    """pipeline.compile_all in this process (evaluate + emit, and with ``lint`` validation and
    every rule), all in the worker processes: the A/B that prices validation + rules."""
    from compiler import pipeline

    options = pipeline.Options(
        repo_root=root,
        config_path=root / "prow_config.yaml",
        job_type=JOB_TYPE,
        salt=SALT,
        environ={},
        lint=lint,
    )
    started = time.perf_counter()
    result = pipeline.compile_all(options)
    seconds = time.perf_counter() - started
    errors = [d for d in result.diagnostics if d.is_error]
    assert result.workflows and not errors, errors[:3]
    return seconds


def argo_corpus() -> tuple[int, float, float]:
    """Validation, and validation + every rule, over Argo's example Workflows (../shared/argo):
    (documents, seconds validating, seconds validating and applying the rules)."""
    from ruamel.yaml import YAML

    from compiler import rules, validate
    from compiler.model import CompiledWorkflow, Entry, Position

    examples = PROJECT.parent / "shared" / "argo" / "examples"
    yaml = YAML(typ="safe", pure=True)
    yaml.allow_duplicate_keys = True
    documents = [
        document
        for path in sorted(examples.rglob("*.yaml"))
        for document in list(yaml.load_all(path.read_text(encoding="utf-8")))
        if isinstance(document, dict) and document.get("kind") == "Workflow"
    ]
    env = ProwEnv.from_environ({}, JOB_TYPE).for_job_type(JOB_TYPE, placeholders=True)
    settings, _ = rules.load_settings(PROJECT)
    entry = Entry(name="example", index=0, position=Position("prow_config.yaml"))
    compiled = [
        CompiledWorkflow(entry, JOB_TYPE, str(d.get("metadata", {}).get("name")), d)
        for d in documents
    ]
    started = time.perf_counter()
    for document in documents:
        validate.validate_workflow(document)
    validated = time.perf_counter() - started
    started = time.perf_counter()
    for workflow in compiled:
        validate.validate_workflow(workflow.document)
        rules.check_workflow(workflow, env, settings, "prow_config.yaml")
    return len(documents), validated, time.perf_counter() - started


# --- jsonnet CLI + check-jsonschema ---------------------------------------------------------


def cli_pipeline(
    root: Path, entries: Sequence[synthetic.SyntheticEntry], out: Path
) -> tuple[float, float, str, int]:
    """(jsonnet seconds, check-jsonschema seconds, what ran, check-jsonschema exit code)."""
    out.mkdir()
    jsonnet = shutil.which("jsonnet")
    if jsonnet:
        version = subprocess.run([jsonnet, "--version"], capture_output=True, text=True).stdout
        what = f"`{version.strip()}` (one process per component)"
    else:
        what = "no `jsonnet` CLI on PATH: `python -c` with the C++ binding per component"
    started = time.perf_counter()
    for index, entry in enumerate(entries):
        params = json.dumps(run_params(entry))
        target = out / f"{index:04d}.json"
        if jsonnet:
            command = [
                jsonnet,
                *[flag for d in jpath(root) for flag in ("-J", d)],
                "--tla-code",
                f"params={params}",
                "-o",
                str(target),
                str(root / entry.component),
            ]
        else:
            code = (
                "import _jsonnet, sys; sys.stdout.write(_jsonnet.evaluate_file(sys.argv[1], "
                "jpathdir=sys.argv[3:], tla_codes={'params': sys.argv[2]}))"
            )
            command = [
                sys.executable,
                "-c",
                code,
                str(root / entry.component),
                params,
                *jpath(root),
            ]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise SystemExit(f"jsonnet failed on {entry.component}: {result.stderr}")
        if not jsonnet:
            target.write_text(result.stdout)
    evaluated = time.perf_counter() - started
    checker = shutil.which("check-jsonschema")
    if checker is None:
        raise SystemExit("check-jsonschema is not installed: pip install check-jsonschema")
    started = time.perf_counter()
    checked = subprocess.run(
        [checker, "--schemafile", str(ARGO_SCHEMA), *sorted(map(str, out.glob("*.json")))],
        capture_output=True,
        text=True,
        check=False,
    )
    return evaluated, time.perf_counter() - started, what, checked.returncode


# --- the report -----------------------------------------------------------------------------


class Report:
    """Markdown rows, printed as they come (the whole run takes minutes)."""

    def __init__(self) -> None:
        self.floors: tuple[float, float] | None = None

    def say(self, text: str = "") -> None:
        print(text, flush=True)

    def row(self, what: str, seconds: float | None, note: str = "") -> None:
        if seconds is None:
            self.say(f"| {what} | {note} | | |")
            return
        assert self.floors is not None
        ratios = " | ".join(f"{seconds / floor:.2f}" for floor in self.floors)
        self.say(f"| {what} | {seconds:.2f} | {ratios} |")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entries", type=int, default=500)
    parser.add_argument("--style", choices=synthetic.STYLES, default="lib")
    parser.add_argument("--bindings-sample", type=int, default=40, help="components per binding")
    parser.add_argument("--skip-cli", action="store_true", help="no jsonnet CLI + check-jsonschema")
    parser.add_argument("--keep", type=Path, help="generate the repository here and keep it")
    options = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="kftest-bench-"))
    root = options.keep or workdir / "repo"
    entries = synthetic.generate(root, options.entries, options.style)
    jobs = len(os.sched_getaffinity(0))
    report = Report()
    python = platform.python_version()
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    report.say(
        f"## {options.entries} entries, `{options.style}` style, {jobs} cores, Python {python}"
        f" (load average before: {load})"
    )
    report.say()

    report.say("| binding | ms per evaluation |")
    report.say("|---|---|")
    speeds: dict[str, float] = {}
    sample = entries[: options.bindings_sample]
    for binding, module in BINDINGS.items():
        if importlib.util.find_spec(module) is None:
            report.say(f"| {binding} (`{module}`) | not installed |")
            continue
        # The C++ binding takes about a second per component: a smaller sample says as much.
        few = sample[: max(3, len(sample) // 8)] if binding == "cpp" else sample
        # A fresh process per binding: the Go runtime must not be loaded where the floor forks.
        with multiprocessing.get_context("spawn").Pool(1) as pool:
            speeds[binding] = pool.apply(per_evaluation, (binding, root, few))
        report.say(f"| {binding} (`{module}`) | {speeds[binding] * 1000:.1f} (n={len(few)}) |")
    fastest = min(speeds, key=speeds.__getitem__)
    report.say()

    report.floors = (floor(fastest, root, entries, 1), floor(fastest, root, entries, jobs))
    report.say(f"| what | seconds | vs floor, 1 process | vs floor, {jobs} processes |")
    report.say("|---|---|---|---|")
    report.row(f"floor: {fastest} evaluation + kftest's YAML emit, 1 process", report.floors[0])
    report.row(f"floor: the same over {jobs} processes", report.floors[1])
    evaluated, emitted = evaluate_stage(root, entries)
    report.row(f"kftest's evaluate stage (sandboxed, {jobs} worker processes)", evaluated)
    report.row("kftest's evaluate stage + YAML emit", emitted)
    out = workdir / "out"
    seconds, result = kftest(["compile", "--out", str(out)], root)
    produced = len(list(out.glob("*.yaml"))) if out.is_dir() else 0
    if result.returncode == 0 and produced == len(entries):
        report.row("`kftest compile --out DIR`, a cold process", seconds)
    else:
        failure = f"exit {result.returncode}, {produced} files: {result.stderr.strip()[-300:]}"
        report.row("`kftest compile`", None, failure)
    seconds, result = kftest(["lint"], root)
    if result.returncode == 0:
        report.row("`kftest lint` (also the Argo schema and every rule)", seconds)
    else:
        report.row("`kftest lint`", None, f"exit {result.returncode}: {result.stdout[-300:]}")
    seconds, result = kftest(["lint", str(root / entries[0].component)], root)
    if result.returncode == 0:
        report.row("`kftest lint FILE`: one changed component, as pre-commit runs it", seconds)
    else:
        report.row("`kftest lint FILE`", None, f"exit {result.returncode}: {result.stdout[-300:]}")
    without = pipeline_stage(root, lint=False)
    with_lint = pipeline_stage(root, lint=True)
    report.row("compile pipeline, in process: evaluate + emit", without)
    added = 100 * (with_lint - without) / without
    report.row(f"the same + Argo validation + every rule ({added:+.0f}%)", with_lint)
    if (PROJECT.parent / "shared" / "argo" / "examples").is_dir():
        count, validated, ruled = argo_corpus()
        report.row(f"Argo examples ({count} Workflows): validation, 1 process", validated)
        report.row(f"Argo examples ({count} Workflows): validation + every rule", ruled)
    if not options.skip_cli:
        evaluated, checked, what, code = cli_pipeline(root, entries, workdir / "cli")
        report.row(f"jsonnet CLI: {what}", evaluated)
        report.row(f"check-jsonschema on its output (exit {code})", checked)
        report.row("jsonnet CLI + check-jsonschema", evaluated + checked)
    report.say()
    report.say(
        f"Command: `python bench/bench.py --entries {options.entries} --style {options.style}"
        f" --bindings-sample {options.bindings_sample}`"
    )
    if not options.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
