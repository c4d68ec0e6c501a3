"""Lab 05's exercises: the arithmetic under full-integer quantization, and a prediction's entropy.

Answers are compared with values written out below, which a student can redo by hand, not with a
dlkit function the student could call instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from dlkit.course.check.verdict import Verdict, checker, hint, passed

# (values, scale, zero point) -> int8 values: q = round(x / scale) + zero point, kept in [-128, 127].
# The first case is MNIST's input as LiteRT quantized it in the lab: 0-1 pixels, scale 1/255, zero -128.
QUANTIZE_CASES = (
    ([0.0, 0.2, 1.0], 1 / 255, -128, [-128, -77, 127]),
    ([0.0, 0.1, -0.1, 0.26], 0.05, 3, [3, 5, 1, 8]),
    ([10.0, -10.0], 0.01, 0, [127, -128]),  # far outside the range: clipped, not wrapped around
)

# probabilities -> entropy in nats
ENTROPY_CASES = (
    ([1.0, 0.0, 0.0], 0.0),
    ([0.5, 0.5, 0.0, 0.0], math.log(2)),
    ([0.1] * 10, math.log(10)),
    ([0.7, 0.2, 0.1], 0.8018185525433373),
)


@checker
def quantize_int8(quantize: Callable) -> Verdict:
    """Your turn: ``quantize(values, scale, zero_point)`` -> int8 values, as LiteRT does it."""
    answers = []
    for values, scale, zero_point, expected in QUANTIZE_CASES:
        answer = quantize(np.array(values, dtype=np.float32), scale, zero_point)
        if answer is None:
            return hint("return the quantized values (your function returned None).")
        answers.append((np.asarray(answer), expected, values, scale, zero_point))
    for answer, expected, values, scale, zero_point in answers:
        if answer.shape != (len(expected),):
            return hint(f"one int8 value per input value: {len(values)} in, {answer.shape} out.")
        if np.array_equal(answer.astype(np.int64), expected):
            continue
        unclipped = np.round(np.array(values) / scale) + zero_point
        if np.array_equal(np.asarray(answer, dtype=np.int64), unclipped.astype(np.int64)):
            return hint("values outside the int8 range must stay inside it: clip to [-128, 127].")
        if np.array_equal(
            np.asarray(answer, dtype=np.int64), (np.round(np.array(values) * scale) + zero_point)
        ):
            return hint("divide by the scale: it is the size of one int8 step, in float units.")
        wrapped = unclipped.astype(np.int64).astype(np.int8)
        if np.array_equal(np.asarray(answer, dtype=np.int64), wrapped) and not np.array_equal(
            wrapped, expected
        ):
            return hint("casting to int8 wraps 200 around to -56: clip before casting.")
        return hint(
            f"for values {values}, scale {scale:g}, zero point {zero_point}: expected "
            "round(value / scale) + zero point, clipped to [-128, 127]."
        )
    if not all(np.asarray(answer).dtype == np.int8 for answer, *_ in answers):
        return hint(
            "the values are right: now return them as int8 (`.astype(np.int8)`), what the model takes."
        )
    return passed(
        "that is how every float input enters a full-integer model: 256 steps of `scale`, "
        "shifted by the zero point."
    )


@checker
def entropy(entropy_of: Callable) -> Verdict:
    """Your turn: the entropy of one prediction, in nats."""
    for probabilities, expected in ENTROPY_CASES:
        answer = entropy_of(np.array(probabilities))
        if answer is None:
            return hint("return the entropy (your function returned None).")
        answer = float(np.asarray(answer))
        if math.isnan(answer):
            return hint("0 × log 0 counts as 0: leave out (or clip) the zero probabilities before the log.")
        if abs(answer - expected) <= 1e-6:
            continue
        if abs(answer + expected) <= 1e-6 and expected:
            return hint("entropy is minus the sum of p × log p: check the sign.")
        if expected and abs(answer - expected / math.log(2)) <= 1e-6:
            return hint("that is in bits (log base 2); the lab uses nats, the natural log.")
        return hint(f"for {probabilities} the entropy is not {answer:.4f}: sum -p × ln p over the classes.")
    return passed(f"0 for a sure prediction, ln 10 = {math.log(10):.3f} for MNIST's ten classes all equal.")
