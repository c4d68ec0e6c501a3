"""The benchmarks' arithmetic: the FLOPs they divide by the time, and the probe that counts what
each `fit` in a lab trained on. A wrong count would put a wrong share of the CPU's limit in the
README."""

from __future__ import annotations

from pathlib import Path

import keras
import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]

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


def test_matmul_rate_counts_2n3_per_multiply_in_the_precision_asked_for(monkeypatch):
    import tensorflow as tf

    multiplied, real_matmul = [], tf.matmul

    def recording_matmul(a, b):
        multiplied.append(a.dtype.name)
        return real_matmul(a, b)

    for dtype in ("float32", "bfloat16"):
        multiplied.clear()
        clock = iter([100.0, 102.0])  # the timed loop takes 2 s by this clock
        monkeypatch.setattr(compute.time, "perf_counter", clock.__next__)
        monkeypatch.setattr(tf, "matmul", recording_matmul)
        rate = compute.matmul_gflops(dtype, size=64, repeats=3)
        assert multiplied == [dtype] * 4  # one warm-up, three timed, all in the precision asked for
        assert rate == pytest.approx(2 * 64**3 * 3 / 2.0 / 1e9)


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="the probe counts on TensorFlow only")
@pytest.mark.notebooks
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
    from dlkit.settings import current

    result = run_lab(probed, tmp_path / "out", current().replace(profile="quick"))
    assert result.status == "ok", result.status
    fits = labs.fits_reported(notebook_text(nbformat.read(result.notebook, as_version=4)))
    assert [(f["model"], f["trained"], f["validated"]) for f in fits] == [("tiny", 160, 40), ("tiny", 10, 0)]
    assert all(f["training_flops"] == 3 * 2 * 4 * 3 and f["seconds"] > 0 for f in fits)
    timed = [number for number, _, _ in labs.cell_seconds(nbformat.read(result.notebook, as_version=4))]
    assert timed == [0, 2]  # the lab's own cells; the probes (1 and 3) are not the lab's time


def test_the_floor_puts_every_fit_at_the_matmul_rate_and_keeps_the_rest(capsys):
    import labs

    def fit(teraflops, seconds, precision):  # one picture of `teraflops` trained, none validated
        return {"model": "m", "trained": 1, "validated": 0, "training_flops": teraflops * 1e12,
                "forward_flops": 0, "seconds": seconds, "precision": precision}

    rows = [
        {"lab": "00_foundations", "wall_seconds": 10.0, "fits": []},
        {"lab": "01_mnist_dense", "wall_seconds": 20.0, "fits": [fit(1, 15.0, "float32")]},
        {"lab": "02_mnist_cnn", "wall_seconds": 30.0, "fits": [fit(2, 20.0, "mixed_bfloat16")]},
        {"lab": "03_ponies", "wall_seconds": 40.0, "fits": []},
    ]
    labs.print_compute(rows, {"float32": 100.0, "bfloat16": 200.0})
    printed = capsys.readouterr().out
    # lab 01: 1 TFLOP at 100 GFLOP/s is 10 s, plus its 5 s outside the fit; lab 02: 10 s + 10 s
    assert "| 01_mnist_dense | 1 | 1 | 1.00 | 15.0 | 10.0 | 67 | 67% of float32 100 |" in printed
    assert "labs 00-03: 100 s measured; every fit at the matmul rate, the rest as measured: 85 s" in printed
