"""One grammar names labs in every command: a number, a prefix, a range or a notebook's path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dlkit.errors import DlkitError
from dlkit.instructor.cli import main
from dlkit.instructor.labs import Lab, select_labs


@pytest.fixture
def labs(tmp_path) -> Path:
    folder = tmp_path / "labs"
    folder.mkdir()
    for name in ("00_intro", "01_dense", "02_cnn", "03_ponies", "10_extra"):
        (folder / f"{name}.ipynb").write_text(json.dumps(
            {"cells": [], "metadata": {"dlkit": {"lesson": name}}, "nbformat": 4, "nbformat_minor": 5}))
    (folder / "notes.ipynb").write_text("{}")  # not a lab: no NN_ prefix
    return folder


def names(labs: list[Lab]) -> list[str]:
    return [lab.name for lab in labs]


@pytest.mark.parametrize(
    ("selectors", "chosen"),
    [
        ([], ["00_intro", "01_dense", "02_cnn", "03_ponies", "10_extra"]),
        (["03"], ["03_ponies"]),
        (["3"], ["03_ponies"]),
        (["01_de"], ["01_dense"]),
        (["01-03"], ["01_dense", "02_cnn", "03_ponies"]),
        (["02", "00-01", "02"], ["02_cnn", "00_intro", "01_dense"]),
        (["1"], ["01_dense"]),
        (["10"], ["10_extra"]),
    ],
)
def test_the_grammar(labs, selectors, chosen):
    assert names(select_labs(selectors, labs)) == chosen


def test_a_path_to_a_notebook_elsewhere_is_a_lab(labs, tmp_path):
    other = tmp_path / "09_mine.ipynb"
    other.write_text((labs / "00_intro.ipynb").read_text())
    assert names(select_labs([str(other)], labs)) == ["09_mine"]


def test_a_name_that_matches_nothing_lists_the_labs(labs):
    with pytest.raises(DlkitError, match=r"no lab matches '7' \(labs: 00_intro, 01_dense"):
        select_labs(["7"], labs)


def test_a_lab_reads_what_it_declares_once(labs, monkeypatch):
    import dlkit.instructor.labs as module

    reads = []
    monkeypatch.setattr(module, "read_lab_facts", lambda path: reads.append(path) or "facts")
    lab = select_labs(["02"], labs)[0]
    assert (lab.facts, lab.facts) == ("facts", "facts") and len(reads) == 1


def test_every_command_that_takes_labs_takes_the_same_grammar(labs, tmp_path, capsys):
    assert main(["student-copy", "00-01", "--labs", str(labs), "--out", str(tmp_path / "copies")]) == 0
    copied = sorted(path.name for path in (tmp_path / "copies").iterdir())
    assert copied == ["00_intro.ipynb", "01_dense.ipynb"]
    assert main(["grade", "00-03", str(tmp_path), "--labs", str(labs), "--out", str(tmp_path / "book")]) == 1
    refused = capsys.readouterr().err
    assert "names 4 labs (00_intro, 01_dense, 02_cnn, 03_ponies): grade one at a time" in refused
