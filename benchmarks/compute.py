"""How much arithmetic training does, and how close a run comes to what this CPU can do.

``training_flops(model)`` counts the floating-point operations one image costs in one training step
(Dense, convolution and recurrent layers: the rest is negligible next to them), ``matmul_gflops``
measures the CPU's matrix multiply, the practical ceiling. The benchmarks divide the two so that
every time they print sits next to the share of that ceiling it reached.

A trainable layer costs its forward pass three times (forward, the gradient for its input, the
gradient for its weights). A frozen layer costs it once where nothing before it learns (no gradient
flows back through it: lab 04's frozen VGG16 base), twice where something before it does.
"""

from __future__ import annotations

import time


def _output_positions(layer) -> int:
    """How many places a layer's kernel is applied per image: a convolution's output height ×
    width, a Dense layer's timesteps on a sequence, 1 for a Dense layer on a vector."""
    shape = layer.output.shape
    positions = 1
    for size in shape[1:-1]:
        positions *= int(size)
    return positions


def _layer_forward_flops(layer) -> int:
    """Forward FLOPs of one layer for one image (multiply-adds × 2); 0 for the cheap kinds."""
    import keras

    if isinstance(layer, keras.layers.Dense):
        return 2 * int(layer.kernel.shape[0]) * int(layer.kernel.shape[1]) * _output_positions(layer)
    if isinstance(layer, keras.layers.DepthwiseConv2D):
        kh, kw, channels, multiplier = (int(d) for d in layer.kernel.shape)
        return 2 * kh * kw * channels * multiplier * _output_positions(layer)
    if isinstance(layer, keras.layers.SeparableConv2D):
        kh, kw, channels, multiplier = (int(d) for d in layer.depthwise_kernel.shape)
        pointwise = int(layer.pointwise_kernel.shape[-2]) * int(layer.pointwise_kernel.shape[-1])
        return 2 * (kh * kw * channels * multiplier + pointwise) * _output_positions(layer)
    if isinstance(layer, (keras.layers.Conv1D, keras.layers.Conv2D, keras.layers.Conv3D)):
        per_position = 1
        for size in layer.kernel.shape:
            per_position *= int(size)
        return 2 * per_position * _output_positions(layer)
    if isinstance(layer, (keras.layers.LSTM, keras.layers.GRU, keras.layers.SimpleRNN)):
        gates = {keras.layers.LSTM: 4, keras.layers.GRU: 3, keras.layers.SimpleRNN: 1}[type(layer)]
        timesteps, features = (int(d) for d in layer.input.shape[1:3])
        units = int(layer.units)
        return 2 * gates * units * (features + units) * timesteps
    if isinstance(layer, keras.layers.Bidirectional):
        return _layer_forward_flops(layer.forward_layer) + _layer_forward_flops(layer.backward_layer)
    return 0


def _leaf_layers(model) -> list:
    """The model's layers in order, with nested models (a pretrained base) opened up; each leaf
    comes with whether it trains (a frozen nested model freezes everything inside it)."""
    import keras

    leaves = []
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            leaves += [(leaf, trains and layer.trainable) for leaf, trains in _leaf_layers(layer)]
        else:
            leaves.append((layer, layer.trainable))
    return leaves


def forward_flops(model) -> int:
    """FLOPs of one image's forward pass through ``model`` (a built Keras model)."""
    return sum(_layer_forward_flops(layer) for layer, _ in _leaf_layers(model))


def training_flops(model) -> int:
    """FLOPs one image costs in one training step: forward and backward, frozen layers included
    at the cost they really have (see the module's docstring)."""
    total, something_learns_before = 0, False
    for layer, trains in _leaf_layers(model):
        flops = _layer_forward_flops(layer)
        if trains and layer.weights:
            total += 3 * flops
            something_learns_before = True
        else:
            total += (2 if something_learns_before else 1) * flops
    return total


def matmul_gflops(dtype: str = "float32", size: int = 2048, repeats: int = 10) -> float:
    """What this machine's matrix multiply reaches with TensorFlow in ``dtype`` (float32 or
    bfloat16): the practical ceiling for the labs' training, which is mostly matrix multiplies."""
    import tensorflow as tf

    a = tf.cast(tf.random.normal((size, size)), dtype)
    tf.matmul(a, a).numpy()
    started = time.perf_counter()
    for _ in range(repeats):
        tf.matmul(a, a).numpy()
    return 2 * size**3 * repeats / (time.perf_counter() - started) / 1e9
