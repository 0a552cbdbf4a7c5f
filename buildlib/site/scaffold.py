"""``build.py new-lab ID``: a small lab that runs, for a teacher to change.

It shows each part a lab usually has (reading a declared CSV, a model, a chart, a
``report``), commented with what to change, and passes the checks of
``teacher_labs`` as written, so the first build of a teacher's folder succeeds.
"""

from __future__ import annotations

import json
from pathlib import Path

from buildlib.site.labs import LabError
from buildlib.site.teacher_labs import ID, RESERVED

MAIN = '''\
# {title}: predict a number from two measurements in a CSV file.
# Change the CSV (and "data" in lab.json), the columns, the model and what is reported.
import numpy as np

from pytfjs import report, tf, ui
from pytfjs.data import csv

# 1. Data: a file declared in lab.json's "data" is served at labs/<id>/<file>.
table = csv.read(await ui.fetch_bytes("labs/{id}/data.csv"), "data.csv")
print(f"{{table.rows}} rows, columns: {{', '.join(table.columns)}}")
# The label column to predict, the others as features; standardized, seeded 80/20 split.
data = table.prepare("y", task="regression", validation_split=0.2, seed=1)

# 2. The model: change the layers, units, optimizer or loss here.
model = tf.sequential()
model.add(tf.layers.dense(units=8, activation="relu", input_shape=[data.x_train.shape[1]]))
model.add(tf.layers.dense(units=1))
model.compile(optimizer=tf.train.adam(0.05), loss="meanSquaredError")

# 3. Training: the progress bar and the loss chart update live; Stop works. The starting
# weights and the batch order come from ?seed=N in the address (default 0): the same seed
# gives the same run, and Results shows the seed and the trained weights' digest.
history = await model.fit(data.x_train, data.y_train, epochs=60, batch_size=8,
                          validation_data=(data.x_val, data.y_val))

# 4. A chart of your own: predictions against the true values of the validation rows.
predicted = model.predict(data.x_val).numpy()[:, 0]
truth = data.y_val[:, 0]
order = np.argsort(truth)
ui.linechart("Validation rows", {{
    "values": [[{{"x": i, "y": float(truth[j])}} for i, j in enumerate(order)],
               [{{"x": i, "y": float(predicted[j])}} for i, j in enumerate(order)]],
    "series": ["true", "predicted"],
}}, x_label="row (sorted by the true value)", y_label="y")

# 5. Report the key figures: the page shows them under Results (and tests read them).
mse = float(np.mean((predicted - truth) ** 2))
print(f"validation mean squared error: {{mse:.4f}}")
report(val_mse=mse, val_rows=len(truth), epochs=len(history.epoch))
'''

LESSON = '''\
# {title}

What this lab teaches, in a few sentences (Markdown: headings, lists, `code`, links).

## Try next

- Change the number of units in `main.py`, then press Run.
- Open the lab with `?seed=2` in the address: a different start, a different result.
'''


def _csv(rows: int = 60) -> str:
    """y = 3 a - 2 b + 1 with a small deterministic wobble (no random generator needed)."""
    lines = ["a,b,y"]
    for i in range(rows):
        a, b = (i % 10) / 2, (i * 7 % 13) / 3
        wobble = ((i * 37) % 11 - 5) / 50
        lines.append(f"{a:.2f},{b:.2f},{3 * a - 2 * b + 1 + wobble:.3f}")
    return "\n".join(lines) + "\n"


def write_lab(root: Path, lab_id: str) -> Path:
    """Write ``root/lab_id/`` (main.py, lesson.md, lab.json, data.csv); LabError for a bad
    id or a folder that already exists (nothing is overwritten)."""
    if not ID.match(lab_id) or lab_id in RESERVED:
        raise LabError(f"new-lab {lab_id!r}: expected lowercase letters, digits, '-' and '_' "
                       "(not 'index'), e.g. my-lab")
    folder = root / lab_id
    if folder.exists():
        raise LabError(f"{folder} already exists; choose another id or remove the folder")
    title = lab_id.replace("-", " ").replace("_", " ").capitalize()
    meta = {
        "id": lab_id,
        "title": title,
        "heading": "My labs",
        "order": 1,
        "summary": "Predict a number from two columns of a CSV file (change this text).",
        "packages": ["numpy"],
        "data": ["data.csv"],
        "params": {"seed": "seeds the initial weights and the batch order (default 0)"},
    }
    folder.mkdir(parents=True)
    (folder / "lab.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    (folder / "main.py").write_text(MAIN.format(id=lab_id, title=title), encoding="utf-8")
    (folder / "lesson.md").write_text(LESSON.format(title=title), encoding="utf-8")
    (folder / "data.csv").write_text(_csv(), encoding="utf-8")
    return folder
