"""ValidateOnFeatures: validating the head on stored features gives what Keras' own validation of
the whole model gives, while the base stays frozen, and fills the history's val_ curves."""

import keras
import numpy as np
import pytest

from dlkit.frozen_base import ValidateOnFeatures

pytestmark = pytest.mark.training


def _base_and_head():
    keras.utils.set_random_seed(0)
    base = keras.Sequential([keras.Input((12, 12, 3)), keras.layers.Conv2D(4, 3, activation="relu"),
                             keras.layers.MaxPooling2D(2)], name="base")
    base.trainable = False
    head = keras.Sequential([keras.Input(base.output_shape[1:]), keras.layers.Flatten(),
                             keras.layers.Dense(3, activation="softmax")], name="head")
    settings = {"loss": "sparse_categorical_crossentropy", "metrics": ["accuracy"]}
    head.compile(optimizer=keras.optimizers.Adam(1e-2), **settings)
    model = keras.Sequential([keras.Input((12, 12, 3)), base, head])
    model.compile(optimizer=keras.optimizers.Adam(1e-2), **settings)
    return base, head, model


def test_validation_on_features_matches_validation_on_pictures():
    rng = np.random.default_rng(1)
    x, y = rng.random((64, 12, 12, 3), dtype=np.float32), rng.integers(0, 3, 64)
    x_val, y_val = rng.random((40, 12, 12, 3), dtype=np.float32), rng.integers(0, 3, 40)

    base, head, model = _base_and_head()
    features = keras.ops.convert_to_numpy(base(x_val, training=False))
    validation = ValidateOnFeatures(head, features, y_val)
    reused = model.fit(x, y, epochs=3, batch_size=16, shuffle=False, verbose=0,
                       callbacks=[validation]).history

    _, _, model = _base_and_head()
    keras_own = model.fit(x, y, epochs=3, batch_size=16, shuffle=False, verbose=0,
                          validation_data=(x_val, y_val)).history

    assert len(reused["val_loss"]) == 3 and len(reused["val_accuracy"]) == 3
    np.testing.assert_allclose(reused["val_loss"], keras_own["val_loss"], rtol=1e-4)
    np.testing.assert_allclose(reused["val_accuracy"], keras_own["val_accuracy"])
    assert reused["loss"] == pytest.approx(keras_own["loss"], rel=1e-5)  # training itself is untouched
    tested = validation.evaluate(features, y_val)  # the test pictures' features, the same way
    assert tested["accuracy"] == pytest.approx(keras_own["val_accuracy"][-1])
    assert tested["loss"] == pytest.approx(keras_own["val_loss"][-1], rel=1e-4)


def test_mismatched_features_and_labels_are_refused_and_evaluate_needs_a_fit():
    _, head, _ = _base_and_head()
    with pytest.raises(ValueError, match="3 feature rows but 2 labels"):
        ValidateOnFeatures(head, np.zeros((3, 5, 5, 4)), np.zeros(2))
    with pytest.raises(RuntimeError, match="needs a fit"):
        unused = ValidateOnFeatures(head, np.zeros((2, 5, 5, 4)), np.zeros(2))
        unused.evaluate(np.zeros((2, 5, 5, 4)), np.zeros(2))


def _two_block_base_and_head():
    """A base of two conv blocks, only the second trainable (lab 04's block5), and a head."""
    keras.utils.set_random_seed(0)
    lower = [keras.layers.Conv2D(4, 3, activation="relu", name="block1_conv"),
             keras.layers.MaxPooling2D(2, name="block1_pool")]
    upper = [keras.layers.Conv2D(6, 3, activation="relu", name="block2_conv")]
    base = keras.Sequential([keras.Input((14, 14, 3)), *lower, *upper], name="base")
    for layer in lower:
        layer.trainable = False
    head = keras.Sequential([keras.Input(base.output_shape[1:]), keras.layers.Flatten(),
                             keras.layers.Dense(3, activation="softmax")], name="head")
    model = keras.Sequential([keras.Input((14, 14, 3)), base, head])
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return lower, upper, head, model


def test_fine_tuning_the_top_block_validates_on_the_frozen_blocks_stored_outputs():
    rng = np.random.default_rng(2)
    x, y = rng.random((48, 14, 14, 3), dtype=np.float32), rng.integers(0, 3, 48)
    x_val, y_val = rng.random((30, 14, 14, 3), dtype=np.float32), rng.integers(0, 3, 30)

    lower, upper, head, model = _two_block_base_and_head()
    frozen_part = keras.Sequential([keras.Input((14, 14, 3)), *lower])
    stored = keras.ops.convert_to_numpy(frozen_part(x_val, training=False))
    top_and_head = keras.Sequential([keras.Input(stored.shape[1:]), *upper, head], name="top_and_head")
    validation = ValidateOnFeatures(top_and_head, stored, y_val)
    reused = model.fit(x, y, epochs=3, batch_size=16, shuffle=False, verbose=0,
                       callbacks=[validation]).history

    *_, model = _two_block_base_and_head()
    keras_own = model.fit(x, y, epochs=3, batch_size=16, shuffle=False, verbose=0,
                          validation_data=(x_val, y_val)).history

    assert reused["loss"] == pytest.approx(keras_own["loss"], rel=1e-5)
    assert reused["loss"][0] != pytest.approx(reused["loss"][-1])  # the top block and head did learn
    np.testing.assert_allclose(reused["val_loss"], keras_own["val_loss"], rtol=1e-4)
    np.testing.assert_allclose(reused["val_accuracy"], keras_own["val_accuracy"])


def test_a_trainable_layer_before_the_head_stops_fit_instead_of_validating_on_stale_features():
    lower, upper, head, model = _two_block_base_and_head()
    lower[0].trainable = True  # e.g. a student unfreezes block4 but keeps block5's validation
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy")
    stored = np.zeros((4, 6, 6, 4), dtype=np.float32)
    top_and_head = keras.Sequential([keras.Input(stored.shape[1:]), *upper, head], name="top_and_head")
    x, y = np.zeros((8, 14, 14, 3), dtype=np.float32), np.zeros(8)
    stale = ValidateOnFeatures(top_and_head, stored, np.zeros(4))
    named = "block1_conv can learn but sit before 'top_and_head'.*validation_data"
    with pytest.raises(ValueError, match=named):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[stale])
