"""Lab 04's lesson check, run with stand-ins: no machine here has VGG16's ImageNet weights, so the
cell that asserts "feature extraction beats lab 03's network from scratch" where they are present
(Colab, or after `dlkit fetch vgg16`) is executed here with the values such a run would leave
behind. Its code is read from the lab itself, so what is tested is what students run."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

LAB = Path(__file__).resolve().parents[1] / "labs" / "04_transfer_learning_vgg16.ipynb"
MARK = "# The lesson, where it can be measured"


def lesson_cell() -> str:
    cells = [cell.source for cell in nbformat.read(LAB, as_version=4).cells
             if cell.cell_type == "code" and cell.source.startswith(MARK)]
    assert len(cells) == 1, f"lab 04 should have one cell starting with {MARK!r}"
    return cells[0]


def run_lesson(weights, quick, features_validation, scratch_validation):
    """The lesson cell's printed lines, run on the state a lab 04 run would leave behind."""
    printed = []
    lab03 = [("lab 03 from scratch", None if scratch_validation is None else
              {"val_accuracy": [0.2, scratch_validation]}), ("lab 03 augmentation + dropout", None)]
    namespace = {
        "WEIGHTS": weights,
        "profile": SimpleNamespace(quick=quick),
        "results": {"feature extraction": {"validation": features_validation}},
        "lab03": lab03,
        "print": lambda *parts: printed.append(" ".join(map(str, parts))),
    }
    exec(compile(lesson_cell(), str(LAB), "exec"), namespace)
    return printed


def test_with_imagenet_weights_in_the_full_profile_the_lesson_is_measured_and_holds():
    printed = run_lesson("imagenet", quick=False, features_validation=0.9125, scratch_validation=0.5208)
    assert printed == ["Validation accuracy: VGG16 features 0.9125, lab 03 from scratch 0.5208",
                       "Lesson measured: feature extraction beats the network trained from scratch"]


def test_pretrained_features_that_do_not_beat_the_network_from_scratch_fail_the_lab():
    with pytest.raises(AssertionError, match="ImageNet's features should beat"):
        run_lesson("imagenet", quick=False, features_validation=0.45, scratch_validation=0.5208)


@pytest.mark.parametrize(
    ("weights", "quick", "scratch", "reason"),
    [
        (None, False, 0.52, "random weights"),
        ("imagenet", True, 0.52, "the quick profile"),
        ("imagenet", False, None, "run lab 03 in the full profile first"),
    ],
)
def test_where_the_lesson_cannot_be_measured_the_lab_says_why(weights, quick, scratch, reason):
    printed = run_lesson(weights, quick, features_validation=0.10, scratch_validation=scratch)
    assert len(printed) == 1 and printed[0].startswith("Lesson not measured") and reason in printed[0]
