"""The TF.js weight writer: exact round trips, shards, quantization as tensorflowjs does it."""

from __future__ import annotations

import json

import numpy as np
import pytest

from pytfjs.convert import writer


def test_float32_round_trip_is_exact_and_sharded() -> None:
    rng = np.random.default_rng(0)
    weights = [("dense/kernel", rng.normal(size=(300, 200))),  # float64 -> float32
               ("dense/bias", rng.normal(size=(200,)).astype(np.float32)),
               ("emb/ids", np.arange(7, dtype=np.int64))]
    manifest, files = writer.encode_weights(weights, shard_bytes=100_000)
    total = 300 * 200 * 4 + 200 * 4 + 7 * 4
    assert list(files) == [f"group1-shard{i}of3.bin" for i in (1, 2, 3)]
    assert [len(b) for b in files.values()] == [100_000, 100_000, total - 200_000]
    assert manifest[0]["weights"][0] == {"name": "dense/kernel", "shape": [300, 200],
                                         "dtype": "float32"}
    assert manifest[0]["weights"][2]["dtype"] == "int32"
    back = writer.decode_weights(manifest, files)
    for name, arr in weights:
        assert back[name].dtype == writer.tfjs_array(name, arr).dtype
        np.testing.assert_array_equal(back[name], writer.tfjs_array(name, arr))


@pytest.mark.parametrize("dtype,bound", [("uint8", 1 / 255), ("uint16", 1 / 65535),
                                         ("float16", 1e-3)])
def test_quantized_weights_decode_within_the_bound(dtype: str, bound: float) -> None:
    data = np.linspace(-0.7, 0.3, 1001, dtype=np.float32)
    manifest, files = writer.encode_weights([("w", data)], quantization=dtype)
    q = manifest[0]["weights"][0]["quantization"]
    assert q["dtype"] == dtype and q["original_dtype"] == "float32"
    back = writer.decode_weights(manifest, files)["w"]
    # the span is 1.0, so one quantization step is `bound`; rounding costs at most half
    assert np.max(np.abs(back - data)) <= bound * 0.51 + 1e-7
    if dtype != "float16":
        assert 0.0 in back  # the nudged range represents zero exactly


def test_quantization_matches_tensorflowjs_formula() -> None:
    # tensorflowjs 4.22 quantization.py, worked by hand for [-1, 2] in uint8
    q, entry = writer.quantize(np.array([-1.0, 0.0, 2.0], np.float32), "uint8")
    scale = 3.0 / 255
    assert entry["scale"] == pytest.approx(scale)
    assert entry["min"] == pytest.approx(-round(1.0 / scale) * scale)
    assert q.tolist() == [0, 85, 255]
    constant, entry = writer.quantize(np.full(4, 0.5, np.float32), "uint16")
    assert constant.tolist() == [0, 0, 0, 0] and entry["scale"] == 1.0 and entry["min"] == 0.5


def test_bad_dtype_duplicates_and_unknown_quantization_are_refused() -> None:
    with pytest.raises(writer.ConvertError, match="complex"):
        writer.encode_weights([("w", np.zeros(2, np.complex64))])
    with pytest.raises(writer.ConvertError, match="two weights"):
        writer.encode_weights([("w", np.zeros(2)), ("w", np.zeros(2))])
    with pytest.raises(writer.ConvertError, match="int4"):
        writer.encode_weights([("w", np.zeros(2))], quantization="int4")


def test_model_files_and_all_or_nothing_write(tmp_path) -> None:
    files = writer.layers_model_files({"class_name": "Sequential"},
                                      [("d/kernel", np.ones((2, 1)))], generated_by="keras v3")
    doc = json.loads(files["model.json"])
    assert list(doc) == ["format", "generatedBy", "convertedBy", "modelTopology",
                         "weightsManifest"]
    assert doc["weightsManifest"][0]["paths"] == ["group1-shard1of1.bin"]
    out = writer.write_files(tmp_path / "out", files)
    assert sorted(p.name for p in out.iterdir()) == ["group1-shard1of1.bin", "model.json"]
    with pytest.raises(writer.ConvertError, match="already exists"):
        writer.write_files(out, files)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no temp dir left behind
