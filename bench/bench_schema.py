"""What validating prow_config.yaml against its JSON Schema costs, three ways, in one run.

- ``subset``: compiler/schemacheck.py, the hand-written validator of the keywords kftest uses;
- ``jsonschema``: python-jsonschema (Draft 2020-12), the reference implementation;
- ``jsonschema-rs``: the Rust implementation (``jsonschema_rs``).

For each: the import (a fresh interpreter per sample with what the lint path loads anyway,
median of ``--imports`` samples), building the validator, and collecting every error of
a generated config of ``--entries`` entries (median of ``--runs``), once valid and once with
one mistake in every 10th entry; and whether all three report the same (path, keyword) set.
Run by hand: ``python bench/bench_schema.py``. It needs ``jsonschema`` and ``jsonschema-rs``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

SCHEMA = json.loads((REPO_ROOT / "schemas" / "prow_config.schema.json").read_text())
IMPORTS = {
    "subset": "import compiler.schemacheck",
    "jsonschema": "import jsonschema",
    "jsonschema-rs": "import jsonschema_rs",
}


def config(entries: int, broken: bool) -> dict[str, Any]:
    workflows: list[dict[str, Any]] = []
    for index in range(entries):
        entry: dict[str, Any] = {
            "name": f"e2e-{index}",
            "app_dir": "kubeflow/testing/test-infra",
            "component": f"component_{index}",
            "job_types": ["presubmit", "postsubmit"],
            "include_dirs": ["py/*", f"components/{index}/*"],
            "params": {"stepImage": "gcr.io/kubeflow-ci/test-worker:v20240101-0123abc"},
        }
        if broken and index % 10 == 0:
            entry[["job_type", "includes", "compnent"][index // 10 % 3]] = "x"
        workflows.append(entry)
    return {"workflows": workflows}


def import_ms(statement: str, samples: int) -> tuple[float, float]:
    """(wall, CPU) ms of the import on top of what the lint path has loaded anyway (ruamel.yaml,
    the diagnostics), in a fresh interpreter. CPU time is what to read on a busy machine."""

    def run(code: str) -> tuple[float, float]:
        script = (
            "import ruamel.yaml, compiler.diagnostics, compiler.yamlpos, time; "
            "t, c = time.perf_counter(), time.process_time(); "
            f"{code}; print(time.perf_counter() - t, time.process_time() - c)"
        )
        out = subprocess.run(
            [sys.executable, "-c", script],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        wall, cpu = map(float, out.stdout.split())
        return wall, cpu

    runs = [run(statement) for _ in range(samples)]
    return (
        statistics.median(wall for wall, _ in runs) * 1000,
        statistics.median(cpu for _, cpu in runs) * 1000,
    )


def validators() -> dict[str, Callable[[Any], set[tuple[str, str]]]]:
    import jsonschema
    import jsonschema_rs

    from compiler.schemacheck import Validator

    subset = Validator(SCHEMA)
    reference = jsonschema.Draft202012Validator(SCHEMA)
    rust = jsonschema_rs.validator_for(SCHEMA)

    def rust_keyword(error: Any) -> str:
        return str(list(error.schema_path)[-1]) if list(error.schema_path) else ""

    return {
        "subset": lambda doc: {
            (json.dumps(list(e.absolute_path)), e.validator) for e in subset.iter_errors(doc)
        },
        "jsonschema": lambda doc: {
            (json.dumps(list(e.absolute_path)), str(e.validator))
            for e in reference.iter_errors(doc)
        },
        "jsonschema-rs": lambda doc: {
            (json.dumps(list(e.instance_path)), rust_keyword(e)) for e in rust.iter_errors(doc)
        },
    }


def build_ms(name: str) -> float:
    import jsonschema
    import jsonschema_rs

    from compiler.schemacheck import Validator

    build = {
        "subset": lambda: Validator(SCHEMA),
        "jsonschema": lambda: jsonschema.Draft202012Validator(SCHEMA),
        "jsonschema-rs": lambda: jsonschema_rs.validator_for(SCHEMA),
    }[name]
    started = time.perf_counter()
    build()
    return (time.perf_counter() - started) * 1000


def timed(function: Callable[[Any], Any], document: Any, runs: int) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        function(document)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=500)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--imports", type=int, default=7)
    args = parser.parse_args()
    valid, broken = config(args.entries, False), config(args.entries, True)
    found = validators()
    print(f"prow_config.yaml with {args.entries} entries; Python {sys.version.split()[0]}")
    print("| validator | import ms (wall / CPU) | build ms | valid ms | 10% broken ms | errors |")
    print("|---|---|---|---|---|---|")
    verdicts = {}
    for name, validate in found.items():
        imported = import_ms(IMPORTS[name], args.imports)
        errors = validate(broken)
        verdicts[name] = {(path, keyword.replace("$ref", "")) for path, keyword in errors}
        print(
            f"| {name} | {imported[0]:.1f} / {imported[1]:.1f} | {build_ms(name):.2f} | "
            f"{timed(validate, valid, args.runs):.2f} | {timed(validate, broken, args.runs):.2f} | "
            f"{len(errors)} |"
        )
    same = len({frozenset(v) for v in verdicts.values()}) == 1
    print(f"\nsame (path, keyword) errors from all three: {same}")


if __name__ == "__main__":
    main()
