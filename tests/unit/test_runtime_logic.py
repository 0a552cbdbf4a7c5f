"""Runner, training log, reports and proxy registry: pure Python on CPython."""

from __future__ import annotations

import asyncio
import json
import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from pytfjs import query, runner
from pytfjs import reporting as results
from pytfjs.control import STOP, Stopped
from pytfjs.scope import OwnedObjects, ProxyRegistry
from pytfjs.trainlog import Throttle, TrainingLog, batches_per_epoch, chart_groups


def in_thread(coroutine):
    # A thread of its own: Playwright's sync API keeps an event loop running in the main
    # thread once a browser test has started, and asyncio.run refuses to nest.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def run(source: str, filename: str = "lab.py") -> str:
    return in_thread(runner.run_source(source, filename))


def test_run_source_supports_top_level_await(capsys):
    status = run("import asyncio\nawait asyncio.sleep(0)\nprint('after await')\n")
    assert status == "done"
    assert "after await" in capsys.readouterr().out


def test_error_traceback_starts_at_the_lab_and_names_lines(capsys):
    source = "x = 1\n\ndef inner():\n    return 1 / 0\n\ninner()\n"
    assert run(source, "my-lab.py") == "error"
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert 'File "my-lab.py", line 6, in <module>' in lines[1]
    assert "inner()" in err and "return 1 / 0" in err
    assert 'File "my-lab.py", line 4, in inner' in err
    assert lines[-1] == "ZeroDivisionError: division by zero"
    assert "runner.py" not in err


def test_syntax_error_names_file_and_line(capsys):
    assert run("a = 1\nb = (\n", "lab.py") == "error"
    err = capsys.readouterr().err
    assert 'File "lab.py", line 2' in err and "SyntaxError" in err


def test_pytfjs_and_javascript_frames_are_folded_and_the_line_kept():
    import traceback

    def frame(name: str, line: int) -> traceback.FrameSummary:
        return traceback.FrameSummary(name, line, "f", lookup_line=False, line="x")

    frames = [frame("lab.py", 3), frame("pytfjs/wrap.py", 80), frame("tf.es2017.min.js", 17),
              frame("http://127.0.0.1/vendor/tfjs/tf.es2017.min.js", 17)]
    assert [runner._folded(f) for f in frames] == [False, True, True, True]
    source = "import json\n\ndef f():\n    raise ValueError('inner')\n\nf()\n"
    assert run(source, "lab.py") == "error"
    assert runner.last_error_line() == 4  # the deepest lab line: where it arose
    assert run("print(1)\n", "lab.py") == "done" and runner.last_error_line() == 0
    assert run("a = (\n", "lab.py") == "error" and runner.last_error_line() == 1
    # a callback's error that TF.js hands back: its own traceback is in the message
    wrapped = ValueError('Traceback (most recent call last):\n  File "lab.py", line 15, in f\n'
                         "KeyError: 'oops'")
    assert runner.error_line(wrapped, "lab.py") == 15


def test_library_frames_are_shortened(capsys):
    assert run("import json\njson.loads('{')\n") == "error"
    err = capsys.readouterr().err
    assert 'File "json/__init__.py"' in err or 'File "json/decoder.py"' in err
    assert "JSONDecodeError" in err


def test_stop_is_not_an_error(capsys):
    STOP.clear()
    try:
        STOP.request()
        assert run("import pytfjs\npytfjs.check_stop()\nprint('not reached')\n") == "stopped"
    finally:
        STOP.clear()
    captured = capsys.readouterr()
    assert "Stopped by you" in captured.out and "not reached" not in captured.out
    assert captured.err == ""  # news, not an error: the page shows it in plain text


def test_stop_cancels_a_run_at_its_next_await_unless_it_trains(capsys):
    """A loop that awaits (not training) ends at its next await; a fit is left to its batch."""
    source = "import asyncio\nwhile True:\n    await asyncio.sleep(0.01)\n"

    async def stop_soon() -> str:
        run_task = asyncio.ensure_future(runner.run_source(source, "lab.py"))
        await asyncio.sleep(0.05)
        runner.request_stop()
        return await asyncio.wait_for(run_task, 2)

    STOP.clear()
    try:
        assert in_thread(stop_soon()) == "stopped"
    finally:
        STOP.clear()
    assert "Stopped by you." in capsys.readouterr().out

    async def stop_while_training() -> tuple[str, bool]:
        with STOP.training_scope():
            run_task = asyncio.ensure_future(runner.run_source(source, "lab.py"))
            await asyncio.sleep(0.05)
            runner.request_stop()
            await asyncio.sleep(0.05)
            still_running = not run_task.done()  # the fit would end it at its next batch
        run_task.cancel()
        return still_running, STOP.training == 0

    try:
        assert in_thread(stop_while_training()) == (True, True)
    finally:
        STOP.clear()


def test_params_are_typed_like_their_defaults(capsys):
    query.set_params({"epochs": "3", "lr": "0.5", "show": "yes", "name": "x", "bad": "z"})
    try:
        assert query.param("epochs", 10) == 3
        assert query.param("lr", 0.1) == 0.5
        assert query.param("show", False) is True
        assert query.param("name", "default") == "x"
        assert query.param("missing", 7) == 7
        assert query.param("bad", 4) == 4
        assert "Ignoring ?bad=z" in capsys.readouterr().err
        assert query.params()["epochs"] == "3"
    finally:
        query.set_params({})


def test_batches_per_epoch_matches_tfjs_split():
    assert batches_per_epoch(6, 32) == 1
    assert batches_per_epoch(5500, 512) == 11
    assert batches_per_epoch(150, 10, validation_split=0.2) == 12
    assert batches_per_epoch(0, 10) == 0


def test_training_log_progress_and_history():
    log = TrainingLog(epochs=3, batches=4)
    log.begin_epoch(0)
    log.end_batch(1, {"loss": 0.5})
    assert log.fraction == pytest.approx(2 / 4 / 3)
    assert log.progress()["text"] == "epoch 1/3 · batch 2/4 · loss 0.5"
    log.end_epoch(0, {"loss": 0.4, "val_loss": 0.6, "acc": 0.7})
    log.begin_epoch(1)
    log.end_epoch(1, {"loss": 0.3, "val_loss": 0.5, "acc": 0.8})
    log.begin_epoch(2)
    log.end_epoch(2, {"loss": float("nan"), "val_loss": 0.4, "acc": 0.9})
    assert log.fraction == 1.0
    assert log.progress()["text"].startswith("epoch 3/3 · loss")
    assert log.history["acc"] == [0.7, 0.8, 0.9]
    charts = log.chart_data()
    assert set(charts) == {"Loss", "Accuracy"}
    assert charts["Loss"]["series"] == ["loss", "val_loss"]
    assert len(charts["Loss"]["values"][0]) == 2  # the NaN is left out of the chart
    assert charts["Accuracy"]["values"][0][2] == {"x": 3, "y": 0.9}


def test_stopped_progress_says_so():
    log = TrainingLog(epochs=10, batches=2)
    log.begin_epoch(3)
    log.end_batch(0, {"loss": 1.0})
    log.stopped = True
    log.end_epoch(3, {"loss": 1.0})
    assert log.progress()["text"] == "epoch 4/10 · loss 1 · stopped"


def test_chart_groups():
    assert chart_groups(["loss", "val_loss", "accuracy", "val_accuracy", "mae", "val_mae",
                         "cosine_proximity"]) == {
        "Loss": ["loss", "val_loss"], "Accuracy": ["accuracy", "val_accuracy"],
        "MAE": ["mae", "val_mae"], "Cosine proximity": ["cosine_proximity"]}


def test_throttle():
    now = [0.0]
    throttle = Throttle(0.5, clock=lambda: now[0])
    assert throttle.ready()
    now[0] = 0.2
    assert not throttle.ready()
    assert throttle.ready(force=True)
    now[0] = 0.8
    assert throttle.ready()


def test_report_normalises_to_json():
    results.clear()
    out = results.report(a=np.float32(1.5), b=np.arange(3), c={"d": (1, np.int64(2))},
                         e=float("inf"), f=None, g="text")
    assert out == {"a": 1.5, "b": [0, 1, 2], "c": {"d": [1, 2]}, "e": None, "f": None,
                   "g": "text"}
    json.dumps(out, allow_nan=False)
    assert results.results()["b"] == [0, 1, 2]
    with pytest.raises(TypeError, match="report: bad is a object"):
        results.report(bad=object())
    results.clear()
    assert results.results() == {}


class FakeProxy:
    """Counts destroy() calls, standing in for pyodide's create_proxy result."""

    destroyed = 0

    def __init__(self, fn):
        self.fn = fn

    def destroy(self):
        FakeProxy.destroyed += 1


def test_proxy_registry_destroys_everything_it_made():
    before_live, FakeProxy.destroyed = ProxyRegistry.live, 0
    with ProxyRegistry(factory=FakeProxy) as registry:
        for i in range(5):
            registry.proxy(lambda i=i: i)
        assert len(registry) == 5 and ProxyRegistry.live == before_live + 5
    assert FakeProxy.destroyed == 5 and ProxyRegistry.live == before_live and len(registry) == 0


def test_owned_objects_dispose_once_and_tolerate_double_dispose():
    class Disposable:
        def __init__(self, fail=False):
            self.count, self.fail = 0, fail

        def dispose(self):
            self.count += 1
            if self.fail:
                raise RuntimeError("already disposed")

    owned = OwnedObjects()
    a, b = Disposable(), Disposable(fail=True)
    owned.add(a)
    owned.add(a)
    owned.add(b)
    assert len(owned) == 2
    assert owned.dispose_all() == 1
    assert a.count == 1 and b.count == 1 and len(owned) == 0


def test_stopped_is_an_exception_with_a_message():
    assert "Stopped" in str(Stopped("Stopped by you."))
    assert math.isfinite(1.0)


def test_fit_logs_scaled_into_the_labels_units():
    """fit(metric_scale=...): a regression on standardized targets charts its MAE times the
    label's scale and its squared error times the square, validation twins too."""
    from pytfjs.training import _logs

    class Logs:  # what a TF.js logs proxy gives Python
        def to_py(self):
            return {"loss": 0.25, "val_loss": 0.5, "mae": 0.1, "val_mae": 0.2, "acc": 0.9,
                    "size": None}

    scaled = _logs(Logs(), {"mae": 1000.0, "loss": 1000.0 ** 2})
    assert scaled == {"loss": 250_000.0, "val_loss": 500_000.0, "mae": 100.0,
                      "val_mae": 200.0, "acc": 0.9, "size": None}
    assert _logs(Logs()) == Logs().to_py() and _logs(None) == {}
