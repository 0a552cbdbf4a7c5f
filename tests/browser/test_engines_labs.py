"""The course's labs in Firefox ESR and WebKitGTK (Safari's engine), written once.

Chromium runs each of these labs in its own, fuller test file (test_csv_labs.py,
test_mnist.py, ...); here every lab runs once per other engine with what a learner would
check: it reaches ``done``, learns what it should, and leaves no tensor behind. The set and
its sizes are chosen to keep the suite's time in bounds (docs/testing.md, "Three engines,
one harness"): one-neuron on every backend the engine offers, the CSV labs, a small
MNIST and Fashion-MNIST, the pretrained models, the converter with a file, Stop, a draft
across a reload, the offline copy, and the webcam lab with the engine's own fake camera.
``PYTFJS_ENGINES=firefox`` runs one engine alone.

They run in every ``python3 build.py test``. They were opt-in while 4 of 54 failed at
random across three runs. One cause was found: the offline copy's first install was taken
for an update (site/js/page/offline.js), and WebKit then reloaded the page in the middle of
a run (a result refused, a file input emptied). The Firefox failures (a run that never ended)
have not been seen since; docs/testing.md, "Three engines, one harness".
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from testkit.engines import (
    console_text,
    lab_url,
    open_lab,
    selected_engines,
    tensor_count,
    wait_state,
    wait_until,
)
from testkit.exported_models import fruit_csv
from testkit.harness import serve_site, share_at_least

OTHERS = [name for name in selected_engines() if name != "chromium"]
pytestmark = [pytest.mark.browser, pytest.mark.engines, pytest.mark.engine_labs,
              pytest.mark.parametrize("engine", OTHERS, indirect=True)]

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def run_lab(page, site_url: str, lab: str, **params) -> dict:
    page.goto(lab_url(site_url, lab, run=1, **params))
    assert wait_state(page, "done", "error") == "done", console_text(page)
    assert chart_failures(page) == []
    return page.evaluate("() => window.pytfjs.results")


def chart_failures(page) -> list[str]:
    """The console's lines for charts that could not be drawn (js/page/charts.js)."""
    return [line for line in console_text(page).splitlines() if line.startswith('chart "')]


def charts_drawn(page) -> int:
    return page.evaluate("() => document.querySelectorAll('#charts .uplot canvas').length")


def test_one_neuron_on_every_backend_offered(epage, site_url):
    assert open_lab(epage, site_url, "one-neuron") == "ready", console_text(epage)
    offered = epage.evaluate("() => window.pytfjs.capabilities.backends")
    menu = epage.evaluate(
        "() => [...document.querySelectorAll('#backend option')].map(o => o.value)")
    assert menu == offered and {"wasm", "cpu"} <= set(offered)
    digests = set()
    for backend in offered:
        assert epage.evaluate("(b) => window.pytfjs.setBackend(b)", backend) == backend
        state = epage.evaluate("async () => await window.pytfjs.run()")
        assert state == "done", console_text(epage)
        r = epage.evaluate("() => window.pytfjs.results")
        assert abs(r["prediction"] - 19) <= 0.3, (backend, r)
        digests.add((backend, r["weights_sha256"]))
        assert tensor_count(epage) == 0
    if {"wasm", "cpu"} <= {b for b, _ in digests}:  # the same seeded neuron on both
        assert len({d for b, d in digests if b in ("wasm", "cpu")}) == 1, digests


def test_iris_and_breast_cancer(epage, site_url):
    r = run_lab(epage, site_url, "iris", backend="wasm")
    assert share_at_least(r["val_accuracy"], r["val_count"], 90)
    # loss and accuracy drawn by uPlot, also where the browser's language is "C" (WebKitGTK
    # under LANG=C.UTF-8: js/page/locale_guard.js)
    assert charts_drawn(epage) >= 2
    assert r["sample_class"] == "setosa"
    assert tensor_count(epage) == 0
    r = run_lab(epage, site_url, "breast-cancer", backend="wasm")
    assert share_at_least(r["test_accuracy"], r["test_cases"], 95)
    assert r["reload_identical"] is True
    assert tensor_count(epage) == 0


def test_your_csv_with_a_file(epage, site_url):
    epage.goto(lab_url(site_url, "your-csv", run=1, backend="wasm", label="kind",
                       features="width,height,colour", task="classification",
                       text="onehot", rare="keep", epochs=40))
    wait_until(epage, "() => !!document.querySelector('#inputs input[type=file]')")
    epage.set_files("#inputs input[type=file]", [("fruit.csv", fruit_csv().encode(), "text/csv")])
    assert wait_state(epage, "done", "error") == "done", console_text(epage)
    r = epage.evaluate("() => window.pytfjs.results")
    assert r["classes"] == ["apple", "lemon", "pear"]
    assert share_at_least(r["test_accuracy"], r["test_count"], 85)
    assert tensor_count(epage) == 0


def test_a_small_mnist_and_fashion_mnist(epage, site_url):
    # seeded: 75.5% and 76.5% of the 10,000 test images in Chromium (wasm); scored here on
    # the first 2,000 of them (scoring all 10,000 on one thread was a third of the run)
    r = run_lab(epage, site_url, "mnist", backend="wasm", epochs=3, samples=2000, tests=2000)
    assert r["test_count"] == 2000
    assert share_at_least(r["test_accuracy"], r["test_count"], 70), r
    assert tensor_count(epage) == 8  # the model's weights, kept for the drawing pad
    r = run_lab(epage, site_url, "fashion-mnist", backend="wasm", epochs=2, samples=3000,
                batch=64)
    assert share_at_least(r["test_accuracy"], r["test_count"], 70), r
    assert tensor_count(epage) == 0


def test_mobilenet_and_toxicity(epage, site_url):
    r = run_lab(epage, site_url, "mobilenet", backend="wasm", image="chelsea")
    assert r["top1"] == "Egyptian cat"
    assert tensor_count(epage) == 0
    text = "You are an idiot and I hate you.\nI will kill you\nHave a nice day!"
    r = run_lab(epage, site_url, "toxicity", backend="wasm", text=text, threshold=0.5)
    insult, threat, neutral = r["matches"][:3]
    assert insult["insult"] is True and threat["threat"] is True
    assert not any(neutral.values())
    assert tensor_count(epage) == 0


def test_a_huge_image_header_is_refused_in_words(epage, site_url):
    from testkit.hostile import images

    name = "claims_60000x60000.png"
    epage.goto(lab_url(site_url, "mobilenet", run=1, backend="wasm"))
    wait_until(epage,
               "() => !!document.querySelector(\"#inputs button[data-choice='Your photo']\")")
    epage.click("#inputs button[data-choice='Your photo']")
    wait_until(epage, "() => !!document.querySelector('#inputs input[type=file]')")
    epage.set_files("#inputs input[type=file]", [(name, images()[name], "image/png")])
    message = wait_until(epage, "() => document.querySelector('#inputs .ask-error')?.innerText",
                         timeout=60)
    assert name in message and "photos up to 100 megapixels" in message
    assert epage.evaluate("() => document.body.dataset.state") == "running"
    epage.click("#stop")
    assert wait_state(epage, "ready", "done", "error") == "ready"


def test_convert_a_dropped_keras_file(epage, site_url):
    name = "blocks.k3.keras"
    epage.goto(lab_url(site_url, "convert", run=1, backend="wasm"))
    wait_until(epage,
               "() => !!document.querySelector(\"#inputs button[data-choice^='my own']\")")
    epage.click("#inputs button[data-choice^='my own']")
    wait_until(epage, "() => !!document.querySelector('#inputs input[type=file]')")
    epage.set_files("#inputs input[type=file]",
                    [(name, (FIXTURES / "keras" / name).read_bytes(), "application/zip")])
    wait_until(epage,
               "() => !!document.querySelector(\"#inputs button[data-choice='float32 (exact)']\")")
    epage.click("#inputs button[data-choice='float32 (exact)']")
    wait_until(epage, "() => window.pytfjs.results && window.pytfjs.results.parameters > 0")
    r = epage.evaluate("() => window.pytfjs.results")
    assert r["keras_version"] == "3.15.1"
    epage.click("#stop")
    assert wait_state(epage, "ready", "done", "error") == "ready"
    assert tensor_count(epage) == 0


def test_stop_ends_an_endless_loop_and_a_draft_survives_a_reload(epage, site_url):
    assert open_lab(epage, site_url, "one-neuron") == "ready"
    code = "x = 0\nwhile True:\n    x += 1\n"
    epage.evaluate("(c) => window.pytfjs.setCode(c)", code)
    epage.click("#run")
    wait_state(epage, "running")
    epage.click("#stop")
    assert wait_state(epage, "ready", "error") == "ready", console_text(epage)
    said = console_text(epage)
    assert "Stopped by you" in said or "Python was restarted" in said
    epage.wait(1.0)  # the draft is written half a second after the last change
    epage.reload()
    assert wait_state(epage, "ready", "error") == "ready"
    assert epage.evaluate("() => window.pytfjs.getCode()") == code


def test_the_offline_copy_serves_a_lab_with_the_server_gone(engine, dist_dir):
    server, url = serve_site(dist_dir)
    page = engine.new_page(service_workers=True)
    try:
        page.goto(lab_url(url, "one-neuron"))
        assert wait_state(page, "ready", "error") == "ready", console_text(page)
        assert page.evaluate("async () => await window.pytfjs.offline.ready") is True
        server.shutdown()
        server.server_close()
        page.reload()
        assert wait_state(page, "ready", "error") == "ready", console_text(page)
        assert page.evaluate("async () => await window.pytfjs.run()") == "done"
        assert abs(page.evaluate("() => window.pytfjs.results.prediction") - 19) <= 0.3
    finally:
        page.close()
    assert not page.external


def _rpsls_results(page, condition: str, timeout: float = 120) -> dict:
    """Wait until ``condition`` (JS, ``r`` = the lab's results) holds while rpsls runs.
    The condition is written into the function the driver sends: the page's policy has
    no 'unsafe-eval', so the page itself may not build it with ``new Function`` (WebKit
    refuses it; Firefox's driver evaluated it outside the policy)."""
    wait_until(page, "() => document.body.dataset.state !== 'running' || "
               f"((r) => ({condition}))(window.pytfjs.results)", timeout=timeout)
    assert page.evaluate("() => document.body.dataset.state") == "running", console_text(page)
    return page.evaluate("() => window.pytfjs.results")


def _hold_to_capture(page, name: str, at_least: int) -> dict:
    """Press a class's "Hold to capture" (pointerdown) until it has ``at_least`` samples,
    release it (pointerup), and return the results once no capture is in flight."""
    button = f".studio-class[data-name='{name}'] button[data-action=hold]"
    press = "([s, type]) => document.querySelector(s).dispatchEvent(" \
            "new PointerEvent(type, {bubbles: true, cancelable: true}))"
    page.evaluate(press, [button, "pointerdown"])
    wait_until(page, "(s) => document.querySelector(s).getAttribute('aria-pressed') === "
               "'true'", button, timeout=30)
    _rpsls_results(page, f"(r.class_counts || {{}})['{name}'] >= {at_least}")
    page.evaluate(press, [button, "pointerup"])
    wait_until(page, "(s) => document.querySelector(s).getAttribute('aria-pressed') === "
               "'false'", button, timeout=30)
    last = -1
    while True:
        page.wait(0.6)
        results = page.evaluate("() => window.pytfjs.results")
        if results["captured"] == last:
            return results
        last = results["captured"]


def test_rpsls_with_a_fake_webcam_captures_trains_and_predicts(engine, site_url):
    """What a learner does in week 4, with the engine's own fake camera (Firefox's fake
    media stream, WebKit's mock capture device): synthetic pictures, not the sample
    photos, so which class wins is not asserted (tests/browser/test_rpsls.py does that in
    Chromium, whose fake camera plays our videos)."""
    per_class, epochs = 10, 2
    opened = time.monotonic()
    page = engine.new_page(fake_camera=True)
    try:
        page.goto(lab_url(site_url, "rpsls", run=1, backend="wasm", rate=10, epochs=epochs))
        assert wait_state(page, "running", "error", "done") == "running", console_text(page)
        page.evaluate("""() => {  // errors the page itself does not catch, from now on
            window.uncaught = [];
            addEventListener('error', (e) => window.uncaught.push(String(e.message)));
            addEventListener('unhandledrejection',
                             (e) => window.uncaught.push(String(e.reason)));
        }""")
        r = _rpsls_results(page, "r.camera !== undefined", timeout=240)  # MobileNet loaded
        camera_at = time.monotonic()
        assert r["camera"] != "none", page.evaluate(
            "() => document.querySelector('.studio-messages').innerText")
        width, height = map(int, r["camera"].split("x"))
        assert width > 0 and height > 0
        assert r["classes"] == ["rock", "paper", "scissors", "lizard", "spock"]
        for name in ("scissors", "lizard", "spock"):  # two classes are enough to train
            remove = f".studio-class[data-name='{name}'] button[data-action=remove-class]"
            page.click(remove)
            page.click(remove)  # the second click confirms
            wait_until(page, "(n) => !document.querySelector("
                       "`.studio-class[data-name='${n}']`)", name, timeout=60)
        baseline = tensor_count(page)
        for name in ("rock", "paper"):
            r = _hold_to_capture(page, name, per_class)
            assert r["capture_tensors"] == [baseline, baseline]
            assert tensor_count(page) == baseline
        counts = r["class_counts"]
        assert set(counts) == {"rock", "paper"} and min(counts.values()) >= per_class, counts
        assert r["captured"] == sum(counts.values())
        assert r["embedding_bytes"] == r["captured"] * 1280 * 4

        page.click(".studio button[data-action=train]")
        wait_until(page, "() => !!document.querySelector('.studio-messages li.done') || "
                   "document.body.dataset.state !== 'running'", timeout=120)
        r = page.evaluate("() => window.pytfjs.results")
        assert r["samples"] == r["captured"] and r["epochs"] == epochs, r
        assert 0 <= r["val_accuracy"] <= 1 and r["val_count"] >= 1
        progress = page.evaluate("() => document.getElementById('train-text').textContent")
        assert progress.startswith(f"epoch {epochs}/{epochs} · loss "), progress
        assert float(progress.rsplit(" ", 1)[1]) >= 0
        assert tensor_count(page) == baseline + 4  # the head

        page.click(".studio button[data-action=predict]")
        # fps is 0 after a first frame or a pause (a hidden tab; here a busy machine)
        r = _rpsls_results(page, "(r.predictions || 0) >= 3 && r.fps > 0")
        assert abs(sum(r["probabilities"]) - 1) < 1e-4 and len(r["probabilities"]) == 2
        assert r["top_class"] in counts
        page.click(".studio button[data-action=predict]")
        wait_until(page, "() => document.querySelector('.studio button[data-action=predict]')"
                   ".getAttribute('aria-pressed') === 'false'", timeout=30)
        assert tensor_count(page) == baseline + 4
        assert page.evaluate("() => document.querySelectorAll('.studio-messages li.error')"
                             ".length") == 0, console_text(page)
        assert page.evaluate("() => window.uncaught") == []
        page.click("#stop")
        assert wait_state(page, "ready", "done", "error") == "ready", console_text(page)
        assert tensor_count(page) == 0
        print(f"\n{engine.name}: rpsls camera {r['camera']} after "
              f"{camera_at - opened:.1f} s, then {time.monotonic() - camera_at:.1f} s "
              f"(captures, training, predictions at {r['fps']} fps)")
        external = page.external
    finally:
        page.close()
    assert not external, f"{engine.name}: the page requested non-loopback URLs: {external}"
