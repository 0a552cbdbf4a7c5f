"""Pure-Python parts of the bridge, on CPython (no browser)."""

from __future__ import annotations

import numpy as np
import pytest

from pytfjs import jsargs, tensors
from pytfjs._compat import BrowserRequired


class FakeJs:
    """Stands for a JS object in ``prepare``; the test checks it passes through untouched."""


@pytest.mark.parametrize(("snake", "camel"), [
    ("input_shape", "inputShape"), ("batch_size", "batchSize"), ("units", "units"),
    ("kernel_initializer", "kernelInitializer"), ("_private", "_private"),
    ("validation_data", "validationData"), ("alreadyCamel", "alreadyCamel"),
])
def test_camel(snake, camel):
    assert jsargs.camel(snake) == camel


def test_prepare_converts_deeply_and_keeps_dict_keys():
    js_obj = FakeJs()
    made_tensors, made_proxies = [], []

    def on_array(a):
        made_tensors.append(a)
        return ("tensor", a.shape)

    def on_callable(f):
        made_proxies.append(f)
        return ("proxy", f.__name__)

    def callback():
        return None

    value = {
        "units": np.int64(3), "input_shape": (None, 4), "nested": {"snake_key": [1.5, js_obj]},
        "data": np.zeros((2, 2)), "cb": callback, "flag": np.bool_(True),
    }
    out = jsargs.prepare(value, is_js=lambda v: isinstance(v, FakeJs), on_js=lambda v: "JS",
                         on_array=on_array, on_callable=on_callable)
    assert out == {
        "units": 3, "input_shape": [None, 4], "nested": {"snake_key": [1.5, "JS"]},
        "data": ("tensor", (2, 2)), "cb": ("proxy", "callback"), "flag": True,
    }
    assert type(out["units"]) is int and type(out["flag"]) is bool
    assert len(made_tensors) == 1 and made_proxies == [callback]


def test_prepare_refuses_unknown_objects_with_a_clear_message():
    with pytest.raises(TypeError, match="cannot pass a set to TensorFlow.js"):
        jsargs.prepare({1, 2}, is_js=lambda v: False, on_js=None, on_array=None,
                       on_callable=None)


def test_options_camel_cases_only_top_level():
    assert jsargs.options({"batch_size": 4, "column_configs": {"my_col": 1}}) == {
        "batchSize": 4, "columnConfigs": {"my_col": 1}}


@pytest.mark.parametrize(("dtype", "expected"), [
    (np.float32, "float32"), (np.float64, "float32"), (np.float16, "float32"),
    (np.int8, "int32"), (np.uint8, "int32"), (np.int64, "int32"), (np.uint32, "int32"),
    (np.bool_, "bool"),
])
def test_plan_picks_the_tfjs_dtype(dtype, expected):
    array, name = tensors.plan(np.ones((2, 3), dtype=dtype))
    assert name == expected
    assert array.dtype == tensors.TF_DTYPES[expected]
    assert array.flags.c_contiguous and array.shape == (2, 3)


def test_plan_makes_non_contiguous_arrays_contiguous_and_keeps_values():
    base = np.arange(60, dtype=np.float32).reshape(3, 4, 5)
    for view in (base.T, base[:, ::2, ::-1], np.asfortranarray(base)):
        array, _ = tensors.plan(view)
        assert array.flags.c_contiguous
        assert np.array_equal(array, view)


def test_plan_keeps_scalars_and_empty_shapes():
    assert tensors.plan(np.float32(2.5))[0].shape == ()
    assert tensors.plan(3.0)[0].shape == ()
    assert tensors.plan(np.zeros((0, 3)))[0].shape == (0, 3)
    assert tensors.plan([[1, 2], [3, 4]])[1] == "int32"


def test_plan_refuses_lossy_casts():
    with pytest.raises(ValueError, match="do not fit int32"):
        tensors.plan(np.array([0, 2**33]))
    with pytest.raises(ValueError, match="cannot become int32 exactly"):
        tensors.plan(np.array([1.5]), "int32")
    with pytest.raises(ValueError, match="dtype must be one of"):
        tensors.plan(np.ones(2), "float64")
    with pytest.raises(TypeError, match="no dtype for numpy"):
        tensors.plan(np.array(["a", "b"]))
    with pytest.raises(TypeError, match="no dtype for numpy complex"):
        tensors.plan(np.ones(2, dtype=complex))


def test_explicit_int32_from_whole_floats_is_allowed():
    array, name = tensors.plan(np.array([1.0, -2.0]), "int32")
    assert name == "int32" and array.tolist() == [1, -2]


def test_browser_functions_say_they_need_the_browser():
    with pytest.raises(BrowserRequired, match="lab page"):
        tensors.js_tensor(np.ones(2))
    import pytfjs

    with pytest.raises(BrowserRequired):
        pytfjs.tf  # noqa: B018
