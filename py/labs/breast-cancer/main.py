# Breast cancer (week 1 assignment): malignant or benign from 30 measurements.
import numpy as np

from pytfjs import export, report, tf, ui
from pytfjs.data import csv

train = csv.read(await ui.fetch_bytes("data/breast-cancer-train.csv"), "train.csv")
test = csv.read(await ui.fetch_bytes("data/breast-cancer-test.csv"), "test.csv")
print(train.frame.iloc[:, :4].describe().round(2))  # pandas: already standardized
# diagnosis: 1 = malignant, 0 = benign. No split here: the test file is the validation set.
training = train.prepare("diagnosis", validation_split=0, standardize=False)
testing = test.prepare("diagnosis", validation_split=0, standardize=False)
print(f"{len(training.x_train)} training and {len(testing.x_train)} test cases,",
      f"{training.x_train.shape[1]} features")

model = tf.sequential()
model.add(tf.layers.dense(units=16, activation="relu", input_shape=[30]))
model.add(tf.layers.dense(units=8, activation="relu"))
model.add(tf.layers.dense(units=1, activation="sigmoid"))
model.compile(optimizer="rmsprop", loss="binaryCrossentropy", metrics=["accuracy"])
model.summary()
history = await model.fit(training.x_train, training.y_train, epochs=100, batch_size=32,
                          validation_data=(testing.x_train, testing.y_train))
test_accuracy = history.history["val_acc"][-1]
print(f"test accuracy: {test_accuracy:.3f}")

# Save twice: as files to download (nothing downloads until you press the button), and in
# the browser's IndexedDB; then load it back.
files = await export.model_files(model)  # model.json + weights.bin, as model.save() writes
ui.offer_download("The trained model (TF.js format: model.json + weights.bin):",
                  "breast-cancer-model.zip", export.zip_files(files), "application/zip")
await model.save("indexeddb://pytfjs-breast-cancer")
loaded = await tf.load_layers_model("indexeddb://pytfjs-breast-cancer")
before = model.predict(testing.x_train).numpy()
after = loaded.predict(testing.x_train).numpy()
identical = bool(np.array_equal(before, after))
print("predictions after loading from IndexedDB are", "identical" if identical else "DIFFERENT")
report(test_accuracy=test_accuracy, reload_identical=identical, test_cases=len(testing.x_train))
