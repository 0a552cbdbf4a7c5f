# Камінь, папір, ножиці, ящірка, Спок: навчити попередньо навчену мережу нових класів
# (тиждень 4).
import json

import numpy as np

import pytfjs
from pytfjs import param, report, tf, ui
from pytfjs.control import Stopped
from pytfjs.data import images
from pytfjs.export import zip_files
from pytfjs.studio import Studio, TrainSettings, embedding_model
from pytfjs.transfer import export_files, split

CLASSES = ["камінь", "папір", "ножиці", "ящірка", "Спок"]
folder = "models/mobilenet_v2"
meta = json.loads(await ui.fetch_bytes(f"{folder}/metadata.json"))
mobilenet = await tf.load_layers_model(f"{folder}/model.json")
# Відрізати MobileNetV2 після глобального усереднювального пулінгу: 1 280 чисел, що описують
# зображення, — вектор ознак (ембединг).
base = tf.model(inputs=mobilenet.inputs, outputs=mobilenet.get_layer("embedding").output)


def embed(square):
    """uint8 [224, 224, 3] -> float32 [1280], у numpy (на GPU нічого не лишається)."""
    x = images.normalize(square, meta["mean"], meta["std"])
    with pytfjs.tidy():  # вхідний і вихідний тензори звільняються наприкінці блоку
        return base.predict(x[None]).numpy()[0]


def new_head(classes, lr):
    head = tf.sequential()
    head.add(tf.layers.dense(units=100, activation="relu", input_shape=[1280], name="hidden"))
    head.add(tf.layers.dense(units=classes, activation="softmax", name="class_probabilities"))
    head.compile(optimizer=tf.train.adam(lr), loss="categoricalCrossentropy",
                 metrics=["accuracy"])
    return head


async def train(settings):
    x, y = studio.samples.arrays()  # вектори ознак і номер класу кожного з них
    (x_train, y_train), (x_val, y_val) = split(x, y, 0.15, seed=0)  # 15% для перевірки
    one_hot = np.eye(len(studio.samples.classes), dtype=np.float32)
    head = new_head(len(one_hot), settings.lr)
    try:
        history = await head.fit(x_train, one_hot[y_train],
                                 validation_data=(x_val, one_hot[y_val]),
                                 epochs=settings.epochs, batch_size=settings.batch,
                                 stop=studio.stop_requested)
    except Stopped:
        head.dispose()
        raise
    finally:
        head.optimizer.dispose()  # ковзні середні Adam: після навчання не потрібні
    val_accuracy = history.history["val_acc"][-1]
    report(val_accuracy=val_accuracy, val_count=len(x_val), samples=len(x),
           epochs=len(history.epoch))
    # зберігається в цьому браузері разом зі зразками (після перезавантаження одразу
    # передбачає) та в експортованих проєктах
    await studio.trained(f"Навчання завершено: правильно {val_accuracy:.0%} з {len(x_val)} "
                         f"зразків для перевірки після {len(history.epoch)} епох навчання на "
                         f"{len(x_train)}.", head, settings)
    return head


def predict(square):
    with pytfjs.tidy():
        return head.predict(embed(square)[None]).numpy()[0]


settings = TrainSettings(param("epochs", 20), param("lr", 0.001), param("batch", 16))
studio = await Studio.open("rpsls", CLASSES, embed, settings=settings, rate=param("rate", 5.0),
                           embedding=await embedding_model(folder, "embedding"))
head = None
async for action in studio.actions():  # те, що ви натискаєте, по одній дії
    if action.kind == "model":  # голова, збережена з минулого візиту, або імпортована
        if head is not None:
            head.dispose()
        head = action.head
    elif action.kind == "train":
        try:
            trained = await train(action.settings)
        except Stopped as stopped:  # «Зупинити навчання»: попередня модель лишається
            studio.say(str(stopped))
            continue
        if head is not None:
            head.dispose()
        head = trained
    elif action.kind == "predict":  # кадр із вебкамери або вибране вами фото
        studio.show_prediction(predict(action.square), action.source)
    elif action.kind == "export":  # одна модель: MobileNetV2 до "embedding", потім голова
        files = await export_files(folder, head, studio.samples.names, cut="embedding",
                                   samples=len(studio.samples))
        ui.download("rpsls-model.zip", zip_files(files))
        studio.say("Експортовано rpsls-model.zip: model.json, ваги, metadata.json.")
