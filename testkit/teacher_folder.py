"""A teacher's labs folder for tests: a lab with a CSV it declares and a tiny pure-Python
wheel it imports, both made here (the wheel with zipfile: METADATA, WHEEL, RECORD)."""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
from pathlib import Path

LAB_ID = "teacher-scores"
WHEEL_NAME = "tinystats"
WHEEL_FILE = f"{WHEEL_NAME}-0.1.0-py3-none-any.whl"
# a second wheel, not imported by the lab: installed with micropip.install in the tests
EXTRA_WHEEL = "extrapkg"
EXTRA_FILE = f"{EXTRA_WHEEL}-2.0-py3-none-any.whl"

MAIN = '''\
# A teacher's lab: reads its own CSV, uses its own package, trains a little model.
import numpy as np
import tinystats

from pytfjs import report, tf, ui
from pytfjs.data import csv

table = csv.read(await ui.fetch_bytes("labs/teacher-scores/scores.csv"), "scores.csv")
data = table.prepare("y", task="regression", validation_split=0.25, seed=1)
model = tf.sequential()
model.add(tf.layers.dense(units=1, input_shape=[data.x_train.shape[1]]))
model.compile(optimizer=tf.train.adam(0.1), loss="meanSquaredError")
await model.fit(data.x_train, data.y_train, epochs=5)
report(rows=table.rows, middle=tinystats.middle([3.0, 1.0, 2.0]),
       version=tinystats.VERSION)
'''

LAB_JSON = {
    "id": LAB_ID, "title": "Teacher's scores", "heading": "Ms Smith's extras", "order": 1,
    "summary": "A lab from outside py/labs: its own CSV and its own package.",
    "packages": ["numpy"], "data": ["scores.csv"],
}


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(
        b"=").decode()


def make_wheel(folder: Path, name: str = WHEEL_NAME, version: str = "0.1.0",
               module: str = "", tag: str = "py3-none-any",
               file_name: str | None = None) -> Path:
    """A minimal valid wheel holding ``name/__init__.py``."""
    module = module or (f'"""{name}: a teacher\'s tiny package."""\nVERSION = "{version}"\n\n'
                        "def middle(values):\n    return sorted(values)[len(values) // 2]\n")
    info = f"{name}-{version}.dist-info"
    files = [
        (f"{name}/__init__.py", module.encode()),
        (f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
         .encode()),
        (f"{info}/WHEEL", f"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
         f"Tag: {tag}\n".encode()),
        (f"{info}/top_level.txt", f"{name}\n".encode()),
    ]
    record = "".join(f"{p},{_record_hash(d)},{len(d)}\n" for p, d in files)
    files.append((f"{info}/RECORD", (record + f"{info}/RECORD,,\n").encode()))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (file_name or f"{name}-{version}-{tag}.whl")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for rel, data in files:
            archive.writestr(zipfile.ZipInfo(rel, date_time=(2020, 1, 1, 0, 0, 0)), data)
    return path


def make_labs_folder(root: Path) -> Path:
    """root/labs: the lab folder and wheels/ with both wheels; returns root/labs."""
    labs = root / "labs"
    lab = labs / LAB_ID
    lab.mkdir(parents=True)
    (lab / "main.py").write_text(MAIN)
    (lab / "lesson.md").write_text("# Teacher's scores\n\nA lab of my own.\n")
    (lab / "lab.json").write_text(json.dumps(LAB_JSON, indent=1))
    rows = ["a,b,y"] + [f"{i},{i % 3},{2 * i - (i % 3)}" for i in range(20)]
    (lab / "scores.csv").write_text("\n".join(rows) + "\n")
    make_wheel(labs / "wheels")
    make_wheel(labs / "wheels", EXTRA_WHEEL, "2.0",
               module='GREETING = "hello from extrapkg"\n')
    return labs
