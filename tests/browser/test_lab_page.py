"""The lab page contract: state, results, memory, errors, Stop, backends, Reset."""

from __future__ import annotations

import re

import pytest

from testkit.harness import (
    console_text,
    in_worker,
    lab_url,
    open_lab,
    run_in_lab,
    tensor_count,
    wait_state,
    wait_until,
)

pytestmark = pytest.mark.browser


def num_tensors(page) -> int:
    return tensor_count(page)


run_code = run_in_lab


def test_home_page_links_every_lab(page, site_url, dist_dir):
    import json

    labs = json.loads((dist_dir / "labs" / "index.json").read_text())
    page.goto(site_url)
    hrefs = page.eval_on_selector_all(".lab-card a", "els => els.map(a => a.getAttribute('href'))")
    for lab in labs:
        assert f"lab.html?lab={lab['id']}" in hrefs
        assert f"lab.html?lab={lab['id']}&run=1" in hrefs


def test_runs_leave_no_tensors_behind(page, site_url):
    assert open_lab(page, site_url, "one-neuron", backend="cpu") == "ready"
    baseline = num_tensors(page)
    counts = []
    for _ in range(5):
        assert page.evaluate("window.pytfjs.run()") == "done", console_text(page)
        counts.append(num_tensors(page))
    assert counts == [baseline] * 5
    assert in_worker(page, "Object.keys(tf.engine().state.registeredVariables).length") == 0


def test_python_error_shows_traceback_and_page_stays_usable(page, site_url):
    open_lab(page, site_url, "one-neuron", backend="cpu")
    baseline = num_tensors(page)
    code = ("from pytfjs import tf\nx = tf.zeros([2, 2])\n\n"
            "def f():\n    raise ValueError('boom')\n\nf()\n")
    assert run_code(page, code) == "error"
    text = console_text(page)
    assert 'File "one-neuron.py", line 7' in text
    assert 'File "one-neuron.py", line 5, in f' in text
    assert "ValueError: boom" in text
    assert "_pyodide" not in text and "eval_code" not in text
    assert num_tensors(page) == baseline
    assert run_code(page, "print('fine' + '!')\n") == "done"
    assert "fine!" in console_text(page)
    page.click("#reset")
    assert page.evaluate("window.pytfjs.getCode()") == page.evaluate(
        "fetch('labs/one-neuron.json').then(r => r.json()).then(l => l.source)")


def test_syntax_error_is_reported_with_line(page, site_url):
    open_lab(page, site_url, "one-neuron", backend="cpu")
    assert run_code(page, "x = 1\ny = (\n") == "error"
    assert re.search(r'File "one-neuron.py", line \d', console_text(page))
    assert "SyntaxError" in console_text(page)


# 800 batches an epoch, about 0.6 s on cpu here when idle: the stop's way from the click
# to Python (page, message, worker) must be well within one epoch, also when the machine
# is busy (with 200 batches, 0.16 s, a full suite run once saw two epochs end after the
# click)
STOPPABLE = """
import numpy as np
from pytfjs import report, tf
xs = np.random.default_rng(0).normal(size=(8000, 4)).astype("float32")
ys = xs.sum(axis=1, keepdims=True)
model = tf.sequential()
model.add(tf.layers.dense(units=8, input_shape=[4], activation="relu"))
model.add(tf.layers.dense(units=1))
model.compile(optimizer="adam", loss="meanSquaredError")
def seen(epoch, logs):
    report(epochs_done=epoch + 1)
await model.fit(xs, ys, epochs=10000, batch_size=10, on_epoch_end=seen)
report(finished=True)
"""


def test_stop_ends_training_within_one_epoch(page, site_url):
    open_lab(page, site_url, "one-neuron", backend="cpu")
    baseline = num_tensors(page)
    page.evaluate("code => window.pytfjs.setCode(code)", STOPPABLE)
    # The epoch count when the page handles the click (Playwright's own click checks
    # take a while on a busy page; what matters is what happens after the click lands).
    page.evaluate("""() => document.getElementById('stop').addEventListener('click',
        () => { window.__epochAtStop = window.pytfjs.results.epochs_done; })""")
    page.click("#run")
    wait_until(page, "(window.pytfjs.results.epochs_done || 0) >= 2")
    page.click("#stop")
    assert wait_state(page, "ready", "done", "error") == "ready"
    results = page.evaluate("window.pytfjs.results")
    at_stop = page.evaluate("window.__epochAtStop")
    assert "finished" not in results
    assert results["epochs_done"] - at_stop <= 1
    text = console_text(page)
    match = re.search(r"Stopped by you during training, after epoch (\d+) of 10000", text)
    assert match, text
    assert int(match.group(1)) - at_stop <= 1
    assert page.inner_text("#status") == "Stopped"
    assert num_tensors(page) == baseline
    assert not page.is_disabled("#run")


def test_backend_selector_switches_and_is_kept_in_url(page, site_url):
    open_lab(page, site_url, "one-neuron", backend="cpu")
    page.select_option("#backend", "wasm")
    wait_until(page,
               "window.pytfjs.backend() === 'wasm' && document.body.dataset.state === 'ready'")
    assert "backend=wasm" in page.url
    assert page.evaluate("window.pytfjs.run()") == "done"
    assert page.evaluate("window.pytfjs.results.prediction") == pytest.approx(19, abs=0.3)


def test_default_backend_is_the_fastest_that_works(page, site_url):
    open_lab(page, site_url, "one-neuron")
    info = in_worker(page, "pytfjsHost.webglInfo()")
    expected = "webgl" if info["available"] and not info["software"] else "wasm"
    assert page.evaluate("window.pytfjs.backend()") == expected


def test_the_suites_pages_start_wasm_on_one_thread(page, site_url):
    """The page fixture's one_wasm_thread (testkit.harness) reaches the page's switch:
    wasm starts on one thread, and the page says so (threads: test_wasm_training.py)."""
    assert open_lab(page, site_url, "one-neuron", backend="wasm") == "ready"
    assert in_worker(page, "tf.wasm.getThreadsCount()") == 1
    assert "backend wasm (one thread)" in console_text(page)


def test_unknown_lab_says_so(page, site_url):
    page.goto(lab_url(site_url, "no-such-lab"))
    assert wait_state(page, "error") == "error"
    assert 'there is no lab "no-such-lab"' in console_text(page)
    # no lab named, or a name no lab could have: said, and no worker is started
    for query in ("", "?lab=../x"):
        page.goto(f"{site_url}lab.html{query}")
        assert wait_state(page, "error") == "error"
        assert "This page needs ?lab=<id>" in console_text(page)
        assert page.inner_text("#lab-title") == "No lab chosen"
        assert not [w for w in page.workers if w.url.endswith("/worker.js")]


def test_progress_bar_and_chart_after_training(page, site_url):
    page.goto(lab_url(site_url, "one-neuron", run=1, backend="cpu"))
    assert wait_state(page, "done", "error") == "done"
    assert page.inner_text("#train-text").startswith("epoch 500/500")
    assert page.evaluate("document.getElementById('train-bar').value") == 1
    chart = "#charts figure[data-title='Loss']"
    canvas = page.locator(f"{chart} canvas.linechart")
    # drawn by the page (js/page/plots.js, uPlot): the line's colour is on the canvas
    assert page.evaluate("""c => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let line = 0;
        for (let i = 0; i < d.length; i += 4) {
            if (d[i] < 40 && d[i + 2] > 150 && d[i + 3]) line += 1;  // #0072b2, the line
        }
        return line;
    }""", canvas.element_handle()) > 100
    assert page.get_attribute(f"{chart} .surface-body", "aria-label").startswith(
        "Loss: loss: 500 points over epoch 1 to 500")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    readout = wait_until(page, "c => document.querySelector(c).textContent",
                         f"{chart} .chart-readout", timeout=10_000)
    assert re.fullmatch(r"epoch \d+: loss [\d.e-]+", readout), readout
    assert "prediction" in page.inner_text("#results")


def test_window_pytfjs_is_the_pages_one_global(page, site_url, fixtures_dir):
    """The page's modules import each other; only window.pytfjs (with the offline copy's
    state) is left for scripts, next to what the vendored editor and charts define."""
    (fixtures_dir / "blank.html").write_text("<!doctype html><title>blank</title>")
    page.goto(f"{site_url}_test/blank.html")  # the same origin, without our scripts
    blank = set(page.evaluate("Object.keys(window)"))
    page.goto(lab_url(site_url, "one-neuron", run=1, backend="cpu"))
    assert wait_state(page, "done", "error") == "done"
    added = {name for name in page.evaluate("Object.keys(window)")
             if not name.startswith("__")} - blank  # __cspViolations: the tests' recorder
    assert added - {"CodeMirror", "uPlot"} == {"pytfjs"}, added
    assert page.evaluate("window.pytfjs.offline.supported") is True


CALLBACKS = """
import asyncio
import numpy as np
import pytfjs
from pytfjs import report, tf
xs = np.linspace(-1, 1, 64, dtype=np.float32).reshape(-1, 1)
model = tf.sequential()
model.add(tf.layers.dense(units=1, input_shape=[1]))
model.compile(optimizer="sgd", loss="meanSquaredError", metrics=["mae"])
batches, epochs = [], []
def on_batch(batch, logs):
    batches.append((batch, sorted(logs)))
async def on_epoch(epoch, logs):
    await asyncio.sleep(0)
    epochs.append(sorted(logs))
live_before = pytfjs.ProxyRegistry.live
history = await model.fit(xs, 3 * xs, epochs=3, batch_size=16, validation_split=0.25,
                          on_batch_end=on_batch, on_epoch_end=on_epoch)
report(batches=len(batches), first=batches[0], epochs=epochs[-1],
       metrics=sorted(history.history), n=len(history.epoch),
       leaked_proxies=pytfjs.ProxyRegistry.live - live_before)
"""


def test_fit_calls_python_callbacks_and_frees_their_proxies(page, site_url):
    open_lab(page, site_url, "one-neuron", backend="cpu")
    assert run_code(page, CALLBACKS) == "done", console_text(page)
    r = page.evaluate("window.pytfjs.results")
    assert r["batches"] == 9  # 48 training samples / 16, three epochs
    assert r["first"] == [0, ["batch", "loss", "mae", "size"]]
    assert r["epochs"] == ["loss", "mae", "val_loss", "val_mae"]
    assert r["metrics"] == ["loss", "mae", "val_loss", "val_mae"] and r["n"] == 3
    assert r["leaked_proxies"] == 0


def test_error_in_a_callback_points_at_the_callback(page, site_url):
    open_lab(page, site_url, "one-neuron", backend="cpu")
    baseline = num_tensors(page)
    code = CALLBACKS.replace("    epochs.append(sorted(logs))", "    raise KeyError('oops')")
    assert run_code(page, code) == "error"
    text = console_text(page)
    assert "KeyError: 'oops'" in text
    assert 'File "one-neuron.py", line 15, in on_epoch' in text
    assert num_tensors(page) == baseline
    assert run_code(page, "print('again')") == "done"


def test_site_works_under_a_sub_path(page, site_url):
    page.goto(f"{site_url}sub/")
    page.click("a[href='lab.html?lab=one-neuron&run=1']")
    assert wait_state(page, "done", "error") == "done", console_text(page)
    assert "/sub/lab.html" in page.url
    assert abs(page.evaluate("window.pytfjs.results.prediction") - 19) <= 0.3


TIDY = """
import numpy as np
import pytfjs
from pytfjs import report, tf
start = tf.memory().numTensors
with pytfjs.tidy() as scope:
    a = tf.ones([3, 3])
    b = tf.matMul(a, a)
    kept = scope.keep(tf.add(b, 1))
    inside = tf.memory().numTensors - start
after = tf.memory().numTensors - start
value = kept.numpy()
kept.dispose()
with pytfjs.to_tensor(np.arange(4)) as t:
    total = int(t.numpy().sum())
report(inside=inside, after=after, value=value[0, 0].item(), total=total,
       final=tf.memory().numTensors - start)
"""


def test_tidy_frees_all_but_kept_tensors(page, site_url):
    open_lab(page, site_url, "one-neuron", backend="cpu")
    assert run_code(page, TIDY) == "done", console_text(page)
    r = page.evaluate("window.pytfjs.results")
    assert r["inside"] == 3 and r["after"] == 1 and r["value"] == 4.0
    assert r["total"] == 6 and r["final"] == 0


def test_a_callback_can_end_training_early(page, site_url):
    code = CALLBACKS.replace("    epochs.append(sorted(logs))", (
        "    epochs.append(sorted(logs))\n    if epoch == 1:\n        model.stop_training = True"))
    code = code.replace("epochs=3,", "epochs=50,")
    open_lab(page, site_url, "one-neuron", backend="cpu")
    assert run_code(page, code) == "done", console_text(page)
    assert page.evaluate("window.pytfjs.results.n") == 2


LOADING_RECORDER = """
window.__loading = [];
document.addEventListener("DOMContentLoaded", () => {
  const bar = document.getElementById("loading-bar");
  const note = () => window.__loading.push(
    [Number(bar.getAttribute("aria-valuenow")), bar.getAttribute("aria-valuetext"),
     bar.value, document.getElementById("loading-text").textContent]);
  new MutationObserver(note).observe(bar, {attributes: true, attributeFilter: ["aria-valuetext"]});
});
"""


def test_loading_bar_names_each_file_and_step(page, site_url, dist_dir):
    import json

    page.add_init_script(LOADING_RECORDER)
    assert open_lab(page, site_url, "iris", backend="wasm") == "ready"
    log = page.evaluate("window.__loading")
    startup = json.loads((dist_dir / "labs/iris.json").read_text())["startup"]
    names = [f["what"] for f in startup]
    assert "Pyodide runtime (WebAssembly)" in names and "Python standard library" in names
    assert {n.split()[0] for n in names} >= {"numpy", "pytfjs"}
    # every file was named as coming, unless it had arrived before the list was first
    # shown (the lab file and Pyodide load at once); the bar counted each file's bytes
    texts = " ".join(text for _, text, _, _ in log)
    first = next(text for _, text, _, _ in log if text.startswith(("Downloading", "Downloaded")))
    got = re.search(r"\(([\d.]+) of [\d.]+ MB\)", first)
    already = float(got.group(1)) if got else 1e9  # "Downloaded ...": all were there
    unnamed = [f for f in startup if f["what"] not in texts]
    assert sum(f["bytes"] for f in unnamed) / 1048576 <= already + 0.05, (unnamed, first)
    assert all(f["what"] in texts for f in startup if f["path"].endswith(".whl"))
    values = [value for value, _, _, _ in log]
    assert values == sorted(values) and values[-1] == 100, values
    assert any(0 < v < 100 for v in values), values  # not one jump from 0 to 100
    assert all(value == bar for value, _, bar, _ in log)  # aria-valuenow is the bar's value
    assert all(text == shown for _, text, _, shown in log)  # the visible text says the same
    total = sum(f["bytes"] for f in startup) / 1048576
    last = log[-1][1]
    assert f"Downloaded {len(startup)} files ({total:.1f} MB)" in last
    assert "TensorFlow.js: wasm backend ready" in texts and "Python: ready" in last
    assert page.is_hidden("#loading")  # gone once the lab is ready
    bar = page.get_by_role("progressbar", name="Loading the lab", include_hidden=True)
    assert bar.count() == 1
