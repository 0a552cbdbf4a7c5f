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
from .scope import ProxyRegistry


def layers_model_json(topology: dict, weight_specs: list[dict],
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
    js = _compat.js
    tf = _compat.tf_module()
    captured: dict[str, Any] = {}

    def handler(artifacts: Any) -> Any:
        captured["topology"] = json.loads(js.JSON.stringify(artifacts.modelTopology))
        captured["specs"] = json.loads(js.JSON.stringify(artifacts.weightSpecs))
        data = tf.io.CompositeArrayBuffer.join(artifacts.weightData)
        captured["weights"] = bytes(data.to_bytes())
        return _compat.to_js_value({"modelArtifactsInfo": {"dateSaved": js.Date.new(),
                                                           "modelTopologyType": "JSON"}})

    with ProxyRegistry() as owner:
        await getattr(model, "js", model).save(tf.io.withSaveHandler(owner.proxy(handler)))
    model_json = layers_model_json(captured["topology"], captured["specs"])
    return {"model.json": json.dumps(model_json).encode(), "weights.bin": captured["weights"]}


def zip_files(files: dict[str, bytes]) -> bytes:
    """The files as one zip (fixed timestamps: same content, same bytes)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), data)
    return out.getvalue()
