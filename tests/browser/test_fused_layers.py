"""The runtime worker's fused convolutions (fuseConvActivations in
site/js/worker/private_apis.js): a Conv2D with a ReLU6 activation and a DepthwiseConv2D with a
bias or an activation predict with one fused kernel each, the values of tfjs-layers' own
calls; training, channels-first layers and other activations keep tfjs-layers' ops."""

from __future__ import annotations

import pytest

from testkit.harness import in_worker, open_lab

pytestmark = pytest.mark.browser

# Each layer applied to one input with the patched call and with tfjs-layers' own
# (pytfjsUnfusedCall): the kernels each ran (tf.profile) and the largest difference.
COMPARE = """
async ({backend, layers, training}) => {
  await tf.setBackend(backend);
  const out = [];
  for (const spec of layers) {
    const {kind, shape, ...args} = spec;
    const layer = tf.layers[kind](args);
    const x = tf.randomNormal([1, ...shape], 0, 3, "float32", 7);
    layer.apply(x).dispose();  // built: weights made
    if (layer.bias) layer.bias.write(tf.randomNormal(layer.bias.shape, 0, 1, "float32", 8));
    const kernels = async (f) => (await tf.profile(() => { f().dispose(); })).kernels
      .map((k) => k.name)  // kernels, not the ops (named "...__op") that ran them
      .filter((n) => !n.endsWith("__op") && !["Identity", "Reshape", "Cast"].includes(n));
    const patched = () => layer.call(x, {training});
    const own = () => layer.pytfjsUnfusedCall(x, {training});
    const a = patched(), b = own();
    out.push({fused: await kernels(patched), own: await kernels(own),
              diff: tf.max(tf.abs(tf.sub(a, b))).dataSync()[0],
              scale: tf.max(tf.abs(b)).dataSync()[0], shape: a.shape});
    a.dispose(); b.dispose(); x.dispose(); layer.dispose();
  }
  return out;
}
"""

CONV_RELU6 = {"kind": "conv2d", "shape": [9, 9, 4], "filters": 5, "kernelSize": 3,
              "activation": "relu6", "padding": "same"}
DEPTHWISE = {"kind": "depthwiseConv2d", "shape": [9, 9, 4], "kernelSize": 3,
             "activation": "relu6", "strides": 2}


@pytest.mark.parametrize("backend", ["wasm", "cpu"])
def test_conv_and_depthwise_with_relu6_predict_with_one_fused_kernel(page, site_url,
                                                                     backend):
    assert open_lab(page, site_url, "one-neuron", backend="wasm") == "ready"
    linear_dw = {**DEPTHWISE, "activation": "linear", "strides": 1, "padding": "same"}
    relu_dw = {**DEPTHWISE, "activation": "relu", "depthMultiplier": 2}
    out = in_worker(page, COMPARE, {"backend": backend, "training": False,
                                    "layers": [CONV_RELU6, DEPTHWISE, linear_dw, relu_dw]})
    conv, depthwise, linear, relu = out
    assert conv["fused"] == ["FusedConv2D"]
    assert conv["own"] == ["FusedConv2D", "Relu", "Minimum"]  # what tfjs-layers does
    assert depthwise["fused"] == ["FusedDepthwiseConv2D"]
    assert "Relu" in depthwise["own"] and "Minimum" in depthwise["own"]
    assert linear["fused"] == ["FusedDepthwiseConv2D"] and len(linear["own"]) == 2
    assert relu["fused"] == ["FusedDepthwiseConv2D"] and relu["shape"] == [1, 4, 4, 8]
    for result in out:
        assert result["scale"] > 1  # values, not all clipped to 0
        assert result["diff"] <= 1e-5 * result["scale"], result


def test_training_other_activations_and_channels_first_keep_the_layers_own_ops(page,
                                                                               site_url):
    assert open_lab(page, site_url, "one-neuron", backend="wasm") == "ready"
    training = in_worker(page, COMPARE, {"backend": "wasm", "training": True,
                                         "layers": [CONV_RELU6, DEPTHWISE]})
    for result in training:
        assert result["fused"] == result["own"] and "Relu" in result["fused"]
        assert result["diff"] == 0
    others = [{**CONV_RELU6, "activation": "sigmoid"},
              {**DEPTHWISE, "activation": "sigmoid"},
              {**DEPTHWISE, "activation": "linear", "useBias": False},
              {**CONV_RELU6, "dataFormat": "channelsFirst", "shape": [4, 9, 9]}]
    out = in_worker(page, COMPARE, {"backend": "wasm", "training": False, "layers": others})
    for result in out:
        assert result["fused"] == result["own"], result
        assert result["diff"] == 0
    assert "Sigmoid" in out[0]["fused"] and "Sigmoid" in out[1]["fused"]
    assert out[2]["fused"] == ["DepthwiseConv2dNative"]


def test_mobilenet_predicts_with_fused_kernels_only(page, site_url):
    """The converted MobileNetV2: no batch norm, no separate ReLU6, four pads' PadV2."""
    assert open_lab(page, site_url, "mobilenet", backend="wasm") == "ready"
    names = in_worker(page, """async () => {
        const model = await tf.loadLayersModel("models/mobilenet_v2/model.json");
        const x = tf.zeros([1, 224, 224, 3]);
        const info = await tf.profile(() => { model.predict(x).dispose(); });
        x.dispose(); model.dispose();
        const count = {};
        for (const k of info.kernels) count[k.name] = (count[k.name] || 0) + 1;
        return count;
    }""")
    assert names["FusedConv2D"] == 35 and names["FusedDepthwiseConv2D"] == 17
    assert names["PadV2"] == 5 and names["Add"] == 10
    assert not {"FusedBatchNorm", "Relu", "Relu6", "Minimum", "ClipByValue",
                "DepthwiseConv2dNative"} & set(names), names
