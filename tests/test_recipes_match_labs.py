"""The time-to-accuracy benchmark measures the labs' own training: its recipes must keep the
settings the labs' "Train" cells use, or the README's table would describe something else."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]

import recipes  # noqa: E402  (the benchmark's module, found through the path above)


def training_source(lab: str) -> str:
    notebook = nbformat.read(ROOT / "labs" / lab, as_version=4)
    cells = [
        cell.source for cell in notebook.cells if "model.fit(" in cell.source or "compile(" in cell.source
    ]
    return "\n".join(cells)


@pytest.mark.parametrize(
    ("lab", "settings", "expected"),
    [
        (
            "01_mnist_dense.ipynb",
            recipes.LAB01,
            [
                "global_batch_size({batch})",
                "CosineDecay({learning_rate}",
                "full={epochs}",
                "steps_per_execution({spe})",
                "validation_split={validation_split}",
            ],
        ),
        (
            "02_mnist_cnn.ipynb",
            recipes.LAB02,
            [
                "global_batch_size({batch})",
                "CosineDecay({learning_rate}",
                "full={epochs}",
                "steps_per_execution({spe})",
                "validation_split={validation_split}",
            ],
        ),
    ],
)
def test_mnist_recipes_use_the_labs_training_settings(lab, settings, expected):
    source = training_source(lab)
    for pattern in expected:
        values = {k: (f"{v:g}" if isinstance(v, float) else v) for k, v in settings.items()}
        text = pattern.format(**values)
        assert text in source, f"{lab} no longer has {text}"


def test_pony_recipe_matches_lab_03():
    notebook = nbformat.read(ROOT / "labs" / "03_pony_classifier.ipynb", as_version=4)
    source = "\n".join(cell.source for cell in notebook.cells)
    assert "for filters in (16, 32, 64, 64):" in source and "Dense(128" in source
    assert "Adam(1e-3)" in source and f"full={recipes.LAB03_EPOCHS}" in source


def test_the_benchmark_trains_the_models_the_labs_build():
    import keras

    dense, conv, ponies = recipes.dense_net("adam"), recipes.convnet("adam"), recipes.lab03_convnet()
    names = (dense.name, conv.name, ponies.name)
    assert names == ("hello_mnist", "mnist_convnet", "pony_convnet_with_dropout")
    assert (dense.count_params(), conv.count_params()) == (101_770, 34_826)  # the labs print these counts
    assert any(isinstance(layer, keras.layers.Dropout) for layer in ponies.layers)
    assert isinstance(ponies.optimizer, keras.optimizers.Adam)
    assert ponies.loss == "sparse_categorical_crossentropy"


def test_a_lab_cell_that_cannot_be_found_is_named():
    with pytest.raises(LookupError, match="01_mnist_dense.ipynb"):
        recipes.lab_cell("01_mnist_dense.ipynb", "no such marker")


def test_lab_07_trains_each_network_of_its_depth_test_at_the_rate_the_sweep_chose():
    """The lab says each network trains at its best rate (benchmarks/degradation.py): the rates in
    the lab must be the ones the stored sweep chose."""
    import json

    sweep = json.loads((ROOT / "benchmarks" / "results" / "degradation.json").read_text())
    scope: dict = {}
    cell = recipes.lab_cell("07_modern_blocks.ipynb", "learning_rates = {")
    exec(next(line for line in cell.splitlines() if line.startswith("learning_rates = ")), scope)
    assert scope["learning_rates"] == sweep["chosen"]
