# Convert a Keras model to TF.js, here in the page: no TensorFlow, nothing uploaded.
import hashlib
import time

import numpy as np

from pytfjs import export, param, report, ui
from pytfjs.control import InputError
from pytfjs.convert import QUANTIZE_DTYPES, convert_bytes

SAMPLE = "models/keras/emotion_model.hdf5"  # fer's emotion model (Keras 2.0.5), shipped
TYPED_INPUT = ""  # type numbers here ("0.1, 0.5, ...") to predict on them, else random

# 1. The Keras file: yours (it stays on this computer), or the sample.
url = param("model", "")
if not url:
    source = await ui.choose("Which Keras model?", [
        "my own .h5 / .hdf5 / .keras file", "the sample: fer's emotion model (Keras 2.0.5)"])
    url = SAMPLE if source.startswith("the sample") else None
file = await ui.ask_file("Drop a Keras model file here (.h5, .hdf5 or .keras)",
                         accept=".h5,.hdf5,.keras", url=url)
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

# 4. Predict: on the numbers you typed, or on random input of the right shape.
name, shape, dtype = conversion.inputs[0]
shape = [1, *[d or 1 for d in (shape or [None, 1])[1:]]]
typed = param("input", "") or TYPED_INPUT
rng = np.random.default_rng(0)
if typed:
    values = np.array([float(v) for v in typed.replace(";", ",").split(",") if v.strip()])
    if values.size != np.prod(shape):
        raise InputError(f"The input '{name}' needs {int(np.prod(shape))} numbers "
                         f"(shape {shape[1:]}); you typed {values.size}.")
    x = values.reshape(shape)
elif dtype == "int32":
    x = rng.integers(0, 2, size=shape)
else:
    x = rng.random(size=shape)
x = x.astype(np.int32 if dtype == "int32" else np.float32)
started = time.perf_counter()
output = model.predict(x).numpy()[0]
print(f"prediction for {'your input' if typed else 'a random input'} of shape {shape[1:]} "
      f"in {1000 * (time.perf_counter() - started):.0f} ms")
flat = output.ravel()
ui.table("Model output (first sample)", ["index", "value"],
         [[i, f"{v:.6g}"] for i, v in enumerate(flat[:50])],
         caption=f"{flat.size} values" + (", first 50 shown" if flat.size > 50 else ""))
if 1 < flat.size <= 20:
    ui.render("barchart", "Output", [{"index": str(i), "value": float(v)}
                                     for i, v in enumerate(flat)], {"height": 200})

# 5. The TF.js files, zipped: model.json + shards, ready for tf.loadLayersModel.
stem = file.name.rsplit(".", 1)[0]
ui.offer_download("The converted model (unzip it next to your page and load model.json):",
                  f"{stem}-tfjs.zip", export.zip_files(conversion.files), "application/zip")
report(keras_version=conversion.keras_version, parameters=conversion.parameters,
       layers=[layer for layer, _, _ in conversion.layers], quantize=quantize or "none",
       files={n: len(b) for n, b in conversion.files.items()},
       sha256={n: hashlib.sha256(b).hexdigest() for n, b in conversion.files.items()},
       input_shape=shape, output=flat.tolist())
