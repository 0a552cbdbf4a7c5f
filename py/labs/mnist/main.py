# MNIST: a convolutional network learns handwritten digits (course week 2).
import math

import numpy as np

import pytfjs
from pytfjs import param, report, tf, ui
from pytfjs.data import drawing, sprites

# MNIST: 60,000 training + the official 10,000 test digits (Yann LeCun and Corinna Cortes,
# CC BY-SA 3.0), kept as uint8 (55 MB, not 220 MB of float32).
digits = await sprites.load("data/mnist")
pool, test = digits.split(limit=param("samples", 0) or None)  # test: the official 10,000
test = test[:param("tests", 0) or None]  # ?tests=N: the first N of them (a quicker score)
n_val = min(5000, len(pool) // 10)  # validation: scored after every epoch
val, train = pool[:n_val], pool[n_val:]
print(f"{len(train)} training, {len(val)} validation, {len(test)} test digits")
tiles, names = digits.grid(32, columns=16)
ui.image("Sample digits", tiles, scale=2, caption="labels: " + " ".join(names))

# The course's CNN.
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
ui.model_summary("Model", model)

# Training: each batch becomes float32 only while it is used (charts per batch and epoch),
# the batches in a new order every epoch.
epochs, batch_size = param("epochs", 10), param("batch", 512)
history = await pytfjs.fit_batches(
    model, lambda epoch: digits.batches(train, batch_size, epoch=epoch),
    epochs=epochs, steps_per_epoch=math.ceil(len(train) / batch_size),
    validation=lambda: digits.batches(val, 1000, shuffle=False))
val_accuracy = history.history["val_acc"][-1]

# Evaluation on digits the model never saw.
probabilities = np.vstack([model.predict(x).numpy()
                           for x, _ in digits.batches(test, 1000, shuffle=False)])
predicted, true = probabilities.argmax(axis=1), digits.labels[test]
test_accuracy = float((predicted == true).mean())
matrix = np.zeros((10, 10), dtype=int)
np.add.at(matrix, (true, predicted), 1)
ui.render("confusionMatrix", "Confusion matrix (held-out digits)",
          {"values": matrix.tolist(), "tickLabels": digits.classes}, {"height": 300})
ui.table("Accuracy per digit (held-out)", ["digit", "count", "accuracy"],
         [[name, int(matrix[i].sum()), f"{matrix[i, i] / matrix[i].sum():.3f}"]
          for i, name in enumerate(digits.classes)])
print(f"validation accuracy {val_accuracy:.3f} · test accuracy {test_accuracy:.3f}")


# Draw your own: prepared like MNIST (cropped, scaled into 20x20, centred by mass).
def predict(pixels):
    image = drawing.to_mnist(pixels)
    if image is None:
        return []
    with pytfjs.tidy():
        p = model.predict(image[None, :, :, None]).numpy()[0]
    return [(digits.classes[i], p[i]) for i in p.argsort()[::-1][:3]]


pytfjs.keep(model)  # the pad uses the model after this run ends
ui.drawing_pad("Draw a digit", predict)
report(val_accuracy=val_accuracy, val_count=len(val), test_accuracy=test_accuracy,
       test_count=len(test), first_test_ids=test[:10],
       peak_tensor_bytes=history.peak_bytes, batch_bytes=batch_size * 28 * 28 * 4,
       model_bytes=4 * int(model.count_params()))
