"""Lab 01's exercises: a deeper dense network, and counting its weights by hand."""

from __future__ import annotations

import numbers

from dlkit.course.check.models import activation_name, is_compiled, of_type
from dlkit.course.check.verdict import Verdict, checker, hint, passed

LINEAR = {"linear", "None"}


@checker
def deeper_network(model) -> Verdict:
    """Your turn: a second hidden layer between the first and the output."""
    dense = of_type(model, "Dense")
    if not dense:
        return hint("there are no Dense layers in this model: start from lab 01's `model` cell.")
    *hidden, output = dense
    if output.units != 10:
        return hint(f"the last layer has {output.units} units: it needs one per digit.")
    if activation_name(output) != "softmax":
        return hint("the last layer should turn its 10 scores into probabilities, as lab 01's does.")
    if len(hidden) < 2:
        return hint(f"{len(hidden)} hidden Dense layer(s) so far: add one more between the first and "
                    "the output.")
    linear = [layer.name for layer in hidden if activation_name(layer) in LINEAR]
    if linear:
        return hint(f"{', '.join(linear)} has no activation. Two Dense layers in a row without one "
                    "collapse into a single linear map: the extra layer adds nothing.")
    if 64 not in [layer.units for layer in hidden[1:]]:
        units = ", ".join(str(layer.units) for layer in hidden[1:])
        return hint(f"the layer you added has {units} units: the exercise asks for Dense(64, "
                    "activation=\"relu\") after the first hidden layer.")
    if not of_type(model, "Flatten") and len(model.input_shape) > 2:
        return hint("the images are 28x28: flatten them before the first Dense layer.")
    if not is_compiled(model):
        return hint("the architecture is right; now `compile` it (optimizer, loss, metrics) so it can train.")
    if _steps_trained(model) == 0:
        return hint("compiled, not trained yet: `fit` it for `epochs` epochs, then compare its test "
                    "accuracy with lab 01's.")
    sizes = " -> ".join(str(layer.units) for layer in dense)
    return passed(f"Dense layers {sizes}: {len(hidden)} hidden, compiled and trained. Compare its test "
                  "accuracy with lab 01's.")


def _steps_trained(model) -> int:
    """How many training steps the model's optimizer has taken (0 before any ``fit``)."""
    import keras

    return int(keras.ops.convert_to_numpy(model.optimizer.iterations))


def _count(layer_sizes: tuple[int, ...], biases: bool = True) -> int:
    pairs = zip(layer_sizes[:-1], layer_sizes[1:], strict=True)
    return sum(inputs * units + (units if biases else 0) for inputs, units in pairs)


@checker
def parameter_count(answer: int, layer_sizes: tuple[int, ...] = (784, 256, 128, 10)) -> Verdict:
    """Your turn: how many weights does a dense network with these layer sizes learn?"""
    network = " -> ".join(map(str, layer_sizes))
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real) or answer != int(answer):
        return hint("the answer is a whole number of weights.")
    if answer == _count(layer_sizes):
        return passed(f"{int(answer):,} weights for {network}. `model.count_params()` agrees.")
    if answer == _count(layer_sizes, biases=False):
        return hint("you counted the connections but not the biases: every unit has one more weight.")
    if answer == _count(layer_sizes[1:]) or answer == _count(layer_sizes[:-1]):
        return hint("one layer is missing from your sum: count every step from one layer to the next.")
    return hint("for each layer: (units coming in) x (units) connections, plus one bias per unit; "
                "then add the layers up.")
