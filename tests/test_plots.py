"""Plots return a Figure with the expected panels, work for grey and RGB, uint8 and float, and
show in a notebook without pyplot."""

from __future__ import annotations

import os
import subprocess
import sys

import keras
import matplotlib
import numpy as np
import pytest

from dlkit import plots
from dlkit.live_plot import LiveHistoryPlot

matplotlib.use("Agg")


def titles(figure) -> list[str]:
    found = [axis.get_title(loc=loc) for axis in figure.axes for loc in ("left", "center")]
    return [title for title in found if title]


RAMP = np.arange(4 * 8 * 8 * 3).reshape(4, 8, 8, 3) % 256


@pytest.mark.parametrize(
    ("images", "expected", "colour_map"),
    [
        (RAMP[..., 0].astype(np.uint8), RAMP[..., 0], "gray"),  # uint8 is shown as it is
        (RAMP[..., :1] / 255.0, RAMP[..., 0] / 255.0, "gray"),  # a channel axis of 1 is dropped
        (RAMP.astype(np.uint8), RAMP, None),
        (RAMP.astype(np.float64), RAMP / 255.0, None),  # floats in 0-255 are scaled to 0-1
    ],
    ids=["grey-uint8", "grey-float-channel", "rgb-uint8", "rgb-float255"],
)
def test_show_images_draws_one_titled_panel_per_image_with_its_pixels(images, expected, colour_map):
    figure = plots.show_images(images, [f"Class {i}" for i in range(4)], columns=3)
    assert titles(figure) == ["Class 0", "Class 1", "Class 2", "Class 3"]
    assert sum(bool(axis.images) for axis in figure.axes) == 4
    for index in range(4):
        shown = figure.axes[index].images[0]
        np.testing.assert_allclose(np.asarray(shown.get_array()), expected[index], rtol=1e-6)
        if colour_map:
            assert shown.get_cmap().name == colour_map


def test_figures_render_as_png_for_notebooks_without_pyplot():
    png = plots.show_images(np.zeros((1, 5, 5)))._repr_png_()
    assert png.startswith(b"\x89PNG")
    # pyplot keeps every figure alive until closed; dlkit's figures never load it.
    probe = (
        "import sys, numpy as np; from dlkit import plots; "
        "plots.show_images(np.zeros((1, 5, 5)))._repr_png_(); "
        "plots.plot_history({'loss': [1.0, 0.5], 'val_loss': [1.1, 0.7]}, metrics=['loss'])._repr_png_(); "
        "print('matplotlib.pyplot' in sys.modules)"
    )
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                         env={**os.environ, "MPLBACKEND": "Agg"})
    assert run.stdout.strip() == "False", run.stderr


def test_plot_history_puts_runs_side_by_side_and_marks_the_best_epoch():
    run_a = {
        "loss": [1.0, 0.5, 0.4],
        "val_loss": [1.1, 0.6, 0.7],
        "accuracy": [0.5, 0.8, 0.9],
        "val_accuracy": [0.5, 0.7, 0.65],
    }
    run_b = {"loss": [0.9, 0.8], "val_loss": [0.95, 0.85], "accuracy": [0.6, 0.7], "val_accuracy": [0.6, 0.7]}
    figure = plots.plot_history(run_a, run_b, labels=["scratch", "augmented"])
    assert titles(figure) == ["scratch: loss", "augmented: loss", "scratch: accuracy", "augmented: accuracy"]
    marks = [text.get_text() for text in figure.axes[0].texts]
    assert marks == ["best epoch 2"]  # lowest validation loss


def test_a_short_run_does_not_look_broken():
    # one epoch (a rehearsal's quick run): Matplotlib alone would put the point on 0.96–1.04
    one_epoch = {"loss": [0.5], "val_loss": [0.4], "accuracy": [0.83], "val_accuracy": [0.86]}
    figure = plots.plot_history(one_epoch)
    loss, accuracy = figure.axes
    assert accuracy.get_xlim() == (0.5, 1.5)
    assert [tick for tick in accuracy.get_xticks() if 0.5 <= tick <= 1.5] == [1.0]  # whole epochs only
    low, high = accuracy.get_ylim()
    assert 0.0 <= low <= 0.81 and 0.88 <= high <= 1.005 and high - low >= 0.0999
    # near the top, the axis stops at 100 % instead of showing accuracies nobody can reach
    figure = plots.plot_history({"accuracy": [0.991, 0.995, 0.998]}, metrics=["accuracy"])
    assert figure.axes[0].get_ylim()[1] <= 1.005


def test_plot_confusion_matrix_shows_counts_and_row_shares():
    figure = plots.plot_confusion_matrix(np.array([[3, 1], [0, 4]]), class_names=["cat", "dog"])
    counts, shares = figure.axes
    assert [t.get_text() for t in counts.texts] == ["3", "1", "0", "4"]
    assert [t.get_text() for t in shares.texts] == ["0.75", "0.25", "0.00", "1.00"]
    assert [t.get_text() for t in counts.get_xticklabels()] == ["cat", "dog"]


def test_show_mistakes_titles_say_what_the_model_said_and_the_truth():
    images = np.zeros((3, 4, 4))
    probabilities = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    figure = plots.show_mistakes(
        images, np.array([0, 0, 1]), probabilities, np.array([1, 2]), class_names=["cat", "dog"]
    )
    assert titles(figure) == ["said dog (0.80)\ntruth cat", "said cat (0.60)\ntruth dog"]


def test_plot_prediction_highlights_the_true_class():
    figure = plots.plot_prediction(np.zeros((28, 28)), np.array([0.1, 0.7, 0.2]), true_label=2)
    assert "predicted: 1 (0.70)" in titles(figure) and "truth: 2" in titles(figure)


def test_plot_filters_and_feature_maps_of_a_small_convnet():
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((12, 12, 1)),
            keras.layers.Conv2D(4, 3, name="conv"),
            keras.layers.MaxPooling2D(2, name="pool"),
            keras.layers.Flatten(),
            keras.layers.Dense(2),
        ]
    )
    filters = plots.plot_filters(model.get_layer("conv").get_weights()[0], columns=4)
    assert sum(bool(axis.images) for axis in filters.axes) == 4
    maps = plots.plot_feature_maps(model, np.zeros((12, 12, 1)), channels=4)
    assert titles(maps) == ["conv (10, 10, 4)", "pool (5, 5, 4)"]


def test_live_plot_redraws_at_most_once_per_interval_and_after_the_last_epoch():
    callback = LiveHistoryPlot(min_interval=3600)
    callback.on_train_begin()
    for epoch in range(5):
        callback.on_epoch_end(epoch, {"loss": 1.0 / (epoch + 1)})
    assert callback.drawn_epochs == 1  # the first epoch, then nothing within the hour
    callback.on_train_end()
    assert callback.drawn_epochs == 5


def test_live_plot_records_history_and_stays_silent_outside_a_notebook(capsys):
    callback = LiveHistoryPlot()
    assert not callback.enabled
    callback.on_train_begin()
    callback.on_epoch_end(0, {"loss": 1.0, "val_loss": 1.2})
    callback.on_epoch_end(1, {"loss": 0.5, "val_loss": 0.9})
    assert callback.values == {"loss": [1.0, 0.5], "val_loss": [1.2, 0.9]}
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("policy", ["mixed_bfloat16", "mixed_float16"])
def test_feature_maps_of_a_mixed_precision_model_render(policy):
    """Where dlkit.runtime picks mixed precision (a CPU measured faster in bfloat16, a GPU, a TPU)
    the probe's maps come back in bfloat16 or float16, which matplotlib cannot scale; the figure
    must still render in a notebook."""
    keras.utils.set_random_seed(0)
    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(policy)
    try:
        model = keras.Sequential([keras.Input((12, 12, 1)), keras.layers.Conv2D(4, 3, name="conv")])
        figure = plots.plot_feature_maps(model, np.random.default_rng(0).random((12, 12, 1)), channels=4)
    finally:
        keras.mixed_precision.set_global_policy(previous)
    assert figure._repr_png_().startswith(b"\x89PNG")


def test_plot_forecasts_shows_each_window_what_came_next_and_each_forecast():
    windows = np.sin(np.arange(3 * 10).reshape(3, 10, 1) / 3.0)
    truth = np.array([0.1, 0.2, 0.3])
    forecasts = {"LSTM": np.array([[0.15], [0.25], [0.35]]), "last value": windows[:, -1, 0]}
    figure = plots.plot_forecasts(windows, truth, forecasts, count=2)
    assert titles(figure) == ["series 0", "series 1"]
    window_line, came_next, lstm, last = figure.axes[1].lines
    np.testing.assert_allclose(window_line.get_ydata(), windows[1, :, 0], rtol=1e-6)
    assert came_next.get_ydata()[0] == pytest.approx(0.2) and lstm.get_ydata()[0] == pytest.approx(0.25)
    assert last.get_xdata()[0] == 10  # the forecast sits one step after the window
    assert figure._repr_png_().startswith(b"\x89PNG")
