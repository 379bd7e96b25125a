"""How kftest's cost grows with the number of entries (issue 11), in CPU seconds.

    python bench/scale.py [--sizes 100,1000,10000] [--styles seed,lib] [--commands ...]
                          [--one-file 5,500] [--repeat 3]

For each style (``seed``: bench/seedstyle.py, one ksonnet app whose params.libsonnet holds every
component's defaults; ``lib``: bench/synthetic.py, components written with lib/) and each size
N it generates a repository and measures, in this one run:

- **floor**: every component evaluated once with rjsonnet (a seed-style component gets its own
  params only) and emitted as YAML with kftest's emitter, in one process started for it;
- ``kftest compile --all --out DIR``, ``kftest lint``, ``kftest plan`` and
  ``kftest golden --update`` as a user runs them (cold processes);
- on request (``--commands ...,compile-unchecked``), ``kftest compile`` with the Argo
  validation and the guideline rules patched out: the difference is what checking every
  workflow costs, which ``kftest compile`` does by contract and the floor does not;

as CPU seconds (user + system) of the whole process tree (kftest and its worker processes:
the machine is shared, so wall-clock time says little; ``--repeat N`` measures each figure N
times, interleaved, and reports the median), the CPU per entry, the marginal CPU per entry
between consecutive sizes, and the peak resident memory of the process tree (the sum over its
live processes, sampled every 50 ms).

Both sides run with kftest's bytecode compiled beforehand (in a ``PYTHONPYCACHEPREFIX`` of the
run's own), as an installed kftest has it: without it every process would first compile
~100 modules (~0.07 s CPU; some machines set ``PYTHONDONTWRITEBYTECODE``).

``--one-file`` prices the pre-commit path: ``kftest lint <one component>`` in a small and a large
repository, with a cold cache (a fresh ``XDG_CACHE_HOME``) and a warm one, and their ratio.

It prints Markdown; bench/README.md keeps a recorded run. Not a test: run it by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PROJECT = BENCH_DIR.parent
sys.path[:0] = [str(BENCH_DIR), str(PROJECT)]

import seedstyle  # noqa: E402
import synthetic  # noqa: E402

from bench import SALT, run_params  # noqa: E402
from compiler import emit  # noqa: E402
from compiler.evaluate.layout import KSONNET_SHIM_DIR  # noqa: E402
from compiler.paths import LIB_DIR  # noqa: E402

STYLES = ("seed", "lib")
COMMANDS = ("compile", "lint", "plan", "golden")
#: ``compile-unchecked``: ``kftest compile`` with the Argo validation and the guideline rules
#: patched out (here, never a kftest option): what ``compile`` costs beyond it is what checking
#: every workflow, which ``kftest compile`` does by contract, costs.
UNCHECKED = (
    "import compiler.pipeline as p; p._lint = lambda *args, **kwargs: []; "
    "from compiler.cli import main; main()"
)
PAGE = os.sysconf("SC_PAGE_SIZE")
#: Set by main(): the environment every measured process runs in (bytecode cached there).
ENVIRON: dict[str, str] = dict(os.environ)


def bytecode_env(workdir: Path) -> dict[str, str]:
    """An environment whose processes find kftest's modules compiled, as installed (pip
    compiles them) rather than as a checkout run with ``PYTHONDONTWRITEBYTECODE``."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(workdir / "pycache")
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "-j0", "compiler", "bench"],
        cwd=PROJECT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return env


def generate(root: Path, entries: int, style: str) -> list[synthetic.SyntheticEntry]:
    if style == "seed":
        return seedstyle.generate(root, entries)
    return synthetic.generate(root, entries, "lib")


# --- the floor ------------------------------------------------------------------------------


def floor(root: Path, entries: Sequence[synthetic.SyntheticEntry], style: str) -> float:
    """CPU seconds of evaluating every component with rjsonnet + the YAML emit, in a process
    of its own started for it (as kftest is: its start-up counts on both sides)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        [sys.executable, __file__, "--floor-of", str(root), "--style-of", style],
        input=json.dumps([entry.__dict__ for entry in entries]),
        text=True,
        check=True,
        env=ENVIRON,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def floor_here(root: Path, entries: Sequence[synthetic.SyntheticEntry], style: str) -> None:
    import rjsonnet

    for entry in entries:
        params = json.dumps(run_params(entry))
        path = str(root / entry.component)
        if style == "seed":
            component = Path(entry.component).stem
            app = root / seedstyle.APP_DIR
            own = f'{{"components": {{"{component}": {params}}}, "global": {{}}}}'
            environments = '{"name": "x", "namespace": "kubeflow-test-infra"}'
            output = rjsonnet.evaluate_file(
                path,
                jpathdir=[str(app / "lib"), str(KSONNET_SHIM_DIR)],
                ext_codes={"__ksonnet/params": own, "__ksonnet/environments": environments},
            )
        else:
            output = rjsonnet.evaluate_file(
                path,
                jpathdir=[str(root / "workflows"), str(LIB_DIR)],
                tla_codes={"params": params},
            )
        value = json.loads(output)
        for document in value.get("items", [value]):
            emit.dump(document)


# --- kftest as a user runs it ---------------------------------------------------------------


@dataclass
class Measured:
    cpu: float  # user + system seconds of the process tree
    rss: int  # peak resident bytes of the process tree
    code: int
    stdout: str
    stderr: str


class TreeMemory(threading.Thread):
    """Samples the summed RSS of ``pid`` and its descendants until stopped."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.done = pid, 0, threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.05):
            self.peak = max(self.peak, self.sample())

    def sample(self) -> int:
        parents: dict[int, int] = {}
        for name in os.listdir("/proc"):
            if name.isdigit():
                try:
                    with open(f"/proc/{name}/stat", "rb") as handle:
                        fields = handle.read().rsplit(b")", 1)[1].split()
                except OSError:
                    continue
                parents[int(name)] = int(fields[1])
        tree, grew = {self.pid}, True
        while grew:
            grown = tree | {pid for pid, parent in parents.items() if parent in tree}
            grew, tree = len(grown) > len(tree), grown
        total = 0
        for pid in tree:
            try:
                with open(f"/proc/{pid}/statm", "rb") as handle:
                    total += int(handle.read().split()[1]) * PAGE
            except OSError:
                continue
        return total


def kftest(args: Sequence[str], root: Path, environ: dict[str, str] | None = None) -> Measured:
    start = ["-m", "compiler"]
    if args[0] == "compile-unchecked":
        start, args = ["-c", UNCHECKED, "compile"], args[1:]
    command = [sys.executable, *start, *args, "--repo-root", str(root)]
    env = {
        key: value
        for key, value in ENVIRON.items()
        if not key.startswith(("PULL_", "JOB_", "REPO_", "BUILD_"))
    }
    env.update(environ or {})
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    process = subprocess.Popen(
        command, cwd=PROJECT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    memory = TreeMemory(process.pid)
    memory.start()
    stdout, stderr = process.communicate()
    memory.done.set()
    memory.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Measured(cpu, memory.peak, process.returncode, stdout, stderr)


def command_args(command: str, root: Path, workdir: Path) -> list[str]:
    common = ["--salt", SALT, "--job-type", "presubmit"]
    if command in ("compile", "compile-unchecked"):
        out = workdir / "out"
        shutil.rmtree(out, ignore_errors=True)
        return [command, "--all", "--out", str(out), *common]
    if command == "lint":
        return ["lint", "--job-type", "presubmit"]
    if command == "plan":
        empty = workdir / "no-changes"
        empty.write_text("")
        return ["plan", "--changed-files", str(empty), *common]
    golden = workdir / "golden"
    shutil.rmtree(golden, ignore_errors=True)
    return ["golden", "--update", "--golden-dir", str(golden), "--job-type", "presubmit"]


# --- the report -----------------------------------------------------------------------------


def scaling(
    styles: Sequence[str],
    sizes: Sequence[int],
    commands: Sequence[str],
    workdir: Path,
    repeat: int = 1,
) -> None:
    say("| style | N | what | CPU s | ms/entry | marginal ms/entry | vs floor | peak RSS MiB |")
    say("|---|---|---|---|---|---|---|---|")
    for style in styles:
        previous: dict[str, tuple[int, float]] = {}
        for size in sizes:
            root = workdir / f"{style}-{size}"
            entries = generate(root, size, style)
            env = {"XDG_CACHE_HOME": str(workdir / "cache")}
            cpus: dict[str, list[float]] = {"floor": []}
            peaks: dict[str, int] = {"floor": 0}
            failed = set()
            for _ in range(repeat):  # interleaved, so that a change of load hits every row
                cpus["floor"].append(floor(root, entries, style))
                for command in commands:
                    if command in failed:
                        continue
                    measured = kftest(command_args(command, root, workdir), root, env)
                    if measured.code not in (0,):
                        tail = (measured.stdout + measured.stderr).strip()[-300:]
                        code = measured.code
                        say(f"| {style} | {size} | `{command}` failed (exit {code}) | {tail} |")
                        failed.add(command)
                        continue
                    what = f"`kftest {command}`"
                    cpus.setdefault(what, []).append(measured.cpu)
                    peaks[what] = max(peaks.get(what, 0), measured.rss)
            floor_cpu = statistics.median(cpus["floor"])
            rows = [(what, statistics.median(values), peaks[what]) for what, values in cpus.items()]
            for what, cpu, rss in rows:
                marginal = ""
                if what in previous:
                    last_size, last_cpu = previous[what]
                    marginal = f"{1000 * (cpu - last_cpu) / (size - last_size):.1f}"
                previous[what] = (size, cpu)
                memory = f"{rss / 2**20:.0f}" if rss else ""
                say(
                    f"| {style} | {size} | {what} | {cpu:.2f} | {1000 * cpu / size:.1f} |"
                    f" {marginal} | {cpu / floor_cpu:.2f} | {memory} |"
                )
            shutil.rmtree(root, ignore_errors=True)


def one_file(styles: Sequence[str], sizes: Sequence[int], workdir: Path, repeat: int = 1) -> None:
    say("| style | N | `kftest lint FILE` cold cache, CPU s | warm cache, CPU s |")
    say("|---|---|---|---|")
    for style in styles:
        figures = {}
        for size in sizes:
            root = workdir / f"one-{style}-{size}"
            entries = generate(root, size, style)
            target = str(root / entries[len(entries) // 2].component)
            colds, warms = [], []
            for attempt in range(repeat):
                cache = workdir / f"cache-one-{style}-{size}-{attempt}"  # empty: a cold cache
                env = {"XDG_CACHE_HOME": str(cache)}
                runs = []
                for _ in range(3):  # cold, then warm twice (the better of the two)
                    measured = kftest(["lint", target], root, env)
                    assert measured.code == 0, measured.stdout + measured.stderr
                    runs.append(measured.cpu)
                colds.append(runs[0])
                warms.append(min(runs[1:]))
            cold, warm = statistics.median(colds), statistics.median(warms)
            figures[size] = (cold, warm)
            say(f"| {style} | {size} | {cold:.2f} | {warm:.2f} |")
            shutil.rmtree(root, ignore_errors=True)
        small, large = min(figures), max(figures)
        say(
            f"| {style} | ratio {large}/{small} | {figures[large][0] / figures[small][0]:.2f} |"
            f" {figures[large][1] / figures[small][1]:.2f} |"
        )


def say(text: str = "") -> None:
    print(text, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--styles", default=",".join(STYLES))
    parser.add_argument("--commands", default=",".join(COMMANDS))
    parser.add_argument("--one-file", default="5,500", help="sizes for lint FILE ('' skips)")
    parser.add_argument(
        "--repeat", type=int, default=1, help="measure each figure N times, report the median"
    )
    parser.add_argument("--floor-of", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--style-of", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.floor_of:
        entries = [synthetic.SyntheticEntry(**item) for item in json.loads(sys.stdin.read())]
        floor_here(options.floor_of, entries, options.style_of)
        return 0
    sizes = [int(size) for size in options.sizes.split(",") if size]
    styles = [style for style in options.styles.split(",") if style]
    commands = [command for command in options.commands.split(",") if command]
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    say(f"## scaling: sizes {sizes}, styles {styles} (load average before: {load})")
    say()
    workdir = Path(tempfile.mkdtemp(prefix="kftest-scale-"))
    try:
        ENVIRON.clear()
        ENVIRON.update(bytecode_env(workdir))
        if sizes:
            scaling(styles, sizes, commands, workdir, options.repeat)
            say()
        one_sizes = [int(size) for size in options.one_file.split(",") if size]
        if one_sizes:
            one_file(styles, one_sizes, workdir, options.repeat)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
