# Train on your own CSV: any table in, a trained model (and its preprocessing) out.
import json

import numpy as np

from pytfjs import export, param, report, tf, ui
from pytfjs.data import csv

# 1. The file: dropped on the page, or ?csv=<path on this site> (then nothing is asked).
scripted = bool(param("csv", ""))
file = await ui.ask_file("Drop a CSV file here (it stays on your computer)",
                         accept=".csv,.tsv,.txt", url=param("csv", "") or None)
csv.check_size(file.size, file.name)  # refuse huge files before reading them
raw = await file.read()
encoding = param("encoding", "") or None
while True:
    try:
        table = csv.read(raw, file.name, encoding=encoding)
        break
    except csv.CsvError as problem:  # not UTF-8: let the learner pick the encoding
        if problem.problem != "encoding" or scripted:
            raise
        encoding = await ui.choose(f"{problem} Read it as:", list(problem.choices))

# 2. A look at the data.
table.check_trainable()  # one usable column: nothing to learn from, say so now
for note in table.notes:
    ui.message(f"{file.name}: {note}")
info = table.describe()
ui.table(f"Preview: {file.name}", [c["name"] for c in info["columns"]], info["preview"],
         caption=f"first rows of {table.rows}")
ui.table("Columns", ["column", "type", "missing", "distinct values"],
         [[c["name"], c["type"], c["missing"], c["distinct"]] for c in info["columns"]])

# 3. What to predict, from what, and how.
columns = list(table.columns)
label = param("label", "") or await ui.choose(
    "Which column should the model predict?", columns, default=columns[-1])
table.check_label(label)  # a label with one value leaves nothing to learn
counts = table.label_distribution(label)
ui.table(f"Values of {label}", ["value", "rows"], list(counts.items())[:20])
others = table.feature_choices(label)  # not the label, not empty columns
if param("features", ""):
    features = param("features", "").split(",")
elif scripted:
    features = None  # all other columns, ID-like ones left out
else:
    features = await ui.choose_many("Which columns may the model use?", others,
                                    [c for c in others if not table.id_like(c)])
detected = table.detect_task(label)
task = param("task", "") or (detected if scripted else await ui.choose(
    f"'{label}' looks like a {detected} task. Train for:",
    [detected, "regression" if detected == "classification" else "classification"]))
print(f"label: {label} · task: {task} (detected: {detected})")

choices = {"missing": param("missing", "error"), "text_features": param("text", "error"),
           "rare_classes": param("rare", "keep" if scripted else "ask")}
while True:
    try:
        # prepare() splits off 20% as the test set; fit() below keeps 15% for validation.
        data = table.prepare(label, features, task=task, validation_split=0.2, seed=0,
                             **choices)
        break
    except csv.CsvError as problem:  # text columns or missing values: the learner decides
        if not problem.choices or scripted:
            raise
        key = {"missing": "missing", "too-many-classes": "rare_classes"}.get(
            problem.problem, "text_features")
        choices[key] = await ui.choose(str(problem), list(problem.choices))
task = data.task  # 'regression' may be the answer for a label with too many classes
for note in data.notes:
    print("note:", note)
print(f"{len(data.x_train)} training rows, {len(data.x_val)} test rows, "
      f"{len(data.feature_names)} inputs: {', '.join(data.feature_names)}")

# 4. A small dense network, sized for the task.
model = tf.sequential()
model.add(tf.layers.dense(units=32, activation="relu", input_shape=[len(data.feature_names)]))
model.add(tf.layers.dense(units=16, activation="relu"))
if task == "regression":
    model.add(tf.layers.dense(units=1))
    model.compile(optimizer=tf.train.adam(0.01), loss="meanSquaredError", metrics=["mae"])
elif data.binary:
    model.add(tf.layers.dense(units=1, activation="sigmoid"))
    model.compile(optimizer=tf.train.adam(0.01), loss="binaryCrossentropy",
                  metrics=["accuracy"])
else:
    model.add(tf.layers.dense(units=len(data.class_names), activation="softmax"))
    model.compile(optimizer=tf.train.adam(0.01), loss="categoricalCrossentropy",
                  metrics=["accuracy"])
await model.fit(data.x_train, data.y_train, epochs=param("epochs", 60), batch_size=32,
                validation_split=0.15)

# 5. Test metrics on rows the model never saw.
outputs = model.predict(data.x_val).numpy()
if task == "regression":
    predicted, true = data.label_values(outputs), data.label_values(data.y_val)
    test_mae = float(np.abs(predicted - true).mean())
    print(f"test MAE: {test_mae:.4g} (in units of {label})")
    ui.render("scatterplot", "Predicted vs true (test rows)",
              {"values": [[{"x": float(t), "y": float(p)} for t, p in zip(true, predicted)]],
               "series": ["test rows"]},
              {"xLabel": f"true {label}", "yLabel": f"predicted {label}", "height": 260})
    metrics = {"test_mae": test_mae}
else:
    predicted, true = data.class_indices(outputs), data.class_indices(data.y_val)
    test_accuracy = float((predicted == true).mean())
    n = len(data.class_names)
    matrix = np.zeros((n, n), dtype=int)
    np.add.at(matrix, (true, predicted), 1)
    print(f"test accuracy: {test_accuracy:.3f} on {len(true)} rows")
    ui.render("confusionMatrix", "Confusion matrix (test rows)",
              {"values": matrix.tolist(), "tickLabels": data.class_names},
              {"height": 260})
    ui.table("Accuracy per class (test rows)", ["class", "rows", "correct"],
             [[name, int(matrix[i].sum()), f"{matrix[i, i] / max(1, matrix[i].sum()):.2f}"]
              for i, name in enumerate(data.class_names)])
    metrics = {"test_accuracy": test_accuracy}

# 6. Export: the model and everything needed to prepare new rows the same way.
files = await export.model_files(model)
files["preprocessing.json"] = json.dumps(data.preprocessing(), indent=1).encode()
stem = file.name.rsplit(".", 1)[0]
ui.offer_download("The trained model with its preprocessing (see examples/node/ to use it "
                  "in Node.js):", f"{stem}-model.zip", export.zip_files(files),
                  "application/zip")
first_row = {name: table.columns[name].values[0] for name in table.columns}
report(task=task, label=label, **metrics, test_count=len(data.y_val), classes=data.class_names,
       first_row=first_row, first_row_output=model.predict(
           data.transform([first_row])).numpy()[0].tolist())
