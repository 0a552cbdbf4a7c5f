"""Running a lab's Python source: top-level ``await``, readable tracebacks, clean-up.

:func:`run_source` is pure Python (tested on CPython). :func:`run_lab` adds what the
page needs: a TF.js engine scope around the run, so every tensor and variable the lab
made is released afterwards, and the Stop flag.
"""

from __future__ import annotations

import ast
import json
import linecache
import re
import sys
import traceback
from typing import Any

from . import _compat
from .control import STOP, InputError, Stopped
from .reporting import clear as clear_results
from .scope import KEPT_VARIABLES, RUN_OWNED, release_kept

_PARAMS: dict[str, str] = {}
_LAST_ERROR = ["code"]  # what the last "error" was: "input" (the learner's file) or "code"
# ".../site-packages/pytfjs/training.py" -> "pytfjs/training.py", same for the stdlib
_LIBRARY_PREFIX = re.compile(r"^.*/(?:site-packages|python3\.?\d+(?:\.zip)?)/")


def params() -> dict[str, str]:
    """The page's query parameters (``lab.html?lab=mnist&epochs=3`` -> {"epochs": "3"})."""
    return dict(_PARAMS)


def param(name: str, default: Any) -> Any:
    """A query parameter converted to the type of ``default`` (int, float, bool, str)."""
    if name not in _PARAMS:
        return default
    raw = _PARAMS[name]
    kind = type(default)
    try:
        if kind is bool:
            return raw.lower() in ("1", "true", "yes", "on")
        return kind(raw) if default is not None else raw
    except ValueError:
        print(f"Ignoring ?{name}={raw}: expected {kind.__name__}; using {default}",
              file=sys.stderr)
        return default


def format_error(exc: BaseException, filename: str) -> str:
    """A traceback that starts at the lab's own code and drops Pyodide's internals."""
    if isinstance(exc, SyntaxError):
        return "".join(traceback.format_exception_only(type(exc), exc))
    tb = traceback.TracebackException.from_exception(exc)
    frames = list(tb.stack)
    first = next((i for i, f in enumerate(frames) if f.filename == filename), 0)
    tb.stack = traceback.StackSummary.from_list(frames[first:])
    for frame in tb.stack:
        frame.filename = _LIBRARY_PREFIX.sub("", frame.filename)
    return "".join(tb.format())


async def run_source(source: str, filename: str, namespace: dict[str, Any] | None = None
                     ) -> str:
    """Execute ``source`` (top-level ``await`` allowed). Returns "done", "stopped" or "error".

    Errors are printed to stderr as a traceback pointing into ``filename``.
    """
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    _LAST_ERROR[0] = "code"
    ns = namespace if namespace is not None else {"__name__": "__main__"}
    try:
        code = compile(source, filename, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
        pending = eval(code, ns)  # noqa: S307 - running the learner's own lab code is the point
        if pending is not None:
            await pending
    except Stopped as exc:
        print(str(exc), file=sys.stderr)
        return "stopped"
    except InputError as exc:  # the learner's file or choice: a message, not a traceback
        print(f"Problem: {exc}", file=sys.stderr)
        from . import ui

        ui.message(str(exc), "error")
        _LAST_ERROR[0] = "input"
        return "error"
    except BaseException as exc:  # noqa: BLE001 - everything the lab raises is shown
        print(format_error(exc, filename), file=sys.stderr, end="")
        return "error"
    return "done"


def last_error() -> str:
    """Why the last run ended in "error": "input" (a file or choice was refused, shown as
    a message) or "code" (a traceback). The page words its status line after it."""
    return _LAST_ERROR[0]


def request_stop() -> None:
    """Called by the page's Stop button."""
    STOP.request()


def _dispose_new_variables(tf: Any, before: set[str]) -> int:
    registered = tf.engine().state.registeredVariables
    new = [name for name in _compat.js_keys(registered)
           if name not in before and name not in KEPT_VARIABLES]
    for name in new:
        getattr(registered, name).dispose()
    return len(new)


async def run_lab(source: str, lab_id: str, query_json: str = "{}") -> str:
    """Run a lab in the page; every tensor and variable it created is freed afterwards.

    ``query_json`` holds the page's extra query parameters, read with :func:`param`.
    """
    _PARAMS.clear()
    _PARAMS.update({str(k): str(v) for k, v in json.loads(query_json).items()})
    STOP.clear()
    clear_results()
    release_kept()  # what the previous run kept for its drawing pad
    tf = _compat.tf_module()
    engine = tf.engine()
    before = set(_compat.js_keys(engine.state.registeredVariables))
    engine.startScope("pytfjs.run")
    try:
        return await run_source(source, f"{lab_id}.py")
    finally:
        engine.endScope(None)
        RUN_OWNED.dispose_all()
        _dispose_new_variables(tf, before)
        STOP.clear()
