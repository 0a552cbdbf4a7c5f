"""Trained models as TF.js layers-model files, in memory: model.json + weights.bin.

TF.js' ``model.save("downloads://...")`` writes two downloads; labs that export a model
together with its preprocessing (class names, feature order, means, scales) need the
files in Python, to zip them with the rest. ``tf.io.withSaveHandler`` hands them over.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from . import _compat
from .i18n import _
from .scope import ProxyRegistry


def layers_model_json(topology: dict[str, Any], weight_specs: list[dict[str, Any]],
                      weights_path: str = "weights.bin") -> dict[str, Any]:
    """The model.json a TF.js ``loadLayersModel`` reads (see tfjs-layers-format notes)."""
    return {
        "format": "layers-model",
        "generatedBy": "TensorFlow.js tfjs-layers",
        "convertedBy": "pytfjs",
        "modelTopology": topology,
        "weightsManifest": [{"paths": [weights_path], "weights": weight_specs}],
    }


async def model_files(model: Any) -> dict[str, bytes]:
    """``{"model.json": ..., "weights.bin": ...}`` for a TF.js LayersModel."""
    tf = _compat.tf_module()
    captured: dict[str, Any] = {}

    def handler(artifacts: Any) -> Any:
        captured["topology"] = json.loads(_compat.to_json(artifacts.modelTopology))
        captured["specs"] = json.loads(_compat.to_json(artifacts.weightSpecs))
        data = tf.io.CompositeArrayBuffer.join(artifacts.weightData)
        captured["weights"] = bytes(data.to_bytes())
        return _compat.to_js_value({"modelArtifactsInfo": {"dateSaved": _compat.now(),
                                                           "modelTopologyType": "JSON"}})

    with ProxyRegistry() as owner:
        await getattr(model, "js", model).save(tf.io.withSaveHandler(owner.proxy(handler)))
    model_json = layers_model_json(captured["topology"], captured["specs"])
    return {"model.json": json.dumps(model_json).encode(), "weights.bin": captured["weights"]}


async def load_model_files(files: dict[str, bytes]) -> Any:
    """A LayersModel from in-memory TF.js files (model.json + the shards it lists).

    The inverse of :func:`model_files`, for models converted or unzipped in the page:
    ``tf.io.fromMemory``, so nothing is written or fetched. The model is disposed with the
    run, like any other.
    """
    from .wrap import wrap

    tf = _compat.tf_module()
    doc = json.loads(files["model.json"])
    groups = doc.get("weightsManifest", [])
    missing = [p for g in groups for p in g["paths"] if p not in files]
    if missing:
        raise FileNotFoundError(_("model.json lists {items}, which are missing")
                                .format(items=', '.join(missing)))
    weights = b"".join(files[p] for g in groups for p in g["paths"])
    # through JSON, not to_js: None must become null (to_js makes it undefined)
    artifacts = _compat.from_json(json.dumps({
        "modelTopology": doc["modelTopology"],
        "weightSpecs": [spec for g in groups for spec in g["weights"]],
        "format": doc.get("format", "layers-model"),
    }))
    artifacts.weightData = _compat.array_buffer(weights)
    return wrap(await tf.loadLayersModel(tf.io.fromMemory(artifacts)))


def zip_files(files: dict[str, bytes]) -> bytes:
    """The files as one zip (fixed timestamps: same content, same bytes)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), data)
    return out.getvalue()
