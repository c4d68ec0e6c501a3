"""What goes into a grading run and what comes out of one submission's, as plain data.

A :class:`GradeTask` carries the notebook's bytes (not a path), so a run can happen on another
machine (a Dask worker); a :class:`GradeResult` is what the gradebook stores.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dlkit.instructor.grading.exercises import Exercise
from dlkit.instructor.grading.options import GRADING_PROFILE, Limits

__all__ = ["STATUSES", "ExerciseResult", "GradeResult", "GradeTask"]

# Every status a gradebook row can have, and what it means (the docs' table comes from here).
STATUSES = {
    "ok": "every cell ran without an error",
    "cell-errors": "some cells raised; the exercises were still scored where they could be",
    "timeout": "a cell, or the whole submission, ran past its time limit",
    "kernel-died": "the kernel stopped (os._exit, a crash such as a segfault)",
    "memory-limit": "the kernel used more memory than the limit and was stopped",
    "disk-limit": "the kernel wrote more into its folder than the limit and was stopped",
    "unreadable": "the file is not a notebook (not JSON, or JSON without cells)",
    "no-notebook": "the student handed in files, none of them a notebook",
    "superseded": "an older file of a student who handed in a newer one (not graded)",
    "grader-error": "the grader could not run this submission (its reason says why)",
}


@dataclass(frozen=True)
class GradeTask:
    """One submission to grade: whose, which file, its bytes, and how to run it."""

    lab: str
    student: str
    file: str
    sha256: str
    notebook: bytes
    exercises: tuple[Exercise, ...]
    limits: Limits
    profile: str = GRADING_PROFILE
    sandbox: str = "auto"
    data_dir: str | None = None


@dataclass(frozen=True)
class ExerciseResult:
    checker: str
    points: int
    message: str


@dataclass
class GradeResult:
    """The outcome of one submission: ``status`` (a key of STATUSES) and ``reason`` for a person."""

    student: str
    file: str
    sha256: str
    status: str
    reason: str = ""
    exercises: list[ExerciseResult] = field(default_factory=list)
    sandboxed: str = "not run"  # "bubblewrap"; "no" (why in ``notes``); "not run" when nothing ran
    seconds: float = 0.0  # the whole run: kernel start, cells, scoring
    cell_seconds: float = 0.0  # the notebook's own code cells alone
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(result.points for result in self.exercises)
