"""Real seed-era Kubeflow repositories, unchanged: the verdict of ../shared/realworld/README.md.

Six snapshots (kubeflow, testing, tf-operator, examples, kfserving, pytorch-operator; 2018-2019)
are linted and compiled exactly the way the corpus README says — a presubmit with the Prow
variables set, ``--repos-dir`` the snapshot, no other option: as ksonnet apps and py_func
builders they are validated for the Argo 2.x their clusters ran without being told — with
py_func builders run by an interpreter that has the seed's dependencies
(tests/seed_python.py). Every entry must get the README's verdict: which compile, and that every
error is a true finding. ``test_lint_in_a_developer_clone`` does the same in a git clone of each
snapshot with no Prow variables and no ``--repos-dir``.

``judge`` is the README's table as code; ``python3 tests/test_realworld.py DIR`` applies it to
the JSON outputs of a run (the before/after counts in the report of issue 10).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from compiler.checks import catalogue

REPO_ROOT = Path(__file__).resolve().parents[1]
CORPUS = REPO_ROOT.parent / "shared" / "realworld" / "corpus" / "kubeflow"
ARGO_VERSION = "2.12"  # the corpus README: "these clusters ran 2.2-2.12"
PROW = {
    "JOB_TYPE": "presubmit",
    "PULL_NUMBER": "1",
    "PULL_PULL_SHA": "abcdef0",
    "PULL_BASE_SHA": "1234567",
    "BUILD_NUMBER": "1",
    "BUILD_ID": "1",
}
#: Rules saying the input could not be read or evaluated: an entry that compiles has none.
BROKEN = {"yaml-syntax", "config-schema", "component-missing", "jsonnet-error", "import-denied"}
#: Guideline findings are true findings on these repos: the rules of the guidelines family.
GUIDELINES = {id_ for id_, check in catalogue().items() if check.family == "guidelines"}
#: Schema errors that are real in every Argo release (the corpus README's "true findings").
TRUE_SCHEMA = (
    re.compile(r"unknown field 'workingDir' in Template"),
    re.compile(r"unknown field 'metadata' in Container"),
    re.compile(r"unknown field 'someRandomField' in Template"),
)


@dataclass(frozen=True)
class Verdict:
    kind: str  # compiles | py_func | fails | network
    #: (rule, words) findings that must stay (true findings of the README).
    keeps: tuple[tuple[str, str], ...] = ()
    #: rules that must not fire (what the seed accepted and the README calls right).
    never: frozenset[str] = field(default_factory=frozenset)


COMPILES = Verdict("compiles")
PY_FUNC = Verdict("py_func")
VERDICTS: dict[str, dict[str, Verdict]] = {
    "kubeflow@2752aed3": {
        "kfctl-go-iap": PY_FUNC,
        "kfctl-go-basic-auth": PY_FUNC,
        "kfctl-go-iap-v07": PY_FUNC,
        "kfctl-go-basic-auth-v07": PY_FUNC,
        "jupyterui-release": Verdict("compiles", never=frozenset({"step-image"})),
        **{
            name: Verdict(
                "compiles",
                keeps=(
                    ("argo-schema", "unknown field 'workingDir' in Template"),
                    ("argo-schema", "unknown field 'metadata' in Container"),
                ),
            )
            for name in ("kfctl-go-existing", "kfctl-go-existing-v07")
        },
        "unittests": Verdict(
            "compiles",
            keeps=(
                ("argo-schema", "unknown field 'workingDir' in Template"),
                ("argo-schema", "unknown field 'someRandomField' in Template"),
                ("immutable-image", "latest"),
            ),
        ),
        "dashboard-release": COMPILES,
        "tf-notebook-release": Verdict("compiles", never=frozenset({"step-image"})),
        "kubeflow-e2e-minikube": Verdict("compiles", keeps=(("immutable-image", "latest"),)),
    },
    "testing@1a6292e6": {
        "skipmeplease": Verdict(
            "compiles",
            keeps=(("argo-schema", "workingDir"), ("labels", "repo")),
            never=frozenset({"checkout-first"}),
        ),
        "pyfunctest": Verdict("network"),
        "unittests": COMPILES,
    },
    "tf-operator@c588daed": {"v1": Verdict("compiles", never=frozenset({"step-image"}))},
    "examples@1e385247": {
        "xgboost": COMPILES,
        "pytorch-mnist": COMPILES,
        "gis": Verdict("fails"),
        "notebooks": PY_FUNC,
        "mnist": PY_FUNC,
        "unittests": COMPILES,
        "code-search": COMPILES,
    },
    "kfserving@06c5903b": {
        "e2e": Verdict("compiles", keeps=(("exit-handler", "onExit"),)),
        "e2e-release": Verdict("compiles", keeps=(("exit-handler", "onExit"),)),
    },
    "pytorch-operator@a72fa86c": {"e2e": COMPILES, "release": COMPILES},
}


def judge(
    snapshot: str, diagnostics: list[dict], compiled: Iterable[str] | None, seed_python: bool
) -> dict[str, str | None]:
    """Per entry of the README: None when the verdict is right, else what is wrong.

    ``compiled``: the metadata.name of every compiled workflow (None: lint only).
    ``seed_python``: whether py_func builders ran with the seed's dependencies.
    """
    repo = snapshot.split("@")[0]
    names = list(compiled) if compiled is not None else None
    out: dict[str, str | None] = {}
    for entry, verdict in VERDICTS[snapshot].items():
        mine = [d for d in diagnostics if d["workflow"] == entry]
        errors = [d for d in mine if d["severity"] == "error"]
        kind = verdict.kind
        if kind == "py_func" and not seed_python:
            out[entry] = None if _one_dependency_hint(errors) else _show("want --python", errors)
            continue
        built = (
            None
            if names is None
            else any(re.match(rf"{re.escape(repo)}-[a-z]+-{re.escape(entry)}-\d", n) for n in names)
        )
        if kind == "fails":
            wanted = [d for d in errors if d["rule"] == "jsonnet-error"]
            ok = wanted and all(str(d["file"]).endswith("gis.jsonnet") for d in wanted)
            out[entry] = None if ok and not built else _show("should fail in gis.jsonnet", errors)
            continue
        if kind == "network":
            called = not any("unexpected keyword argument" in d["message"] for d in errors)
            offline = all(
                d["rule"] == "jsonnet-error"
                and re.search(r"ConnectionError|resolve|network|module 'requests'", d["message"])
                for d in errors
            )
            out[entry] = None if called and (offline or not errors) else _show("network", errors)
            continue
        out[entry] = _compiles(verdict, errors, mine, built)
    return out


def _compiles(
    verdict: Verdict, errors: list[dict], mine: list[dict], built: bool | None
) -> str | None:
    broken = [d for d in errors if d["rule"] in BROKEN]
    if broken:
        return _show("does not compile", broken)
    if built is False:
        return "no workflow was compiled"
    false = [
        d
        for d in errors
        if d["rule"] in verdict.never
        or (d["rule"] not in GUIDELINES and d["rule"] != "argo-schema")
        or (d["rule"] == "argo-schema" and not any(p.search(d["message"]) for p in TRUE_SCHEMA))
    ]
    if false:
        return _show("false findings", false)
    for rule, words in verdict.keeps:
        if not any(d["rule"] == rule and words in d["message"] for d in mine):
            return f"the true finding [{rule}] {words!r} is gone"
    return None


def _one_dependency_hint(errors: list[dict]) -> bool:
    return bool(errors) and all("--python" in d["message"] for d in errors)


def _show(what: str, diagnostics: list[dict]) -> str:
    shown = "; ".join(f"[{d['rule']}] {d['message'][:160]}" for d in diagnostics[:3])
    return f"{what}: {shown or 'no diagnostics'}"


# --- running kftest ------------------------------------------------------------------------


def _kftest(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in _PROW_VARS}
    environ.update(env)
    environ["PYTHONPATH"] = str(REPO_ROOT)
    return subprocess.run(
        [sys.executable, "-m", "compiler", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=environ,
        timeout=900,
        check=False,
    )


_PROW_VARS = (
    "JOB_TYPE",
    "JOB_NAME",
    "REPO_OWNER",
    "REPO_NAME",
    "PULL_NUMBER",
    "PULL_BASE_REF",
    "PULL_BASE_SHA",
    "PULL_PULL_SHA",
    "PULL_REFS",
    "BUILD_ID",
    "BUILD_NUMBER",
    "KFTEST_PYTHON",
)


def _python_args() -> list[str]:
    from tests.seed_python import seed_python

    python = seed_python()
    return ["--python", str(python)] if python else []


def _snapshots() -> list[str]:
    return sorted(VERDICTS) if CORPUS.is_dir() else []


needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/realworld is absent")


@needs_corpus
def test_every_snapshot_of_the_corpus_has_verdicts() -> None:
    assert sorted(path.name for path in CORPUS.iterdir()) == sorted(VERDICTS)


@needs_corpus
@pytest.mark.parametrize("snapshot", _snapshots())
def test_lint_and_compile_give_the_readme_verdicts(snapshot: str, tmp_path: Path) -> None:
    repo = snapshot.split("@")[0]
    cwd = CORPUS / snapshot / "kubeflow" / repo
    env = {**PROW, "JOB_NAME": f"{repo}-presubmit", "REPO_OWNER": "kubeflow", "REPO_NAME": repo}
    python = _python_args()
    common = ["--repo-root", ".", "--repos-dir", str(CORPUS / snapshot)]
    common += python
    lint = _kftest(["lint", "--format", "json", *common], cwd, env)
    assert lint.returncode in (0, 1), lint.stderr
    diagnostics = json.loads(lint.stdout)["diagnostics"]
    out = tmp_path / "out"
    compiled = _kftest(
        ["compile", "--all", "--out", str(out), "--format", "json", *common], cwd, env
    )
    assert compiled.returncode in (0, 1), compiled.stderr
    names = [path.stem for path in out.glob("*.yaml")]
    verdicts = judge(snapshot, diagnostics, names, seed_python=bool(python))
    wrong = {entry: why for entry, why in verdicts.items() if why}
    assert not wrong
    if not python and any(v.kind == "py_func" for v in VERDICTS[snapshot].values()):
        pytest.skip(
            "no interpreter with the seed's dependencies could be built: py_func entries "
            "were only checked for the --python hint"
        )


@needs_corpus
def test_py_func_builders_without_the_seed_interpreter_suggest_python() -> None:
    cwd = CORPUS / "kubeflow@2752aed3" / "kubeflow" / "kubeflow"
    env = {
        **PROW,
        "JOB_NAME": "kubeflow-presubmit",
        "REPO_OWNER": "kubeflow",
        "REPO_NAME": "kubeflow",
    }
    args = [
        "lint",
        "--format",
        "json",
        "--repos-dir",
        str(cwd.parent.parent),
        "--argo-version",
        "2.12",
    ]
    lint = _kftest(args, cwd, env)
    diagnostics = json.loads(lint.stdout)["diagnostics"]
    for entry in ("kfctl-go-iap", "kfctl-go-basic-auth-v07"):
        errors = [d for d in diagnostics if d["workflow"] == entry and d["severity"] == "error"]
        assert [(d["rule"], d["line"]) for d in errors][:1] == [
            ("jsonnet-error", errors[0]["line"])
        ]
        assert all(d["rule"] == "jsonnet-error" and "--python" in d["message"] for d in errors)


def _copy_tree(source: Path, target: Path) -> None:
    """A writable copy (the corpus is read-only)."""
    for directory, _, files in os.walk(source):
        here = target / Path(directory).relative_to(source)
        here.mkdir(parents=True, exist_ok=True)
        for name in files:
            shutil.copyfile(Path(directory) / name, here / name)


def _clone_like(snapshot: str, tmp_path: Path) -> Path:
    """The snapshot's repositories as a developer has them: git clones side by side."""
    from tests.conftest import git

    owner_dir = tmp_path / "src" / "kubeflow"
    for checkout in (CORPUS / snapshot / "kubeflow").iterdir():
        target = owner_dir / checkout.name
        _copy_tree(checkout, target)
        git(target, "init", "-q")
        git(target, "remote", "add", "origin", f"git@github.com:kubeflow/{checkout.name}.git")
        git(target, "add", "-A")
        git(target, "commit", "-q", "-m", "snapshot")
    return owner_dir / snapshot.split("@")[0]


@needs_corpus
@pytest.mark.parametrize("snapshot", _snapshots())
def test_lint_in_a_developer_clone(snapshot: str, tmp_path: Path) -> None:
    clone = _clone_like(snapshot, tmp_path / "work")
    lint = _kftest(["lint", "--format", "json", *_python_args()], clone, {})
    assert lint.returncode in (0, 1), lint.stderr
    verdicts = judge(snapshot, json.loads(lint.stdout)["diagnostics"], None, bool(_python_args()))
    assert not {entry: why for entry, why in verdicts.items() if why}
    # Text output says where each checkout came from: this one, and its neighbours.
    text = _kftest(["lint"], clone, {})
    if any(d["rule"] == "argo-schema" for d in json.loads(lint.stdout)["diagnostics"]):
        assert f"py_func builders against the Argo {ARGO_VERSION} of their era" in text.stderr
    repo = snapshot.split("@")[0]
    assert f"note: checkout kubeflow/{repo}: this repository (.)" in text.stderr
    others = [line for line in text.stderr.splitlines() if line.startswith("note: checkout")]
    assert all("this repository" in line or "beside the clone (../" in line for line in others)


@needs_corpus
def test_a_missing_checkout_is_one_diagnostic_saying_how_to_point_at_it(tmp_path: Path) -> None:
    clone = _clone_like("testing@1a6292e6", tmp_path / "work")
    shutil.rmtree(clone.parent / "kubeflow")  # skipmeplease's app_dir is in kubeflow/kubeflow
    lint = _kftest(["lint", "--format", "json"], clone, {})
    missing = [
        d
        for d in json.loads(lint.stdout)["diagnostics"]
        if d["workflow"] == "skipmeplease" and d["severity"] == "error"
    ]
    # One diagnostic, at the entry's app_dir line.
    assert [(d["rule"], d["file"], d["line"]) for d in missing] == [
        ("component-missing", "prow_config.yaml", 8)
    ]
    message = missing[0]["message"]
    assert "the checkout of kubeflow/kubeflow is missing" in message
    assert "--repos-dir" in message and "repos_dir" in message and "../kubeflow" in message


def main(argv: list[str]) -> int:  # pragma: no cover - a helper script
    """``python3 tests/test_realworld.py DIR [--seed-python]``: count right verdicts in the
    ``<snapshot>.lint.json`` / ``<snapshot>.out/`` of a run (see tests/README of issue 10)."""
    directory = Path(argv[0])
    right = total = 0
    for snapshot in sorted(VERDICTS):
        diagnostics = json.loads((directory / f"{snapshot}.lint.json").read_text())["diagnostics"]
        out = directory / f"{snapshot}.out"
        names = [p.stem for p in out.glob("*.yaml")] if out.is_dir() else None
        for entry, why in judge(snapshot, diagnostics, names, "--seed-python" in argv).items():
            total += 1
            right += why is None
            print(f"{'ok   ' if why is None else 'WRONG'} {snapshot} {entry} {why or ''}")
    print(f"{right} of {total} right")
    return 0


if __name__ == "__main__":
    sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "tests")]
    sys.exit(main(sys.argv[1:]))


@needs_corpus
def test_pre_commit_on_a_vendored_registry_package_checks_its_users() -> None:
    cwd = CORPUS / "kubeflow@2752aed3" / "kubeflow" / "kubeflow"
    [package] = (cwd / "components/jupyter-web-app/releaser/vendor/kubeflow").glob(
        "automation@*/release.libsonnet"
    )
    args = ["lint", "--format", "json", "--repos-dir", str(cwd.parent.parent), "--argo-version"]
    lint = _kftest([*args, ARGO_VERSION, str(package.relative_to(cwd))], cwd, {})
    checked = {d["workflow"] for d in json.loads(lint.stdout)["diagnostics"]}
    assert checked == {"jupyterui-release"}
