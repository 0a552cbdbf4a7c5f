# MobileNet: мережа, навчена на ImageNet, називає, що є на фото (тиждень 3 курсу).
import json
import time

import numpy as np

import pytfjs
from pytfjs import param, report, tf, ui
from pytfjs.control import InputError
from pytfjs.data import images

# Попередньо навчена модель: 3,5 мільйона ваг, перетворена з PyTorch під час збирання сайту.
folder = "models/mobilenet_v2"
meta = json.loads(await ui.fetch_bytes(f"{folder}/metadata.json"))
labels, size = meta["labels"], meta["input_size"]
started = time.perf_counter()
model = await tf.load_layers_model(f"{folder}/model.json")
print(f"MobileNetV2 завантажено за {(time.perf_counter() - started) * 1000:.0f} мс: "
      f"ваг: {model.count_params():,}, класів ImageNet: {len(labels)}")
with pytfjs.tidy():  # перше передбачення ще й готує ядра бекенда
    model.predict(np.zeros((1, size, size, 3), np.float32)).numpy()

named = []  # найімовірніший клас кожного фото досі


def classify(photo):
    square = images.center_square(photo.pixels, size)  # uint8, середина фото
    x = images.normalize(square, meta["mean"], meta["std"])  # так, як навчали модель
    with pytfjs.tidy():
        started = time.perf_counter()
        p = model.predict(x[None]).numpy()[0]
        ms = (time.perf_counter() - started) * 1000
    top5 = [(labels[i], float(p[i])) for i in np.argsort(p)[::-1][:5]]
    named.append(top5[0][0])
    ui.image("Що бачить модель", square, scale=1, caption=photo.describe())
    ui.render("barchart", "П'ять найімовірніших",
              [{"index": f"{rank}. {name}", "value": q}
               for rank, (name, q) in enumerate(top5, start=1)],
              {"yLabel": "ймовірність", "height": 240})
    ui.table("П'ять найімовірніших класів", ["клас", "ймовірність"],
             [[n, f"{q:.1%}"] for n, q in top5],
             caption=f"передбачення за {ms:.0f} мс на бекенді {pytfjs.backend()}")
    print(f"{photo.name}: {top5[0][0]} ({top5[0][1]:.1%}) за {ms:.0f} мс")
    report(image=photo.name, top1=top5[0][0], top1_prob=top5[0][1], top5=top5,
           ms=round(ms, 1), classified=len(named))


async def pick_photo():
    source = await ui.choose("Яке фото?", ["Фото з прикладів", "Ваше фото", "Вебкамера"])
    if source == "Фото з прикладів":
        names = [p["name"] for p in await images.samples()]
        return await images.sample(await ui.choose("Який приклад?", names))
    if source == "Вебкамера":
        try:
            return await images.snapshot()
        except InputError as problem:  # камери немає: файл однаково підійде
            ui.message(f"{problem}. Виберіть натомість файл із фото.", "error")
    return await images.read(await ui.ask_file("Перетягніть сюди фото або виберіть файл.",
                                               "image/*"))


if param("image", ""):  # ?image=chelsea: класифікувати це фото з прикладів і зупинитися
    classify(await images.sample(param("image", "")))
else:
    while True:  # фото за фото, доки не натиснете «Зупинити»
        try:
            classify(await pick_photo())
        except InputError as problem:  # не зображення, порожній файл...: сказати й далі
            ui.message(str(problem), "error")
