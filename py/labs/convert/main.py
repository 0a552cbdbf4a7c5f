# Convert a Keras model to TF.js, here in the page: no TensorFlow, nothing uploaded.
import hashlib
import time

import numpy as np

from pytfjs import export, limits, param, report, ui
from pytfjs.control import InputError
from pytfjs.convert import QUANTIZE_DTYPES, ConvertError, convert_bytes

SAMPLE = "models/keras/emotion_model.hdf5"  # fer's emotion model (Keras 2.0.5), shipped
TYPED_INPUT = ""  # numbers ("0.1, 0.5, ...") to predict on; empty: a random input

# 1. The Keras file: yours (it stays on this computer), or the sample.
url = param("model", "")
if not url:
    source = await ui.choose("Which Keras model?", [
        "my own .h5 / .hdf5 / .keras file", "the sample: fer's emotion model (Keras 2.0.5)"])
    url = SAMPLE if source.startswith("the sample") else None
file = await ui.ask_file("Drop a Keras model file here (.h5, .hdf5 or .keras)",
                         accept=".h5,.hdf5,.keras", url=url)
limits.check_file_size(file.size, file.name, limits.MODEL_MAX_FILE_BYTES, "model files",
                       ConvertError)  # before reading it into memory
quantize = param("quantize", "") if param("model", "") else await ui.choose(
    "Store the weights as:", ["float32 (exact)", *QUANTIZE_DTYPES], default="float32 (exact)")
quantize = None if quantize.startswith("float32") or not quantize else quantize

# 2. Convert: Keras config -> TF.js topology, weights -> 4 MiB shards.
started = time.perf_counter()
conversion = convert_bytes(await file.read(), file.name, quantize)
print(conversion.report())
print(f"converted in {1000 * (time.perf_counter() - started):.0f} ms")

# 3. Load it in TF.js straight from memory, and show its layers.
model = await export.load_model_files(conversion.files)
ui.model_summary(f"{file.name} in TF.js", model)

# 4. The TF.js files, zipped: model.json + shards, ready for tf.loadLayersModel.
stem = file.name.rsplit(".", 1)[0]
ui.offer_download("The converted model (unzip it next to your page and load model.json):",
                  f"{stem}-tfjs.zip", export.zip_files(conversion.files), "application/zip")
report(keras_version=conversion.keras_version, parameters=conversion.parameters,
       layers=[layer for layer, _, _ in conversion.layers], quantize=quantize or "none",
       files={n: len(b) for n, b in conversion.files.items()},
       sha256={n: hashlib.sha256(b).hexdigest() for n, b in conversion.files.items()})

# 5. Predict: on numbers you type, or on random input of the right shape.
name, shape, dtype = conversion.inputs[0]
shape = [1, *[d or 1 for d in (shape or [None, 1])[1:]]]
size = int(np.prod(shape))


def model_input(typed):
    if not typed.strip():
        x = np.random.default_rng(0).random(size=shape)
        return (x * 2).astype(np.int32) if dtype == "int32" else x.astype(np.float32)
    try:
        values = np.array([float(v) for v in typed.replace(";", ",").split(",") if v.strip()])
    except ValueError as bad:
        raise InputError(f"Not a number: {bad}. Separate numbers with commas.") from None
    if values.size != size:
        raise InputError(f"The input '{name}' needs {size} numbers (shape {shape[1:]}); "
                         f"you typed {values.size}.")
    return values.reshape(shape).astype(np.int32 if dtype == "int32" else np.float32)


def predict(typed):
    x = model_input(typed)
    started = time.perf_counter()
    with model.predict(x) as predicted:
        output = predicted.numpy()[0].ravel()
    print(f"prediction for {'your input' if typed.strip() else 'a random input'} of shape "
          f"{shape[1:]} in {1000 * (time.perf_counter() - started):.0f} ms")
    ui.table("Model output", ["index", "value"],
             [[i, f"{v:.6g}"] for i, v in enumerate(output[:50])],
             caption=f"{output.size} values" + (", first 50 shown" if output.size > 50 else ""))
    if 1 < output.size <= 20:
        ui.render("barchart", "Output", [{"index": str(i), "value": float(v)}
                                         for i, v in enumerate(output)], {"height": 200})
    report(input_shape=shape, output=output.tolist())


if param("model", ""):  # scripted: one prediction, on ?input= or TYPED_INPUT
    predict(param("input", "") or TYPED_INPUT)
else:  # predict, edit the numbers, predict again... until Stop
    typed, problem = TYPED_INPUT, ""
    while True:
        answer = await ui.ask_text(
            f"Input '{name}': {size} numbers (shape {shape[1:]}), separated by commas. "
            "Leave it empty for a random input.", typed, label="Input numbers",
            button="Predict", error=problem)
        typed = answer.text
        try:
            predict(typed)
            problem = ""
        except InputError as refused:
            problem = str(refused)
