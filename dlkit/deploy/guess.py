"""What a model takes, guessed from the model itself where no serving card says.

The labs' models take three kinds of input, and a student's ``model.save("digits.keras")`` writes
none of it down:

- **digits**: MNIST-shaped inputs, ``(28, 28)`` (lab 01's dense net, lab 06's LSTM reading rows),
  ``(28, 28, 1)`` (lab 02's ConvNet) or ``(784,)`` (a flattened digit), scaled to 0-1 as the labs
  divide by 255;
- **photos**: colour pictures ``(height, width, 3)`` (labs 03, 04, 07), usually with a
  ``Rescaling(1 / 255)`` layer first, so they take 0-255; lab 04's network starts with a
  pretrained base (EfficientNet-Lite0, or the deck's VGG16), which takes pictures through its own
  ``dlkit.pretrained.preprocess_input``;
- **values**: anything else (a JSON array).

A grey 28x28 input is taken for a digit: it might be another grey picture, so the guess is said
in the start-up line with the two ways to correct it (``--input``, or a card written with
``save_with_card``).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DIGIT_SHAPES", "InputGuess", "digit_grid", "guess_input", "keras_pixel_preparation"]

DIGIT_SHAPES = {(28, 28), (28, 28, 1), (784,)}
# Networks whose keras.applications preprocess_input a served picture goes through when a model
# starts with one of them: the name Keras gives the model -> dlkit.pretrained's name for it.
PREPROCESSED_BASES = {"efficientnet_lite0": "efficientnet_lite0", "vgg16": "vgg16", "vgg19": "vgg19",
                      "resnet50": "resnet50", "inception_v3": "inceptionv3", "xception": "xception"}


@dataclass(frozen=True)
class InputGuess:
    """How a picture becomes the model's input, and why that was chosen."""

    kind: str  # "digit", "photo" or "values" (card.INPUT_KINDS)
    why: str  # e.g. "its input (28, 28) is MNIST's shape"
    sure: bool  # False where another reading is plausible (a grey 28x28 picture that is no digit)


def guess_input(shape: tuple[int, ...]) -> InputGuess:
    """The input kind for a model input of ``shape`` (without the batch axis)."""
    shape = tuple(shape)
    if shape in DIGIT_SHAPES:
        return InputGuess("digit", f"its input {shape} is MNIST's shape", sure=False)
    if len(shape) == 3 and shape[-1] == 3:
        return InputGuess("photo", f"its input {shape} is a colour picture", sure=True)
    if len(shape) == 3 and shape[-1] == 1:
        return InputGuess("photo", f"its input {shape} is a grey picture", sure=False)
    return InputGuess("values", f"its input {shape} is not a picture", sure=True)


def digit_grid(shape: tuple[int, ...]) -> tuple[int, int]:
    """The 2-D grid a digit is drawn on for an input of ``shape``: (28, 28) for every digit shape."""
    return (28, 28) if tuple(shape) == (784,) else (int(shape[0]), int(shape[1]))


def _layers_in_order(model) -> list:
    """The model's layers in order, nested models opened, input layers left out."""
    import keras

    found = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        found.append(layer)
        if isinstance(layer, keras.Model) and layer.name not in PREPROCESSED_BASES:
            found.extend(_layers_in_order(layer))
    return found


def keras_pixel_preparation(model) -> tuple[float, str]:
    """(pixel scale, preprocessing) a Keras model expects of a picture: 255.0 where it rescales
    itself before its first layer with weights (a ``Rescaling`` layer), or starts with a
    pretrained network dlkit knows (then its name, for that network's ``preprocess_input``);
    1.0 and no preprocessing otherwise (the labs divide by 255 before the model)."""
    import keras

    for layer in _layers_in_order(model):
        if isinstance(layer, keras.Model) and layer.name in PREPROCESSED_BASES:
            return 255.0, PREPROCESSED_BASES[layer.name]
        if isinstance(layer, keras.layers.Rescaling):
            return 255.0, ""
        if layer.weights and not isinstance(layer, keras.Model):
            return 1.0, ""
    return 1.0, ""
