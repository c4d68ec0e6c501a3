"""What only an instructor's command uses: nothing here is imported by a lab.

- ``cli``: the ``dlkit`` command (fetch, datasets, doctor, demo, ponies, student-copy);
- ``demo`` and ``report``: run every lab headless, and the rehearsal page of that run;
- ``doctor`` and ``machine``: what this machine can run, and how long each lab takes here;
- ``lab_costs.json``: the labs' measured full-profile costs, written by ``benchmarks/labs.py``;
- ``student_copy``: the labs without their solutions; ``tables``: plain-text tables.

Modules here may import anything in dlkit; nothing in dlkit imports them.
"""

__all__ = ["cli", "demo", "doctor", "machine", "report", "student_copy", "tables"]
