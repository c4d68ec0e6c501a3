"""Training on top of a frozen base without running the base more often than needed.

While a pretrained base is frozen, its output for a picture that is not augmented never changes.
Lab 04 already computes those outputs once ("feature extraction"); ``ValidateOnFeatures`` reuses
them to validate the head while the whole model (base + head) trains on augmented pictures, instead
of sending every validation picture through the base again each epoch. The figures are the same
as Keras' own ``validation_data`` would give (the base adds nothing that changes between epochs),
and the history keeps its ``val_loss`` and ``val_accuracy`` curves.
"""

from __future__ import annotations

import keras
import numpy as np

__all__ = ["ValidateOnFeatures"]


class ValidateOnFeatures(keras.callbacks.Callback):
    """At the end of each epoch, evaluates ``head`` (compiled, the frozen base's successor in the
    model being trained) on stored ``features`` of the validation pictures and records the results
    as ``val_<name>`` in the epoch's logs, so ``History`` and live plots show them as usual.

    Only correct while everything before ``head`` is frozen and has no layer that behaves
    differently in training (VGG16 has none); once the base is fine-tuned, validate on pictures.
    """

    def __init__(self, head: keras.Model, features: np.ndarray, labels: np.ndarray, batch_size: int = 64):
        super().__init__()
        if len(features) != len(labels):
            raise ValueError(f"{len(features)} feature rows but {len(labels)} labels")
        self.head = head
        self.features = features
        self.labels = labels
        self.batch_size = batch_size

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        results = self.head.evaluate(self.features, self.labels, batch_size=self.batch_size, verbose=0,
                                     return_dict=True)
        if logs is not None:
            logs.update({f"val_{name}": float(value) for name, value in results.items()})
