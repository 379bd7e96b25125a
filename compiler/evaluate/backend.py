"""The jsonnet bindings kftest can evaluate with, behind one call.

``rust`` (``rjsonnet``, the jrsonnet interpreter) is the default because it is by far the
fastest on realistic components: bench/README.md has the figures. ``go`` (``gojsonnet``, the
reference implementation) and ``cpp`` (``jsonnet``) are selectable with ``KFTEST_JSONNET``. When
the fast binding reports an error, the worker re-evaluates with the reference binding (when
installed): its messages carry better locations, and a disagreement is settled its way.

Bindings are imported only inside worker processes: the Go runtime does not survive ``fork``,
so the parent must never load it (see ``pool.start_method``).
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType

from compiler.diagnostics import UsageError

ENV_VAR = "KFTEST_JSONNET"
#: Backend name -> the Python module of its binding, in order of preference.
MODULES = {"rust": "rjsonnet", "go": "_gojsonnet", "cpp": "_jsonnet"}
#: The binding whose verdict and messages count when the fast one reports an error.
REFERENCE = "go"
#: jsonnet's own default stack depth: deep enough for real components, and infinite
#: recursion ends in a clean error rather than exhausting the native stack.
MAX_STACK = 500

ImportCallback = Callable[[str, str], tuple[str, bytes]]


class JsonnetError(Exception):
    """The binding's error message, verbatim."""


@dataclass(frozen=True)  # mutation: equivalent — nothing changes or hashes a Backend
class Backend:
    name: str

    @property
    def module_name(self) -> str:
        return MODULES[self.name]

    def evaluate(
        self,
        filename: str,
        text: str,
        *,
        import_callback: ImportCallback,
        ext_codes: Mapping[str, str],
        tla_codes: Mapping[str, str],
    ) -> str:
        """The JSON text ``text`` (read from ``filename``) evaluates to."""
        module = _load(self.module_name)
        options = {"ext_codes": dict(ext_codes), "tla_codes": dict(tla_codes)}
        try:
            if self.name == "rust":
                # rjsonnet resolves a snippet's relative imports against the process's cwd;
                # evaluating the file keeps them relative to it. The callback serves the file,
                # so it is read once, and checked.
                value = module.evaluate_file(
                    filename,
                    import_callback=_text_callback(import_callback),
                    max_stack=MAX_STACK,
                    **options,
                )
            else:
                value = module.evaluate_snippet(
                    filename, text, import_callback=import_callback, max_stack=MAX_STACK, **options
                )
        except RuntimeError as exc:
            raise JsonnetError(str(exc)) from None
        except ValueError as exc:
            # e.g. "embedded null character": the binding refuses the text before evaluating.
            if not isinstance(exc, UnicodeDecodeError):
                raise JsonnetError(f"the binding refused the input: {exc}") from None
            # gojsonnet can garble an import callback's error message into invalid UTF-8.
            raise JsonnetError(bytes(exc.object).decode("utf-8", errors="replace")) from None
        return str(value)

    def reference(self) -> Backend | None:
        """The binding to re-evaluate with when this one reports an error, if installed."""
        if self.name == REFERENCE or not installed(REFERENCE):
            return None
        return Backend(REFERENCE)


@functools.cache
def installed(name: str) -> bool:
    # find_spec does not load the extension module, which keeps the parent fork-safe. It scans
    # sys.path, so once per process is enough.
    return importlib.util.find_spec(MODULES[name]) is not None


def choose(environ: Mapping[str, str] | None = None) -> Backend:
    """The backend ``KFTEST_JSONNET`` names, else the first installed one."""
    environ = os.environ if environ is None else environ
    wanted = environ.get(ENV_VAR, "").strip().lower()
    if wanted:
        if wanted not in MODULES:
            raise UsageError(
                f"{ENV_VAR}={wanted!r}: unknown jsonnet backend; use one of {', '.join(MODULES)}"
            )
        if not installed(wanted):
            raise UsageError(
                f"{ENV_VAR}={wanted}: the {MODULES[wanted]} module is not installed "
                f"(pip install {_DISTRIBUTIONS[wanted]})"
            )
        return Backend(wanted)
    for name in MODULES:
        if installed(name):
            return Backend(name)
    raise UsageError("no jsonnet binding is installed: pip install rjsonnet (or gojsonnet)")


_DISTRIBUTIONS = {"rust": "rjsonnet", "go": "gojsonnet", "cpp": "jsonnet"}


def _load(module_name: str) -> ModuleType:
    return importlib.import_module(module_name)


def _text_callback(callback: ImportCallback) -> Callable[[str, str], tuple[str, str]]:
    """rjsonnet wants the imported file's text, not its bytes."""

    def text_callback(base: str, rel: str) -> tuple[str, str]:
        path, content = callback(base, rel)
        try:
            return path, content.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise RuntimeError(f"{path}: not valid UTF-8 (byte {exc.start})") from None

    return text_callback
