"""Export tox_block's LSTM and tokenizer for the Toxicity lab (run by buildlib/make/toxicity.py).

Not imported by the build, which stays standard-library only: ``buildlib/make/toxicity.py`` runs
it in a subprocess whose path has ``py/`` (pytfjs), numpy and the pinned pyfive wheel:

    python buildlib/make/toxicity_export.py MODEL.h5 ENCODER.pkl CONFIG.py OUT_DIR SOURCE

- the ``.h5`` goes through ``pytfjs.convert`` unchanged in meaning: it is a Keras 2.2.4-tf
  file, so its LSTM's ``recurrent_activation: hard_sigmoid`` is Keras 2's
  clip(0.2 x + 0.5, 0, 1), which is what TF.js' ``hardSigmoid`` computes (the converter
  refuses Keras 3's, which is relu6(x + 3) / 6);
- the pickled ``TokenSequencer`` (a Keras ``Tokenizer`` and the sequence length) is read
  with ``pytfjs.text.keras_tokenizer``'s restricted unpickler and written as
  ``tokenizer.json``: the words the model can see (index below ``num_words``) and settings;
- the LSTM's ``dropout``/``recurrent_dropout`` (0.1, training only) are set to 0 in the
  written config: at inference they change nothing, but TF.js 4.22's LSTM cell makes 16
  ``tf.keep``-ed all-ones masks per call for them, which no scope and no ``dispose`` of the
  model frees (a leak of 16 tensors per prediction, and 8 extra multiplications a step);
- the label names come from ``LIST_CLASSES`` in tox_block's config module, read with
  ``ast`` (the module is never imported or run); ``metadata.json`` lists them with the
  course's names for the same labels.

Before writing, the files are checked against each other: the embedding's rows equal
``num_words``, the input length is the tokenizer's ``maxlen``, the output has one unit per
label. Prints one JSON line describing what it wrote.
"""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path
from typing import Any

from pytfjs.convert import convert_bytes, write_files
from pytfjs.text.keras_tokenizer import tokenizer_from_pickle
from pytfjs.text.toxicity import COURSE_NAMES


class ExportError(RuntimeError):
    """The package's files do not fit together as this export expects."""


def labels_from_config(text: str, source: str) -> list[str]:
    """The string list assigned to ``LIST_CLASSES`` in tox_block's config, read as data."""
    for node in ast.parse(text).body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "LIST_CLASSES" for t in node.targets):
            try:
                labels = ast.literal_eval(node.value)  # data only: a call is refused
            except ValueError as e:
                raise ExportError(f"{source}: LIST_CLASSES is not a literal list") from e
            if isinstance(labels, list) and all(isinstance(x, str) for x in labels):
                return labels
    raise ExportError(f"{source}: no LIST_CLASSES list of label names")


def _layer(topology: dict[str, Any], class_name: str) -> dict[str, Any]:
    layers = topology["model_config"]["config"]["layers"]
    found = [layer["config"] for layer in layers if layer["class_name"] == class_name]
    if not found:
        raise ExportError(f"the model has no {class_name} layer")
    layer: dict[str, Any] = found[-1]
    return layer


def inference_only(files: dict[str, bytes]) -> dict[str, bytes]:
    """model.json with recurrent dropout set to 0 (see the module docstring)."""
    doc = json.loads(files["model.json"])
    changed = 0
    for layer in doc["modelTopology"]["model_config"]["config"]["layers"]:
        inner = layer["config"].get("layer", layer)
        if inner["class_name"] in ("LSTM", "GRU", "SimpleRNN"):
            for key in ("dropout", "recurrent_dropout"):
                changed += inner["config"].get(key, 0) != 0
                inner["config"][key] = 0.0
    if not changed:
        raise ExportError("no recurrent dropout to remove: has the model changed?")
    return {**files, "model.json": json.dumps(doc).encode()}


def main(argv: list[str]) -> int:
    model_path, encoder_path, config_path, out_dir = (Path(p) for p in argv[:4])
    source = argv[4]
    conversion = convert_bytes(model_path.read_bytes(), model_path.name)
    tokenizer = tokenizer_from_pickle(encoder_path.read_bytes(), f"{source}: {encoder_path.name}")
    labels = labels_from_config(config_path.read_text(encoding="utf-8"), config_path.name)
    unknown = [label for label in labels if label not in COURSE_NAMES]
    if unknown:
        raise ExportError(f"labels with no course name: {unknown}")

    topology = json.loads(conversion.files["model.json"])["modelTopology"]
    embedding = _layer(topology, "Embedding")
    inputs = _layer(topology, "InputLayer")["batch_input_shape"]
    outputs = [layer for layer in topology["model_config"]["config"]["layers"]
               if layer["class_name"] == "Dense"][-1]["config"]
    checks = {"embedding rows == num_words": embedding["input_dim"] == tokenizer.num_words,
              "input length == maxlen": inputs == [None, tokenizer.maxlen],
              "one output per label": outputs["units"] == len(labels)
              and outputs["activation"] == "sigmoid",
              "every kept word has an embedding row": len(tokenizer.words) < embedding["input_dim"]}
    failed = [name for name, ok in checks.items() if not ok]
    if failed:
        raise ExportError(f"{source}: the model and tokenizer do not fit: {failed}")

    files = inference_only(conversion.files)
    files["tokenizer.json"] = json.dumps(
        tokenizer.to_json(source=f"{source}: {encoder_path.name} (keras_preprocessing "
                          "Tokenizer)"), ensure_ascii=False).encode()
    files["metadata.json"] = json.dumps({
        "source": f"{source}: {model_path.name}", "labels": labels,
        "course_labels": [COURSE_NAMES[label] for label in labels],
        "input_length": tokenizer.maxlen, "output": "sigmoid probability per label",
    }, indent=1).encode()
    write_files(out_dir, files)
    print(json.dumps({"labels": labels, "words": len(tokenizer.words),
                      "parameters": conversion.parameters, "files": sorted(files)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
