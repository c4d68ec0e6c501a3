"""Training on top of a frozen base without running the base more often than needed.

While a pretrained base is frozen, its output for a picture that is not augmented never changes.
Lab 04 already computes those outputs once ("feature extraction"); ``ValidateOnFeatures`` reuses
them to validate the head while the whole model (base + head) trains on augmented pictures, instead
of sending every validation picture through the base again each epoch. The figures are the same
as Keras' own ``validation_data`` would give (the base adds nothing that changes between epochs),
and the history keeps its ``val_loss`` and ``val_accuracy`` curves.

The same holds when only the top of the base is fine-tuned: while VGG16's blocks 1-4 stay frozen,
their outputs for the validation pictures do not change, so block5 and the head (together, as the
"head") are validated on outputs stored once. Should anything before the head be trainable, the
stored outputs would be stale and the figures wrong without a sign; the callback refuses to start
instead, naming the layers.
"""

from __future__ import annotations

import keras
import numpy as np

__all__ = ["ValidateOnFeatures"]


class ValidateOnFeatures(keras.callbacks.Callback):
    """At the end of each epoch, evaluates ``head`` (the frozen base's successor in the model
    being trained) on stored ``features`` of the validation pictures, with the loss and metrics
    that model was compiled with, and records the results as ``val_<name>`` in the epoch's logs,
    so ``History`` and live plots show them as usual.

    Only correct while everything before ``head`` is frozen and has no layer that behaves
    differently in training (VGG16 has none). ``fit`` stops at once, naming the layers, if the
    model being trained has trainable weights outside ``head``: validate on pictures then.
    """

    def __init__(self, head: keras.Model, features: np.ndarray, labels: np.ndarray, batch_size: int = 64):
        super().__init__()
        if len(features) != len(labels):
            raise ValueError(f"{len(features)} feature rows but {len(labels)} labels")
        self.head = head
        self.features = features
        self.labels = labels
        self.batch_size = batch_size
        self.evaluator: keras.Model | None = None

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._refuse_stale_features()
        # A model of its own over the head's layers: compiling the model being trained cleared the
        # head's own compiled metrics (Keras 3.6 does), and this one must report what that model
        # would, under the same names.
        compiled = self.model.get_compile_config()
        name = f"{self.head.name}_on_features"
        inputs, outputs = self.head.inputs, self.head.outputs
        if len(inputs) == 1 and len(outputs) == 1:  # as one tensor, not a list of one
            inputs, outputs = inputs[0], outputs[0]
        self.evaluator = keras.Model(inputs, outputs, name=name)
        self.evaluator.compile(
            loss=compiled.get("loss"),
            metrics=compiled.get("metrics"),
            loss_weights=compiled.get("loss_weights"),
            weighted_metrics=compiled.get("weighted_metrics"),
        )

    def _refuse_stale_features(self) -> None:
        """The stored features are only the current ones while nothing before the head learns."""
        in_head = {id(weight) for weight in self.head.weights}
        outside = [weight.path for weight in self.model.trainable_weights if id(weight) not in in_head]
        if outside:
            layers = sorted({path.rsplit("/", 1)[0] for path in outside})
            raise ValueError(
                f"ValidateOnFeatures: {', '.join(layers)} can learn but sit before "
                f"{self.head.name!r}, so the stored features would go stale as they learn and the "
                "validation figures would be wrong. Validate on pictures instead "
                "(validation_data=...), or store the outputs of an earlier, still frozen layer and "
                "validate a head that includes these layers."
            )

    def evaluate(self, features: np.ndarray, labels: np.ndarray) -> dict[str, float]:
        """Loss and metrics of the head on other stored features (the test pictures', say), as the
        model being trained would report them; only after ``fit`` has started with this callback."""
        if self.evaluator is None:
            raise RuntimeError("ValidateOnFeatures.evaluate needs a fit() that used this callback first")
        results = self.evaluator.evaluate(features, labels, batch_size=self.batch_size, verbose=0,
                                          return_dict=True)
        return {name: float(value) for name, value in results.items()}

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        results = self.evaluate(self.features, self.labels)
        if logs is not None:
            logs.update({f"val_{name}": value for name, value in results.items()})
