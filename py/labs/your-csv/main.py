# Train on your own CSV: any table in, a trained model (and its preprocessing) out,
# next to the linear baseline it has to beat.
import json
import math
import time

import numpy as np

from pytfjs import baseline, export, param, params, report, tabular, tf, ui
from pytfjs.data import csv
from pytfjs.early_stopping import EarlyStopping
from pytfjs.seeding import weights_digest

# 1. The file: dropped on the page, a sample, or ?csv=<path on this site> (nothing asked).
scripted = bool(param("csv", ""))
file = await ui.ask_file("Drop a CSV file here (it stays on your computer)",
                         accept=".csv,.tsv,.txt", url=param("csv", "") or None,
                         samples=[("Iris flowers", "data/iris.csv"),
                                  ("Breast cancer cells", "data/breast-cancer-train.csv")])
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
        # prepare() splits off 20% as the test set; below, 15% of the rest is validation.
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

# 4. Validation rows: the last 15% of the (already shuffled) training rows. Early
# stopping, the baseline's penalty and the choice of model look only at them.
# (prepare() refuses tables too small for a test row, so at least 2 rows are left here)
split_at = max(1, min(len(data.x_train) - 1, math.floor(len(data.x_train) * 0.85)))
x_fit, y_fit = data.x_train[:split_at], data.y_train[:split_at]
x_check, y_check = data.x_train[split_at:], data.y_train[split_at:]
inputs = len(data.feature_names)


def setting(name, kind):
    """A URL override (?width=, ?epochs=, ...), or None: let the lab choose."""
    raw = params().get(name, "")
    return kind(raw) if raw else None


plan = tabular.plan_network(len(x_fit), inputs, {
    "width": setting("width", int), "epochs": setting("epochs", int),
    "patience": setting("patience", int), "batch_size": setting("batch", int),
    "l2": setting("l2", float), "learning_rate": setting("lr", float)})
print(plan.describe(len(x_fit), inputs))

# 5. The network: two relu layers sized from the data, L2 on the kernels, seeded.
if task == "regression":
    units, activation, loss, metric = 1, "linear", "meanSquaredError", "mae"
elif data.binary:
    units, activation, loss, metric = 1, "sigmoid", "binaryCrossentropy", "accuracy"
else:
    units, activation = len(data.class_names), "softmax"
    loss, metric = "categoricalCrossentropy", "accuracy"
model = tf.sequential()
for i, width in enumerate([plan.width, max(1, plan.width // 2)]):
    extra = {"input_shape": [inputs]} if i == 0 else {}
    if plan.l2:
        extra["kernel_regularizer"] = tf.regularizers.l2(l2=plan.l2)
    model.add(tf.layers.dense(units=width, activation="relu", **extra))
model.add(tf.layers.dense(units=units, activation=activation))
model.compile(optimizer=tf.train.adam(plan.learning_rate), loss=loss, metrics=[metric])
initial_digest = weights_digest(model)  # drawn from ?seed= (default 0) when compiled
stopper = EarlyStopping(monitor="val_loss", patience=plan.patience)
# A regression trains on standardized targets; its charts show the error in the label's
# own units (MAE times the label's scale, squared error times its square).
in_label_units = ({"mae": data.label_scale, "loss": data.label_scale ** 2}
                  if task == "regression" else None)
started = time.perf_counter()
history = await model.fit(x_fit, y_fit, epochs=plan.epochs, batch_size=plan.batch_size,
                          validation_data=(x_check, y_check),
                          early_stopping=stopper, metric_scale=in_label_units)
network_seconds = time.perf_counter() - started
epochs_run = len(history.history["loss"])
print(f"trained {epochs_run} epochs in {network_seconds:.1f} s; best validation loss at "
      f"epoch {stopper.best_epoch + 1}, whose weights the network keeps")

# 6. The linear baseline on the same rows: ridge or logistic regression in numpy, its
# penalty chosen on the validation rows, then refitted on training + validation rows.
started = time.perf_counter()
line = baseline.fit(x_fit, y_fit, x_check, y_check, task=task,
                    classes=len(data.class_names))
baseline_seconds = time.perf_counter() - started
print(f"linear baseline: {line.name}, penalty {line.penalty:g} (chosen on validation), "
      f"fitted in {baseline_seconds:.2f} s")
linear = tf.sequential()  # the same model as a TF.js Dense layer, to test and export
linear.add(tf.layers.dense(units=units, activation=line.activation,
                           input_shape=[inputs]))
linear.set_weights([line.weights.astype(np.float32), line.bias.astype(np.float32)])


def row_scores(outputs, y):
    """Per row: 1/0 for right/wrong, or the absolute error in the label's units."""
    if task == "regression":
        return np.abs(data.label_values(outputs) - data.label_values(y))
    return (data.class_indices(outputs) == data.class_indices(y)).astype(float)


def metric_of(outputs, y):
    """Accuracy, or MAE in the label's units."""
    return float(row_scores(outputs, y).mean())


# 7. Which model to keep: the network only if it wins on the validation rows by more than
# luck would (see the lesson); otherwise the straight line. The baseline is scored here as
# fitted on the training rows alone, before its refit.
check_network = row_scores(model.predict(x_check).numpy(), y_check)
check_baseline = row_scores(line.check_outputs, y_check)
network_val, baseline_val = float(check_network.mean()), float(check_baseline.mean())
forced = param("model", "auto")
chosen = forced if forced in ("network", "baseline") else tabular.choose(
    task, check_network, check_baseline)
kept = model if chosen == "network" else linear

# 8. Test metrics on rows neither model ever saw.
outputs = {"network": model.predict(data.x_val).numpy(),
           "baseline": linear.predict(data.x_val).numpy()}
scores = {name: metric_of(out, data.y_val) for name, out in outputs.items()}
name = "accuracy" if task == "classification" else "MAE"
sentence = tabular.comparison(task, scores["network"], scores["baseline"], label)
why = (f"The download holds the {'network' if chosen == 'network' else 'linear baseline'}"
       + (" (your choice)." if forced in ("network", "baseline") else
          f": it did better on the validation rows ({name} {network_val:.4g} against "
          f"{baseline_val:.4g})." if chosen == "network" else
          f": the network did not beat it on the validation rows ({name} "
          f"{network_val:.4g} against {baseline_val:.4g})."))
print(sentence)
print(why)
ui.table("Network and linear baseline", ["model", f"validation {name}", f"test {name}"],
         [[f"network{' (exported)' if chosen == 'network' else ''}", f"{network_val:.4g}",
           f"{scores['network']:.4g}"],
          [f"{line.name}{' (exported)' if chosen == 'baseline' else ''}",
           f"{baseline_val:.4g}", f"{scores['baseline']:.4g}"]],
         caption=f"{sentence} {why}")
ui.render("barchart", f"Test {name}: network and linear baseline",
          [{"index": "network", "value": scores["network"]},
           {"index": "baseline", "value": scores["baseline"]}],
          {"height": 200, "yLabel": f"test {name}"})
if task == "regression":
    true = data.label_values(data.y_val)
    ui.render("scatterplot", "Predicted vs true (test rows)",
              {"values": [[{"x": float(t), "y": float(p)} for t, p in
                           zip(true, data.label_values(outputs[m]))]
                          for m in ("network", "baseline")],
               "series": ["network", "linear baseline"]},
              {"xLabel": f"true {label}", "yLabel": f"predicted {label}", "height": 260})
    metrics = {"test_mae": scores[chosen], "network_test_mae": scores["network"],
               "baseline_test_mae": scores["baseline"]}
else:
    predicted, true = data.class_indices(outputs[chosen]), data.class_indices(data.y_val)
    n = len(data.class_names)
    matrix = np.zeros((n, n), dtype=int)
    np.add.at(matrix, (true, predicted), 1)
    print(f"test accuracy ({chosen}): {scores[chosen]:.3f} on {len(true)} rows")
    ui.render("confusionMatrix", "Confusion matrix (test rows)",
              {"values": matrix.tolist(), "tickLabels": data.class_names},
              {"height": 260})
    ui.table("Accuracy per class (test rows)", ["class", "rows", "correct"],
             [[c, int(matrix[i].sum()), f"{matrix[i, i] / max(1, matrix[i].sum()):.2f}"]
              for i, c in enumerate(data.class_names)])
    metrics = {"test_accuracy": scores[chosen], "network_test_accuracy": scores["network"],
               "baseline_test_accuracy": scores["baseline"]}

# 9. Export: the kept model and everything needed to prepare new rows the same way.
files = await export.model_files(kept)
pre = data.preprocessing()
pre["model"] = "network" if chosen == "network" else line.name
files["preprocessing.json"] = json.dumps(pre, indent=1).encode()
stem = file.name.rsplit(".", 1)[0]
ui.offer_download(f"The {'network' if chosen == 'network' else 'linear baseline'} with its "
                  "preprocessing (see examples/node/ to use it in Node.js):",
                  f"{stem}-model.zip", export.zip_files(files), "application/zip")
first_row = {c: table.columns[c].values[0] for c in table.columns}
first_output = kept.predict(data.transform([first_row])).numpy()
if task == "regression":  # in the label's units, as the Node.js example reads it
    first_prediction = {"first_row_prediction": float(data.label_values(first_output)[0])}
else:  # the class, and each class's probability (one sigmoid output: P(second class))
    p = first_output[0].tolist()
    first_prediction = {"first_row_prediction": data.decode(first_output)[0],
                        "first_row_probabilities": dict(zip(
                            data.class_names, [1 - p[0], p[0]] if data.binary else p))}
report(task=task, label=label, **metrics, chosen=chosen,
       test_count=len(data.y_val), classes=data.class_names, network=plan.as_dict(),
       epochs_run=epochs_run, best_epoch=stopper.best_epoch, baseline_penalty=line.penalty,
       network_val=network_val, baseline_val=baseline_val,
       final_loss=float(history.history["loss"][-1]),
       loss_curve_sha256=weights_digest([np.array(history.history["loss"]),
                                         np.array(history.history["val_loss"])]),
       initial_weights_sha256=initial_digest,
       network_weights_sha256=weights_digest(model),
       network_seconds=network_seconds, baseline_seconds=baseline_seconds,
       first_row=first_row, **first_prediction)
