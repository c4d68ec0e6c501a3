"""set_seed makes training repeatable on the same machine."""

import keras
import numpy as np

from dlkit.repeatability import set_seed


def train_once(seed: int) -> np.ndarray:
    set_seed(seed)
    model = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(3), keras.layers.Dropout(0.5), keras.layers.Dense(1)]
    )
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(0).random((32, 4)).astype("float32")
    model.fit(x, x.sum(axis=1), epochs=2, batch_size=8, verbose=0)
    return model.get_weights()[0]


def test_same_seed_same_weights_other_seed_other_weights():
    assert np.array_equal(train_once(7), train_once(7))
    assert not np.array_equal(train_once(7), train_once(8))
