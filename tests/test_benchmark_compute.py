"""The benchmarks' arithmetic: the FLOPs they divide by the time, and the probe that counts what
each `fit` in a lab trained on. A wrong count would put a wrong share of the CPU's limit in the
README."""

from __future__ import annotations

import sys
from pathlib import Path

import keras
import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import compute  # noqa: E402  (the benchmarks' module, found through the path above)


def test_dense_layers_cost_three_forward_passes_in_training():
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(128), keras.layers.Dense(10)])
    forward = 2 * (784 * 128 + 128 * 10)
    assert compute.forward_flops(model) == forward
    assert compute.training_flops(model) == 3 * forward


def test_a_convolution_costs_its_kernel_at_every_output_position():
    model = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(4, 3), keras.layers.MaxPooling2D()])
    assert compute.forward_flops(model) == 2 * (3 * 3 * 3 * 4) * (6 * 6)


def test_an_lstm_costs_four_gates_at_every_timestep():
    model = keras.Sequential([keras.Input((28, 28)), keras.layers.LSTM(16)])
    assert compute.forward_flops(model) == 2 * 4 * 16 * (28 + 16) * 28


def test_a_frozen_base_costs_one_forward_pass_and_a_frozen_layer_after_learning_two():
    base = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(4, 3)], name="base")
    base.trainable = False
    head = keras.layers.Dense(6)
    frozen_after = keras.layers.Dense(2)
    frozen_after.trainable = False
    model = keras.Sequential([keras.Input((8, 8, 3)), base, keras.layers.Flatten(), head, frozen_after])
    conv, dense, last = 2 * 108 * 36, 2 * 144 * 6, 2 * 6 * 2
    assert compute.forward_flops(model) == conv + dense + last
    assert compute.training_flops(model) == conv + 3 * dense + 2 * last


def test_matmul_rate_is_measured_in_each_precision():
    for dtype in ("float32", "bfloat16"):
        assert compute.matmul_gflops(dtype, size=256, repeats=2) > 0


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="the probe counts on TensorFlow only")
def test_the_lab_probe_counts_what_each_fit_trained_and_validated(tmp_path):
    import labs
    from dlkit.instructor.demo import notebook_text, run_lab

    lab = new_notebook(
        cells=[
            new_code_cell("import keras\nimport numpy as np"),
            new_code_cell(
                "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)], name='tiny')\n"
                "model.compile('sgd', 'mse')\n"
                "model.fit(np.zeros((100, 4)), np.zeros((100, 3)), batch_size=32, epochs=2,\n"
                "          validation_split=0.2, verbose=0)\n"
                "model.fit(np.zeros((10, 4)), np.zeros((10, 3)), batch_size=4, epochs=1, verbose=0)\n"
                "model.save('tiny.keras')  # the counters must not travel into a saved model\n"
                "print(sorted(keras.models.load_model('tiny.keras').get_config()))"
            ),
        ]
    )
    (tmp_path / "lab").mkdir()
    nbformat.write(lab, tmp_path / "lab" / "99_tiny.ipynb")
    probed = labs.with_probes(tmp_path / "lab" / "99_tiny.ipynb", tmp_path)
    result = run_lab(probed, tmp_path / "out", profile="quick")
    assert result.status == "ok", result.status
    fits = labs.fits_reported(notebook_text(nbformat.read(result.notebook, as_version=4)))
    assert [(f["model"], f["trained"], f["validated"]) for f in fits] == [("tiny", 160, 40), ("tiny", 10, 0)]
    assert all(f["training_flops"] == 3 * 2 * 4 * 3 and f["seconds"] > 0 for f in fits)
    timed = [number for number, _, _ in labs.cell_seconds(nbformat.read(result.notebook, as_version=4))]
    assert timed == [0, 2]  # the lab's own cells; the probes (1 and 3) are not the lab's time
