# Навчання на власному CSV: на вході будь-яка таблиця, на виході навчена модель (і її
# попередня обробка) поруч із лінійною базовою моделлю, яку вона має перевершити.
import json
import math
import time

import numpy as np

from pytfjs import baseline, export, param, params, report, tabular, tf, ui
from pytfjs.data import csv
from pytfjs.early_stopping import EarlyStopping
from pytfjs.seeding import weights_digest

# 1. Файл: перетягнутий на сторінку, приклад або ?csv=<шлях на цьому сайті> (без запитань).
scripted = bool(param("csv", ""))
file = await ui.ask_file("Перетягніть сюди файл CSV (він лишається на вашому комп'ютері)",
                         accept=".csv,.tsv,.txt", url=param("csv", "") or None,
                         samples=[("Квіти ірису", "data/iris.csv"),
                                  ("Клітини раку грудної залози", "data/breast-cancer-train.csv")])
csv.check_size(file.size, file.name)  # відмовити завеликим файлам, ще не читаючи їх
raw = await file.read()
encoding = param("encoding", "") or None
while True:
    try:
        table = csv.read(raw, file.name, encoding=encoding)
        break
    except csv.CsvError as problem:  # не UTF-8: нехай учень вибере кодування
        if problem.problem != "encoding" or scripted:
            raise
        encoding = await ui.choose(f"{problem} Читати як:", list(problem.choices))

# 2. Погляд на дані.
table.check_trainable()  # лише один придатний стовпець: вчитися нема з чого, сказати це одразу
for note in table.notes:
    ui.message(f"{file.name}: {note}")
info = table.describe()
ui.table(f"Перегляд: {file.name}", [c["name"] for c in info["columns"]], info["preview"],
         caption=f"перші рядки з {table.rows}")
ui.table("Стовпці", ["стовпець", "тип", "пропущено", "різних значень"],
         [[c["name"], c["type"], c["missing"], c["distinct"]] for c in info["columns"]])

# 3. Що передбачати, за чим і як.
columns = list(table.columns)
label = param("label", "") or await ui.choose(
    "Який стовпець має передбачати модель?", columns, default=columns[-1])
table.check_label(label)  # мітка з одним значенням не лишає чого вчити
counts = table.label_distribution(label)
ui.table(f"Значення {label}", ["значення", "рядків"], list(counts.items())[:20])
others = table.feature_choices(label)  # не мітка й не порожні стовпці
if param("features", ""):
    features = param("features", "").split(",")
elif scripted:
    features = None  # усі інші стовпці, крім схожих на ідентифікатори
else:
    features = await ui.choose_many("Які стовпці може використати модель?", others,
                                    [c for c in others if not table.id_like(c)])
detected = table.detect_task(label)
task = param("task", "") or (detected if scripted else await ui.choose(
    f"'{label}' схоже на задачу {detected}. Навчати для задачі:",
    [detected, "regression" if detected == "classification" else "classification"]))
print(f"мітка: {label} · задача: {task} (визначено: {detected})")

choices = {"missing": param("missing", "error"), "text_features": param("text", "error"),
           "rare_classes": param("rare", "keep" if scripted else "ask")}
while True:
    try:
        # prepare() відділяє 20% як тестовий набір; нижче 15% решти йдуть на перевірку.
        data = table.prepare(label, features, task=task, validation_split=0.2, seed=0,
                             **choices)
        break
    except csv.CsvError as problem:  # текстові стовпці чи пропущені значення: вирішує учень
        if not problem.choices or scripted:
            raise
        key = {"missing": "missing", "too-many-classes": "rare_classes"}.get(
            problem.problem, "text_features")
        choices[key] = await ui.choose(str(problem), list(problem.choices))
task = data.task  # для мітки із забагатьма класами відповіддю може бути 'regression'
for note in data.notes:
    print("примітка:", note)
print(f"рядків: {len(data.x_train)} навчальних, {len(data.x_val)} тестових; "
      f"входів: {len(data.feature_names)}: {', '.join(data.feature_names)}")

# 4. Рядки для перевірки: останні 15% (уже перемішаних) навчальних рядків. Рання
# зупинка, штраф базової моделі й вибір моделі дивляться лише на них.
# (prepare() відмовляє таблицям, замалим для тестового рядка, тож тут лишається щонайменше
# 2 рядки)
split_at = max(1, min(len(data.x_train) - 1, math.floor(len(data.x_train) * 0.85)))
x_fit, y_fit = data.x_train[:split_at], data.y_train[:split_at]
x_check, y_check = data.x_train[split_at:], data.y_train[split_at:]
inputs = len(data.feature_names)


def setting(name, kind):
    """Значення з адреси (?width=, ?epochs=, ...) або None: нехай вибирає лабораторна."""
    raw = params().get(name, "")
    return kind(raw) if raw else None


plan = tabular.plan_network(len(x_fit), inputs, {
    "width": setting("width", int), "epochs": setting("epochs", int),
    "patience": setting("patience", int), "batch_size": setting("batch", int),
    "l2": setting("l2", float), "learning_rate": setting("lr", float)})
print(plan.describe(len(x_fit), inputs))

# 5. Мережа: два шари relu, розмір яких залежить від даних, L2 на ядрах, із зерном.
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
initial_digest = weights_digest(model)  # узято з ?seed= (типово 0) під час компіляції
stopper = EarlyStopping(monitor="val_loss", patience=plan.patience)
# Регресія навчається на стандартизованих цільових значеннях; її графіки показують помилку
# в одиницях самої мітки (MAE, помножена на масштаб мітки, квадратична помилка — на його
# квадрат).
in_label_units = ({"mae": data.label_scale, "loss": data.label_scale ** 2}
                  if task == "regression" else None)
started = time.perf_counter()
history = await model.fit(x_fit, y_fit, epochs=plan.epochs, batch_size=plan.batch_size,
                          validation_data=(x_check, y_check),
                          early_stopping=stopper, metric_scale=in_label_units)
network_seconds = time.perf_counter() - started
epochs_run = len(history.history["loss"])
print(f"епох навчання: {epochs_run}, за {network_seconds:.1f} с; найменші втрати на "
      f"перевірці в епосі {stopper.best_epoch + 1}, її ваги мережа й зберігає")

# 6. Лінійна базова модель на тих самих рядках: гребенева або логістична регресія в numpy;
# її штраф вибрано на рядках для перевірки, а тоді її навчено знову на навчальних рядках
# разом із рядками для перевірки.
started = time.perf_counter()
line = baseline.fit(x_fit, y_fit, x_check, y_check, task=task,
                    classes=len(data.class_names))
baseline_seconds = time.perf_counter() - started
print(f"лінійна базова модель: {line.name}, штраф {line.penalty:g} (вибрано на "
      f"перевірці), навчено за {baseline_seconds:.2f} с")
linear = tf.sequential()  # та сама модель як шар Dense у TF.js, щоб тестувати й експортувати
linear.add(tf.layers.dense(units=units, activation=line.activation,
                           input_shape=[inputs]))
linear.set_weights([line.weights.astype(np.float32), line.bias.astype(np.float32)])


def row_scores(outputs, y):
    """Для кожного рядка: 1/0 — правильно/неправильно, або абсолютна помилка в одиницях мітки."""
    if task == "regression":
        return np.abs(data.label_values(outputs) - data.label_values(y))
    return (data.class_indices(outputs) == data.class_indices(y)).astype(float)


def metric_of(outputs, y):
    """Точність або MAE в одиницях мітки."""
    return float(row_scores(outputs, y).mean())


# 7. Яку модель залишити: мережу — лише якщо вона виграє на рядках для перевірки більше,
# ніж дало б везіння (див. урок); інакше пряму лінію. Базову модель оцінено тут такою,
# якою її навчено лише на навчальних рядках, до повторного навчання.
check_network = row_scores(model.predict(x_check).numpy(), y_check)
check_baseline = row_scores(line.check_outputs, y_check)
network_val, baseline_val = float(check_network.mean()), float(check_baseline.mean())
forced = param("model", "auto")
chosen = forced if forced in ("network", "baseline") else tabular.choose(
    task, check_network, check_baseline)
kept = model if chosen == "network" else linear

# 8. Тестові метрики на рядках, яких жодна модель не бачила.
outputs = {"network": model.predict(data.x_val).numpy(),
           "baseline": linear.predict(data.x_val).numpy()}
scores = {name: metric_of(out, data.y_val) for name, out in outputs.items()}
name = "точність" if task == "classification" else "MAE"
sentence = tabular.comparison(task, scores["network"], scores["baseline"], label)
why = (f"У файлі для завантаження — {'мережа' if chosen == 'network' else 'лінійна базова модель'}"
       + (" (ваш вибір)." if forced in ("network", "baseline") else
          f": вона краще впоралася на рядках для перевірки ({name} {network_val:.4g} проти "
          f"{baseline_val:.4g})." if chosen == "network" else
          f": мережа не перевершила її на рядках для перевірки ({name} "
          f"{network_val:.4g} проти {baseline_val:.4g})."))
print(sentence)
print(why)
ui.table("Мережа й лінійна базова модель",
         ["модель", f"{name} на перевірці", f"{name} на тестовому наборі"],
         [[f"мережа{' (експортовано)' if chosen == 'network' else ''}", f"{network_val:.4g}",
           f"{scores['network']:.4g}"],
          [f"{line.name}{' (експортовано)' if chosen == 'baseline' else ''}",
           f"{baseline_val:.4g}", f"{scores['baseline']:.4g}"]],
         caption=f"{sentence} {why}")
ui.render("barchart", f"{name} на тестовому наборі: мережа й лінійна базова модель",
          [{"index": "мережа", "value": scores["network"]},
           {"index": "базова", "value": scores["baseline"]}],
          {"height": 200, "yLabel": f"{name} на тестовому наборі"})
if task == "regression":
    true = data.label_values(data.y_val)
    ui.render("scatterplot", "Передбачене й справжнє (тестові рядки)",
              {"values": [[{"x": float(t), "y": float(p)} for t, p in
                           zip(true, data.label_values(outputs[m]))]
                          for m in ("network", "baseline")],
               "series": ["мережа", "лінійна базова модель"]},
              {"xLabel": f"{label}, справжнє", "yLabel": f"{label}, передбачене",
               "height": 260})
    metrics = {"test_mae": scores[chosen], "network_test_mae": scores["network"],
               "baseline_test_mae": scores["baseline"]}
else:
    predicted, true = data.class_indices(outputs[chosen]), data.class_indices(data.y_val)
    n = len(data.class_names)
    matrix = np.zeros((n, n), dtype=int)
    np.add.at(matrix, (true, predicted), 1)
    print(f"точність на тестовому наборі ({chosen}): {scores[chosen]:.3f}, рядків: {len(true)}")
    ui.render("confusionMatrix", "Матриця помилок (тестові рядки)",
              {"values": matrix.tolist(), "tickLabels": data.class_names},
              {"height": 260})
    ui.table("Точність для кожного класу (тестові рядки)", ["клас", "рядків", "правильно"],
             [[c, int(matrix[i].sum()), f"{matrix[i, i] / max(1, matrix[i].sum()):.2f}"]
              for i, c in enumerate(data.class_names)])
    metrics = {"test_accuracy": scores[chosen], "network_test_accuracy": scores["network"],
               "baseline_test_accuracy": scores["baseline"]}

# 9. Експорт: збережена модель і все потрібне, щоб так само готувати нові рядки.
files = await export.model_files(kept)
pre = data.preprocessing()
pre["model"] = "network" if chosen == "network" else line.name
files["preprocessing.json"] = json.dumps(pre, indent=1).encode()
stem = file.name.rsplit(".", 1)[0]
ui.offer_download(f"{'Мережа' if chosen == 'network' else 'Лінійна базова модель'} з "
                  "попередньою обробкою (як використати в Node.js, див. examples/node/):",
                  f"{stem}-model.zip", export.zip_files(files), "application/zip")
first_row = {c: table.columns[c].values[0] for c in table.columns}
first_output = kept.predict(data.transform([first_row])).numpy()
if task == "regression":  # в одиницях мітки, як це читає приклад для Node.js
    first_prediction = {"first_row_prediction": float(data.label_values(first_output)[0])}
else:  # клас і ймовірність кожного класу (один вихід sigmoid: P(другий клас))
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
