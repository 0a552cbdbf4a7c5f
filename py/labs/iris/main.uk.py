# Іриси: розрізнити три види за чотирма вимірами (тиждень 1 курсу).
import numpy as np

from pytfjs import report, tf, ui
from pytfjs.data import csv

# CSV має рядок заголовків; "species" (вид) — мітка, чотири виміри — ознаки.
table = csv.read(await ui.fetch_bytes("data/iris.csv"), "iris.csv")
print(f"Квітів: {table.rows};", table.label_distribution("species"))

# Мітки one-hot, поділ 80/20 із зерном. Курс подавав сирі сантиметри, тож без масштабування.
data = table.prepare("species", validation_split=0.2, seed=7, standardize=False)
print("класи в порядку one-hot:", data.class_names)

model = tf.sequential()
model.add(tf.layers.dense(units=5, activation="sigmoid", input_shape=[4]))
model.add(tf.layers.dense(units=3, activation="softmax"))
model.compile(optimizer=tf.train.adam(0.06), loss="categoricalCrossentropy",
              metrics=["accuracy"])
history = await model.fit(data.x_train, data.y_train, epochs=100, batch_size=10,
                          validation_data=(data.x_val, data.y_val))
val_accuracy = history.history["val_acc"][-1]
print(f"точність на перевірці: {val_accuracy:.3f} (квітів: {len(data.x_val)})")

# Квітка, про яку питає курс: чашолисток 4,4 x 2,9 см, пелюстка 1,4 x 0,2 см.
flower = {"sepal_length": 4.4, "sepal_width": 2.9, "petal_length": 1.4, "petal_width": 0.2}
probabilities = model.predict(data.transform([flower])).numpy()[0]
ui.table("Передбачення для [4.4, 2.9, 1.4, 0.2]", ["вид", "ймовірність"],
         [[name, f"{p:.3f}"] for name, p in zip(data.class_names, probabilities)])
sample_class = data.class_names[int(np.argmax(probabilities))]
print(f"модель каже: {sample_class} ({probabilities.max():.1%})")
report(val_accuracy=val_accuracy, val_count=len(data.x_val), sample_class=sample_class,
       sample_probabilities=dict(zip(data.class_names, probabilities.round(4).tolist())))
