"""``dlkit grade``: run every student's notebook of a lab and score it with the lab's own checkers.

- ``options``: the limits and options of a run (light: the command line reads its defaults here);
- ``submissions``: find the notebooks and name their students (Canvas, Moodle, folders);
- ``exercises``: a lab's exercises, read from its ``check.<name>(...)`` calls;
- ``runner``: one submission, run fresh in its own kernel (``sandbox``: bubblewrap or a container;
  ``tether``: the kernel dies with the grader; ``watchdog``: memory, disk and time), its answers
  carried out as data (``transport``, ``kernel_side``) and judged here by dlkit's checkers;
- ``gradebook`` (SQLite and CSV), ``lms`` (Canvas's and Moodle's import files) and ``feedback``
  (a page per student);
- ``grader``: the class, on a local pool of processes or a Dask cluster, resuming by hash
  (``grade_class``).

The package imports none of them, so reading the options costs no nbclient or psutil::

    from dlkit.instructor.grading.grader import grade_class
    from dlkit.instructor.grading.options import GradeOptions, Limits
"""

__all__ = [
    "exercises", "feedback", "gradebook", "grader", "kernel_side", "lms", "options", "records", "runner",
    "sandbox", "submissions", "tether", "transport", "watchdog",
]
