"""``dlkit student-copy``: the labs as students get them, with the instructor's solutions taken out.

An exercise's solution lives in the lab itself, in a code cell tagged ``solution``, between two
marker lines; ``# STUB:`` lines are what the student gets instead (the marker is removed, the
indentation of the comment kept)::

    def my_max_pool(feature_map, size=2, stride=2):
        # STUB: raise NotImplementedError("Your turn")
        # BEGIN SOLUTION
        ...the instructor's code...
        # END SOLUTION

The instructor's lab runs as it is (nbval checks that its solutions pass their checkers). A
student copy has every solution block removed, every stub uncommented, every output cleared (an
output could show an answer), nbval's ``# NBVAL_...`` markers (the test suite's, not the
student's) removed, ``solution`` tags renamed ``exercise``, its short setup cell replaced by the
cell that installs dlkit where it is missing (``publish``), and only the Colab badge that opens a
release's student copies (tag ``v<version>-student``, what ``tools/colab_links.py`` writes); a
badge to anything else could open the instructor's version and is removed. Markers outside a
tagged cell, or a tagged cell without a complete block, are errors: a slip must never leak an
answer or lose an exercise.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

from dlkit.errors import DlkitError

SOLUTION_TAG = "solution"
EXERCISE_TAG = "exercise"
BEGIN = "# BEGIN SOLUTION"
END = "# END SOLUTION"
STUB = re.compile(r"^(\s*)# STUB:\s*(.*)$")
# nbval's markers tell the test suite which outputs to compare; they mean nothing to a student.
NBVAL_MARKER = re.compile(r"^\s*# NBVAL_[A-Z_]+\s*\n?", re.MULTILINE)
# A Colab badge that opens anything but a release's student copies (``/blob/v1.2.3-student/``)
# could open the instructor's version, solutions included.
OTHER_COLAB_BADGE = re.compile(r"^\[!\[Open In Colab\]\((?!.*/blob/v[^/]+-student/).*\n?", re.MULTILINE)


class SolutionMarkupError(DlkitError):
    """A lab's solution markers are missing, unbalanced or outside a tagged cell."""


def student_source(source: str, where: str = "cell") -> str:
    """``source`` with its solution blocks removed and its stubs uncommented."""
    kept, inside, blocks = [], False, 0
    for number, line in enumerate(source.splitlines(), start=1):
        marker = line.strip()
        if marker == BEGIN:
            if inside:
                raise SolutionMarkupError(f"{where}, line {number}: {BEGIN} inside another solution")
            inside, blocks = True, blocks + 1
        elif marker == END:
            if not inside:
                raise SolutionMarkupError(f"{where}, line {number}: {END} without {BEGIN}")
            inside = False
        elif not inside:
            stub = STUB.match(line)
            kept.append(stub.group(1) + stub.group(2) if stub else line)
    if inside:
        raise SolutionMarkupError(f"{where}: {BEGIN} is never closed by {END}")
    if not blocks:
        raise SolutionMarkupError(f"{where} is tagged '{SOLUTION_TAG}' but has no {BEGIN} ... {END} block")
    return "\n".join(kept)


def _has_markers(source: str) -> bool:
    return any(line.strip() in (BEGIN, END) or STUB.match(line) for line in source.splitlines())


def student_notebook(notebook, name: str = "notebook", repository: str | None = None,
                     release: str | None = None, keep_outputs: bool = False):
    """A student copy of ``notebook`` (an nbformat node); the original is left untouched. Its install
    cell installs ``release`` from ``repository`` (default: the installed dlkit's). With
    ``keep_outputs`` (an executed lab for the course site) every output stays but a solution cell's,
    which could show the answer."""
    from dlkit.instructor.publish import with_install_cell

    student = copy.deepcopy(notebook)
    exercises = 0
    for number, cell in enumerate(student.cells):
        tags = cell.get("metadata", {}).get("tags", [])
        where = f"{name}, cell {number}"
        solution = SOLUTION_TAG in tags
        if solution:
            cell.source = student_source(cell.source, where)
            cell.metadata["tags"] = [EXERCISE_TAG if tag == SOLUTION_TAG else tag for tag in tags]
            exercises += 1
        elif _has_markers(cell.source):
            raise SolutionMarkupError(f"{where} has solution markers but no '{SOLUTION_TAG}' tag")
        if cell.cell_type == "code":
            if solution or not keep_outputs:
                cell.outputs, cell.execution_count = [], None
            cell.source = NBVAL_MARKER.sub("", cell.source)
        elif cell.cell_type == "markdown":
            cell.source = OTHER_COLAB_BADGE.sub("", cell.source)
    student.metadata.setdefault("dlkit", {})["student_copy"] = {"exercises": exercises}
    return with_install_cell(student, repository, release)


def write_student_copies(labs: list[Path], out: Path, repository: str | None = None,
                         release: str | None = None) -> list[Path]:
    """Write a student copy of each lab into ``out`` under the lab's own file name (its install
    cell installing ``release`` from ``repository``; default: the installed dlkit's).

    Every lab is converted before anything is written, so a markup error leaves ``out`` as it was.
    """
    import nbformat

    if any(lab.resolve().parent == out.resolve() for lab in labs):
        raise DlkitError(f"{out} holds the labs themselves; choose another --out folder")
    copies = {lab.name: student_notebook(nbformat.read(lab, as_version=4), lab.name, repository, release)
              for lab in labs}
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for filename, notebook in copies.items():
        nbformat.write(notebook, out / filename)
        written.append(out / filename)
    return written
