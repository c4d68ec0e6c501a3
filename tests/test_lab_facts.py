"""What each lab declares in its metadata is what its code does, and the tools read only that:
a lab that saves a history says so, a lab that loads one waits for the lab that saves it, a lab
that needs the deploy extra installs it, a lab that chooses its precision calls pick_runtime."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

from dlkit.course.lab_facts import course_order, read_lab_facts
from dlkit.errors import DlkitError

ROOT = Path(__file__).resolve().parents[1]
LABS = sorted((ROOT / "labs").glob("[0-9][0-9]_*.ipynb"))


def code_of(lab: Path) -> str:
    cells = nbformat.read(lab, as_version=4).cells
    return "\n".join(cell.source for cell in cells if cell.cell_type == "code")


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.stem)
def test_each_lab_declares_what_its_code_saves_loads_and_installs(lab):
    facts, code = read_lab_facts(lab), code_of(lab)
    assert set(facts.saves) == set(re.findall(r"save_history\(\"(\w+)\"", code))
    assert set(facts.loads) <= set(re.findall(r"\"(lab\d\d_\w+)\"", code)) and (
        bool(facts.loads) == ("load_history(" in code)
    )
    # the deploy extra where the lab runs what it brings (LiteRT, ONNX Runtime, FastAPI): its
    # published copy then installs it (dlkit.instructor.publish)
    deploy_calls = r"\b(export_model|load_predictor|start_service|load_class_drawings)\("
    runs_deploy = bool(re.search(deploy_calls, code))
    assert ("deploy" in facts.extras) == runs_deploy
    chooses = re.search(r"pick_runtime\((?![^)]*(mixed_precision=False|cpu_bfloat16=False))", code)
    assert facts.chooses_precision == bool(chooses)
    assert facts.lesson, "every lab names its lesson (the demo prints it beside a quick run)"


def test_every_history_a_lab_loads_is_saved_by_an_earlier_lab():
    facts = [read_lab_facts(lab) for lab in LABS]
    waits = course_order(facts)
    for lab in facts:
        assert len(waits[lab.name]) == (1 if lab.loads else 0), (lab.name, waits[lab.name])
        assert all(earlier < lab.name for earlier in waits[lab.name])
    assert waits["04_transfer_learning_vgg16"] == ["03_pony_classifier"]


def write_lab(path: Path, declared) -> Path:
    path.write_text(json.dumps({"cells": [], "metadata": {"dlkit": declared}, "nbformat": 4,
                                "nbformat_minor": 5}))
    return path


def test_a_lab_that_declares_nothing_needs_nothing(tmp_path):
    path = tmp_path / "08_new.ipynb"
    path.write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    facts = read_lab_facts(path)
    assert (facts.saves, facts.extras, facts.chooses_precision, facts.quick_profile_shows_lesson) == (
        (), (), False, True
    )


@pytest.mark.parametrize(
    ("declared", "says"),
    [
        ({"save": ["x"]}, "unknown fields ['save']"),
        ({"saves": "lab03_curve"}, "'saves'] must be a list of names"),
        (["saves"], "unknown fields"),
    ],
)
def test_a_wrong_declaration_is_refused_naming_the_notebook(tmp_path, declared, says):
    path = write_lab(tmp_path / "08_new.ipynb", declared)
    with pytest.raises(DlkitError, match=re.escape(says)) as refused:
        read_lab_facts(path)
    assert "08_new.ipynb" in str(refused.value)


def test_labs_that_wait_for_each_other_in_a_circle_are_refused(tmp_path):
    first = read_lab_facts(write_lab(tmp_path / "01_a.ipynb", {"saves": ["a"], "loads": ["b"]}))
    second = read_lab_facts(write_lab(tmp_path / "02_b.ipynb", {"saves": ["b"], "loads": ["a"]}))
    with pytest.raises(DlkitError, match="form a circle"):
        course_order([first, second])


def test_a_notebook_that_is_not_json_is_named(tmp_path):
    path = tmp_path / "08_broken.ipynb"
    path.write_text("{ not json")
    with pytest.raises(DlkitError, match="08_broken.ipynb: not a readable notebook"):
        read_lab_facts(path)
