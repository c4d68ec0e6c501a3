"""Pictures of data, training and models, drawn with matplotlib.

Every function returns its ``matplotlib.figure.Figure``; none calls ``plt.show()``. Figures are
made without pyplot, so nothing pops up in a script or on a headless machine, and a notebook shows
a figure once, when it is the cell's last value. Save one with ``fig.savefig("name.png")``.

Each figure says what it shows in words (``Figure.description``, written from the data it was
drawn from: ``dlkit.figure_text``), and a notebook shows that text as the figure's text alternative.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure as MatplotlibFigure
from matplotlib.ticker import MaxNLocator

from dlkit.figure_text import show_text_alternatives

__all__ = [
    "Figure",
    "plot_confusion_matrix",
    "plot_feature_maps",
    "plot_filters",
    "plot_forecasts",
    "plot_history",
    "plot_prediction",
    "show_images",
    "show_mistakes",
]


class Figure(MatplotlibFigure):
    """A matplotlib Figure that shows itself in Jupyter and Colab as a PNG, without pyplot, with
    ``description``, what it shows in words, as its text alternative."""

    description = ""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png")
        return buffer.getvalue()

    def _repr_mimebundle_(self, include=None, exclude=None):
        from dlkit.figure_text import text_of

        text = text_of(self)
        return {"image/png": self._repr_png_(), "text/plain": text}, {"image/png": {"alt": text}}


show_text_alternatives()  # pyplot's figures too, in a notebook that imports this module


def _percent(value: float) -> str:
    return f"{100 * value:.1f} %"


def _grid(count: int, columns: int, cell_size: float) -> tuple[Figure, np.ndarray]:
    rows = max(1, -(-count // columns))
    columns = min(columns, max(count, 1))
    figure = Figure(figsize=(cell_size * columns, cell_size * rows * 1.1), layout="constrained")
    axes = np.atleast_1d(figure.subplots(rows, columns, squeeze=False)).ravel()
    for axis in axes:
        axis.set_axis_off()
    return figure, axes


def _displayable(image: np.ndarray) -> tuple[np.ndarray, str | None]:
    """(image ready for imshow, default colour map): grey stays 2-D, floats go to [0, 1]."""
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    if image.dtype != np.uint8:
        image = image.astype(np.float32)
        if image.max(initial=0) > 1.0:
            image = image / 255.0
        image = np.clip(image, 0.0, 1.0)
    return image, ("gray" if image.ndim == 2 else None)


def show_images(
    images: Sequence[np.ndarray] | np.ndarray,
    titles: Sequence[str] | None = None,
    columns: int = 3,
    cmap: str | None = None,
    cell_size: float = 2.2,
    caption: str | None = None,
) -> Figure:
    """A grid of images with optional titles, and a ``caption`` above them saying what they are
    (it also opens the figure's text alternative).

    Grey (H, W) or (H, W, 1) and RGB (H, W, 3) images, uint8 (0–255) or float (0–1, or 0–255).

    Example:
        >>> fig = show_images(x_train[:9], [f"Class {y}" for y in y_train[:9]])
    """
    figure, axes = _grid(len(images), columns, cell_size)
    for index, image in enumerate(images):
        picture, default_cmap = _displayable(image)
        axes[index].imshow(
            picture,
            cmap=cmap or default_cmap,
            interpolation="nearest",
            vmin=0 if picture.dtype != np.uint8 else None,
        )
        if titles is not None:
            axes[index].set_title(titles[index], fontsize=10)
    if caption:
        figure.suptitle(caption, fontsize=10)
    figure.description = (f"{caption}: " if caption else "") + _pictures_text(images, titles)
    return figure


def _pictures_text(images, titles) -> str:
    first, _ = _displayable(images[0]) if len(images) else (np.zeros((0, 0)), None)
    kind = "grey" if first.ndim == 2 else "colour"
    text = f"{len(images)} picture{'s' if len(images) != 1 else ''}, {first.shape[1]}x{first.shape[0]} {kind}"
    if titles is not None:
        named = "; ".join(str(title).replace("\n", ", ") for title in list(titles)[:12])
        text += f", titled: {named}" + ("; ..." if len(titles) > 12 else "")
    return text + "."


def _as_dict(history) -> dict[str, list[float]]:
    return dict(getattr(history, "history", history))


HISTORY_COLUMNS = 2  # runs side by side in plot_history: more would be squeezed at a page's width


def plot_history(
    *histories,
    labels: Sequence[str] | None = None,
    metrics: Sequence[str] = ("loss", "accuracy"),
) -> Figure:
    """Training curves of one or several runs side by side (one column per run, two columns at
    most: a third run starts a new band below, so the figure stays readable at a page's width).

    Each panel shows a metric for training (solid) and validation (dashed), and marks the best
    validation epoch (lowest loss, highest of anything else). Every panel of a metric shares its
    y-axis, so runs compare at a glance. Accepts Keras ``History`` objects or their ``.history`` dicts.
    """
    labels = list(labels) if labels else [f"run {i + 1}" for i in range(len(histories))]
    columns = min(len(histories), HISTORY_COLUMNS)
    bands = -(-len(histories) // columns)
    figure = Figure(figsize=(4.5 * columns, 3.2 * len(metrics) * bands), layout="constrained")
    grid = figure.subplots(len(metrics) * bands, columns, squeeze=False)
    by_metric: dict[str, list] = {metric: [] for metric in metrics}
    for index, (history, label) in enumerate(zip(histories, labels, strict=True)):
        values = _as_dict(history)
        band, column = divmod(index, columns)
        for row, metric in enumerate(metrics):
            axis = grid[band * len(metrics) + row, column]
            if by_metric[metric]:
                axis.sharey(by_metric[metric][0])
            by_metric[metric].append(axis)
            epochs = np.arange(1, len(values.get(metric, [])) + 1)
            axis.plot(epochs, values.get(metric, []), "-o", ms=3, label="training")
            validation = values.get(f"val_{metric}")
            if validation:
                axis.plot(epochs, validation, "--o", ms=3, label="validation")
                best = int(np.argmin(validation) if metric == "loss" else np.argmax(validation))
                axis.axvline(best + 1, color="grey", lw=0.8, ls=":")
                axis.annotate(
                    f"best epoch {best + 1}",
                    (best + 1, validation[best]),
                    fontsize=8,
                    xytext=(4, 4),
                    textcoords="offset points",
                )
            axis.set_title(f"{label}: {metric}")
            axis.set_xlabel("epoch")
            axis.legend(fontsize=8)
    for unused in range(len(histories), bands * columns):  # an odd run out: its band's right half
        for row in range(len(metrics)):
            grid[(bands - 1) * len(metrics) + row, unused % columns].remove()
    for metric in metrics:
        shown = [_as_dict(h).get(name, []) for h in histories for name in (metric, f"val_{metric}")]
        epochs = max(map(len, shown), default=0)
        _tidy_row(by_metric[metric], metric, [v for values in shown for v in values], epochs)
    figure.description = _history_text(histories, labels, metrics)
    return figure


def _history_text(histories, labels, metrics) -> str:
    parts = []
    for history, label in zip(histories, labels, strict=True):
        values = _as_dict(history)
        for metric in metrics:
            training, validation = values.get(metric, []), values.get(f"val_{metric}", [])
            if not training:
                continue
            text = (f"{label}, {metric} over {len(training)} epochs: training from {training[0]:.4g} to "
                    f"{training[-1]:.4g}")
            if validation:
                best = int(np.argmin(validation) if metric == "loss" else np.argmax(validation))
                text += (f", validation from {validation[0]:.4g} to {validation[-1]:.4g}, best "
                         f"{validation[best]:.4g} at epoch {best + 1}")
            parts.append(text)
    return "Training curves (training solid, validation dashed). " + "; ".join(parts) + "."


def _tidy_row(row_axes, metric: str, values: list[float], epochs: int) -> None:
    """Whole epochs on the x-axis, and a y-axis that reads right for short runs: a fraction stays
    within 0–1 and spans at least 0.1, so one or two points never sit on a range like 0.96–1.04."""
    for axis in row_axes:
        axis.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
        axis.set_xlim(0.5, max(epochs, 1) + 0.5)
    if not values or "acc" not in metric:
        return
    low, high = min(values) - 0.02, min(max(values) + 0.02, 1.005)
    low = max(0.0, min(low, high - 0.1))
    row_axes[0].set_ylim(low, high)  # the metric's panels share their y-axis


def plot_confusion_matrix(matrix: np.ndarray, class_names: Sequence[str] | None = None) -> Figure:
    """A confusion matrix (from ``dlkit.evaluate.confusion_matrix``: row = true class, column =
    predicted) drawn twice: as counts, and row-normalised (where each true class went)."""
    matrix = np.asarray(matrix)
    names = list(class_names) if class_names is not None else [str(i) for i in range(len(matrix))]
    normalised = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    size = max(4.0, 0.45 * len(names) + 2)
    # one above the other: side by side, ten classes' numbers were unreadable at a page's width
    figure = Figure(figsize=(size + 1, 2 * size), layout="constrained")
    for axis, values, title, fmt in zip(
        figure.subplots(2, 1),
        (matrix, normalised),
        ("counts", "share of each true class"),
        ("{:d}", "{:.2f}"),
        strict=True,
    ):
        axis.imshow(values, cmap="Blues")
        for (i, j), value in np.ndenumerate(values):
            dark = values[i, j] > values.max() / 2
            axis.text(
                j,
                i,
                fmt.format(value),
                ha="center",
                va="center",
                fontsize=8,
                color="white" if dark else "black",
            )
        axis.set_xticks(range(len(names)), names, rotation=45, ha="right")
        axis.set_yticks(range(len(names)), names)
        axis.set_xlabel("predicted")
        axis.set_ylabel("true")
        axis.set_title(f"Confusion matrix ({title})")
    figure.description = _confusion_text(matrix, names)
    return figure


def _confusion_text(matrix: np.ndarray, names: list[str]) -> str:
    total, right = int(matrix.sum()), int(np.trace(matrix))
    text = (f"Confusion matrix of {len(names)} classes (rows: the true class, columns: the prediction), as "
            f"counts and as each true class's shares: {right} of {total} on the diagonal"
            f"{f' ({_percent(right / total)})' if total else ''}")
    off = matrix.copy()
    np.fill_diagonal(off, 0)
    if off.max(initial=0) > 0:
        worst = [np.unravel_index(i, off.shape) for i in np.argsort(off, axis=None)[::-1][:3]]
        named = [f"{names[i]} taken for {names[j]} {_times(int(off[i, j]))}"
                 for i, j in worst if off[i, j] > 0]
        text += "; most frequent mistakes: " + ", ".join(named)
    return text + "."


def show_mistakes(
    images: np.ndarray,
    y_true: np.ndarray,
    probabilities: np.ndarray,
    mistakes: np.ndarray,
    class_names: Sequence[str] | None = None,
    columns: int = 3,
) -> Figure:
    """The images at ``mistakes`` (e.g. from ``dlkit.evaluate.top_mistakes``), each titled with
    what the model said, how sure it was, and the truth."""
    names = list(class_names) if class_names is not None else [str(i) for i in range(probabilities.shape[1])]
    titles = []
    for index in mistakes:
        predicted = int(np.argmax(probabilities[index]))
        titles.append(
            f"said {names[predicted]} ({probabilities[index, predicted]:.2f})\n"
            f"truth {names[int(y_true[index])]}"
        )
    return show_images(images[np.asarray(mistakes, dtype=int)], titles, columns=columns)


def plot_prediction(
    image: np.ndarray,
    probabilities: np.ndarray,
    class_names: Sequence[str] | None = None,
    true_label: int | None = None,
) -> Figure:
    """One image beside a bar chart of its predicted probabilities (the truth in green)."""
    names = list(class_names) if class_names is not None else [str(i) for i in range(len(probabilities))]
    figure = Figure(figsize=(8, 3), layout="constrained")
    picture_axis, bar_axis = figure.subplots(1, 2, width_ratios=[1, 2.5])
    picture, cmap = _displayable(image)
    picture_axis.imshow(picture, cmap=cmap)
    picture_axis.set_axis_off()
    bars = bar_axis.bar(names, probabilities, color="tab:blue")
    if true_label is not None:
        bars[true_label].set_color("tab:green")
        picture_axis.set_title(f"truth: {names[true_label]}")
    bar_axis.set_ylim(0, 1)
    bar_axis.set_ylabel("probability")
    bar_axis.set_title(f"predicted: {names[int(np.argmax(probabilities))]} ({np.max(probabilities):.2f})")
    bar_axis.tick_params(axis="x", rotation=45 if max(map(len, names)) > 2 else 0)
    order = np.argsort(probabilities)[::-1][:3]
    likeliest = ", ".join(f"{names[i]} {probabilities[i]:.2f}" for i in order)
    truth = f" (the truth: {names[true_label]})" if true_label is not None else ""
    figure.description = (f"A picture{truth} beside the model's probability for each of {len(names)} "
                          f"classes; the highest: {likeliest}.")
    return figure


def plot_filters(kernel: np.ndarray, columns: int = 8) -> Figure:
    """The filters of a Conv2D layer, one small picture each.

    Args:
        kernel: the layer's weights, shape (height, width, input channels, filters), e.g.
            ``model.layers[0].get_weights()[0]``. One input channel shows in a blue-white-red map
            (red: the filter likes ink there); three show as RGB, stretched to 0–1.
    """
    kernel = np.asarray(kernel, dtype=np.float32)  # matplotlib cannot scale bfloat16 or float16
    figure, axes = _grid(kernel.shape[-1], columns, 1.2)
    limit = np.abs(kernel).max() or 1.0
    for index in range(kernel.shape[-1]):
        weights = kernel[..., index]
        if weights.shape[-1] == 3:
            axes[index].imshow((weights - weights.min()) / (np.ptp(weights) or 1.0))
        else:
            axes[index].imshow(weights[..., 0], cmap="bwr", vmin=-limit, vmax=limit)
        axes[index].set_title(str(index), fontsize=8)
    size = f"{kernel.shape[0]}x{kernel.shape[1]}"
    shown = "as colour pictures" if kernel.shape[-2] == 3 else \
        f"in a blue-white-red map from {-limit:.3g} (blue) to {limit:.3g} (red)"
    figure.description = f"The {kernel.shape[-1]} filters of a convolution layer, each {size}, {shown}."
    return figure


def plot_feature_maps(
    model, image: np.ndarray, layer_names: Sequence[str] | None = None, channels: int = 8
) -> Figure:
    """What one image looks like after each conv/pool layer: ``channels`` maps per layer, one row
    per layer, titled with the layer's name and output shape.

    Args:
        model: a built Keras model (Sequential or functional).
        image: one input image, without the batch axis.
        layer_names: the layers to show (default: every Conv2D and pooling layer).
    """
    import keras

    if layer_names is None:
        layer_names = [layer.name for layer in model.layers if "conv" in layer.name or "pool" in layer.name]
    probe = keras.Model(model.inputs, [model.get_layer(name).output for name in layer_names])
    outputs = probe.predict(np.asarray(image)[None], verbose=0)
    # float32 for matplotlib, which cannot scale a mixed-precision model's bfloat16 or float16 maps
    outputs = outputs if isinstance(outputs, list) else [outputs]
    outputs = [np.asarray(output, dtype=np.float32) for output in outputs]
    figure = Figure(figsize=(1.3 * channels, 1.5 * len(layer_names)), layout="constrained")
    axes = figure.subplots(len(layer_names), channels, squeeze=False)
    for row, (name, output) in enumerate(zip(layer_names, outputs, strict=True)):
        for column in range(channels):
            axis = axes[row, column]
            axis.set_axis_off()
            if column < output.shape[-1]:
                axis.imshow(output[0, :, :, column], cmap="viridis")
        axes[row, 0].set_title(f"{name} {tuple(output.shape[1:])}", fontsize=8, loc="left")
    layers = "; ".join(f"{name} {tuple(output.shape[1:])}"
                       for name, output in zip(layer_names, outputs, strict=True))
    figure.description = (f"What one picture becomes after each layer, the first {channels} channels of "
                          f"each, one row per layer (name and output shape): {layers}.")
    return figure


def plot_forecasts(
    windows: np.ndarray,
    truth: np.ndarray,
    forecasts: dict[str, np.ndarray],
    count: int = 4,
) -> Figure:
    """The first ``count`` series of a one-step forecast: each window the network saw (a line), the
    value that came next (a black dot) and what each forecaster said (one marker per forecaster).

    Args:
        windows: shape (series, steps) or (series, steps, 1), the inputs.
        truth: shape (series,), the value after each window.
        forecasts: forecaster name -> shape (series,) or (series, 1), its predictions.
    """
    windows = np.asarray(windows, dtype=np.float32).reshape(len(windows), -1)
    steps = windows.shape[1]
    count = min(count, len(windows))
    figure = Figure(figsize=(3.2 * count, 2.6), layout="constrained")
    axes = np.atleast_1d(figure.subplots(1, count, sharey=True, squeeze=False)).ravel()
    markers = "xs^v+"
    for index, axis in enumerate(axes):
        axis.plot(range(steps), windows[index], color="tab:blue", linewidth=1)
        axis.plot([steps], [float(truth[index])], "o", color="black", label="what came next")
        for (name, values), marker in zip(forecasts.items(), markers * len(forecasts), strict=False):
            value = float(np.asarray(values, dtype=np.float32).reshape(-1)[index])
            axis.plot([steps], [value], marker, markersize=8, label=name)
        axis.set_title(f"series {index}", fontsize=9)
        axis.set_xlabel("step")
    axes[0].legend(fontsize=7, loc="lower left")
    series = []
    for index in range(count):
        guesses = ", ".join(f"{name} {float(np.asarray(values, dtype=np.float32).reshape(-1)[index]):.3g}"
                            for name, values in forecasts.items())
        series.append(f"series {index}: next value {float(truth[index]):.3g}; {guesses}")
    figure.description = (f"{count} series of {steps} steps each, the value that came next (a black dot) and "
                          f"each forecaster's guess: " + "; ".join(series) + ".")
    return figure


def _times(count: int) -> str:
    return "once" if count == 1 else "twice" if count == 2 else f"{count} times"
