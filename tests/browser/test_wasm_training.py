"""Training on the wasm backend: the extra kernels are exact, and a CNN really learns."""

from __future__ import annotations

import pytest

from testkit.harness import (
    console_text,
    in_worker,
    open_lab,
    run_in_lab,
    share_at_least,
    tensor_count,
)

pytestmark = [pytest.mark.browser, pytest.mark.wasm_threads]  # the threaded backend itself

CNN = """
import numpy as np
from pytfjs import report, tf

# A task only a convolutional net solves quickly: is the bright bar vertical or horizontal?
rng = np.random.default_rng(3)
n = 400
images = rng.normal(0, 0.2, size=(n, 16, 16, 1)).astype(np.float32)
labels = rng.integers(0, 2, n)
for img, label in zip(images, labels):
    pos = rng.integers(2, 14)
    if label:
        img[:, pos, 0] += 1.5
    else:
        img[pos, :, 0] += 1.5
onehot = np.eye(2, dtype=np.float32)[labels]
model = tf.sequential()
model.add(tf.layers.conv2d(input_shape=[16, 16, 1], filters=8, kernel_size=3, activation="relu"))
model.add(tf.layers.max_pooling2d(pool_size=2))
model.add(tf.layers.conv2d(filters=16, kernel_size=3, activation="relu"))
model.add(tf.layers.max_pooling2d(pool_size=2))
model.add(tf.layers.flatten())
model.add(tf.layers.dense(units=2, activation="softmax"))
model.compile(optimizer=tf.train.adam(0.01), loss="categoricalCrossentropy",
              metrics=["accuracy"])
history = await model.fit(images, onehot, epochs=6, batch_size=32, validation_split=0.25)
report(backend=tf.getBackend(), val_acc=history.history["val_acc"][-1], val_count=n // 4,
       loss_first=history.history["loss"][0], loss_last=history.history["loss"][-1])
"""


def test_every_extra_wasm_kernel_matches_cpu(page, site_url):
    assert open_lab(page, site_url, "one-neuron", backend="wasm") == "ready"
    baseline = tensor_count(page)
    names = in_worker(page, "pytfjsHost.wasmKernels.JS_NAMES")
    assert "Conv2DBackpropFilter" in names
    report = in_worker(page, "pytfjsHost.wasmKernels.check(tf)")
    assert set(report["errors"]) == set(names)
    assert report["cases"] >= 32 * len(names)
    for name, error in report["errors"].items():
        assert error <= 1e-5, (name, error)
    assert in_worker(page, "tf.getBackend()") == "wasm"
    assert tensor_count(page) == baseline


def test_a_cnn_trains_on_wasm(page, site_url):
    assert open_lab(page, site_url, "one-neuron", backend="wasm") == "ready"
    baseline = tensor_count(page)
    assert run_in_lab(page, CNN) == "done", console_text(page)
    r = page.evaluate("window.pytfjs.results")
    assert r["backend"] == "wasm"
    assert r["loss_last"] < r["loss_first"] / 2
    assert share_at_least(r["val_acc"], r["val_count"], 90)
    assert tensor_count(page) == baseline


def test_wasm_trains_on_every_core_up_to_four(page, site_url):
    """TF.js 4.22 alone takes half the cores (1 thread on this 2-core machine).

    The page starts the wasm backend with every core up to 4 and leaves
    navigator.hardwareConcurrency (which it doubles while the backend starts) as it was.
    """
    assert open_lab(page, site_url, "one-neuron", backend="wasm") == "ready"
    assert page.evaluate("crossOriginIsolated") is True
    cores, threads, own_property = in_worker(page,
        "[navigator.hardwareConcurrency, tf.wasm.getThreadsCount(),"
        " Object.getOwnPropertyNames(navigator).includes('hardwareConcurrency')]")
    assert threads == min(4, cores)
    assert own_property is False
    assert f"backend wasm ({threads} threads)" in page.inner_text("#console")
    # the training kernels stay exact with the thread pool (check() also covers this)
    assert run_in_lab(page, CNN) == "done", console_text(page)
    r = page.evaluate("window.pytfjs.results")
    assert share_at_least(r["val_acc"], r["val_count"], 90)


SWITCH = """
import pytfjs
from js import navigator, tf as js_tf
from pytfjs import report

name = await pytfjs.set_backend("wasm")
threads = int(js_tf.wasm.getThreadsCount())
try:
    await pytfjs.set_backend("tpu")
except ValueError as err:
    refused = str(err)
report(name=name, threads=threads, cores=int(navigator.hardwareConcurrency), refused=refused,
       after=pytfjs.backend())
"""


def test_switching_to_wasm_from_python_also_gets_every_core(page, site_url):
    assert open_lab(page, site_url, "one-neuron", backend="cpu") == "ready"
    assert run_in_lab(page, SWITCH) == "done", console_text(page)
    r = page.evaluate("window.pytfjs.results")
    assert r["name"] == "wasm" and r["after"] == "wasm"
    assert r["threads"] == min(4, r["cores"])
    refused = 'unknown backend "tpu" (use webgpu, webgl, wasm, cpu)'
    assert r["refused"].startswith(refused), r["refused"]
