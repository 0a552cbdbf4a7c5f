# MobileNet: a network trained on ImageNet names what is in a photo (course week 3).
import json
import time

import numpy as np

import pytfjs
from pytfjs import param, report, tf, ui
from pytfjs.control import InputError
from pytfjs.data import images

# The pretrained model: 3.5 million weights, converted from PyTorch when the site was built.
folder = "models/mobilenet_v2"
meta = json.loads(await ui.fetch_bytes(f"{folder}/metadata.json"))
labels, size = meta["labels"], meta["input_size"]
started = time.perf_counter()
model = await tf.load_layers_model(f"{folder}/model.json")
print(f"MobileNetV2 loaded in {(time.perf_counter() - started) * 1000:.0f} ms: "
      f"{model.count_params():,} weights, {len(labels)} ImageNet classes")
with pytfjs.tidy():  # the first prediction also prepares the backend's kernels
    model.predict(np.zeros((1, size, size, 3), np.float32)).numpy()

named = []  # the top class of every photo so far


def classify(photo):
    square = images.center_square(photo.pixels, size)  # uint8, the centre of the photo
    x = images.normalize(square, meta["mean"], meta["std"])  # as the model was trained
    with pytfjs.tidy():
        started = time.perf_counter()
        p = model.predict(x[None]).numpy()[0]
        ms = (time.perf_counter() - started) * 1000
    top5 = [(labels[i], float(p[i])) for i in np.argsort(p)[::-1][:5]]
    named.append(top5[0][0])
    ui.image("What the model sees", square, scale=1, caption=photo.describe())
    ui.render("barchart", "Top 5", [{"index": f"{rank}. {name}", "value": q}
                                    for rank, (name, q) in enumerate(top5, start=1)],
              {"yLabel": "probability", "height": 240})
    ui.table("Top 5 classes", ["class", "probability"], [[n, f"{q:.1%}"] for n, q in top5],
             caption=f"prediction {ms:.0f} ms on {pytfjs.backend()}")
    print(f"{photo.name}: {top5[0][0]} ({top5[0][1]:.1%}) in {ms:.0f} ms")
    report(image=photo.name, top1=top5[0][0], top1_prob=top5[0][1], top5=top5,
           ms=round(ms, 1), classified=len(named))


async def pick_photo():
    source = await ui.choose("Which photo?", ["Sample photo", "Your photo", "Webcam"])
    if source == "Sample photo":
        names = [p["name"] for p in await images.samples()]
        return await images.sample(await ui.choose("Which sample?", names))
    if source == "Webcam":
        try:
            return await images.snapshot()
        except InputError as problem:  # no camera here: a file still works
            ui.message(f"{problem}. Pick a photo file instead.", "error")
    return await images.read(await ui.ask_file("Drop a photo here, or pick one.", "image/*"))


if param("image", ""):  # ?image=chelsea: classify that sample photo and stop
    classify(await images.sample(param("image", "")))
else:
    while True:  # one photo after another, until you press Stop
        try:
            classify(await pick_photo())
        except InputError as problem:  # not an image, an empty file...: say so, go on
            ui.message(str(problem), "error")
