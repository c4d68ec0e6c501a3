"""dlkit demo: runs notebooks headless, reads their headline lines, saves notebooks and figures."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from dlkit.instructor.cli import main

pytestmark = pytest.mark.notebooks


def write_notebook(path: Path, *sources: str) -> None:
    nbformat.write(new_notebook(cells=[new_code_cell(s) for s in sources]), path)


def test_demo_runs_each_lab_and_summarises_status_metric_and_outputs(tmp_path, capsys):
    labs = tmp_path / "labs"
    labs.mkdir()
    write_notebook(
        labs / "00_good.ipynb",
        "import os\nprint('profile', os.environ['DLKIT_PROFILE'], 'offline', os.environ['DLKIT_OFFLINE'])",
        "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.show()",
        "print('Test accuracy: 0.9761')",
    )
    write_notebook(labs / "01_broken.ipynb", "raise RuntimeError('the model diverged')")
    (labs / "notes.ipynb").write_text("{}")  # not a lab: no NN_ prefix

    out = tmp_path / "out"
    assert main(["demo", "--labs", str(labs), "--out", str(out)]) == 1
    printed = capsys.readouterr().out

    assert "[1/2] 00_good ..." in printed and "[2/2] 01_broken: failed" in printed
    table = printed[printed.index("lab ") :]
    assert "00_good    ok" in table and "Test accuracy: 0.9761" in table
    assert "RuntimeError: the model diverged" in table
    assert "1 of 2 labs ran cleanly. Failed: 01_broken." in printed

    executed = nbformat.read(out / "00_good" / "00_good.ipynb", as_version=4)
    # A kernel may flush one print in several stream outputs: read what the cell printed, joined.
    stdout = [output for output in executed.cells[0].outputs if output.get("name") == "stdout"]
    printed_by_cell = "".join(output["text"] for output in stdout)
    assert printed_by_cell.strip() == "profile quick offline 1"
    assert len(list((out / "00_good" / "figures").glob("*.png"))) == 1
    assert (out / "01_broken" / "01_broken.ipynb").exists()


def test_demo_without_labs_is_a_clear_error(tmp_path, capsys):
    assert main(["demo", "--labs", str(tmp_path), "--out", str(tmp_path / "out")]) == 1
    assert "no lab notebooks" in capsys.readouterr().err


def test_a_second_demo_into_the_same_folder_is_refused_and_the_first_finishes(tmp_path, capsys):
    """Two runs writing one folder would overwrite each other's files (lab 05's exports): the second
    is refused at once, naming the folder and the run that holds it, and the first is untouched."""
    labs = tmp_path / "labs"
    labs.mkdir()
    release = tmp_path / "release"
    write_notebook(
        labs / "00_slow.ipynb",
        "import pathlib, time\n"
        f"release = pathlib.Path({str(release)!r})\n"
        "deadline = time.monotonic() + 120\n"
        "while not release.exists() and time.monotonic() < deadline:\n"
        "    time.sleep(0.1)\n"
        "print('Test accuracy: 0.5000')",
    )
    out = tmp_path / "out"
    first = subprocess.Popen(
        [sys.executable, "-m", "dlkit.instructor.cli", "demo", "--labs", str(labs), "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        owner = out / ".dlkit-demo.owner"
        deadline = time.monotonic() + 60
        while not owner.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert owner.exists(), "the first run never took the folder"

        assert main(["demo", "--labs", str(labs), "--out", str(out)]) == 1
        error = capsys.readouterr().err
        assert f"another `dlkit demo` is writing to {out.resolve()}" in error
        assert f"pid {first.pid}" in error and "--out FOLDER" in error
    finally:
        release.touch()
        printed, _ = first.communicate(timeout=120)
    assert first.returncode == 0, printed
    assert "1 of 1 labs ran cleanly" in printed
    assert not (out / ".dlkit-demo.owner").exists()

    # The folder is free again once the first run is over.
    assert main(["demo", "--labs", str(labs), "--out", str(out)]) == 0
