"""A Keras callback that redraws the training curves after every epoch inside a notebook.

Instructors like to watch the curves move while they talk. Outside a notebook (a script, CI, a
terminal) the callback does nothing, so a lab runs the same everywhere.
"""

from __future__ import annotations

import time

import keras

from dlkit.plots import plot_history

__all__ = ["LiveHistoryPlot"]


def _in_notebook() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


class LiveHistoryPlot(keras.callbacks.Callback):
    """Redraw loss and accuracy (training and validation) at the end of each epoch, at most once
    every ``min_interval`` seconds (drawing costs about 0.2 s, more than a fast epoch), and always
    after the last epoch.

    Example:
        >>> model.fit(x, y, validation_split=0.1, epochs=5, callbacks=[LiveHistoryPlot()])
    """

    def __init__(
        self,
        metrics: tuple[str, ...] = ("loss", "accuracy"),
        label: str = "training",
        min_interval: float = 2.0,
    ):
        super().__init__()
        self.metrics = metrics
        self.label = label
        self.min_interval = min_interval
        self.values: dict[str, list[float]] = {}
        self.enabled = _in_notebook()
        self.drawn_at = float("-inf")
        self.drawn_epochs = 0

    def on_train_begin(self, logs=None):
        self.values = {}
        self.drawn_at = float("-inf")
        self.drawn_epochs = 0

    def on_epoch_end(self, epoch, logs=None):
        for name, value in (logs or {}).items():
            self.values.setdefault(name, []).append(float(value))
        if time.perf_counter() - self.drawn_at >= self.min_interval:
            self._draw()

    def on_train_end(self, logs=None):
        if self.values and self.drawn_epochs < len(next(iter(self.values.values()))):
            self._draw()

    def _draw(self) -> None:
        self.drawn_at = time.perf_counter()
        self.drawn_epochs = len(next(iter(self.values.values()), []))
        if not self.enabled:
            return
        from IPython.display import clear_output, display

        clear_output(wait=True)
        display(plot_history(self.values, labels=[self.label], metrics=self.metrics))
