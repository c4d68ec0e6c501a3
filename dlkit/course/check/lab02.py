"""Lab 02's exercises: follow a picture's shape through the ConvNet, and a global-pooling head."""

from __future__ import annotations

from dlkit.course.check.models import activation_name, is_compiled, of_type
from dlkit.course.check.verdict import SHAPE_HINT, Verdict, checker, hint, image_shape, passed


def _after_lab02_layers(size: int, keep_edge: bool = False) -> int:
    """Side length after Conv2D(3x3, valid) + MaxPooling2D(2), twice; ``keep_edge`` pools as the
    deck does by hand (a partial window at the edge is kept) instead of as Keras does."""
    for _ in range(2):
        size -= 2
        size = -(-size // 2) if keep_edge else size // 2
    return size


@checker
def conv_output_shape(answer: tuple, image_size: int = 32, channels: int = 3) -> Verdict:
    """Your turn: the shape that leaves ``pool2`` when lab 02's layers see a bigger picture."""
    side = _after_lab02_layers(image_size)
    expected = (side, side, 64)
    answer = image_shape(answer)
    if answer is None:
        return SHAPE_HINT
    if answer == expected:
        return passed(f"{image_size}x{image_size}x{channels} leaves pool2 as {expected}. "
                      "Check it: build the model with that input shape and call `summary()`.")
    if answer[2] != 64:
        return hint("the channels after a Conv2D are its number of filters, whatever came in.")
    no_shrink = image_size // 4
    rounded_up = _after_lab02_layers(image_size, keep_edge=True)
    if answer[:2] == (no_shrink, no_shrink):
        return hint("a 3x3 convolution with padding='valid' cannot centre on the border pixels: "
                    "each one makes the picture smaller.")
    if answer[:2] == (rounded_up, rounded_up):
        return hint("MaxPooling2D in Keras (padding='valid') drops a row or column left over at the "
                    "edge, unlike the deck's hand pooling, which keeps it.")
    return hint("go layer by layer: a 3x3 valid convolution, then a 2x2 pooling that halves, twice.")


@checker
def global_pooling_head(model, baseline=None) -> Verdict:
    """Your turn: replace ``Flatten`` by ``GlobalAveragePooling2D`` and count what it saves."""
    if not of_type(model, "GlobalAveragePooling2D", "GlobalMaxPooling2D"):
        return hint("there is no GlobalAveragePooling2D layer yet: put it where Flatten was.")
    if of_type(model, "Flatten"):
        return hint("the model still has a Flatten layer: global pooling replaces it.")
    dense = of_type(model, "Dense")
    if not dense or dense[-1].units != 10 or activation_name(dense[-1]) != "softmax":
        return hint("keep the vote: a Dense layer with 10 units and softmax at the end.")
    if baseline is not None and model.count_params() >= baseline.count_params():
        return hint("the new model should have fewer weights than lab 02's: is global pooling "
                    "really where the 1 600 numbers per picture were?")
    if not is_compiled(model):
        return hint("the architecture is right; now `compile` it so it can train.")
    saved = f" ({baseline.count_params() - model.count_params():,} fewer weights)" if baseline else ""
    return passed(f"each of the 64 maps now gives one number to the vote{saved}.")
