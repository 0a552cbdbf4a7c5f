"""numpy <-> tensor copies in the real page (Pyodide + TF.js), bit-exact."""

from __future__ import annotations

import pytest

from testkit.harness import console_text, open_lab, run_in_lab, tensor_count

pytestmark = pytest.mark.browser

ROUND_TRIP = r'''
import numpy as np
import pytfjs
from pytfjs import report, tf

rng = np.random.default_rng(7)
base_f = rng.normal(size=(4, 6, 5)).astype(np.float32)
base_f[0, 0, :4] = [np.nan, np.inf, -np.inf, -0.0]
base_i = rng.integers(-2**31, 2**31 - 1, size=(4, 6, 5), dtype=np.int64).astype(np.int32)
base_b = rng.random((4, 6, 5)) > 0.5
cases = []
for name, base in (("float32", base_f), ("int32", base_i), ("bool", base_b)):
    cases += [
        (f"{name} scalar", base[1, 2, 3].copy()),
        (f"{name} empty", base[:0]),
        (f"{name} empty middle", base[:, :0, :]),
        (f"{name} 1d", base[0, 0]),
        (f"{name} 3d", base),
        (f"{name} transposed", base.T),
        (f"{name} strided", base[::2, 1::3, ::-1]),
        (f"{name} fortran", np.asfortranarray(base[1])),
    ]
failures = []
for label, array in cases:
    for mode in ("sync", "async"):
        with pytfjs.tidy():
            t = pytfjs.to_tensor(array)
            if list(t.shape) != list(array.shape) or t.dtype != str(array.dtype):
                failures.append(f"{label}: tensor {t.dtype} {list(t.shape)}")
            back = pytfjs.to_numpy(t) if mode == "sync" else await pytfjs.to_numpy_async(t)
        same = back.dtype == array.dtype and back.shape == array.shape and (
            np.array_equal(back.view(np.uint32), np.asarray(array, order="C").view(np.uint32))
            if array.dtype == np.float32 else np.array_equal(back, array))
        if not same:
            failures.append(f"{label} ({mode}): got {back.dtype} {back.shape}")
# the wrapper's own conversion of numpy arguments, and the casts TF.js needs
with pytfjs.tidy():
    summed = tf.add(np.arange(6, dtype=np.float64).reshape(2, 3), np.ones((2, 3), np.float32))
    if not np.array_equal(summed.numpy(), np.arange(1, 7, dtype=np.float32).reshape(2, 3)):
        failures.append("tf.add of numpy arguments")
    small = pytfjs.to_tensor(np.array([1, -2, 3], dtype=np.int64))
    if small.dtype != "int32" or small.numpy().tolist() != [1, -2, 3]:
        failures.append("int64 -> int32")
try:
    pytfjs.to_tensor(np.array([2**40], dtype=np.int64))
    failures.append("int64 overflow not refused")
except ValueError as exc:
    overflow_message = str(exc)
report(cases=len(cases) * 2, failures=failures, overflow_message=overflow_message)
'''


def test_numpy_tensor_round_trip_is_exact(page, site_url):
    assert open_lab(page, site_url, "one-neuron", backend="cpu") == "ready"
    baseline = tensor_count(page)
    assert run_in_lab(page, ROUND_TRIP) == "done", console_text(page)
    results = page.evaluate("window.pytfjs.results")
    assert results["cases"] == 48
    assert results["failures"] == []
    assert "do not fit int32" in results["overflow_message"]
    assert tensor_count(page) == baseline


@pytest.mark.parametrize("backend", ["wasm", "webgl"])
def test_round_trip_on_other_backends(page, site_url, backend):
    assert open_lab(page, site_url, "one-neuron", backend=backend) == "ready"
    assert run_in_lab(page, ROUND_TRIP) == "done", console_text(page)
    assert page.evaluate("window.pytfjs.results.failures") == []
