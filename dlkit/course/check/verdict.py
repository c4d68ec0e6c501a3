"""What a checker says: a pass, or a hint that points the way without giving the answer.

Each checker is written as a *judge* that returns a :class:`Verdict`; the :func:`checker`
decorator turns it into the function a lab calls, which prints the verdict and returns nothing
(so a notebook shows it once, wherever the call sits in the cell). Tests call ``.judge``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

PASS_MARK = "✅ Passed"
HINT_MARK = "💡 Not yet"


@dataclass(frozen=True)
class Verdict:
    """``passed`` and the sentence a student reads."""

    passed: bool
    message: str

    def __str__(self) -> str:
        return f"{PASS_MARK if self.passed else HINT_MARK}: {self.message}"


def passed(message: str) -> Verdict:
    return Verdict(True, message)


def hint(message: str) -> Verdict:
    return Verdict(False, message)


NOT_STARTED = hint("fill in the cell above first (replace the `...` or the NotImplementedError).")


def checker(judge: Callable[..., Verdict]) -> Callable[..., None]:
    """Wrap ``judge`` so that calling it prints the verdict; the judge stays reachable as ``.judge``.

    A student's code can fail in any way; a checker must still answer with a hint, so an exception
    escaping the judge (from the student's function or model) becomes one.
    """

    @functools.wraps(judge)
    def show(*args: Any, **kwargs: Any) -> None:
        print(safe_judge(judge, *args, **kwargs))

    show.judge = functools.partial(safe_judge, judge)  # type: ignore[attr-defined]
    return show


SHAPE_HINT = hint("give the shape as three whole numbers, (height, width, channels), without the batch axis.")


def image_shape(answer) -> tuple[int, int, int] | None:
    """``answer`` as a (height, width, channels) tuple, or None when it is not one."""
    try:
        shape = tuple(int(value) for value in answer)
    except (TypeError, ValueError):
        return None
    return shape if len(shape) == 3 else None  # type: ignore[return-value]


def safe_judge(judge: Callable[..., Verdict], *args: Any, **kwargs: Any) -> Verdict:
    if any(argument is Ellipsis for argument in (*args, *kwargs.values())):
        return NOT_STARTED
    try:
        return judge(*args, **kwargs)
    except NotImplementedError:
        return NOT_STARTED
    except Exception as error:  # the student's code raised: say what, not where the answer is
        return hint(f"your code raised {type(error).__name__}: {error}")
