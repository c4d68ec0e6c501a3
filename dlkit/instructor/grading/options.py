"""How a class is graded, as plain data: the limits one submission runs under and the options of
a grading run. Light to import, so that the command line takes its defaults from here and
``dlkit grade --help`` says what grading does when not told."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["GIB", "GRADING_PROFILE", "SANDBOX_CHOICES", "GradeOptions", "Limits"]

GIB = 1024**3
GRADING_PROFILE = "quick"  # a class's notebooks run on the quick profile's data unless told otherwise
SANDBOX_CHOICES = ("auto", "bubblewrap", "container", "none")


@dataclass(frozen=True)
class Limits:
    """What one submission may use: seconds per cell and in all, bytes of memory and of disk."""

    cell_seconds: float = 120.0
    submission_seconds: float = 900.0
    memory_bytes: int = 4 * GIB
    disk_bytes: int = 1 * GIB


@dataclass(frozen=True)
class GradeOptions:
    """How to grade: runs at once, where, with which limits, profile and sandbox."""

    jobs: int = 1
    limits: Limits = field(default_factory=Limits)
    profile: str = GRADING_PROFILE
    sandbox: str = "auto"
    regrade: bool = False
    dask_address: str | None = None
    data_dir: str | None = None
