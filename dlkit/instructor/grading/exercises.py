"""A lab's exercises, as its instructor notebook names them: each ``check.<checker>(...)`` call.

The lab is the one source: the call ``check.max_pool(my_max_pool)`` says that the exercise is
graded by dlkit's ``max_pool`` checker, on the value of ``my_max_pool`` in the student's kernel.
Every argument is kept as the expression the lab wrote (``features_200``, ``image_size=200``,
``baseline=model``), so the grader asks the student's kernel for exactly what the lab hands the
checker, whatever the student's copy of the check cell says.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from pathlib import Path

from dlkit.errors import DlkitError

__all__ = ["Exercise", "check_calls", "lab_exercises"]

# Checkers whose argument is a function of Keras tensors (a layer block), which cannot be called
# across the kernel's boundary with arrays: the kernel builds it into small models instead.
KERAS_BLOCK_CHECKERS = frozenset({"residual_block"})


@dataclass(frozen=True)
class Exercise:
    """``checker`` (a name in ``dlkit.course.check``) and the expressions the lab passes it."""

    checker: str
    args: tuple[str, ...]
    kwargs: tuple[tuple[str, str], ...] = ()

    @property
    def takes_a_keras_block(self) -> bool:
        return self.checker in KERAS_BLOCK_CHECKERS


def check_calls(source: str) -> list[Exercise]:
    """The ``check.<name>(...)`` calls in one cell's ``source``, in order ([] when it does not parse)."""
    try:
        tree = ast.parse(_without_magics(source))
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "check"):
            found.append(Exercise(
                checker=node.func.attr,
                args=tuple(ast.unparse(argument) for argument in node.args),
                kwargs=tuple((keyword.arg, ast.unparse(keyword.value)) for keyword in node.keywords
                             if keyword.arg is not None),
            ))
    return sorted(found, key=lambda exercise: source.find(f"check.{exercise.checker}("))


def _without_magics(source: str) -> str:
    """``source`` with IPython's ``%magic`` and ``!shell`` lines blanked, so that ``ast`` reads it."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def lab_exercises(lab: Path) -> tuple[Exercise, ...]:
    """Every exercise of the instructor notebook ``lab``, in the order the lab checks them.
    Raises DlkitError for a lab without any (nothing to grade) or naming an unknown checker."""
    from dlkit.course import check

    try:
        cells = json.loads(lab.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise DlkitError(f"{lab}: not a readable lab notebook ({error})") from None
    exercises: list[Exercise] = []
    for cell in cells:
        if cell.get("cell_type") == "code":
            source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            exercises += [found for found in check_calls(source) if found not in exercises]
    if not exercises:
        raise DlkitError(f"{lab.name} has no exercises to grade (no `check.<name>(...)` call)")
    unknown = [exercise.checker for exercise in exercises if exercise.checker not in check.__all__]
    if unknown:
        raise DlkitError(f"{lab.name} calls checkers dlkit does not have: {', '.join(unknown)}")
    return tuple(exercises)
