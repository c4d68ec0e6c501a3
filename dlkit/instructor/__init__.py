"""What only an instructor's command uses: nothing here is imported by a lab.

- ``cli``: the ``dlkit`` command (fetch, datasets, doctor, demo, ponies, student-copy);
- ``demo`` and ``report``: run every lab headless, and the rehearsal page of that run;
  ``side_by_side``: two quick labs at a time; ``lessons``: what the demo says beside a quick run
  too short for its lab's lesson;
- ``doctor`` and ``machine``: what this machine can run, and how long each lab takes here;
- ``lab_costs``: the labs' measured full-profile costs and results (``lab_costs.json``, written by
  ``benchmarks/labs.py``);
- ``student_copy``: the labs without their solutions; ``tables``: plain-text tables.

Modules here may import anything in dlkit; nothing in dlkit imports them.
"""

__all__ = [
    "cli",
    "demo",
    "doctor",
    "lab_costs",
    "lessons",
    "machine",
    "report",
    "side_by_side",
    "student_copy",
    "tables",
]
