"""The data sets and models the labs declare, and the build step that makes each.

Each lab's ``lab.json`` names the files and folders its page reads (``data`` and
``models``: paths in ``dist/``). The build makes what the labs declare, and only that: a
declared path that no step here makes stops the build with the lab's name, and after the
steps ran, every declared path must exist in ``dist/`` (unless its step is marked
optional and wrote nothing; no step is today: Fashion-MNIST, once only in builds on machines
with Debian's package installed, is now taken out of the fetched package file).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from buildlib.make import datasets, keras_tools, models, sprites, toxicity
from buildlib.site.labs import Lab, LabError

Writer = Callable[[Path, Path | None], list[str]]


@dataclass(frozen=True)
class Asset:
    """A build step and the dist/ paths it provides (files, or folders it fills)."""

    provides: tuple[str, ...]
    write: Writer  # (dist, cache) -> the dist paths it wrote
    report: str  # the build-info.json list it is reported in: "data" or "models"
    optional: bool = False  # may write nothing when its source is not on this machine

    def makes(self, path: str) -> bool:
        return any(path == p or path.startswith(p + "/") for p in self.provides)


# In build order (also the order of build-info.json's lists).
ASSETS = (
    Asset(("data/breast-cancer-train.csv", "data/breast-cancer-test.csv"),
          datasets.write_breast_cancer_dataset, "data"),
    Asset(("data/iris.csv",), datasets.write_iris_dataset, "data"),
    Asset(("data/mnist",), sprites.write_mnist, "data"),
    Asset(("data/fashion-mnist",), sprites.write_fashion_mnist, "data"),
    # (reported under "data" in build-info.json, as it always was, though the lab declares
    # it as a model: build-info.json stays byte-identical)
    Asset(("models/keras/emotion_model.hdf5",), keras_tools.write_sample_models, "data"),
    Asset(("data/photos",), models.write_photos, "data"),
    Asset((models.MODEL_DIR,), models.write_mobilenet, "models"),
    Asset((toxicity.OUT,), toxicity.write_model, "models"),
    Asset((toxicity.USE_OUT,), toxicity.write_use_lite, "models"),
)


def declared(labs: Iterable[Lab]) -> dict[str, list[str]]:
    """{declared dist path: ids of the labs declaring it}, from lab.json data and models."""
    found: dict[str, list[str]] = {}
    for lab in labs:
        for path in (*lab.data, *lab.models):
            found.setdefault(path, []).append(lab.id)
    return found


def needed(labs: Iterable[Lab], assets: tuple[Asset, ...] = ASSETS) -> list[Asset]:
    """The assets that make what the labs declare, in build order; LabError names a lab
    that declares something no asset makes."""
    wanted = declared(labs)
    for path, ids in wanted.items():
        if not any(asset.makes(path) for asset in assets):
            known = ", ".join(p for asset in assets for p in asset.provides)
            raise LabError(f"lab {', '.join(ids)} declares {path!r} in lab.json, which the "
                           f"build does not make (it makes: {known})")
    return [asset for asset in assets if any(asset.makes(path) for path in wanted)]


def write_declared(labs: list[Lab], dist: Path, cache: Path | None = None,
                   assets: tuple[Asset, ...] = ASSETS) -> dict[str, list[str]]:
    """Run the steps the labs need; returns {"data": [...], "models": [...]} of what they
    wrote, and checks that every declared path is now in ``dist``."""
    written: dict[str, list[str]] = {"data": [], "models": []}
    skipped: list[Asset] = []
    for asset in needed(labs, assets):
        paths = asset.write(dist, cache)
        if not paths and asset.optional:
            skipped.append(asset)
        written[asset.report] += paths
    for path, ids in declared(labs).items():
        if any(asset.makes(path) for asset in skipped):
            continue
        target = dist / path
        if not (target.is_file() or (target.is_dir() and any(target.iterdir()))):
            raise LabError(f"lab {', '.join(ids)} declares {path!r} in lab.json, but the "
                           "build did not write it")
    return written
