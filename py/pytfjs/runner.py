"""Running a lab's Python source: top-level ``await``, readable tracebacks, clean-up.

:func:`run_source` is pure Python (tested on CPython). :func:`run_lab` adds what the
page needs: a TF.js engine scope around the run, so every tensor and variable the lab
made is released afterwards, the Stop flag, and the run's seed (``?seed=``, read by
:func:`param`): models the lab makes start from it and report it with their weights'
digest when they have trained (seeding.py), so a lab holds no seeding code.
"""

from __future__ import annotations

import ast
import asyncio
import json
import linecache
import re
import sys
import traceback
from typing import Any

from . import _compat, output, packages, query, seeding
from .control import STOP, InputError, Stopped
from .i18n import _, ngettext
from .reporting import clear as clear_results
from .scope import KEPT_VARIABLES, RUN_OWNED, release_kept

_RUNNING: list[asyncio.Task[Any]] = []  # the lab's top-level coroutine while it awaits
# Stop cancels a run this long after the click unless it ended by itself: a question the
# lab waits on ends at once (with its own message), training at the end of its batch
STOP_GRACE_S = 0.25
STOPPED_BUSY = "Stopped by you (Python was interrupted)."  # English; printed through _()
_LAST_ERROR = ["code"]  # what the last "error" was: "input" (the learner's file) or "code"
# ".../site-packages/pytfjs/training.py" -> "pytfjs/training.py", same for the stdlib
_LIBRARY_PREFIX = re.compile(r"^.*/(?:site-packages|python3\.?\d+(?:\.zip)?)/")


_LAST_ERROR_LINE: list[int] = []  # the lab line the last error arose at (0: none)


def _hidden_frames(n: int) -> str:
    return "  (" + ngettext("{n} frame inside pytfjs and TensorFlow.js hidden",
                            "{n} frames inside pytfjs and TensorFlow.js hidden", n
                            ).format(n=n) + ")\n"


def _folded(frame: traceback.FrameSummary) -> bool:
    """A frame the learner cannot act on: pytfjs's own plumbing or (minified) JavaScript."""
    name = frame.filename
    return name.startswith("pytfjs/") or name.endswith((".js", ".mjs")) or "://" in name


def error_line(exc: BaseException, filename: str) -> int:
    """The line of ``filename`` where ``exc`` arose (its deepest frame there), or 0."""
    if isinstance(exc, SyntaxError):
        return int(exc.lineno or 0) if exc.filename == filename else 0
    lines = [f.lineno for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
    # an error in a callback that TF.js called comes back with its traceback in the message
    inner = re.findall(rf'File "{re.escape(filename)}", line (\d+)', str(exc))
    if inner:
        return int(inner[-1])
    return int(lines[-1] or 0) if lines else 0


def format_error(exc: BaseException, filename: str) -> str:
    """A traceback that starts at the lab's own code and drops Pyodide's internals.

    Frames inside pytfjs and TF.js (``tf.es2017.min.js``: minified, meaningless to a learner)
    are folded into one line saying how many there were; the standard library's stay.
    """
    if isinstance(exc, SyntaxError):
        return "".join(traceback.format_exception_only(type(exc), exc))
    tb = traceback.TracebackException.from_exception(exc)
    frames = list(tb.stack)
    first = next((i for i, f in enumerate(frames) if f.filename == filename), 0)
    frames = frames[first:]
    for frame in frames:
        frame.filename = _LIBRARY_PREFIX.sub("", frame.filename)
    out = ["Traceback (most recent call last):\n"]
    hidden = 0
    for frame in frames:
        if _folded(frame):
            hidden += 1
            continue
        if hidden:
            out.append(_hidden_frames(hidden))
            hidden = 0
        out += traceback.StackSummary.from_list([frame]).format()
    if hidden:
        out.append(_hidden_frames(hidden))
    if isinstance(exc, _compat.JsException) and "Traceback (most recent" not in str(exc):
        # raised by TF.js itself: say so, without Pyodide's jargon
        out.append(f"TensorFlow.js: {_compat.error_text(exc)}\n")
    else:  # a Python error (also one from a callback TF.js called: its traceback is inside)
        out += list(tb.format_exception_only())
    return "".join(out)


def last_error_line() -> int:
    """For the page: the lab line the last run's error arose at (0 if none)."""
    return _LAST_ERROR_LINE[-1] if _LAST_ERROR_LINE else 0


async def run_source(source: str, filename: str, namespace: dict[str, Any] | None = None
                     ) -> str:
    """Execute ``source`` (top-level ``await`` allowed). Returns "done", "stopped" or "error".

    Errors are printed to stderr as a traceback pointing into ``filename``.
    """
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    _LAST_ERROR_LINE[:] = [0]
    _LAST_ERROR[0] = "code"
    ns = namespace if namespace is not None else {"__name__": "__main__"}
    try:
        code = compile(source, filename, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
        pending = eval(code, ns)  # noqa: S307 - running the learner's own lab code is the point
        if pending is not None:
            task = asyncio.ensure_future(pending)
            _RUNNING[:] = [task]
            try:
                await task
            finally:
                _RUNNING.clear()
    except Stopped as exc:  # the learner pressed Stop: news, not an error (stdout, not red)
        _ENDED[0] = "stopped"  # before printing: a late interrupt must not say it again
        print(str(exc))
        return "stopped"
    except asyncio.CancelledError:  # Stop, at an await outside training (request_stop)
        _ENDED[0] = "stopped"
        print(_("Stopped by you."))
        return "stopped"
    except InputError as exc:  # the learner's file or choice: a message, not a traceback
        print(_("Problem: {exc}").format(exc=exc), file=sys.stderr)
        output.message(str(exc), "error")
        _LAST_ERROR[0] = "input"
        return "error"
    except BaseException as exc:  # noqa: BLE001 - everything the lab raises is shown
        if _interrupted(exc):  # Stop, through the interrupt buffer: Python was busy
            print(_("Stopped by you (Python was interrupted)."))
            return "stopped"
        _LAST_ERROR_LINE[:] = [error_line(exc, filename)]
        print(format_error(exc, filename), file=sys.stderr, end="")
        return "error"
    return "done"


def _interrupted(exc: BaseException) -> bool:
    """A ``KeyboardInterrupt``: raised in the lab's own code, or come back through
    JavaScript (a callback TF.js called) as a JsException."""
    return isinstance(exc, KeyboardInterrupt) or (
        isinstance(exc, _compat.JsException) and "KeyboardInterrupt" in str(exc))


def last_error() -> str:
    """Why the last run ended in "error": "input" (a file or choice was refused, shown as
    a message) or "code" (a traceback). The page words its status line after it."""
    return _LAST_ERROR[0]


def _dispose_new_variables(tf: Any, before: set[str]) -> int:
    registered = tf.engine().state.registeredVariables
    new = [name for name in _compat.js_keys(registered)
           if name not in before and name not in KEPT_VARIABLES]
    for name in new:
        getattr(registered, name).dispose()
    return len(new)


_OPEN_RUN: list[Any] = []  # (engine, variables before) of a run not yet cleaned up
_ENDED: list[str] = [""]  # how the lab's own code ended, "" while it runs


def ended() -> str:
    """How the current run's lab code ended ("done", "stopped", "error"), or "" while it
    runs. Stop's interrupt can land after the code ended (during the clean-up): the
    worker then keeps this outcome instead of reporting a second stop."""
    return _ENDED[0]


async def run_lab(source: str, lab_id: str, query_json: str = "{}") -> str:
    """Run a lab in the page; every tensor and variable it created is freed afterwards.

    ``query_json`` holds the page's extra query parameters, read with :func:`param`.
    """
    query.set_params(json.loads(query_json))
    finish_run()  # a run an interrupt cut off in its own clean-up
    STOP.clear()
    clear_results()
    seeding.start_run()  # layers made from here on get the run's seed when compiled
    release_kept()  # what the previous run kept for its drawing pad
    packages.configure()  # micropip (if the lab imports it) installs from this site only
    engine = _compat.tf_module().engine()
    _OPEN_RUN[:] = [(engine, set(_compat.js_keys(engine.state.registeredVariables)))]
    engine.startScope("pytfjs.run")
    _ENDED[0] = ""
    try:
        _ENDED[0] = await run_source(source, f"{lab_id}.py")
        return _ENDED[0]
    finally:
        finish_run()


def finish_run() -> None:
    """Free what the current run made (its engine scope, owned tensors, new variables).

    Called when a run ends; again by the worker when Stop's interrupt (a
    ``KeyboardInterrupt``) arrived during that clean-up, so it is never left half done.
    """
    if not _OPEN_RUN:
        return
    engine, before = _OPEN_RUN.pop()
    engine.endScope(None)
    RUN_OWNED.dispose_all()
    _dispose_new_variables(_compat.tf_module(), before)
    STOP.clear()


def request_stop() -> None:
    """Called by the page's Stop button.

    Training checks the flag between batches and ends there, a question the lab waits on
    is cancelled by the page. Any other run is cancelled :data:`STOP_GRACE_S` later: it
    ends at its next ``await``. A loop that never awaits is interrupted by the page
    through Pyodide's interrupt buffer (a ``KeyboardInterrupt``, see :func:`run_source`),
    or, where the page is not cross-origin isolated, its worker is restarted.
    """
    STOP.request()
    if not _RUNNING:
        return
    task = _RUNNING[0]

    def cancel() -> None:  # what ends by itself (a question, a fit's batch) had its chance
        if not task.done() and not STOP.training:
            task.cancel()

    asyncio.get_event_loop().call_later(STOP_GRACE_S, cancel)
