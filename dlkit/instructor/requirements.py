"""What the instructor's commands need beyond a student's lab: one place says it, for the CLI's
error and the doctor.

A lab needs only dlkit's own requirements, which Colab's preinstalled versions meet, so installing
dlkit in Colab changes nothing there. Running notebooks headless (``dlkit demo``) and writing them
(``dlkit student-copy``) and grading them (``dlkit grade``, which also watches each kernel's memory
with psutil) need a Jupyter kernel and nbclient at floors Colab's kernel (ipykernel
6.17) is below; they come with the ``instructor`` extra.
"""

from __future__ import annotations

import importlib.util

__all__ = ["INSTRUCTOR_MODULES", "INSTALL_HINT", "missing_for_instructor"]

INSTRUCTOR_MODULES = ("nbclient", "nbformat", "ipykernel", "psutil")
INSTALL_HINT = 'pip install "dlkit[instructor]"'


def missing_for_instructor(command: str = "this command") -> str | None:
    """None when the instructor's commands can run here; otherwise a one-line reason naming ``command``."""
    absent = [name for name in INSTRUCTOR_MODULES if importlib.util.find_spec(name) is None]
    if absent:
        return f"{command} needs the instructor extra ({', '.join(absent)} missing): {INSTALL_HINT}"
    return None
