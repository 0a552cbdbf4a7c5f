"""pytfjs' WebAssembly SIMD kernels in the page: loaded on the wasm backend's own (shared,
threaded) memory, equal to the cpu backend kernel by kernel and for a CNN's gradients, and
left out with ``?simd=0``. (Node covers the single-threaded variant and the guard bytes:
tests/node/check_wasm_simd.js.)"""

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
from tests.browser.test_wasm_training import CNN

pytestmark = [pytest.mark.browser, pytest.mark.wasm_threads]  # the threaded backend itself

# Seeded cases per kernel, run on cpu then wasm; NaN must meet NaN, infinities must be equal,
# finite values equal (pooling, bias add, ReLU gradient, double-accumulated sums) or within
# float32 summation error (convolution gradients: terms x 2^-22, |values| < 1).
COMPARE = """async () => {
  const S = pytfjsHost.wasmKernels.simd;
  let s = 99;
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
  const int = (lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1));
  const pick = (a) => a[Math.floor(rnd() * a.length)];
  const vals = (shape, special) => {
    const v = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < v.length; i++) {
      v[i] = Math.round((2 * rnd() - 1) * 4) / 4;  // quarter steps: ties, zeros
      if (rnd() < special) v[i] = pick([NaN, -Infinity, Infinity]);
    }
    return [v, shape];
  };
  const cases = [];
  for (let n = 0; n < 24; n++) {
    const x = [int(1, 3), int(3, 11), int(3, 11), pick([1, 3, 4, 8, 9])];
    const pool = {filterSize: pick([[2, 2], [3, 3], [2, 3]]), strides: pick([1, 2, [2, 1]]),
                  pad: pick(['same', 'valid'])};
    const pinfo = tf.backend_util.computePool2DInfo(x, pool.filterSize, pool.strides, 1,
                                                    pool.pad);
    cases.push(['MaxPool', {x: vals(x, 0.1)}, pool, 0]);
    cases.push(['MaxPoolGrad', {input: vals(x, 0.1), dy: vals(pinfo.outShape, 0)}, pool, 0]);
    const co = pick([1, 4, 8, 16]), f = [pick([1, 3, 5]), pick([1, 2, 3]), x[3], co];
    const conv = {strides: pick([1, 2]), pad: pick(['same', 'valid']), dataFormat: 'NHWC'};
    const cinfo = tf.backend_util.computeConv2DInfo(x, f, conv.strides, 1, conv.pad);
    if (cinfo.outHeight > 0 && cinfo.outWidth > 0) {
      const terms = x[0] * cinfo.outHeight * cinfo.outWidth;
      cases.push(['Conv2DBackpropFilter', {x: vals(x, 0), dy: vals(cinfo.outShape, 0)},
                  {...conv, filterShape: f}, terms * 2.4e-7]);
      cases.push(['Conv2DBackpropInput', {dy: vals(cinfo.outShape, 0), filter: vals(f, 0)},
                  {...conv, inputShape: x}, f[0] * f[1] * co * 2.4e-7]);
    }
    cases.push(['Add', {a: vals(x, 0.05), b: vals([x[3]], 0.1)}, {}, 0]);
    cases.push(['Sum', {x: vals(x, n % 4 ? 0 : 0.02)},
                {axis: [0, 1, 2], keepDims: n % 2 === 0}, 0]);
    cases.push(['PytfjsReluGrad', {dy: vals(x, 0.1), x: vals(x, 0.1)}, {}, 0]);
  }
  const run = (name, inputs, attrs) => tf.tidy(() => {
    const t = {};
    for (const [k, [v, shape]] of Object.entries(inputs)) t[k] = tf.tensor(v, shape);
    const out = name === 'PytfjsReluGrad' && tf.getBackend() === 'cpu' ?
        tf.mul(t.dy, tf.cast(tf.step(t.x), 'float32')) : tf.engine().runKernel(name, t, attrs);
    return {shape: out.shape.join(), values: out.dataSync().slice()};
  });
  await tf.setBackend('cpu');
  const refs = cases.map(([name, inputs, attrs]) => run(name, inputs, attrs));
  await tf.setBackend('wasm');
  const before = {...S.calls}, excess = {};
  cases.forEach(([name, inputs, attrs, tol], i) => {
    const got = run(name, inputs, attrs), ref = refs[i];
    let e = got.shape === ref.shape ? 0 : Infinity;
    for (let j = 0; j < ref.values.length && e < Infinity; j++) {
      const a = got.values[j], b = ref.values[j];
      if (Number.isNaN(a) || Number.isNaN(b)) {
        if (Number.isNaN(a) !== Number.isNaN(b)) e = Infinity;
      } else if (!Number.isFinite(a) || !Number.isFinite(b)) {
        if (a !== b) e = Infinity;
      } else {
        e = Math.max(e, Math.abs(a - b) - tol);
      }
    }
    excess[name] = Math.max(excess[name] || 0, e);
  });
  const served = {};
  for (const name of S.names) served[name] = (S.calls[name] || 0) - (before[name] || 0);
  const counts = {};
  for (const [name] of cases) counts[name] = (counts[name] || 0) + 1;
  return {excess, served, counts};
}"""

# Loss and every weight gradient of a CNN with 'same' strided convs and overlapping pools,
# from identical weights and data, on cpu and on wasm: relative to the largest value.
GRADIENTS = """async () => {
  const layers = () => [
    tf.layers.conv2d({filters: 6, kernelSize: 5, strides: 2, padding: 'same',
                      activation: 'relu', inputShape: [20, 20, 3]}),
    tf.layers.maxPooling2d({poolSize: 3, strides: 2, padding: 'same'}),
    tf.layers.conv2d({filters: 16, kernelSize: 3, activation: 'relu'}),
    tf.layers.maxPooling2d({poolSize: 2}),
    tf.layers.flatten(), tf.layers.dense({units: 5, activation: 'softmax'})];
  let s = 7;
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
  const res = {};
  let weights = null;
  for (const backend of ['cpu', 'wasm']) {
    await tf.setBackend(backend);
    const model = tf.sequential({layers: layers()});
    if (!weights) weights = model.getWeights().map((w) => [Float32Array.from(
        w.dataSync(), () => 0.4 * rnd() - 0.2), w.shape]);
    const ws = weights.map(([v, shape]) => tf.tensor(v, shape));
    model.setWeights(ws);
    tf.dispose(ws);
    s = 1234;
    const x = tf.tensor(Float32Array.from({length: 16 * 1200}, rnd), [16, 20, 20, 3]);
    const y = tf.tidy(() => tf.oneHot(
        tf.tensor1d(Array.from({length: 16}, (_, i) => i % 5), 'int32'), 5));
    res[backend] = tf.tidy(() => {
      const vars = model.trainableWeights.map((w) => w.val);
      const {value, grads} = tf.variableGrads(() => tf.metrics.categoricalCrossentropy(
          y, model.apply(x, {training: true})).mean(), vars);
      return [value.dataSync(), ...vars.map((v) => grads[v.name].dataSync())];
    });
    tf.dispose([x, y]);
    model.dispose();
  }
  let worst = 0;
  res.cpu.forEach((v, i) => {
    let e = 0, m = 1e-3;
    for (let j = 0; j < v.length; j++) {
      e = Math.max(e, Math.abs(v[j] - res.wasm[i][j]));
      m = Math.max(m, Math.abs(v[j]));
    }
    worst = Math.max(worst, v.length === res.wasm[i].length ? e / m : Infinity);
  });
  return worst;
}"""


def test_simd_kernels_load_on_the_threaded_backend_and_match_cpu(page, site_url):
    assert open_lab(page, site_url, "one-neuron", backend="wasm") == "ready"
    simd = in_worker(page, "(S => ({loaded: S.loaded, variant: S.variant, shared:"
                         " crossOriginIsolated, names: S.names}))(pytfjsHost.wasmKernels.simd)")
    assert simd["loaded"] and simd["shared"]
    assert simd["variant"] == "pytfjs_kernels_threaded.wasm"
    baseline = tensor_count(page)
    r = in_worker(page, COMPARE)
    assert set(r["excess"]) == set(simd["names"])
    for name, excess in r["excess"].items():
        assert excess == 0, (name, excess)
        assert r["served"][name] == r["counts"][name], (name, r["served"], r["counts"])
    # the JS kernels' own check, now served by the SIMD kernels where they apply
    report = in_worker(page, "pytfjsHost.wasmKernels.check(tf)")
    for name, error in report["errors"].items():
        assert error <= 1e-5, (name, error)
    assert in_worker(page, "GRADIENTS => (0, eval)(GRADIENTS)()", GRADIENTS) <= 1e-4
    assert in_worker(page, "tf.getBackend()") == "wasm"
    assert tensor_count(page) == baseline


def test_a_cnn_trains_with_the_simd_kernels(page, site_url):
    assert open_lab(page, site_url, "one-neuron", backend="wasm") == "ready"
    assert run_in_lab(page, CNN) == "done", console_text(page)
    r = page.evaluate("window.pytfjs.results")
    assert r["loss_last"] < r["loss_first"] / 2
    assert share_at_least(r["val_acc"], r["val_count"], 90)
    calls = in_worker(page, "pytfjsHost.wasmKernels.simd.calls")
    for name in ("MaxPool", "MaxPoolGrad", "Conv2DBackpropFilter", "Conv2DBackpropInput",
                 "Add", "Sum", "PytfjsReluGrad"):
        assert calls.get(name, 0) > 0, (name, calls)


def test_simd_0_leaves_them_out(page, site_url):
    assert open_lab(page, site_url, "one-neuron", backend="wasm", simd=0) == "ready"
    assert in_worker(page, "pytfjsHost.wasmKernels.simd.loaded") is False
    assert run_in_lab(page, CNN) == "done", console_text(page)
    r = page.evaluate("window.pytfjs.results")
    assert share_at_least(r["val_acc"], r["val_count"], 90)
    assert in_worker(page, "Object.keys(pytfjsHost.wasmKernels.simd.calls).length") == 0
