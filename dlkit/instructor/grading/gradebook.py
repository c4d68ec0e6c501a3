"""The gradebook: SQLite is the record (it survives an interrupted run), the CSV is written from it.

``gradebook.sqlite`` holds one ``runs`` row per grading run, one ``grades`` row per graded
submission (its student, file, hash, status, reason, total, sandbox and time) and one ``scores``
row per exercise of it with the checker's message. Each submission's grade is committed as soon
as it is known, so a run stopped halfway keeps every grade it finished; the next run finds them by
the submission's hash and grades only what is new or changed.

``gradebook.csv`` (rewritten, atomically, after every grade) has one row per submitted file:
``student, file, status``, one column per exercise named after its checker with its points (1 or
0), ``total``, ``max_total``, ``sandboxed``. A name or path that a spreadsheet would run as a
formula (a student's folder named ``=HYPERLINK(...)``) is written with a leading ``'``, as OWASP
advises for CSV files; the database keeps it as it was.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import time
from pathlib import Path

from dlkit.errors import DlkitError
from dlkit.instructor.grading.records import ExerciseResult, GradeResult

__all__ = ["Gradebook"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY, lab TEXT NOT NULL, started TEXT NOT NULL, finished TEXT,
    options TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS grades (
    id INTEGER PRIMARY KEY, run INTEGER NOT NULL REFERENCES runs(id), lab TEXT NOT NULL,
    student TEXT NOT NULL, file TEXT NOT NULL, sha256 TEXT NOT NULL, status TEXT NOT NULL,
    reason TEXT NOT NULL, total INTEGER NOT NULL, max_total INTEGER NOT NULL,
    sandboxed TEXT NOT NULL, notes TEXT NOT NULL, seconds REAL NOT NULL, graded_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS grades_by_submission ON grades (lab, student, sha256);
CREATE TABLE IF NOT EXISTS scores (
    grade INTEGER NOT NULL REFERENCES grades(id), checker TEXT NOT NULL, points INTEGER NOT NULL,
    message TEXT NOT NULL
);
"""


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what Excel, LibreOffice and Sheets read as a formula


def spreadsheet_safe(text: str) -> str:
    """``text`` as a CSV cell no spreadsheet runs as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


class Gradebook:
    """The gradebook of one lab in folder ``out`` (created if needed)."""

    def __init__(self, out: Path, lab: str, checkers: list[str]):
        self.out, self.lab, self.checkers = Path(out), lab, checkers
        self.out.mkdir(parents=True, exist_ok=True)
        self.database = sqlite3.connect(self.out / "gradebook.sqlite")
        self.database.executescript(SCHEMA)
        other = self.database.execute("SELECT DISTINCT lab FROM runs WHERE lab != ?", (lab,)).fetchone()
        if other:
            raise DlkitError(f"{self.out} holds the gradebook of {other[0]}: grade {lab} into another "
                             "folder (--out)")
        self.run_id: int | None = None

    def start_run(self, options: dict) -> None:
        cursor = self.database.execute("INSERT INTO runs (lab, started, options) VALUES (?, ?, ?)",
                                       (self.lab, _now(), json.dumps(options, sort_keys=True)))
        self.database.commit()
        self.run_id = cursor.lastrowid

    def finish_run(self) -> None:
        self.database.execute("UPDATE runs SET finished = ? WHERE id = ?", (_now(), self.run_id))
        self.database.commit()

    def latest(self, student: str, sha256: str) -> GradeResult | None:
        """The newest stored grade of this student for exactly these bytes, or None. A grader's
        own failure is never reused: the next run tries that notebook again."""
        row = self.database.execute(
            "SELECT id, file, status, reason, sandboxed, notes, seconds FROM grades "
            "WHERE lab = ? AND student = ? AND sha256 = ? AND status != 'grader-error' "
            "ORDER BY id DESC LIMIT 1",
            (self.lab, student, sha256)).fetchone()
        if row is None:
            return None
        grade_id, file, status, reason, sandboxed, notes, seconds = row
        scores = [ExerciseResult(*score) for score in self.database.execute(
            "SELECT checker, points, message FROM scores WHERE grade = ? ORDER BY rowid", (grade_id,))]
        return GradeResult(student, file, sha256, status, reason, scores, sandboxed, seconds,
                           json.loads(notes))

    def record(self, result: GradeResult) -> None:
        """Store ``result`` for good (committed before this returns)."""
        with self.database:
            cursor = self.database.execute(
                "INSERT INTO grades (run, lab, student, file, sha256, status, reason, total, max_total, "
                "sandboxed, notes, seconds, graded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (self.run_id, self.lab, result.student, result.file, result.sha256, result.status,
                 result.reason, result.total, len(self.checkers), result.sandboxed,
                 json.dumps(result.notes), result.seconds, _now()))
            self.database.executemany(
                "INSERT INTO scores (grade, checker, points, message) VALUES (?, ?, ?, ?)",
                [(cursor.lastrowid, score.checker, score.points, score.message)
                 for score in result.exercises])

    def write_csv(self, rows: list[GradeResult]) -> Path:
        """``gradebook.csv`` for ``rows`` (in their order), replaced atomically."""
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["student", "file", "status", *self.checkers, "total", "max_total", "sandboxed"])
        for row in rows:
            points = {score.checker: score.points for score in row.exercises}
            writer.writerow([spreadsheet_safe(row.student), spreadsheet_safe(row.file), row.status,
                             *(points.get(checker, 0) for checker in self.checkers),
                             row.total, len(self.checkers), row.sandboxed])
        path = self.out / "gradebook.csv"
        temporary = path.with_suffix(".csv.part")
        temporary.write_text(buffer.getvalue(), encoding="utf-8", newline="")
        os.replace(temporary, path)
        return path

    def close(self) -> None:
        self.database.close()
