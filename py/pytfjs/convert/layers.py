"""The one table of Keras layer classes: what the converter writes for each, or why it refuses.

Every other place that lists layers reads this table: the converter (``topology``), the
supported-layer list in docs/converter.md (``readme_markdown``, checked by a unit test) and
the tests, which also check it against the layer classes TF.js 4.22 registers
(``tests/node/tfjs_layer_registry.js``) and against Keras' own class names
(``tests/fixtures/keras/keras_layer_classes.json``, written by the fixture generator), so a
Keras layer TF.js can run is never refused and a refusal never points at a layer TF.js lacks.

Three kinds of entry:

- ``Layer``: TF.js has the same class. ``weights`` names the variables in the order both
  Keras and TF.js create them (a few depend on the config; see ``variables``).
- ``Rewrite``: TF.js has no such class, but the layer is exactly some TF.js layer at
  inference (a dropout, a noise or an augmentation layer is the identity once trained;
  ``Subtract`` is ``Add`` with the second input negated by ``Rescaling(-1)``). Each rewrite
  has a fixture whose TF.js predictions must equal Keras'.
- ``Refused``: TF.js 4.22 has no layer that computes it; ``alternative`` is what to use
  instead when building the model.

Keras class names missing here are not Keras built-ins (a custom layer), or Keras 3
operation layers (``keras.ops`` used on tensors); ``topology`` phrases those itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

KERNEL_BIAS = ("kernel", "bias")
RNN_WEIGHTS = ("kernel", "recurrent_kernel", "bias")


@dataclass(frozen=True)
class Layer:
    """A Keras class TF.js 4.22 has too (same name unless ``tfjs`` says otherwise)."""

    family: str
    weights: tuple[str, ...] = ()
    tfjs: str = ""


@dataclass(frozen=True)
class Rewrite:
    """A Keras class TF.js lacks that is exactly ``tfjs`` (with ``how``) at inference."""

    family: str
    tfjs: str
    how: str


@dataclass(frozen=True)
class Refused:
    """A Keras class TF.js 4.22 cannot compute; ``alternative`` says what to use.

    ``differs`` is set when TF.js registers a class of that name but it computes something
    else than Keras at inference (said in the message instead of "TF.js has no layer").
    """

    alternative: str
    differs: str = ""


_CORE = "Core"
_CONV = "Convolution"
_POOL = "Pooling"
_RESHAPE = "Reshaping"
_NORM = "Normalization"
_ACT = "Activations"
_MERGE = "Merging"
_RNN = "Recurrent and wrappers"
_REG = "Regularization (the identity at inference)"
_PRE = "Preprocessing"

_IDENTITY = "Activation('linear') (the identity at inference)"
_PREPROCESS = ("run it on the data before predict (in Python, or with tf.* ops in JS) and "
               "convert the model without it")
_RNN_CELL = "a cell is not a layer of a model; TF.js only runs it inside an RNN layer"
_AUGMENT_CROP = ("a CenterCrop or Resizing layer (what it does at inference depends on the "
                 "input size)")

LAYERS: dict[str, Layer | Rewrite | Refused] = {
    # -- core ----------------------------------------------------------------------------
    "InputLayer": Layer(_CORE),
    "Dense": Layer(_CORE, KERNEL_BIAS),
    "Activation": Layer(_CORE),
    "Embedding": Layer(_CORE, ("embeddings",)),
    "Masking": Layer(_CORE),
    "Flatten": Layer(_CORE),
    "Reshape": Layer(_RESHAPE),
    "Permute": Layer(_RESHAPE),
    "RepeatVector": Layer(_RESHAPE),
    "Identity": Rewrite(_CORE, "Activation", _IDENTITY),
    "Lambda": Refused("TF.js cannot run Python code: replace the Lambda with built-in layers "
                      "(Rescaling, Activation, Reshape, Permute, the merge layers)"),
    "EinsumDense": Refused("Dense (with Reshape/Permute around it)"),
    "ReversibleEmbedding": Refused("Embedding, and a Dense layer for the reverse projection"),
    # -- convolution ---------------------------------------------------------------------
    "Conv1D": Layer(_CONV, KERNEL_BIAS),
    "Conv2D": Layer(_CONV, KERNEL_BIAS),
    "Conv3D": Layer(_CONV, KERNEL_BIAS),
    "Conv2DTranspose": Layer(_CONV, KERNEL_BIAS),
    "Conv3DTranspose": Layer(_CONV, KERNEL_BIAS),
    "DepthwiseConv2D": Layer(_CONV, ("depthwise_kernel", "bias")),
    "SeparableConv2D": Layer(_CONV, ("depthwise_kernel", "pointwise_kernel", "bias")),
    "Conv1DTranspose": Refused("Conv2DTranspose on a Reshape to (steps, 1, channels)"),
    "DepthwiseConv1D": Refused("DepthwiseConv2D with kernel (k, 1) on a Reshape to "
                               "(steps, 1, channels)"),
    "SeparableConv1D": Refused("SeparableConv2D with kernel (k, 1) on a Reshape to "
                               "(steps, 1, channels), or Conv1D"),
    "LocallyConnected1D": Refused("Conv1D (shared weights)"),
    "LocallyConnected2D": Refused("Conv2D (shared weights)"),
    # -- pooling -------------------------------------------------------------------------
    "MaxPooling1D": Layer(_POOL),
    "MaxPooling2D": Layer(_POOL),
    "MaxPooling3D": Layer(_POOL),
    "AveragePooling1D": Layer(_POOL),
    "AveragePooling2D": Layer(_POOL),
    "AveragePooling3D": Layer(_POOL),
    "GlobalMaxPooling1D": Layer(_POOL),
    "GlobalMaxPooling2D": Layer(_POOL),
    "GlobalAveragePooling1D": Layer(_POOL),
    "GlobalAveragePooling2D": Layer(_POOL),
    "GlobalMaxPooling3D": Refused("MaxPooling3D over the whole volume, then Flatten"),
    "GlobalAveragePooling3D": Refused("AveragePooling3D over the whole volume, then Flatten"),
    "AdaptiveMaxPooling1D": Refused("MaxPooling1D with a fixed pool size"),
    "AdaptiveMaxPooling2D": Refused("MaxPooling2D with a fixed pool size"),
    "AdaptiveMaxPooling3D": Refused("MaxPooling3D with a fixed pool size"),
    "AdaptiveAveragePooling1D": Refused("AveragePooling1D with a fixed pool size"),
    "AdaptiveAveragePooling2D": Refused("AveragePooling2D with a fixed pool size"),
    "AdaptiveAveragePooling3D": Refused("AveragePooling3D with a fixed pool size"),
    # -- reshaping -----------------------------------------------------------------------
    "ZeroPadding2D": Layer(_RESHAPE),
    "Cropping2D": Layer(_RESHAPE),
    "UpSampling2D": Layer(_RESHAPE),
    "ZeroPadding1D": Refused("ZeroPadding2D on a Reshape to (steps, 1, channels)"),
    "ZeroPadding3D": Refused("ZeroPadding2D on each slice, or padding='same' in the next "
                             "Conv3D"),
    "Cropping1D": Refused("Cropping2D on a Reshape to (steps, 1, channels)"),
    "Cropping3D": Refused("Cropping2D on a Reshape that merges two axes"),
    "UpSampling1D": Refused("UpSampling2D on a Reshape to (steps, 1, channels), or "
                            "RepeatVector"),
    "UpSampling3D": Refused("Conv3DTranspose with strides equal to the upsampling size"),
    # -- normalization -------------------------------------------------------------------
    "BatchNormalization": Layer(_NORM, ("gamma", "beta", "moving_mean", "moving_variance")),
    "LayerNormalization": Layer(_NORM, ("gamma", "beta")),
    "GroupNormalization": Refused("LayerNormalization (one group) or BatchNormalization"),
    "RMSNormalization": Refused("LayerNormalization"),
    "UnitNormalization": Refused("LayerNormalization, or normalise the output in JS with "
                                 "tf.div(x, tf.norm(x, 'euclidean', -1, true))"),
    "SpectralNormalization": Refused("the wrapped layer alone (its weights already hold the "
                                     "normalised kernel after training)"),
    "Normalization": Rewrite(_NORM, "BatchNormalization", "BatchNormalization with its "
                             "adapted mean and variance (center=False, scale=False)"),
    # -- activations ---------------------------------------------------------------------
    "ReLU": Layer(_ACT),
    "LeakyReLU": Layer(_ACT),
    "ELU": Layer(_ACT),
    "PReLU": Layer(_ACT, ("alpha",)),
    "Softmax": Layer(_ACT),
    "ThresholdedReLU": Layer(_ACT),
    # -- merging -------------------------------------------------------------------------
    "Add": Layer(_MERGE),
    "Concatenate": Layer(_MERGE),
    "Multiply": Layer(_MERGE),
    "Average": Layer(_MERGE),
    "Maximum": Layer(_MERGE),
    "Minimum": Layer(_MERGE),
    "Dot": Layer(_MERGE),
    "Subtract": Rewrite(_MERGE, "Add", "Add of the first input and Rescaling(scale=-1) of the "
                        "second"),
    # -- recurrent -----------------------------------------------------------------------
    "LSTM": Layer(_RNN, RNN_WEIGHTS),
    "GRU": Layer(_RNN, RNN_WEIGHTS),
    "SimpleRNN": Layer(_RNN, RNN_WEIGHTS),
    "ConvLSTM2D": Layer(_RNN, RNN_WEIGHTS),
    "Bidirectional": Layer(_RNN),
    "TimeDistributed": Layer(_RNN),
    "RNN": Rewrite(_RNN, "LSTM", "the LSTM, GRU or SimpleRNN layer of its LSTMCell, GRUCell or "
                   "SimpleRNNCell"),
    "LSTMCell": Refused("LSTM (a cell is only used inside an RNN layer)", differs=_RNN_CELL),
    "GRUCell": Refused("GRU(reset_after=False) (a cell is only used inside an RNN layer)",
                       differs=_RNN_CELL),
    "SimpleRNNCell": Refused("SimpleRNN (a cell is only used inside an RNN layer)",
                             differs=_RNN_CELL),
    "StackedRNNCells": Refused("one LSTM/GRU/SimpleRNN layer per cell, with "
                               "return_sequences=True on all but the last",
                               differs="this converter does not map stacked cells' weights "
                               "to TF.js' names"),
    "ConvLSTM1D": Refused("ConvLSTM2D on a Reshape to (time, steps, 1, channels)"),
    "ConvLSTM3D": Refused("ConvLSTM2D"),
    "AbstractRNNCell": Refused("the LSTM, GRU or SimpleRNN layer"),
    # -- attention -----------------------------------------------------------------------
    "Attention": Refused("Dot(axes=2) + Softmax + Dot, which TF.js has"),
    "AdditiveAttention": Refused("Dense + Add + Activation('tanh') + Dense + Softmax + Dot"),
    "MultiHeadAttention": Refused("Dense projections with Dot, Softmax and Reshape/Permute "
                                  "(single head), or export a TF.js graph model with "
                                  "tensorflowjs' SavedModel converter"),
    "GroupedQueryAttention": Refused("Dense projections with Dot and Softmax, or a TF.js graph "
                                   "model"),
    # -- regularization: the identity at inference ---------------------------------------
    "Dropout": Layer(_REG),
    "SpatialDropout1D": Layer(_REG),
    "AlphaDropout": Layer(_REG),
    "GaussianDropout": Layer(_REG),
    "GaussianNoise": Layer(_REG),
    "SpatialDropout2D": Rewrite(_REG, "Dropout", "Dropout with the same rate"),
    "SpatialDropout3D": Rewrite(_REG, "Dropout", "Dropout with the same rate"),
    "ActivityRegularization": Rewrite(_REG, "Activation", _IDENTITY),
    # -- preprocessing -------------------------------------------------------------------
    "Rescaling": Layer(_PRE),
    "RandomFlip": Rewrite(_PRE, "Activation", _IDENTITY),
    "RandomRotation": Rewrite(_PRE, "Activation", _IDENTITY),
    "RandomZoom": Rewrite(_PRE, "Activation", _IDENTITY),
    "RandomTranslation": Rewrite(_PRE, "Activation", _IDENTITY),
    "RandomContrast": Rewrite(_PRE, "Activation", _IDENTITY),
    "RandomBrightness": Rewrite(_PRE, "Activation", _IDENTITY),
    "RandomHeight": Rewrite(_PRE, "Activation", _IDENTITY),
    "RandomWidth": Rewrite(_PRE, "Activation", _IDENTITY),
    "RandomCrop": Refused(_AUGMENT_CROP),
    "CategoryEncoding": Refused("one-hot or multi-hot encoding in JS before predict "
                                "(tf.oneHot), or " + _PREPROCESS,
                                differs="TF.js 4.22's CategoryEncoding overwrites its input's "
                                "shape, so the model then rejects its own input"),
    "Resizing": Refused("resizing in JS before predict (tf.image.resizeBilinear with "
                        "halfPixelCenters=true is what Keras computes)",
                        differs="TF.js 4.22's Resizing samples pixels at other positions "
                        "(no half-pixel centres, align_corners for nearest)"),
    "CenterCrop": Refused("Cropping2D with the crop computed for your input size",
                          differs="TF.js 4.22's CenterCrop crops one column off when the "
                          "widths differ by one, and resizes with other pixel centres"),
}

# Keras preprocessing and augmentation layers with nothing TF.js can do in the model
for _name in (
        "AugMix", "AutoContrast", "ContrastLimitedAdaptiveHistogramEqualization", "CutMix",
        "Discretization", "Equalization", "HashedCrossing", "Hashing", "IntegerLookup",
        "MaxNumBoundingBoxes", "MelSpectrogram", "MixUp", "Pipeline", "RandAugment",
        "RandomColorDegeneration", "RandomColorJitter", "RandomElasticTransform",
        "RandomErasing", "RandomGaussianBlur", "RandomGrayscale", "RandomHue", "RandomInvert",
        "RandomPerspective", "RandomPosterization", "RandomSaturation", "RandomSharpness",
        "RandomShear", "STFTSpectrogram", "Solarization", "StringLookup", "TextVectorization",
        "DenseFeatures"):
    LAYERS[_name] = Refused(_PREPROCESS)
# Keras layers that wrap code of another framework or a whole saved model
for _name in ("FlaxLayer", "JaxLayer", "TorchModuleWrapper", "TFSMLayer"):
    LAYERS[_name] = Refused("TF.js cannot run another framework's code: rebuild the part "
                            "with Keras layers")
# Keras base classes never saved as themselves (a subclass of them is a custom layer)
for _name in ("Layer", "Wrapper"):
    LAYERS[_name] = Refused("built-in layers (a subclass of Layer runs Python code)")

# Names older Keras versions wrote for the same classes
ALIASES = {"BatchNormalizationV1": "BatchNormalization", "BatchNormalizationV2":
           "BatchNormalization", "UnifiedGRU": "GRU", "UnifiedLSTM": "LSTM",
           "Convolution1D": "Conv1D", "Convolution2D": "Conv2D", "Convolution3D": "Conv3D",
           "Convolution2DTranspose": "Conv2DTranspose", "Deconvolution2D": "Conv2DTranspose",
           "SeparableConvolution2D": "SeparableConv2D", "MaxPool1D": "MaxPooling1D",
           "MaxPool2D": "MaxPooling2D", "MaxPool3D": "MaxPooling3D",
           "AvgPool1D": "AveragePooling1D", "AvgPool2D": "AveragePooling2D",
           "AvgPool3D": "AveragePooling3D", "GlobalMaxPool1D": "GlobalMaxPooling1D",
           "GlobalMaxPool2D": "GlobalMaxPooling2D", "GlobalAvgPool1D": "GlobalAveragePooling1D",
           "GlobalAvgPool2D": "GlobalAveragePooling2D"}

# Keras 1 layer classes (their configs use other keys too: refused with a re-save hint)
KERAS1_ONLY = frozenset({"Merge", "Highway", "MaxoutDense", "TimeDistributedDense",
                         "AtrousConvolution1D", "AtrousConvolution2D", "SReLU"})
KERAS1_KEYS = frozenset({"border_mode", "nb_filter", "nb_row", "nb_col",
                         "subsample", "dim_ordering", "init", "W_regularizer"})

RECURRENT = frozenset({"LSTM", "GRU", "SimpleRNN", "ConvLSTM2D"})
# RNN(cell) is the layer of its cell; the RNN's own settings carry over
CELL_LAYERS = {"LSTMCell": "LSTM", "GRUCell": "GRU", "SimpleRNNCell": "SimpleRNN"}
RNN_SETTINGS = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll",
                "zero_output_for_mask", "trainable", "dtype")
WRAPPERS = frozenset({"Bidirectional", "TimeDistributed"})


def canonical(class_name: str) -> str:
    """The class name this table (and TF.js) uses for a Keras ``class_name``."""
    return ALIASES.get(class_name, class_name)


def variables(class_name: str, config: dict[str, Any]) -> list[str]:
    """A supported layer's own variables, in Keras' and TF.js' creation order."""
    spec = LAYERS.get(class_name)
    if not isinstance(spec, Layer):
        return []
    names = list(spec.weights)
    if config.get("use_bias", True) is False and "bias" in names:
        names.remove("bias")
    if class_name in ("BatchNormalization", "LayerNormalization"):
        names = [n for n in names if not (n == "gamma" and config.get("scale", True) is False)
                 and not (n == "beta" and config.get("center", True) is False)]
    return names


def supported_names() -> list[str]:
    """Every Keras class the converter accepts (itself or rewritten), sorted."""
    return sorted(name for name, spec in LAYERS.items() if not isinstance(spec, Refused))


def refusal(class_name: str) -> str | None:
    """The refusal text for a Keras built-in TF.js cannot run, or None if it is supported."""
    spec = LAYERS.get(class_name)
    if not isinstance(spec, Refused):
        return None
    why = spec.differs or "TF.js 4.22 has no such layer"
    return (f"class {class_name!r} is a Keras layer that cannot be converted ({why}); "
            f"use {spec.alternative} instead, then save and convert again")


def readme_markdown() -> str:
    """docs/converter.md's supported-layer list (between its ``layers`` markers), from the table."""
    import textwrap

    families: dict[str, list[str]] = {}
    rewrites: dict[str, list[str]] = {}
    for name, spec in LAYERS.items():
        if isinstance(spec, Layer) and name != "InputLayer":
            families.setdefault(spec.family, []).append(name)
        elif isinstance(spec, Rewrite):
            rewrites.setdefault(spec.how, []).append(name)
    items = [f"{family}: {', '.join(sorted(names))}" for family, names in families.items()]
    items.append("Rewritten exactly into TF.js layers: " + "; ".join(
        f"{', '.join(sorted(names))} as {how}" for how, names in sorted(rewrites.items())))
    refused = sorted(name for name, spec in LAYERS.items() if isinstance(spec, Refused))
    items.append("Refused, each with the nearest TF.js alternative in the message: "
                 + ", ".join(refused))
    return "\n".join(textwrap.fill(item, 92, initial_indent="- ", subsequent_indent="  ",
                                   break_on_hyphens=False) for item in items)
