# Рак грудної залози (завдання тижня 1): злоякісна чи доброякісна пухлина за 30 вимірами.
import numpy as np

from pytfjs import export, report, tf, ui
from pytfjs.data import csv

train = csv.read(await ui.fetch_bytes("data/breast-cancer-train.csv"), "train.csv")
test = csv.read(await ui.fetch_bytes("data/breast-cancer-test.csv"), "test.csv")
print(train.frame.iloc[:, :4].describe().round(2))  # pandas: дані вже стандартизовано
# diagnosis: 1 = злоякісна, 0 = доброякісна. Без поділу: тестовий файл і є набором перевірки.
training = train.prepare("diagnosis", validation_split=0, standardize=False)
testing = test.prepare("diagnosis", validation_split=0, standardize=False)
print(f"випадків: {len(training.x_train)} навчальних і {len(testing.x_train)} тестових,",
      f"ознак: {training.x_train.shape[1]}")

model = tf.sequential()
model.add(tf.layers.dense(units=16, activation="relu", input_shape=[30]))
model.add(tf.layers.dense(units=8, activation="relu"))
model.add(tf.layers.dense(units=1, activation="sigmoid"))
model.compile(optimizer="rmsprop", loss="binaryCrossentropy", metrics=["accuracy"])
model.summary()
history = await model.fit(training.x_train, training.y_train, epochs=100, batch_size=32,
                          validation_data=(testing.x_train, testing.y_train))
test_accuracy = history.history["val_acc"][-1]
print(f"точність на тестовому наборі: {test_accuracy:.3f}")

# Зберегти двічі: як файли для завантаження (нічого не завантажується, доки ви не натиснете
# кнопку) і в IndexedDB браузера; потім завантажити модель назад.
files = await export.model_files(model)  # model.json + weights.bin, як їх пише model.save()
ui.offer_download("Навчена модель (формат TF.js: model.json + weights.bin):",
                  "breast-cancer-model.zip", export.zip_files(files), "application/zip")
await model.save("indexeddb://pytfjs-breast-cancer")
loaded = await tf.load_layers_model("indexeddb://pytfjs-breast-cancer")
before = model.predict(testing.x_train).numpy()
after = loaded.predict(testing.x_train).numpy()
identical = bool(np.array_equal(before, after))
print("передбачення після завантаження з IndexedDB", "ті самі" if identical else "ІНШІ")
report(test_accuracy=test_accuracy, reload_identical=identical, test_cases=len(testing.x_train))
