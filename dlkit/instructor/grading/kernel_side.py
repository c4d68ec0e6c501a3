"""The half of the grader that runs inside a student's kernel: it hands the student's answers out.

The grader never trusts anything the student's kernel says about a grade. It sends this module's
source to the kernel (after the student's cells have run) and asks it to write each answer to a
file in the submission's own folder, as *data*: JSON, a ``.npz`` of arrays (read back with
``allow_pickle=False``), a ``.keras`` model (read back in Keras' safe mode). The grader then runs
dlkit's own checker on what it read back, in its own process. A student's code that changes this
module's helpers, ``check`` or ``sys.modules`` can only change what its own answer is, never how
it is judged.

A function is not data: the grader calls it from its side through :func:`call`, one request per
call, with the checker's inputs written as arrays and the result written back the same way. A
residual block (a function of Keras tensors) is built into small models here, by :func:`block`.

This module imports nothing from dlkit (the kernel's dlkit is the student's to change), only the
standard library, numpy and, for models, keras.
"""

import json
import os
import traceback

ARRAYS = "arrays.npz"
REPLY = "reply.json"


def _is_keras_object(value) -> bool:
    return any(klass.__module__.startswith("keras") and klass.__name__ in ("Layer", "Model", "Operation")
               for klass in type(value).__mro__)


def encode(value, arrays: dict, folder: str):
    """``value`` as a JSON tree; arrays go into ``arrays``, models into ``folder``."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if value is Ellipsis:
        return {"ellipsis": True}
    if isinstance(value, tuple | list):
        items = [encode(item, arrays, folder) for item in value]
        return {"tuple" if isinstance(value, tuple) else "list": items}
    if isinstance(value, dict):
        return {"dict": [[str(key), encode(item, arrays, folder)] for key, item in value.items()]}
    if _is_keras_object(value):
        name = f"model-{len(os.listdir(folder))}.keras"
        value.save(os.path.join(folder, name))
        return {"model": name}
    history = getattr(value, "history", None)
    if isinstance(history, dict) and type(value).__name__ == "History":
        return {"history": encode({key: [float(x) for x in values] for key, values in history.items()},
                                  arrays, folder)}
    if callable(value):
        return {"function": getattr(value, "__name__", "function")}
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    try:
        array = np.asarray(value)
    except Exception:
        array = None
    if array is not None and array.dtype != object:
        key = f"a{len(arrays)}"
        arrays[key] = array
        return {"array": key}
    return {"unsupported": type(value).__name__}


def decode(tree, arrays):
    """The inverse of :func:`encode` for the grader's arguments (numbers, tuples, arrays)."""
    if isinstance(tree, dict):
        if "array" in tree:
            return arrays[tree["array"]]
        if "tuple" in tree:
            return tuple(decode(item, arrays) for item in tree["tuple"])
        if "list" in tree:
            return [decode(item, arrays) for item in tree["list"]]
        if "dict" in tree:
            return {key: decode(item, arrays) for key, item in tree["dict"]}
        if "ellipsis" in tree:
            return Ellipsis
    return tree


def _reply(folder: str, produce) -> None:
    """Write what ``produce()`` gives (or the exception it raised) as the reply in ``folder``."""
    import numpy as np

    arrays: dict = {}
    try:
        reply = {"value": encode(produce(arrays), arrays, folder)}
    except BaseException as error:  # KeyboardInterrupt too: an interrupted call must still answer
        if isinstance(error, NameError):
            reply = {"missing": str(error)}
        else:
            reply = {"raised": type(error).__name__, "message": str(error)[:500],
                     "where": traceback.format_exc(limit=-1)[-500:]}
        arrays = {}
    if arrays:
        np.savez(os.path.join(folder, ARRAYS), **arrays)
    with open(os.path.join(folder, REPLY + ".part"), "w", encoding="utf-8") as file:
        json.dump(reply, file)
    os.replace(os.path.join(folder, REPLY + ".part"), os.path.join(folder, REPLY))


def export(expression: str, namespace: dict, folder: str) -> None:
    """Write the value of ``expression`` (evaluated in the student's namespace) to ``folder``."""
    _reply(folder, lambda arrays: eval(expression, namespace))  # noqa: S307 - the student's own names


def call(expression: str, namespace: dict, folder: str) -> None:
    """Call the student's function ``expression`` with the arguments the grader wrote to
    ``folder`` (``arguments.json`` and ``arguments.npz``) and write its result."""
    import numpy as np

    with open(os.path.join(folder, "arguments.json"), encoding="utf-8") as file:
        request = json.load(file)
    path = os.path.join(folder, "arguments.npz")
    given = dict(np.load(path, allow_pickle=False)) if os.path.exists(path) else {}
    args = decode(request["args"], given)
    kwargs = decode(request["kwargs"], given)
    for name in ("arguments.json", "arguments.npz"):
        if os.path.exists(os.path.join(folder, name)):
            os.remove(os.path.join(folder, name))
    function = eval(expression, namespace)  # noqa: S307 - the student's own names
    _reply(folder, lambda arrays: function(*args, **kwargs))


def block(expression: str, namespace: dict, folder: str, shape: list, filters: int) -> None:
    """Build ``expression(inputs, filters)`` on a Keras input of ``shape`` into a model and write it."""

    def build(arrays):
        import keras

        inputs = keras.Input(shape=tuple(shape))
        outputs = eval(expression, namespace)(inputs, filters)  # noqa: S307
        return None if outputs is None else keras.Model(inputs, outputs)

    _reply(folder, build)
