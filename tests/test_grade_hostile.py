"""`dlkit grade` on a class of messy and hostile notebooks: each gets its own row with a clear status
and reason, none stops the others, none scores what it did not earn, none reaches outside its own
folder. One grading run per sandbox (two kernels at a time, real kernels in bubblewrap, then each in
a Podman or Docker container) serves every test here."""

from __future__ import annotations

import csv
import hashlib
import http.server
import sqlite3
import threading
import uuid
from pathlib import Path

import pytest

from dlkit.instructor.grading.grader import grade_class
from dlkit.instructor.grading.options import GradeOptions, Limits
from grading_notebooks import (  # tests/ is on pytest's pythonpath
    LAB_00,
    RIGHT_CONVOLUTION,
    RIGHT_POOLING,
    SETUP,
    STUB_POOLING,
    WRONG_CONVOLUTION,
    colab,
    notebook,
    sandbox_or_skip,
    version_3,
    write,
)

pytestmark = pytest.mark.notebooks  # every test here runs students' notebooks in real kernels

ESCAPE_MARK = f"dlkit-grade-escape-{uuid.uuid4().hex}"


class CountingHandler(http.server.BaseHTTPRequestHandler):
    requests = 0

    def do_GET(self):  # noqa: N802 - http.server's name
        CountingHandler.requests += 1
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"reached")

    def log_message(self, *args):
        pass


def hash_tree(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module", params=["bubblewrap", "container"])
def graded(tmp_path_factory, request):
    sandboxed = sandbox_or_skip(request.param)
    CountingHandler.requests = 0
    root = tmp_path_factory.mktemp("class")
    submissions, out = root / "submissions", root / "gradebook"
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), CountingHandler)
    threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
    port = server.server_address[1]
    home_target = Path.home() / ESCAPE_MARK
    secret = write(
        submissions / "secret_sam" / "lab00.ipynb", notebook(SETUP, RIGHT_CONVOLUTION, RIGHT_POOLING)
    )
    both = (SETUP, RIGHT_CONVOLUTION, RIGHT_POOLING)
    cases = {
        "right": notebook(*both),
        "wrong": notebook(SETUP, WRONG_CONVOLUTION, STUB_POOLING),
        "deleted": notebook(SETUP, RIGHT_POOLING),
        "renamed": notebook(
            SETUP, RIGHT_CONVOLUTION.replace("my_conv2d_valid", "my_convolution"), RIGHT_POOLING
        ),
        "raises": notebook(SETUP, RIGHT_CONVOLUTION, "undefined_name + 1", RIGHT_POOLING),
        "loops": notebook(SETUP, RIGHT_CONVOLUTION, "while True:\n    pass", RIGHT_POOLING),
        "exits": notebook(SETUP, RIGHT_CONVOLUTION, "import os\nos._exit(3)", RIGHT_POOLING),
        "segfaults": notebook(SETUP, RIGHT_CONVOLUTION, "import ctypes\nctypes.string_at(0)", RIGHT_POOLING),
        "hog": notebook(
            SETUP,
            RIGHT_CONVOLUTION,
            "chunks = []\nwhile True:\n    chunks.append(np.ones(25_000_000))",
            RIGHT_POOLING,
        ),
        "fake_pass": notebook(
            SETUP,
            WRONG_CONVOLUTION,
            'print("✅ Passed: your convolution matches")',
            outputs=[
                {
                    "output_type": "stream",
                    "name": "stdout",
                    "text": ["✅ Passed: your convolution matches the deck\n"],
                }
            ],
        ),
        "patches_check": notebook(
            SETUP,
            "import sys, types\nimport dlkit.course.check as real\n"
            "from dlkit.course.check import verdict\n"
            "verdict.safe_judge = lambda judge, *a, **k: verdict.Verdict(True, 'fine')\n"
            "real.conv2d_valid.judge = lambda *a, **k: verdict.Verdict(True, 'fine')\n"
            "fake = types.ModuleType('dlkit.course.check')\n"
            "fake.conv2d_valid = fake.max_pool = lambda f: print('✅ Passed')\n"
            "sys.modules['dlkit.course.check'] = fake\ncheck = fake",
            WRONG_CONVOLUTION,
            STUB_POOLING,
        ),
        "snoops": notebook(
            SETUP, f"stolen = open({str(secret)!r}).read()\n" + RIGHT_CONVOLUTION, RIGHT_POOLING
        ),
        "escapes": notebook(
            SETUP,
            f"open({str(home_target)!r}, 'w').write('x')",
            f"open({str(submissions / 'right' / 'lab00.ipynb')!r}, 'w').write('{{}}')",
            f"open({str(out / 'gradebook.csv')!r}, 'w').write('forged')",
            "import os\nopen(os.path.expanduser('~/.bashrc'), 'a').write('echo hi')",
            RIGHT_CONVOLUTION,
            RIGHT_POOLING,
        ),
        "phones_home": notebook(
            SETUP,
            f"import urllib.request\nurllib.request.urlopen('http://127.0.0.1:{port}/', timeout=5).read()",
            RIGHT_CONVOLUTION,
            RIGHT_POOLING,
        ),
        "no_code": {"nbformat": 4, "nbformat_minor": 5, "metadata": {},  # every cell markdown
                    "cells": [{"cell_type": "markdown", "metadata": {}, "source": "I ran out of time."}]},
        "version_3": version_3(*both),
        "newer_minor": notebook(*both, nbformat_minor=99),
        "colab": colab(*both),
        "jupyterlab": notebook(
            *both,
            metadata={
                "kernelspec": {"name": "conda-env-dl-py", "display_name": "Python [conda env:dl]"},
                "language_info": {"name": "python", "version": "3.12.4"},
                "widgets": {"application/vnd.jupyter.widget-state+json": {"state": {}}},
            },
        ),
    }
    for name, content in cases.items():
        write(submissions / name / "lab00.ipynb", content)
    newer_major = notebook(*both)
    newer_major["nbformat"] = 5
    write(submissions / "newer_major" / "lab00.ipynb", newer_major)
    write(submissions / "broken_json" / "lab00.ipynb", '{"cells": [{"cell_type": "code", "source": "x = ')
    write(submissions / "not_a_notebook" / "lab00.ipynb", '{"name": "my lab", "answers": [1, 2]}')
    before = hash_tree(submissions)
    # 0.6 GiB: four times a kernel's own size here (about 150 MB with numpy and the checker), and
    # little enough for the hog to pass within its cell's 8 seconds on a loaded machine (at 1.5 GiB
    # it sometimes did not: filling that much memory took over 8 s with CI's other work beside it)
    limits = Limits(cell_seconds=8, submission_seconds=120, memory_bytes=int(0.6 * 1024**3))
    rows = grade_class(
        LAB_00, submissions, out, GradeOptions(jobs=2, limits=limits, sandbox=request.param),
        progress=lambda line: None,
    )
    server.shutdown()
    yield {
        "rows": {row.student: row for row in rows},
        "out": out,
        "submissions": submissions,
        "before": before,
        "home_target": home_target,
        "sandboxed": sandboxed,
    }
    home_target.unlink(missing_ok=True)


def points(row) -> dict[str, int]:
    return {score.checker: score.points for score in row.exercises}


def message(row, checker: str) -> str:
    return next(score.message for score in row.exercises if score.checker == checker)


def test_every_submission_has_its_row_and_the_csv_and_database_agree(graded):
    with open(graded["out"] / "gradebook.csv", encoding="utf-8") as file:
        table = list(csv.DictReader(file))
    assert {row["student"] for row in table} == set(graded["rows"])
    assert list(table[0]) == [
        "student",
        "file",
        "status",
        "conv2d_valid",
        "max_pool",
        "total",
        "max_total",
        "sandboxed",
    ]
    with sqlite3.connect(graded["out"] / "gradebook.sqlite") as database:
        stored = dict(
            database.execute(
                "SELECT student, total FROM grades WHERE status != 'unreadable' OR status = 'unreadable'"
            )
        )
        messages = database.execute("SELECT COUNT(*) FROM scores WHERE message != ''").fetchone()[0]
    assert {row["student"]: int(row["total"]) for row in table} == stored
    assert messages == 2 * len(table)
    assert all(row["sandboxed"] == graded["sandboxed"] for row in table if row["status"] != "unreadable")


def test_a_right_notebook_scores_every_exercise(graded):
    row = graded["rows"]["right"]
    assert (row.status, points(row)) == ("ok", {"conv2d_valid": 1, "max_pool": 1})


def test_wrong_and_stub_answers_score_nothing_and_get_the_checkers_hints(graded):
    row = graded["rows"]["wrong"]
    assert row.total == 0
    assert "some numbers are not" in message(row, "conv2d_valid")
    assert "fill in the cell" in message(row, "max_pool")


@pytest.mark.parametrize("student, name", [("deleted", "my_conv2d_valid"), ("renamed", "my_conv2d_valid")])
def test_a_deleted_or_renamed_exercise_scores_zero_saying_what_is_missing(graded, student, name):
    row = graded["rows"][student]
    assert points(row) == {"conv2d_valid": 0, "max_pool": 1}
    assert f"`{name}` is not defined" in message(row, "conv2d_valid")


def test_a_notebook_without_code_scores_zero_saying_each_answer_is_missing(graded):
    row = graded["rows"]["no_code"]
    assert (row.status, row.total) == ("ok", 0)
    assert "`my_conv2d_valid` is not defined" in message(row, "conv2d_valid")
    assert "`my_max_pool` is not defined" in message(row, "max_pool")


def test_a_cell_that_raises_leaves_the_later_exercises_scored(graded):
    row = graded["rows"]["raises"]
    assert row.status == "cell-errors"
    assert "NameError" in row.reason and "undefined_name" in row.reason
    assert row.total == 2


def test_a_cell_that_never_ends_is_interrupted_and_the_rest_still_scores(graded):
    row = graded["rows"]["loops"]
    assert row.status == "timeout"
    assert "8-second limit" in row.reason
    assert row.total == 2


@pytest.mark.parametrize("student", ["exits", "segfaults"])
def test_a_kernel_that_dies_keeps_what_was_scored_before(graded, student):
    row = graded["rows"][student]
    assert row.status == "kernel-died"
    assert "exit status" in row.reason
    assert points(row) == {"conv2d_valid": 1, "max_pool": 0}
    assert "stopped before this exercise" in message(row, "max_pool")


def test_a_memory_hog_is_stopped_at_the_limit(graded):
    row = graded["rows"]["hog"]
    assert row.status == "memory-limit", (row.status, row.reason, row.notes)
    assert "0.6 GiB limit" in row.reason
    assert points(row) == {"conv2d_valid": 1, "max_pool": 0}


@pytest.mark.parametrize("student", ["fake_pass", "patches_check"])
def test_printing_passed_or_patching_the_checker_earns_nothing(graded, student):
    row = graded["rows"][student]
    assert row.total == 0, [score.message for score in row.exercises]


def test_another_students_submission_cannot_be_read(graded):
    row = graded["rows"]["snoops"]
    assert "FileNotFoundError" in row.reason
    assert points(row) == {"conv2d_valid": 0, "max_pool": 1}


def test_nothing_outside_the_submissions_own_folder_is_written(graded):
    row = graded["rows"]["escapes"]
    assert row.total == 2  # the writes went nowhere real; the exercises still ran
    assert not graded["home_target"].exists()
    assert hash_tree(graded["submissions"]) == graded["before"]
    assert (graded["out"] / "gradebook.csv").read_text(encoding="utf-8").startswith("student,")
    assert graded["rows"]["right"].total == 2


def test_the_network_is_refused(graded):
    row = graded["rows"]["phones_home"]
    assert CountingHandler.requests == 0
    assert "URLError" in row.reason
    assert row.total == 2


@pytest.mark.parametrize("student", ["version_3", "newer_minor", "newer_major", "colab", "jupyterlab"])
def test_old_new_colab_and_jupyterlab_notebooks_are_graded(graded, student):
    row = graded["rows"][student]
    assert (row.status, row.total) == ("ok", 2)


def test_a_newer_format_is_read_and_noted(graded):
    assert any("newer than this grader" in note for note in graded["rows"]["newer_major"].notes)


@pytest.mark.parametrize("student, why", [("broken_json", "not valid JSON"), ("not_a_notebook", "no cells")])
def test_a_file_that_is_not_a_notebook_is_listed_unreadable(graded, student, why):
    row = graded["rows"][student]
    assert row.status == "unreadable" and why in row.reason
    page = (graded["out"] / "feedback" / f"{student}.html").read_text(encoding="utf-8")
    assert why in page


def test_feedback_pages_show_hints_never_solutions(graded):
    page = (graded["out"] / "feedback" / "wrong.html").read_text(encoding="utf-8")
    assert "some numbers are not" in page and "0 / 2" in page
    assert "np.sum(patch" not in page and "def my_" not in page
