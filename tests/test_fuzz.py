"""A seeded, bounded fuzz test: structurally mutated inputs never break kftest's promises.

Each case writes a small repository (prow_config.yaml, .kftest.yaml, jsonnet components),
mutates it — values of the wrong type or hostile ones, keys removed or added, alias bombs,
deep nesting, broken bytes, components that recurse, allocate, escape or name their output
``../../x`` — and runs a compiling command on it as a user would. Whatever the input, kftest

- exits 0, 1, 2 or 3 (never 4, a bug, nor a crash), and prints no Python traceback;
- gives every error diagnostic a file and a message;
- writes nothing outside ``--out`` (its own temporary files included: none are left over);
- finishes within a time bound.

``KFTEST_FUZZ_BUDGET`` (seconds, default 60) sets how long it runs; ``KFTEST_FUZZ_SEED`` picks
the seed (default: a fixed one, so a failure reproduces). A failure names the seed and case,
and keeps the case's files in pytest's temporary directory.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BUDGET = float(os.environ.get("KFTEST_FUZZ_BUDGET", "60"))
SEED = int(os.environ.get("KFTEST_FUZZ_SEED", "20261201"))
#: One command's time bound: its own limits are --eval-timeout 2 (CPU) and a 4x backstop.
RUN_LIMIT = 90.0

IMAGE = "gcr.io/kubeflow-ci/test-worker:v20240101-0123abc"
COMPONENT = """\
local kftest = import 'kftest.libsonnet';
function(params)
  local wf = kftest.workflow(params, 'unittests');
  wf.dag([
    wf.step('build', ['make', 'build']),
    wf.step('pytest', ['python', '-m', 'pytest'], deps=['build']),
  ])
"""
LEGACY = """\
local params = std.extVar('__ksonnet/params').components.e2e;
local kftest = import 'kftest.libsonnet';
local wf = kftest.workflow(params, 'e2e');
wf.dag([wf.step('e2e', ['make', 'e2e'])])
"""
LEGACY_PARAMS = f"{{ global: {{}}, components: {{ e2e: {{ stepImage: '{IMAGE}' }} }} }}\n"
CONFIG: dict[str, Any] = {
    "workflows": [
        {
            "name": "unittests",
            "app_dir": "ci",
            "component": "unittests",
            "job_types": ["presubmit"],
            "include_dirs": ["ci/*"],
            "params": {"stepImage": IMAGE},
        },
        {"name": "legacy", "app_dir": "app", "component": "e2e", "job_types": ["presubmit"]},
    ]
}
SETTINGS: dict[str, Any] = {
    "lint": {
        "disable": ["dead-include-pattern"],
        "severity": {"immutable-image": "warning"},
        "image_tag_pattern": r"v\d{8}-[0-9a-f]{7}.*",
    }
}

#: Values a careless or hostile user puts where another type belongs.
VALUES: list[Any] = [
    None, 0, -1, 5, 1e308, True, "", " ", "x" * 300, "a\x00b", "é\u202etxt", "../../escaped",
    "/etc/passwd", "/tmp", "*", "[", "(a+)+$", "(a)\\1", "(?=a)", [], {}, [None], [[[[]]]],
    {"a": {"b": {"c": None}}}, ["presubmit", "nightly"], ["dead-include-pattern"],
    ["yaml-syntax"], {"labels": "info"}, "nfs-volume", "latest", list(range(50)),
]  # fmt: skip
#: Whole components, each a way jsonnet goes wrong or escapes.
COMPONENTS = [
    "error ''\n",
    "assert false : '';\n{}\n",
    "error 'x\\u0000y'\n",
    "local f(n) = f(n + 1) tailstrict;\nf(0)\n",
    "local f(n) = f(n + 1) + 1;\nf(0)\n",
    "local f(n) = if n == 0 then 0 else [f(n - 1)];\nf(3000)\n",
    "std.length(std.makeArray(1e8, function(i) i))\n",
    "local s = std.join('', std.makeArray(1e6, function(i) 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'));\n"
    "{ a: s + s + s + s + s + s + s + s }\n",
    "local f(n) = if n == 0 then 1 else f(n - 1) + f(n - 1);\n{ x: f(60) }\n",
    "importstr '/etc/passwd'\n",
    "import '../../../../../../etc/hostname'\n",
    "std.native('x')\n",
    "std.extVar('HOME')\n",
    "null\n",
    "'a string'\n",
    "42\n",
    "[]\n",
    "{ apiVersion: 'v1', kind: 'List', items: [] }\n",
    "{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { name: '../../escaped' },"
    " spec: { entrypoint: 'e', templates: [{ name: 'e', container: { image: 'x:1' } }] } }\n",
    "{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { name: '/tmp/abs' } }\n",
    "{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow',"
    " metadata: { name: std.repeat('a', 300) } }\n",
    "function(params) params + { metadata: 5 }\n",
    "function(params) [params, params]\n",
    "function(x, y) x\n",
    "{\n  a: 1\n  b: 2\n}\n",
    "",
    "\x00\x01\x02",
]  # fmt: skip


def _bomb(key: str) -> str:
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]" for n in range(1, 10)]
    return "\n".join(lines) + f"\n{key}: *l9\n"


# Text-level mutations of a YAML or jsonnet file.
def _truncate(rng: random.Random, text: str) -> str:
    return text[: rng.randrange(len(text) + 1)]


def _flip(rng: random.Random, text: str) -> str:
    if not text:
        return text
    at = rng.randrange(len(text))
    return (
        text[:at]
        + rng.choice(["\x00", "\t", "{", "[", "'", '"', ":", "&a", "*a", "\n- ", "\\"])
        + text[at + 1 :]
    )


def _drop_line(rng: random.Random, text: str) -> str:
    lines = text.splitlines(keepends=True)
    if lines:
        del lines[rng.randrange(len(lines))]
    return "".join(lines)


def _duplicate_line(rng: random.Random, text: str) -> str:
    lines = text.splitlines(keepends=True)
    if lines:
        at = rng.randrange(len(lines))
        lines.insert(at, lines[at])
    return "".join(lines)


def _deep(rng: random.Random, text: str) -> str:
    depth = rng.choice([150, 2000])
    return text + "\ndeep: " + "[" * depth + "]" * depth + "\n"


def _alias_bomb(rng: random.Random, text: str) -> str:
    return text + "\n" + _bomb(rng.choice(["bomb", "more"]))


def _recursive_alias(rng: random.Random, text: str) -> str:
    return "workflows: &w [{name: a, app_dir: ci, component: unittests, params: *w}]\n"


def _bad_bytes(rng: random.Random, text: str) -> str:
    return text + rng.choice(["\udcff", "\ufeff", "\x00", "\x1b[31m"])


TEXT_MUTATIONS: list[Callable[[random.Random, str], str]] = [
    _truncate, _flip, _drop_line, _duplicate_line, _deep, _alias_bomb, _recursive_alias,
    _bad_bytes,
]  # fmt: skip


# Structural mutations of parsed data.
def _paths(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _paths(value, (*path, index))
    return found


def _mutate_data(rng: random.Random, data: Any) -> Any:
    path = rng.choice(_paths(data)[1:] or [()])
    if not path:
        return rng.choice(VALUES)
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    action = rng.randrange(5)
    if action == 0:
        parent[last] = json.loads(json.dumps(rng.choice(VALUES)))
    elif action == 1 and isinstance(parent, dict):
        del parent[last]
    elif action == 2 and isinstance(parent, dict):
        parent[rng.choice(["componnet", "tekton_run", "py_func", "kwargs", "lint", "x"])] = (
            rng.choice(VALUES)
        )
    elif action == 3 and isinstance(parent, list):
        parent.append(json.loads(json.dumps(parent[last])))  # a duplicate
    else:
        parent[last] = [parent[last]] if rng.random() < 0.5 else {"k": parent[last]}
    return data


def _text_of(data: Any) -> str:
    # JSON is YAML; what the data cannot say (a NUL, an alias) the text mutations add.
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def make_case(rng: random.Random, root: Path) -> dict[str, str]:
    config = json.loads(json.dumps(CONFIG))
    settings = json.loads(json.dumps(SETTINGS))
    files = {
        "ci/unittests.jsonnet": COMPONENT,
        "app/components/e2e.jsonnet": LEGACY,
        "app/components/params.libsonnet": LEGACY_PARAMS,
    }
    for _ in range(rng.randint(1, 3)):
        target = rng.choice(["config", "config", "settings", "component", "component"])
        if target == "config":
            config = _mutate_data(rng, config)
        elif target == "settings":
            settings = _mutate_data(rng, settings)
        else:
            name = rng.choice(sorted(files))
            if rng.random() < 0.6:
                files[name] = rng.choice(COMPONENTS)
            else:
                files[name] = rng.choice(TEXT_MUTATIONS)(rng, files[name])
    files["prow_config.yaml"] = _text_of(config)
    files[".kftest.yaml"] = _text_of(settings)
    for name in ("prow_config.yaml", ".kftest.yaml"):
        if rng.random() < 0.3:
            files[name] = rng.choice(TEXT_MUTATIONS)(rng, files[name])
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8", errors="surrogateescape"))
    if rng.random() < 0.1:  # a config file that leads out of the repository
        name = rng.choice(["prow_config.yaml", ".kftest.yaml", "ci/unittests.jsonnet"])
        (root / name).unlink()
        os.symlink(root.parent / "outside" / "secret.yaml", root / name)
    return files


def _snapshot(root: Path) -> dict[str, float]:
    found = {}
    for directory, _, names in os.walk(root):
        for name in names:
            path = os.path.join(directory, name)
            with contextlib.suppress(OSError):  # gone meanwhile
                found[path] = os.lstat(path).st_mtime
    return found


def run_case(rng: random.Random, work: Path, index: int) -> tuple[str, list[str]]:
    """One case: the command run and the promises it broke."""
    case = work / f"case-{index}"
    repo, out, outside, temp = case / "repo", case / "out", case / "outside", case / "tmp"
    for directory in (repo, outside, temp):
        directory.mkdir(parents=True)
    (outside / "secret.yaml").write_text("token: hunter2\nworkflows: []\n")
    make_case(rng, repo)
    command = rng.choice(
        [
            ["lint", "--format", "json"],
            ["compile", "--all", "--out", str(out), "--format", "json"],
            ["plan", "--format", "json", "--job-type", "presubmit"],
        ]
    )
    args = [*command, "--repo-root", str(repo), "--eval-timeout", "2", "--eval-memory", "256MiB"]
    if command[0] == "plan":
        args = args[:-4]
    before = _snapshot(case)
    env = {k: v for k, v in os.environ.items() if k not in ("JOB_TYPE", "KUBECONFIG")}
    env["TMPDIR"] = str(temp)
    started = time.monotonic()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "compiler", *args],
            cwd=repo,
            capture_output=True,
            text=True,
            errors="replace",
            env=env,
            timeout=RUN_LIMIT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return " ".join(command), [f"did not finish within {RUN_LIMIT:g} s"]
    elapsed = time.monotonic() - started
    broken = []
    output = result.stdout + result.stderr
    if result.returncode not in (0, 1, 2, 3):
        broken.append(f"exit code {result.returncode}: {result.stderr[-500:]}")
    if "Traceback" in output or "internal error" in output:
        broken.append(f"traceback or internal error: {output[-800:]}")
    if "hunter2" in output:
        broken.append("printed the content of a file outside the repository")
    if result.returncode in (0, 1) and command[-1] == "json":
        try:
            report = json.loads(result.stdout)
        except ValueError:
            broken.append(f"--format json printed no JSON: {result.stdout[:300]!r}")
            report = {}
        for diagnostic in report.get("diagnostics", []):
            if diagnostic["severity"] == "error" and not diagnostic["file"]:
                broken.append(f"error diagnostic without a file: {diagnostic}")
            if not str(diagnostic["message"]).strip():
                broken.append(f"diagnostic without a message: {diagnostic}")
    after = _snapshot(case)
    written = [
        path
        for path, mtime in after.items()
        if before.get(path) != mtime and not path.startswith(str(out) + os.sep)
    ]
    if written:
        broken.append(f"wrote outside --out: {written[:5]}")
    left = [path.name for path in temp.iterdir()]
    if left:
        broken.append(f"left temporary files behind: {left[:5]}")
    if elapsed > RUN_LIMIT:
        broken.append(f"took {elapsed:.0f} s")
    if not broken:
        shutil.rmtree(case, ignore_errors=True)
    return " ".join(command), broken


def test_mutated_inputs_keep_every_promise(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    deadline = time.monotonic() + BUDGET
    failures = []
    runs = 0
    while time.monotonic() < deadline or runs < 3:
        case_seed = rng.randrange(1 << 32)
        command, broken = run_case(random.Random(case_seed), tmp_path, runs)
        runs += 1
        if broken:
            failures.append(f"case {runs - 1} (seed {case_seed}, {command}): " + "; ".join(broken))
    print(f"fuzz: {runs} inputs in {BUDGET:g} s, seed {SEED}, {len(failures)} broken promises")
    assert not failures, "\n".join(failures[:10])


def test_a_case_is_reproducible_from_its_seed(tmp_path: Path) -> None:
    first = make_case(random.Random(7), tmp_path / "a")
    second = make_case(random.Random(7), tmp_path / "b")
    assert first == second
