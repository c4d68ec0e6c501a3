"""Lab 04's lesson cells, run on the state a lab 04 run leaves behind: the comparison with lab 03's
network from scratch holds where it holds and fails the lab where it does not, and where lab 03
has not run in this profile the lab still asserts against chance, saying so. Their code is read
from the lab itself, so what is tested is what students run."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

LAB = Path(__file__).resolve().parents[1] / "labs" / "04_transfer_learning_vgg16.ipynb"
FEATURES = "# The lesson: ImageNet's features against lab 03's network from scratch"
EVERY_WAY = "# Every way of using the pretrained network beats learning to see from scratch"


def cell(mark: str) -> str:
    cells = [cell.source for cell in nbformat.read(LAB, as_version=4).cells
             if cell.cell_type == "code" and cell.source.startswith(mark)]
    assert len(cells) == 1, f"lab 04 should have one cell starting with {mark!r}"
    return cells[0]


def run(mark: str, namespace: dict) -> list[str]:
    printed = []
    namespace = {**namespace, "print": lambda *parts: printed.append(" ".join(map(str, parts)))}
    exec(compile(cell(mark), str(LAB), "exec"), namespace)
    return printed, namespace


def lab_state(scratch_validation, features_validation=0.9458, others=(0.8625, 0.8958)):
    lab03 = [("lab 03 from scratch", None if scratch_validation is None else
              {"val_accuracy": [0.2, scratch_validation]}), ("lab 03 augmentation + dropout", None)]
    names = ["feature extraction + augmentation", "fine-tuning the last block"]
    results = {"feature extraction": {"validation": features_validation},
               **{name: {"validation": value} for name, value in zip(names, others, strict=True)}}
    return {"lab03": lab03, "results": results, "pony_names": list("abcdef"), "BASE": "efficientnet_lite0",
            "BASES": {"efficientnet_lite0": type("Base", (), {"title": "EfficientNet-Lite0"})}}


def test_with_lab_03_run_the_lesson_is_measured_against_its_network_from_scratch():
    printed, state = run(FEATURES, lab_state(scratch_validation=0.4000))
    assert printed == ["Validation accuracy: EfficientNet-Lite0 features 0.9458, lab 03 from scratch 0.4000",
                       "Lesson measured: feature extraction beats the network trained from scratch"]
    printed, _ = run(EVERY_WAY, state)
    assert printed == [
        "Lesson measured: all three approaches beat lab 03 from scratch (0.4000) on validation"
    ]


def test_pretrained_features_that_do_not_beat_the_network_from_scratch_fail_the_lab():
    with pytest.raises(AssertionError, match="ImageNet's features should beat"):
        run(FEATURES, lab_state(scratch_validation=0.52, features_validation=0.45))


def test_an_approach_that_falls_below_the_network_from_scratch_fails_the_lab():
    _, state = run(FEATURES, lab_state(scratch_validation=0.52, others=(0.50, 0.90)))
    with pytest.raises(AssertionError, match="feature extraction \\+ augmentation: 0.5000, not above lab 03"):
        run(EVERY_WAY, state)


def test_without_lab_03_in_this_profile_the_lab_compares_with_chance_and_says_so():
    printed, _ = run(FEATURES, lab_state(scratch_validation=None))
    assert "chance (0.17) + 25 points (run lab 03 first to compare with it) 0.4167" in printed[0]
    with pytest.raises(AssertionError):
        run(FEATURES, lab_state(scratch_validation=None, features_validation=0.40))
