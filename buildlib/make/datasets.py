"""Lab data sets made at build time from registry packages (never fetched at run time).

scikit-learn's wheel carries the Iris and breast-cancer (WDBC) CSVs. The build downloads
the wheel pinned in ``inputs.py`` once (any platform's wheel holds the same files), checks
each CSV against its pinned sha256, and writes the files the labs read:

- data/iris.csv: a header row and species names (scikit-learn's file starts with a
  "150,4,setosa,versicolor,virginica" line, not a header);
- data/breast-cancer-train.csv and -test.csv: a seeded 80/20 split, the 30 features
  standardized with the training split's mean and standard deviation, and ``diagnosis``
  1 for malignant, 0 for benign.
"""

from __future__ import annotations

import csv
import io
import math
import random
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

from buildlib import config
from buildlib.fetch import inputs
from buildlib.fetch.integrity import IntegrityError, sha256_file

SKLEARN = inputs.SKLEARN_DATA.spec
SOURCES = {pin.path: pin.sha256 for pin in (inputs.IRIS_CSV, inputs.WDBC_CSV)}
IRIS_COLUMNS = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
WDBC_FEATURES = [
    f"{kind}_{name}" for kind in ("mean", "se", "worst") for name in (
        "radius", "texture", "perimeter", "area", "smoothness", "compactness", "concavity",
        "concave_points", "symmetry", "fractal_dimension")
]
SPLIT_SEED = 42


def _sources(cache: Path) -> dict[str, Path]:
    """The pinned scikit-learn CSVs, from the cache or extracted from the pinned wheel."""
    folder = cache / "datasets"
    folder.mkdir(parents=True, exist_ok=True)
    paths = {src: folder / Path(src).name for src in SOURCES}
    if not all(p.is_file() for p in paths.values()):
        print(f"  fetching {SKLEARN} from PyPI for its bundled data sets ...", flush=True)
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                            "--only-binary=:all:", "-d", tmp, SKLEARN], check=True)
            wheel = next(Path(tmp).glob("*.whl"))
            with zipfile.ZipFile(wheel) as archive:
                for src, path in paths.items():
                    path.write_bytes(archive.read(src))
    for src, path in paths.items():
        if sha256_file(path) != SOURCES[src]:
            raise IntegrityError(f"sha256 mismatch for {src} (from {SKLEARN}, cached at {path});"
                                 " delete it to fetch it again")
    return paths


def _write(path: Path, header: list[str], rows: Sequence[Sequence[object]]) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def write_iris(source: Path, out: Path) -> None:
    lines = source.read_text().splitlines()
    names = lines[0].split(",")[2:]
    rows = [[*r[:4], names[int(r[4])]] for r in csv.reader(lines[1:])]
    _write(out / "iris.csv", [*IRIS_COLUMNS, "species"], rows)


def write_breast_cancer(source: Path, out: Path) -> None:
    lines = source.read_text().splitlines()
    data = [[float(v) for v in r[:30]] + [1 - int(r[30])] for r in csv.reader(lines[1:])]
    order = list(range(len(data)))
    random.Random(SPLIT_SEED).shuffle(order)  # noqa: S311 - a reproducible split, not secrecy
    n_test = round(len(data) * 0.2)
    test = [data[i] for i in order[:n_test]]
    train = [data[i] for i in order[n_test:]]
    means = [sum(r[j] for r in train) / len(train) for j in range(30)]
    stds = [math.sqrt(sum((r[j] - means[j]) ** 2 for r in train) / len(train))
            for j in range(30)]
    header = [*WDBC_FEATURES, "diagnosis"]
    for name, rows in (("train", train), ("test", test)):
        scaled = [[f"{(r[j] - means[j]) / stds[j]:.6f}" for j in range(30)] + [int(r[30])]
                  for r in rows]
        _write(out / f"breast-cancer-{name}.csv", header, scaled)


def write_iris_dataset(dist: Path, cache: Path | None = None) -> list[str]:
    """dist/data/iris.csv; returns its dist path."""
    (dist / "data").mkdir(parents=True, exist_ok=True)
    write_iris(_sources((cache or config.cache_dir()).parent)[inputs.IRIS_CSV.path],
               dist / "data")
    return ["data/iris.csv"]


def write_breast_cancer_dataset(dist: Path, cache: Path | None = None) -> list[str]:
    """dist/data/breast-cancer-{test,train}.csv; returns their dist paths."""
    (dist / "data").mkdir(parents=True, exist_ok=True)
    write_breast_cancer(_sources((cache or config.cache_dir()).parent)[inputs.WDBC_CSV.path],
                        dist / "data")
    return ["data/breast-cancer-test.csv", "data/breast-cancer-train.csv"]
