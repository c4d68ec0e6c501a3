"""What a figure shows, in words: the text alternative of every figure a lab draws.

A figure is only as accessible as its text alternative: a screen reader reads it, and so does a
student whose figure did not load. dlkit writes it from the data the figure was drawn from, never
by hand:

- the helpers of ``dlkit.plots`` say what they drew and the result to see (``Figure.description``:
  the best validation epoch, the most frequent confusion, each picture's title);
- any other matplotlib figure (a lab's own ``plt.subplots``) is read from its artists by
  ``describe_figure``: each panel's title and axes, each line's range and end points, each image's
  size and value range, each bar's height.

``show_text_alternatives()`` (called when ``dlkit.plots`` is imported in IPython or Jupyter) makes
every figure a notebook shows carry its text: as the output's ``text/plain`` and as the ``alt`` of its
``image/png`` in the output's metadata, where the course site and ``dlkit demo``'s report read it.
"""

from __future__ import annotations

import numpy as np

__all__ = ["describe_figure", "show_text_alternatives", "text_of"]

MAX_PANELS = 6  # panels described one by one; past this, counted
MAX_CHARACTERS = 900


def _number(value: float) -> str:
    value = float(value)
    if value != 0 and (abs(value) >= 1e5 or abs(value) < 1e-3):
        return f"{value:.2e}"
    return f"{value:.4g}"


def _line_text(line) -> str | None:
    x, y = (np.asarray(values, dtype=float) for values in line.get_data())
    if y.size == 0 or not np.isfinite(y).any():
        return None
    label = line.get_label()
    named = "" if label.startswith("_") else f"{label}: "
    if y.size == 2 and (np.ptp(y) == 0 or np.ptp(x) == 0):  # a reference line (axhline, axvline)
        return None
    if y.size == 1:
        return f"{named}a point at {_number(x[0])}, {_number(y[0])}"
    finite = y[np.isfinite(y)]
    return (f"{named}{y.size} points from x = {_number(x[0])} to {_number(x[-1])}, y from {_number(y[0])} to "
            f"{_number(y[-1])} (lowest {_number(finite.min())}, highest {_number(finite.max())})")


def _panel_text(axis) -> str:
    parts = []
    title = axis.get_title() or axis.get_title("left")
    xlabel, ylabel = axis.get_xlabel(), axis.get_ylabel()
    if xlabel or ylabel:
        scale = " (log scale)" if axis.get_yscale() == "log" else ""
        parts.append(f"x: {xlabel or 'unlabelled'}, y: {ylabel or 'unlabelled'}{scale}")
    for image in axis.get_images():
        values = np.asarray(image.get_array(), dtype=float)
        kind = "colour" if values.ndim == 3 else "grey" if image.get_cmap().name in ("gray", "Greys") else \
            f"{image.get_cmap().name} colour map"
        low, high = _number(np.nanmin(values)), _number(np.nanmax(values))
        parts.append(f"a {values.shape[1]}x{values.shape[0]} {kind} picture, values {low} to {high}")
    lines = [text for text in (_line_text(line) for line in axis.get_lines()) if text]
    parts += lines[:4] + ([f"{len(lines) - 4} more lines"] if len(lines) > 4 else [])
    bars = [patch for container in axis.containers for patch in container]
    if bars:
        labels = [tick.get_text() for tick in axis.get_xticklabels()]
        heights = [bar.get_height() for bar in bars]
        order = np.argsort(heights)[::-1][:3]
        named = [f"{labels[i] if i < len(labels) and labels[i] else i} {_number(heights[i])}" for i in order]
        parts.append(f"{len(bars)} bars, highest: {', '.join(named)}")
    body = "; ".join(parts) or "nothing drawn"
    return f"{title}: {body}" if title else body


def describe_figure(figure) -> str:
    """A matplotlib figure in words, read from what was drawn on it."""
    panels = [axis for axis in figure.get_axes() if axis.get_visible() and (
        axis.get_lines() or axis.get_images() or axis.containers)]
    if not panels:
        return "An empty figure."
    heading = f"A figure of {len(panels)} panel{'s' if len(panels) != 1 else ''}"
    suptitle = figure.get_suptitle() if hasattr(figure, "get_suptitle") else ""
    texts = [_panel_text(axis) for axis in panels[:MAX_PANELS]]
    if len(panels) > MAX_PANELS:
        texts.append(f"and {len(panels) - MAX_PANELS} more panels")
    text = f"{heading}{' (' + suptitle + ')' if suptitle else ''}. " + ". ".join(texts) + "."
    return _short(text)


def _short(text: str) -> str:
    return text if len(text) <= MAX_CHARACTERS else text[: MAX_CHARACTERS - 1].rsplit(" ", 1)[0] + "…"


def text_of(figure) -> str:
    """The figure's text alternative: what its helper said it shows, else what is drawn on it."""
    return _short(getattr(figure, "description", "") or describe_figure(figure))


def _mimebundle(figure, include=None, exclude=None):
    text = text_of(figure)
    return {"text/plain": text}, {"image/png": {"alt": text}}


def show_text_alternatives() -> bool:
    """In IPython or Jupyter, give every matplotlib figure shown its text alternative (the output's
    text/plain, and the alt of its PNG in the output's metadata). False outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None:
        return False
    from matplotlib.figure import Figure

    shell.display_formatter.mimebundle_formatter.for_type(Figure, _mimebundle)
    return True
