"""Reading a Keras model the way a checker needs: its layers in order, nested models opened up."""

from __future__ import annotations

from collections.abc import Iterator


def flat_layers(model) -> list:
    """Every layer of ``model`` in order, with nested Sequential/functional models opened up."""

    def walk(layer) -> Iterator:
        inner = getattr(layer, "layers", None)
        if inner is None:
            yield layer
        else:
            for child in inner:
                yield from walk(child)

    return list(walk(model))


def of_type(model, *names: str) -> list:
    """The layers whose class is one of ``names`` (e.g. "Dense"), in order."""
    return [layer for layer in flat_layers(model) if type(layer).__name__ in names]


def activation_name(layer) -> str:
    activation = getattr(layer, "activation", None)
    return getattr(activation, "__name__", str(activation))


def is_compiled(model) -> bool:
    return bool(getattr(model, "compiled", False)) and getattr(model, "optimizer", None) is not None


def to_numpy(values):
    """A Keras output as a numpy array, on every backend (a JAX array, a PyTorch tensor on a GPU)."""
    import keras

    return keras.ops.convert_to_numpy(values)


def learning_rate(model) -> float:
    """The optimiser's current learning rate (a schedule is read at the current step)."""
    import keras

    return float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))
