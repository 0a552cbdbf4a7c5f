# MNIST: згорткова мережа вчиться розпізнавати рукописні цифри (тиждень 2 курсу).
import math

import numpy as np

import pytfjs
from pytfjs import param, report, tf, ui
from pytfjs.data import drawing, sprites

# MNIST: 60 000 навчальних + офіційні 10 000 тестових цифр (Yann LeCun і Corinna Cortes,
# CC BY-SA 3.0), збережені як uint8 (55 МБ, а не 220 МБ у float32).
digits = await sprites.load("data/mnist")
pool, test = digits.split(limit=param("samples", 0) or None)  # test: офіційні 10 000
test = test[:param("tests", 0) or None]  # ?tests=N: перші N із них (швидша оцінка)
n_val = min(5000, len(pool) // 10)  # перевірка: оцінюється після кожної епохи
val, train = pool[:n_val], pool[n_val:]
print(f"цифр: {len(train)} навчальних, {len(val)} для перевірки, {len(test)} тестових")
tiles, names = digits.grid(32, columns=16)
ui.image("Приклади цифр", tiles, scale=2, caption="мітки: " + " ".join(names))

# Згорткова мережа (CNN) з курсу.
model = tf.sequential()
model.add(tf.layers.conv2d(input_shape=[28, 28, 1], kernel_size=3, filters=8,
                           activation="relu"))
model.add(tf.layers.max_pooling2d(pool_size=[2, 2]))
model.add(tf.layers.conv2d(kernel_size=3, filters=16, activation="relu"))
model.add(tf.layers.max_pooling2d(pool_size=[2, 2]))
model.add(tf.layers.flatten())
model.add(tf.layers.dense(units=128, activation="relu"))
model.add(tf.layers.dense(units=10, activation="softmax"))
learning_rate = param("lr", 0.003)
model.compile(optimizer=tf.train.adam(learning_rate), loss="categoricalCrossentropy",
              metrics=["accuracy"])
ui.model_summary("Модель", model)

# Навчання: кожен пакет стає float32 лише на час використання (графіки за пакетами й
# епохами), а порядок пакетів щоепохи новий.
epochs, batch_size = param("epochs", 10), param("batch", 512)
history = await pytfjs.fit_batches(
    model, lambda epoch: digits.batches(train, batch_size, epoch=epoch),
    epochs=epochs, steps_per_epoch=math.ceil(len(train) / batch_size),
    validation=lambda: digits.batches(val, 1000, shuffle=False))
val_accuracy = history.history["val_acc"][-1]

# Оцінка на цифрах, яких модель ніколи не бачила.
probabilities = np.vstack([model.predict(x).numpy()
                           for x, _ in digits.batches(test, 1000, shuffle=False)])
predicted, true = probabilities.argmax(axis=1), digits.labels[test]
test_accuracy = float((predicted == true).mean())
matrix = np.zeros((10, 10), dtype=int)
np.add.at(matrix, (true, predicted), 1)
ui.render("confusionMatrix", "Матриця помилок (відкладені цифри)",
          {"values": matrix.tolist(), "tickLabels": digits.classes}, {"height": 300})
ui.table("Точність для кожної цифри (відкладені дані)", ["цифра", "кількість", "точність"],
         [[name, int(matrix[i].sum()), f"{matrix[i, i] / matrix[i].sum():.3f}"]
          for i, name in enumerate(digits.classes)])
print(f"точність на перевірці {val_accuracy:.3f} · на тестовому наборі {test_accuracy:.3f}")


# Намалюйте свою: малюнок готується, як у MNIST (обрізаний, вписаний у 20x20, центрований
# за масою).
def predict(pixels):
    image = drawing.to_mnist(pixels)
    if image is None:
        return []
    with pytfjs.tidy():
        p = model.predict(image[None, :, :, None]).numpy()[0]
    return [(digits.classes[i], p[i]) for i in p.argsort()[::-1][:3]]


pytfjs.keep(model)  # панель для малювання користується моделлю й після цього запуску
ui.drawing_pad("Намалюйте цифру", predict)
report(val_accuracy=val_accuracy, val_count=len(val), test_accuracy=test_accuracy,
       test_count=len(test), first_test_ids=test[:10],
       peak_tensor_bytes=history.peak_bytes, batch_bytes=batch_size * 28 * 28 * 4,
       model_bytes=4 * int(model.count_params()))
