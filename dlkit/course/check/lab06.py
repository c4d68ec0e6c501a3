"""Lab 06's exercises: deck 002's LSTM equations as a numpy step, and a GRU's weights counted.

The LSTM step is compared with ``keras.layers.LSTM`` itself, given the same weights, over a short
sequence (lab 00's way: the library is the reference, not a copy of the answer inside dlkit).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from dlkit.course.check.models import to_numpy
from dlkit.course.check.verdict import Verdict, checker, hint, passed

SEQUENCE_STEPS, INPUTS, UNITS = 6, 3, 4


def _keras_lstm_states(kernel, recurrent_kernel, bias, sequence) -> np.ndarray:
    """The hidden state ``h_t`` after each step, from Keras' own LSTM layer with these weights."""
    import keras

    # float32 whatever the global policy: a lab that runs in mixed_bfloat16 must still compare exactly.
    layer = keras.layers.LSTM(UNITS, return_sequences=True, dtype="float32")
    layer.build((1, SEQUENCE_STEPS, INPUTS))
    layer.set_weights([kernel, recurrent_kernel, bias])
    return to_numpy(layer(sequence[np.newaxis].astype("float32")))[0]


def _student_states(step: Callable, kernel, recurrent_kernel, bias, sequence) -> np.ndarray | None:
    h, c = np.zeros(UNITS), np.zeros(UNITS)
    states = []
    for x in sequence:
        result = step(x, h, c, kernel, recurrent_kernel, bias)
        if result is None:
            return None
        h, c = (np.asarray(part, dtype=float) for part in result)
        states.append(h)
    return np.array(states)


@checker
def lstm_step(step: Callable) -> Verdict:
    """Your turn: ``lstm_step(x, h, c, kernel, recurrent_kernel, bias)`` returns the new ``(h, c)``."""
    rng = np.random.default_rng(6)
    kernel = rng.normal(0, 0.6, (INPUTS, 4 * UNITS)).astype("float32")
    recurrent_kernel = rng.normal(0, 0.6, (UNITS, 4 * UNITS)).astype("float32")
    bias = rng.normal(0, 0.3, 4 * UNITS).astype("float32")
    sequence = rng.normal(0, 1, (SEQUENCE_STEPS, INPUTS)).astype("float32")
    expected = _keras_lstm_states(kernel, recurrent_kernel, bias, sequence)
    got = _student_states(step, kernel, recurrent_kernel, bias, sequence)
    if got is None:
        return hint("return the new state as a pair: `return h, c`.")
    if got.shape != expected.shape:
        return hint(f"h should hold one number per unit ({UNITS} here), but it has shape {got.shape[1:]}: "
                    "x @ kernel gives the four gates side by side, cut it into four equal parts.")
    if np.allclose(got, expected, atol=1e-4):
        return passed(f"your step matches keras.layers.LSTM over {SEQUENCE_STEPS} steps: the deck's "
                      "five equations are the whole layer.")
    if np.allclose(got[0], expected[0], atol=1e-4):
        return hint("the first step is right, later ones are not: the recurrent part is "
                    "h_previous @ recurrent_kernel, and c must be carried from step to step.")
    return hint("Keras stores the four gates side by side in the order i, f, c, o (input, forget, "
                "candidate, output); the gates use the sigmoid, the candidate and the output tanh.")


def _gru_weights(inputs: int, units: int, reset_after: bool) -> int:
    biases = 2 if reset_after else 1
    return 3 * (inputs * units + units * units + biases * units)


@checker
def gru_parameter_count(answer, inputs: int = 28, units: int = 64) -> Verdict:
    """Your turn: the weights of ``keras.layers.GRU(64)`` reading 28 pixels per step."""
    if not isinstance(answer, (int, np.integer)) or isinstance(answer, bool):
        return hint("give the count as a whole number.")
    if answer == _gru_weights(inputs, units, reset_after=True):
        return passed(f"GRU({units}) on {inputs} inputs holds {answer:,} weights. Check it with "
                      "`count_params()`, then train it in place of the LSTM.")
    if answer == _gru_weights(inputs, units, reset_after=False):
        return hint("one bias short per gate: Keras' GRU (reset_after=True, the form GPUs run fast) "
                    "keeps two bias vectors per gate, one for the input and one for the recurrent part.")
    if answer == 4 * (inputs * units + units * units + units):
        return hint("that is an LSTM's count: a GRU has three gate blocks, not four.")
    if answer == 3 * (inputs * units + units):
        return hint("each gate also looks back at the previous state: add units x units recurrent "
                    "weights per gate.")
    return hint("a GRU has three blocks (reset, update, candidate), each with inputs x units weights, "
                "units x units recurrent weights and biases.")
