# Fashion-MNIST (вправа тижня 2 курсу): той самий конвеєр, що й для MNIST, але на одязі.
import math

import numpy as np

import pytfjs
from pytfjs import export, param, report, tf, ui
from pytfjs.data import sprites

# 60 000 навчальних + 10 000 офіційних тестових зображень, у пам'яті як uint8 (55 МБ, не 220 МБ).
clothes = await sprites.load("data/fashion-mnist")
pool, test = clothes.split(limit=param("samples", 0) or None)  # офіційний тестовий набір
val, train = pool[: len(pool) // 10], pool[len(pool) // 10 :]
print(f"зображень: {len(train)} навчальних, {len(val)} для перевірки, {len(test)} тестових")
print("класи:", ", ".join(clothes.classes))
tiles, names = clothes.grid(32, columns=16)
ui.image("Приклади зображень", tiles, scale=2, caption=" | ".join(names))

model = tf.sequential()
model.add(tf.layers.conv2d(input_shape=[28, 28, 1], kernel_size=3, filters=16,
                           activation="relu"))
model.add(tf.layers.max_pooling2d(pool_size=[2, 2]))
model.add(tf.layers.conv2d(kernel_size=3, filters=32, activation="relu"))
model.add(tf.layers.max_pooling2d(pool_size=[2, 2]))
model.add(tf.layers.flatten())
model.add(tf.layers.dense(units=128, activation="relu"))
model.add(tf.layers.dense(units=10, activation="softmax"))
learning_rate = param("lr", 0.003)
model.compile(optimizer=tf.train.adam(learning_rate), loss="categoricalCrossentropy",
              metrics=["accuracy"])
ui.model_summary("Модель", model)

epochs, batch_size = param("epochs", 10), param("batch", 512)
history = await pytfjs.fit_batches(
    model, lambda epoch: clothes.batches(train, batch_size, epoch=epoch),
    epochs=epochs, steps_per_epoch=math.ceil(len(train) / batch_size),
    validation=lambda: clothes.batches(val, 1000, shuffle=False))

probabilities = np.vstack([model.predict(x).numpy()
                           for x, _ in clothes.batches(test, 1000, shuffle=False)])
predicted, true = probabilities.argmax(axis=1), clothes.labels[test]
test_accuracy = float((predicted == true).mean())
matrix = np.zeros((10, 10), dtype=int)
np.add.at(matrix, (true, predicted), 1)
ui.render("confusionMatrix", "Матриця помилок (тестові зображення)",
          {"values": matrix.tolist(), "tickLabels": clothes.classes}, {"height": 320})
print(f"точність на тестовому наборі: {test_accuracy:.3f}")

files = await export.model_files(model)  # model.json + weights.bin, щоб зберегти
ui.offer_download("Навчена модель (формат TF.js), щоб зберегти:", "fashion-mnist-model.zip",
                  export.zip_files(files), "application/zip")
report(val_accuracy=history.history["val_acc"][-1], val_count=len(val),
       test_accuracy=test_accuracy, test_count=len(test))
