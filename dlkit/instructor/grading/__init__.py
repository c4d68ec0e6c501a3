"""``dlkit grade``: run every student's notebook of a lab and score it with the lab's own checkers.

- ``submissions``: find the notebooks and name their students (Canvas, Moodle, folders);
- ``exercises``: a lab's exercises, read from its ``check.<name>(...)`` calls;
- ``runner``: one submission, run fresh in its own kernel (``sandbox``: bubblewrap; ``watchdog``:
  memory, disk and time), its answers carried out as data (``transport``, ``kernel_side``) and
  judged here by dlkit's checkers;
- ``gradebook`` (SQLite and CSV) and ``feedback`` (a page per student);
- ``grader``: the class, on a local pool of processes or a Dask cluster, resuming by hash.
"""

from dlkit.instructor.grading.grader import GradeOptions, grade_class
from dlkit.instructor.grading.records import STATUSES, ExerciseResult, GradeResult, GradeTask
from dlkit.instructor.grading.runner import grade_submission
from dlkit.instructor.grading.submissions import find_submissions
from dlkit.instructor.grading.watchdog import Limits

__all__ = [
    "STATUSES",
    "ExerciseResult",
    "GradeOptions",
    "GradeResult",
    "GradeTask",
    "Limits",
    "find_submissions",
    "grade_class",
    "grade_submission",
]
