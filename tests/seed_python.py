"""An interpreter like the seed's test-worker image's: an old Python with the builders' libraries.

The seed ran py_func builders in its test-worker image, whose Python had six, PyYAML 5 (whose
``yaml.load(f)`` needs no Loader) and requests. Tests that run seed-era builders build such an
interpreter once from the package registry — a venv of the oldest Python 3.6+ on the machine
(pyenv's included), else of the running one — and cache it under the temp dir. When it cannot
be built (no network, no venv module) ``seed_python()`` returns None and the tests skip.
"""

from __future__ import annotations

import functools
import glob
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CACHE = Path(tempfile.gettempdir()) / "kftest-test-cache"
REQUIRED = ("six", "PyYAML<6")
#: kubeflow/testing's 2019 builder downloads a file with requests: pins that install on 3.6.
OPTIONAL = ("requests<2.26", "idna<3", "urllib3<1.27", "chardet<5", "certifi<2022")
TIMEOUT = 300


def _candidates() -> list[str]:
    found = [shutil.which(f"python3.{minor}") for minor in (6, 7, 8)]
    home = os.path.expanduser("~/.pyenv/versions")
    for minor in (6, 7, 8):
        found += sorted(glob.glob(f"{home}/3.{minor}.*/bin/python3"))
    return [path for path in found if path] + [sys.executable]


def _version(python: str) -> str | None:
    try:
        result = subprocess.run(
            [python, "-c", "import sys, venv; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    version = result.stdout.strip()
    if result.returncode != 0 or not version:
        return None
    return version if tuple(map(int, version.split("."))) >= (3, 6) else None


def _pip(venv: Path, *packages: str) -> bool:
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_CONSTRAINT": ""}
    try:
        result = subprocess.run(
            [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", *packages],
            capture_output=True,
            timeout=TIMEOUT,
            env=env,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return result.returncode == 0


@functools.lru_cache(maxsize=1)
def seed_python() -> Path | None:
    """The path of the seed-like interpreter, built on first use; None when it cannot be."""
    for python in _candidates():
        version = _version(python)
        if version is None:
            continue
        venv = CACHE / f"seed-python-{version}"
        stamp = venv / ".kftest-complete"
        if stamp.is_file():
            return venv / "bin" / "python"
        shutil.rmtree(venv, ignore_errors=True)
        venv.parent.mkdir(parents=True, exist_ok=True)
        try:
            subprocess.run(
                [python, "-m", "venv", str(venv)], capture_output=True, timeout=120, check=True
            )
        except (OSError, subprocess.SubprocessError):
            continue
        if not _pip(venv, *REQUIRED):
            shutil.rmtree(venv, ignore_errors=True)
            return None  # the registry is unreachable: no other interpreter will do better
        _pip(venv, *OPTIONAL)
        stamp.write_text(version, encoding="utf-8")
        return venv / "bin" / "python"
    return None
