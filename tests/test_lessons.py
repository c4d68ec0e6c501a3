"""The quick demo never shows a lesson reversed without a word: where a lab declares that a quick
run is too short for its lesson, the table and the report say so beside the figure and quote the
full profile as last measured, with its date."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dlkit.instructor.cli import main
from dlkit.instructor.lab_costs import LabCost
from dlkit.instructor.lessons import lesson_note

LESSON = "augmentation and dropout gain 10 points or more"


def lab(folder: Path, name: str, shows_lesson: bool, source: str = "print('Test accuracy: 0.3167')") -> Path:
    path = folder / f"{name}.ipynb"
    notebook = {
        "cells": [{"cell_type": "code", "execution_count": None, "id": "c1", "metadata": {}, "outputs": [],
                   "source": source}],
        "metadata": {"dlkit": {"lesson": LESSON, "quick_profile_shows_lesson": shows_lesson},
                     "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(notebook))
    return path


def measured(name: str, note: str = "") -> LabCost:
    return LabCost(name, 160.0, 2e9, 2, "AMD EPYC, 2 cores, 24 GiB", "2026-12-02", note,
                   headlines={"Test accuracy (from scratch)": "0.4861",
                              "Test accuracy (augmentation + dropout)": "0.7389"})


def test_a_quick_run_too_short_for_its_lesson_quotes_the_full_profile_with_its_date(tmp_path):
    note = lesson_note(lab(tmp_path, "03_ponies", False), "quick", [measured("03_ponies")])
    assert note == (
        f"quick run too short for the lesson ({LESSON}); the full profile on 2026-12-02 (AMD EPYC, 2 cores, "
        "24 GiB): Test accuracy (from scratch): 0.4861; Test accuracy (augmentation + dropout): 0.7389"
    )


def test_nothing_is_added_where_the_run_shows_the_lesson_itself(tmp_path):
    assert lesson_note(lab(tmp_path, "03_ponies", False), "full", [measured("03_ponies")]) == ""
    assert lesson_note(lab(tmp_path, "00_decks", True), "quick", [measured("00_decks")]) == ""


def test_a_lab_never_measured_in_the_full_profile_says_how_to_measure_it(tmp_path):
    note = lesson_note(lab(tmp_path, "07_blocks", False), "quick", [])
    assert note.endswith("not measured in the full profile yet (`python benchmarks/labs.py 07`)")


@pytest.mark.notebooks
def test_the_demo_table_marks_the_figure_and_prints_the_note_below(tmp_path, capsys):
    labs = tmp_path / "labs"
    labs.mkdir()
    lab(labs, "03_ponies", False)
    lab(labs, "00_decks", True, "print('Deck numbers reproduced: 14/14')")
    assert main(["demo", "--labs", str(labs), "--out", str(tmp_path / "out"), "--jobs", "1",
                 "--report", str(tmp_path / "report")]) == 0
    printed = capsys.readouterr().out
    [row] = [line for line in printed.splitlines() if line.startswith("03_ponies")]
    assert "Test accuracy: 0.3167 (quick run: see below)" in row
    assert "Not a lesson reversed: these quick runs are too short to show their labs' lessons." in printed
    assert f"  03_ponies: quick run too short for the lesson ({LESSON})" in printed
    assert "00_decks: quick run" not in printed
    page = (tmp_path / "report" / "report.html").read_text()
    assert page.count(f"quick run too short for the lesson ({LESSON})") == 2  # the table, the section
