"""A Keras callback that redraws the training curves after every epoch inside a notebook.

Instructors like to watch the curves move while they talk. Outside a notebook (a script, CI, a
terminal) the callback does nothing, so a lab runs the same everywhere.
"""

from __future__ import annotations

import keras

from dlkit.plots import plot_history


def _in_notebook() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


class LiveHistoryPlot(keras.callbacks.Callback):
    """Redraw loss and accuracy (training and validation) at the end of each epoch.

    Example:
        >>> model.fit(x, y, validation_split=0.1, epochs=5, callbacks=[LiveHistoryPlot()])
    """

    def __init__(self, metrics: tuple[str, ...] = ("loss", "accuracy"), label: str = "training"):
        super().__init__()
        self.metrics = metrics
        self.label = label
        self.values: dict[str, list[float]] = {}
        self.enabled = _in_notebook()

    def on_train_begin(self, logs=None):
        self.values = {}

    def on_epoch_end(self, epoch, logs=None):
        for name, value in (logs or {}).items():
            self.values.setdefault(name, []).append(float(value))
        if not self.enabled:
            return
        from IPython.display import clear_output, display

        clear_output(wait=True)
        display(plot_history(self.values, labels=[self.label], metrics=self.metrics))
