"""Grades where they are kept: the files Canvas's and Moodle's gradebooks import.

The student's id on the platform comes from the file name the platform gave the submission
(``submissions.student_of``), so these files are written only for the submissions that came from
that platform's download:

- ``canvas-grades.csv`` — Canvas's gradebook import (Grades > Import): the columns of Canvas's own
  export, ``Student, ID, SIS User ID, SIS Login ID, Section``, then one column for the lab,
  and a ``Points Possible`` row under the header. Canvas matches each row by ``ID`` (the Canvas
  user id in ``smithjane_4242_99381_lab00.ipynb``). The lab's column is named after the lab: Canvas
  creates that assignment on import; to fill an existing assignment instead, rename the column to
  its name as Canvas's export writes it (``Lab 0 (123456)``).
- ``moodle-grading-worksheet.csv`` — a Moodle assignment's offline grading worksheet
  (Assignment > Upload grading worksheet, with "offline grading worksheet" feedback on), in the
  columns of the worksheet Moodle hands out: ``Identifier`` (``Participant 4242``, from
  ``Jane Smith_4242_assignsubmission_file_``), ``Full name``, ``Status``, ``Grade``,
  ``Maximum Grade``, ``Grade can be changed``, ``Last modified (submission)``,
  ``Last modified (grade)`` and ``Feedback comments``. Moodle reads ``Identifier``, ``Grade`` and
  ``Last modified (grade)`` (all three must be there) and the feedback column; it skips a grade
  above the assignment's maximum, so set that to the lab's number of exercises (or scale).

A grade is the lab's total points; the feedback is the status and each exercise's points.
Superseded files are left out (the newer file's row counts).
"""

from __future__ import annotations

import csv
import io
import os
import time
from pathlib import Path, PurePosixPath

from dlkit.instructor.grading.gradebook import spreadsheet_safe
from dlkit.instructor.grading.records import GradeResult
from dlkit.instructor.grading.submissions import CANVAS, MOODLE, student_of

__all__ = [
    "CANVAS_FILE", "CANVAS_HEADER", "MOODLE_FILE", "MOODLE_HEADER", "MOODLE_PARTICIPANT", "platform_of",
    "write_lms_files",
]

CANVAS_FILE = "canvas-grades.csv"
MOODLE_FILE = "moodle-grading-worksheet.csv"
CANVAS_HEADER = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
CANVAS_POINTS_ROW = "    Points Possible"  # as Canvas's own export writes it
MOODLE_HEADER = ("Identifier", "Full name", "Status", "Grade", "Maximum Grade", "Grade can be changed",
                 "Last modified (submission)", "Last modified (grade)", "Feedback comments")
MOODLE_PARTICIPANT = "Participant "  # Moodle's "hiddenuser" string, before the participant's id
MOODLE_TIME = "%A, %d %B %Y, %I:%M %p"  # how Moodle's worksheet writes times (PHP's strtotime reads it)


def platform_of(file: str) -> tuple[str, str, str]:
    """("canvas" | "moodle" | "", the student's name there, their id there) for a submitted file."""
    path = PurePosixPath(file)
    name, platform_id = student_of(path)
    if not platform_id:
        return "", name, ""
    if any(MOODLE.match(part) for part in path.parts):
        return "moodle", name, platform_id
    if CANVAS.match(path.name) or any(CANVAS.match(part) for part in path.parts):
        return "canvas", name, platform_id
    return "", name, platform_id


def _feedback(row: GradeResult, max_total: int) -> str:
    points = ", ".join(f"{score.checker} {score.points}" for score in row.exercises)
    return f"dlkit: {row.total}/{max_total} ({row.status}{'; ' + points if points else ''})"


def write_lms_files(out: Path, lab: str, rows: list[GradeResult], max_total: int) -> dict[str, int]:
    """Write the Canvas and Moodle files for ``rows`` into ``out`` (each only when some submission
    came from that platform), atomically; returns how many students each holds."""
    by_platform: dict[str, list[tuple[str, str, GradeResult]]] = {"canvas": [], "moodle": []}
    for row in rows:
        if row.status == "superseded":
            continue
        platform, name, platform_id = platform_of(row.file)
        if platform:
            by_platform[platform].append((name, platform_id, row))
    written = {}
    if by_platform["canvas"]:
        lines = [[*CANVAS_HEADER, lab], [CANVAS_POINTS_ROW, "", "", "", "", max_total]]
        lines += [[spreadsheet_safe(name), platform_id, "", "", "", row.total]
                  for name, platform_id, row in by_platform["canvas"]]
        _write(out / CANVAS_FILE, lines)
        written[CANVAS_FILE] = len(by_platform["canvas"])
    if by_platform["moodle"]:
        now = time.strftime(MOODLE_TIME)
        lines = [list(MOODLE_HEADER)]
        lines += [[f"{MOODLE_PARTICIPANT}{platform_id}", spreadsheet_safe(name), _moodle_status(row),
                   row.total, max_total, "Yes", "-", now, spreadsheet_safe(_feedback(row, max_total))]
                  for name, platform_id, row in by_platform["moodle"]]
        _write(out / MOODLE_FILE, lines)
        written[MOODLE_FILE] = len(by_platform["moodle"])
    return written


def _moodle_status(row: GradeResult) -> str:
    graded = row.status not in ("unreadable", "no-notebook")
    return "Graded by dlkit" if graded else f"Not graded: {row.status}"


def _write(path: Path, lines: list[list]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(lines)
    temporary = path.with_suffix(".csv.part")
    temporary.write_text(buffer.getvalue(), encoding="utf-8", newline="")
    os.replace(temporary, path)

