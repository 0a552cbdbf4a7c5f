# Iris: tell three species apart from four measurements (course week 1).
import numpy as np

from pytfjs import report, tf, ui
from pytfjs.data import csv

# The CSV has a header row; "species" is the label, the four measurements the features.
table = csv.read(await ui.fetch_bytes("data/iris.csv"), "iris.csv")
print(f"{table.rows} flowers:", table.label_distribution("species"))

# One-hot labels, a seeded 80/20 split. The course fed raw centimetres, so no scaling here.
data = table.prepare("species", validation_split=0.2, seed=7, standardize=False)
print("classes, in one-hot order:", data.class_names)

model = tf.sequential()
model.add(tf.layers.dense(units=5, activation="sigmoid", input_shape=[4]))
model.add(tf.layers.dense(units=3, activation="softmax"))
model.compile(optimizer=tf.train.adam(0.06), loss="categoricalCrossentropy",
              metrics=["accuracy"])
history = await model.fit(data.x_train, data.y_train, epochs=100, batch_size=10,
                          validation_data=(data.x_val, data.y_val))
val_accuracy = history.history["val_acc"][-1]
print(f"validation accuracy: {val_accuracy:.3f} on {len(data.x_val)} flowers")

# A flower the course asks about: sepal 4.4 x 2.9 cm, petal 1.4 x 0.2 cm.
flower = {"sepal_length": 4.4, "sepal_width": 2.9, "petal_length": 1.4, "petal_width": 0.2}
probabilities = model.predict(data.transform([flower])).numpy()[0]
ui.table("Prediction for [4.4, 2.9, 1.4, 0.2]", ["species", "probability"],
         [[name, f"{p:.3f}"] for name, p in zip(data.class_names, probabilities)])
sample_class = data.class_names[int(np.argmax(probabilities))]
print(f"the model says: {sample_class} ({probabilities.max():.1%})")
report(val_accuracy=val_accuracy, val_count=len(data.x_val), sample_class=sample_class,
       sample_probabilities=dict(zip(data.class_names, probabilities.round(4).tolist())))
