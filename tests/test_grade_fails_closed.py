"""`dlkit grade` fails closed: without a sandbox it refuses (running unconfined is a choice the
gradebook records), and a student's kernel never outlives its grader, however the grader ends —
killed outright (a closed laptop, a lost SSH session, ``kill -9``) or stopped with Ctrl+C — in every
sandbox. Each test looks for what is left by the processes' command lines, as an instructor would
with ``ps``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from grading_notebooks import LAB_00, SETUP, notebook, sandbox_or_skip, write  # tests/ is on the path

pytestmark = pytest.mark.notebooks  # real kernels

ENDLESS = "while True:\n    pass"


def left_behind(marker: str) -> list[str]:
    """The processes whose command line mentions ``marker`` (the grader's temporary folder)."""
    found = []
    for process in psutil.process_iter(["cmdline", "pid"]):
        command = " ".join(process.info["cmdline"] or ())
        if marker in command and process.pid != os.getpid():
            found.append(f"{process.pid}: {command[:160]}")
    return found


def start_grader(tmp_path: Path, sandbox: str) -> tuple[subprocess.Popen, str]:
    submissions = tmp_path / "submissions"
    write(submissions / "loops" / "lab00.ipynb", notebook(SETUP, ENDLESS))
    scratch = tmp_path / "scratch"  # the grader's temporary folders, and so every kernel's, are here
    scratch.mkdir()
    grader = subprocess.Popen(
        [sys.executable, "-m", "dlkit.instructor.cli", "grade", str(LAB_00), str(submissions),
         "--out", str(tmp_path / "out"), "--sandbox", sandbox, "--timeout", "600"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        env={**os.environ, "TMPDIR": str(scratch)},
    )  # fmt: skip
    return grader, str(scratch)


def wait_for_the_kernel(marker: str, grader: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if any("ipykernel_launcher" in line and "tether" not in line for line in left_behind(marker)):
            time.sleep(3)  # in the endless cell by now
            return
        assert grader.poll() is None, "the grader ended before its kernel started"
        time.sleep(0.3)
    raise AssertionError(f"no kernel started: {left_behind(marker)}")


ENDINGS = {
    "killed (kill -9, a closed laptop)": lambda grader: os.kill(grader.pid, signal.SIGKILL),
    "Ctrl+C in its terminal": lambda grader: os.killpg(grader.pid, signal.SIGINT),
    "its terminal closed (SIGHUP)": lambda grader: os.killpg(grader.pid, signal.SIGHUP),
}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads every process's command line")
@pytest.mark.parametrize("ending", list(ENDINGS))
@pytest.mark.parametrize("sandbox", ["bubblewrap", "container", "none"])
def test_no_kernel_outlives_its_grader(tmp_path, sandbox, ending):
    if sandbox != "none":
        sandbox_or_skip(sandbox)
    grader, marker = start_grader(tmp_path, sandbox)
    try:
        wait_for_the_kernel(marker, grader)
        ENDINGS[ending](grader)
        grader.wait(timeout=30)
        deadline = time.monotonic() + 20
        while left_behind(marker) and time.monotonic() < deadline:
            time.sleep(0.25)
        assert left_behind(marker) == []
        while list(Path(marker).glob("dlkit-grade-*")) and time.monotonic() < deadline:
            time.sleep(0.25)
        assert list(Path(marker).glob("dlkit-grade-*")) == []  # no copy of the student's work stays
        if sandbox == "container":
            runtime = sandbox_or_skip("container")
            names = subprocess.run([runtime, "ps", "--all", "--format", "{{.Names}}"], capture_output=True,
                                   text=True, timeout=60).stdout
            assert "dlkit-grade-" not in names
    finally:
        for line in left_behind(marker):  # never leave a spinning kernel behind a failed test
            os.kill(int(line.split(":")[0]), signal.SIGKILL)
        if grader.poll() is None:
            os.killpg(grader.pid, signal.SIGKILL)


def test_without_a_sandbox_grading_is_refused_with_the_way_to_get_one(tmp_path):
    submissions = tmp_path / "submissions"
    write(submissions / "ann" / "lab00.ipynb", notebook(SETUP))
    bare = tmp_path / "bin"  # a PATH with this Python and nothing else: no bwrap, podman or docker
    bare.mkdir()
    (bare / "python").symlink_to(sys.executable)
    refused = subprocess.run(
        [sys.executable, "-m", "dlkit.instructor.cli", "grade", str(LAB_00), str(submissions),
         "--out", str(tmp_path / "out")], capture_output=True, text=True, timeout=120,
        env={**os.environ, "PATH": str(bare)},
    )  # fmt: skip
    assert refused.returncode != 0
    said = refused.stderr + refused.stdout
    assert "no sandbox to grade in" in said and "apt-get install bubblewrap" in said
    assert "--sandbox none" in said and "Traceback" not in said
    assert not (tmp_path / "out" / "gradebook.csv").exists()


@pytest.mark.parametrize("sandbox", ["bubblewrap", "none"])
def test_a_deep_temporary_folder_still_grades(tmp_path, sandbox):
    """A kernel's Unix sockets have a 107-byte address: a deep $TMPDIR (CI's is) once made every
    submission a grader error, which the summary then counted as full marks."""
    import csv

    from grading_notebooks import RIGHT_CONVOLUTION, RIGHT_POOLING

    if sandbox != "none":
        sandbox_or_skip(sandbox)
    submissions = tmp_path / "submissions"
    write(submissions / "ann" / "lab00.ipynb", notebook(SETUP, RIGHT_CONVOLUTION, RIGHT_POOLING))
    deep = tmp_path / ("a-temporary-folder-nested-deeply-" * 3) / "as-a-ci-machine-makes-it"
    deep.mkdir(parents=True)
    sockets_before = set(Path("/tmp").glob("dlkit-ipc-*"))
    graded = subprocess.run(
        [sys.executable, "-m", "dlkit.instructor.cli", "grade", str(LAB_00), str(submissions),
         "--out", str(tmp_path / "out"), "--sandbox", sandbox], capture_output=True, text=True, timeout=300,
        env={**os.environ, "TMPDIR": str(deep)},
    )  # fmt: skip
    assert graded.returncode == 0, graded.stderr[-2000:]
    with open(tmp_path / "out" / "gradebook.csv", encoding="utf-8") as book:
        row = next(csv.DictReader(book))
    assert (row["status"], row["total"]) == ("ok", "2"), row
    assert set(Path("/tmp").glob("dlkit-ipc-*")) <= sockets_before  # the short folder went with its run


def test_a_grader_error_is_no_full_mark_and_fails_the_command(tmp_path, monkeypatch, capsys):
    from dlkit.instructor.cli import main
    from dlkit.instructor.grading import grader
    from dlkit.instructor.grading.records import GradeResult

    submissions = tmp_path / "submissions"
    write(submissions / "ann" / "lab00.ipynb", notebook(SETUP))
    failed = GradeResult("ann", "ann/lab00.ipynb", "0" * 64, "grader-error", "OSError: disk full")
    monkeypatch.setattr(grader, "grade_class", lambda *args, **kwargs: [failed])
    code = main(["grade", str(LAB_00), str(submissions), "--out", str(tmp_path / "out"), "--sandbox", "none"])
    said = capsys.readouterr()
    assert code == 1
    assert "0 with every exercise passed" in said.out
    assert "the grader failed on 1 notebook(s) (ann)" in said.err
