"""dlkit.course.check: every checker passes a right answer and gives a hint (never the answer) for the
usual wrong ones."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from dlkit.course import check, deck_examples
from dlkit.course.convolution import conv2d_valid


def verdict_of(checker, *args, **kwargs):
    return checker.judge(*args, **kwargs)


def assert_hint(verdict, *words):
    assert not verdict.passed, verdict.message
    for word in words:
        assert word in verdict.message, verdict.message


# Lab 00 ------------------------------------------------------------------------------------------


def test_conv2d_valid_passes_a_correct_loop_and_names_the_usual_slips():
    def loop(image, kernel):
        h, w = kernel.shape
        out = np.zeros((image.shape[0] - h + 1, image.shape[1] - w + 1))
        for i in range(out.shape[0]):
            for j in range(out.shape[1]):
                out[i, j] = (image[i : i + h, j : j + w] * kernel).sum()
        return out

    assert verdict_of(check.conv2d_valid, loop).passed
    assert_hint(verdict_of(check.conv2d_valid, lambda i, k: loop(i, k[::-1, ::-1])), "flipped")
    assert_hint(verdict_of(check.conv2d_valid, lambda i, k: loop(i, k) / k.size), "divided")
    assert_hint(verdict_of(check.conv2d_valid, lambda i, k: loop(np.pad(i, 1), k)), "shape")
    assert_hint(verdict_of(check.conv2d_valid, lambda i, k: None), "returns None")
    assert_hint(verdict_of(check.conv2d_valid, lambda i, k: loop(i, k) + 1), "some numbers are not")


def numpy_max_pool(fmap, size=2, stride=2):
    """An oracle independent of dlkit: pad the edge with -inf so windows running over it keep the
    pixels that are there (the deck's rule), then take every window's maximum with numpy."""
    fmap = np.asarray(fmap, dtype=float)
    rows, columns = (-(-max(n - size, 0) // stride) + 1 for n in fmap.shape)
    padded = np.pad(fmap, [(0, (rows - 1) * stride + size - fmap.shape[0]),
                           (0, (columns - 1) * stride + size - fmap.shape[1])], constant_values=-np.inf)
    windows = np.lib.stride_tricks.sliding_window_view(padded, (size, size))[::stride, ::stride]
    return windows.max(axis=(2, 3))


def test_the_oracle_pools_the_decks_7x7_map_to_its_4x4():
    pooled = numpy_max_pool(deck_examples.DECK_FEATURE_MAPS["diagonal ↘"])
    np.testing.assert_allclose(pooled, deck_examples.DECK_POOLED_MAPS["diagonal ↘"])


def test_max_pool_passes_the_reference_and_catches_dropped_edges_and_a_zero_start():
    def no_edges(fmap, size=2, stride=2):
        rows, columns = (fmap.shape[0] - size) // stride + 1, (fmap.shape[1] - size) // stride + 1
        return np.array([[fmap[i * stride : i * stride + size, j * stride : j * stride + size].max()
                          for j in range(columns)] for i in range(rows)])

    def zero_start(fmap, size=2, stride=2):
        return np.maximum(numpy_max_pool(fmap, size, stride), 0)

    assert verdict_of(check.max_pool, numpy_max_pool).passed
    assert_hint(verdict_of(check.max_pool, no_edges), "edge")
    assert_hint(verdict_of(check.max_pool, zero_start), "negative")
    assert_hint(verdict_of(check.max_pool, lambda fmap, size=2, stride=2: numpy_max_pool(fmap)), "stride")


def numpy_correlate(image, kernel):
    """Keras' and the deck's 'convolution' (the filter laid on as it is), with numpy's windows."""
    windows = np.lib.stride_tricks.sliding_window_view(np.asarray(image, float), np.shape(kernel))
    return np.einsum("ijkl,kl->ij", windows, np.asarray(kernel, float))


def test_lab00_checkers_compare_with_written_out_answers_that_independent_numpy_agrees_with():
    from dlkit.course.check import lab00

    for case in lab00.CONVOLUTION_CASES:
        np.testing.assert_allclose(case.expected, numpy_correlate(case.image, case.kernel))
        if case.flipped is not None:
            np.testing.assert_allclose(case.flipped, numpy_correlate(case.image, np.flip(case.kernel)))
            assert not np.allclose(case.flipped, case.expected)  # else the "flipped" hint could not fire
    for case in lab00.POOLING_CASES:
        np.testing.assert_allclose(case.expected, numpy_max_pool(case.feature_map, case.size, case.stride))
    # the checkers hold no reference function a student could import in place of an answer
    assert not any(callable(getattr(lab00, name)) and name.startswith("reference") for name in dir(lab00))


def test_a_stub_or_a_crash_is_a_hint_not_an_exception(capsys):
    def stub(image, kernel):
        raise NotImplementedError

    assert_hint(verdict_of(check.conv2d_valid, stub), "fill in")
    assert_hint(verdict_of(check.parameter_count, ...), "fill in")
    assert_hint(verdict_of(check.conv2d_valid, lambda i, k: i @ np.ones(7)), "ValueError")
    check.conv2d_valid(conv2d_valid)  # the lab's call prints and returns nothing
    assert capsys.readouterr().out.startswith("✅ Passed:")


# Lab 01 ------------------------------------------------------------------------------------------


def dense_net(*hidden, output_activation="softmax", compiled=True, trained=True):
    model = keras.Sequential(
        [keras.Input((28, 28)), keras.layers.Flatten()]
        + [keras.layers.Dense(units, activation=activation) for units, activation in hidden]
        + [keras.layers.Dense(10, activation=output_activation)]
    )
    if compiled:
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    if compiled and trained:
        model.fit(np.zeros((8, 28, 28)), np.zeros(8), epochs=1, batch_size=4, verbose=0)
    return model


def test_deeper_network_wants_two_nonlinear_hidden_layers_a_softmax_vote_and_a_compile():
    assert verdict_of(check.deeper_network, dense_net((128, "relu"), (64, "relu"))).passed
    assert_hint(verdict_of(check.deeper_network, dense_net((128, "relu"))), "add one more")
    assert_hint(verdict_of(check.deeper_network, dense_net((128, "relu"), (64, None))), "no activation")
    assert_hint(
        verdict_of(check.deeper_network, dense_net((128, "relu"), (64, "relu"), output_activation=None)),
        "probabilities",
    )
    assert_hint(verdict_of(check.deeper_network, dense_net((128, "relu"), (64, "relu"), compiled=False)),
                "compile")


def test_deeper_network_wants_the_64_units_asked_for_and_a_trained_model():
    assert_hint(verdict_of(check.deeper_network, dense_net((128, "relu"), (32, "relu"))), "Dense(64")
    untrained = dense_net((128, "relu"), (64, "relu"), trained=False)
    assert_hint(verdict_of(check.deeper_network, untrained), "not trained yet")
    trained = verdict_of(check.deeper_network, dense_net((128, "relu"), (64, "relu")))
    assert trained.passed and "compiled and trained" in trained.message


def test_parameter_count_knows_the_forgotten_biases_and_never_prints_the_number():
    right = 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10
    assert verdict_of(check.parameter_count, right).passed
    for wrong in (784 * 256 + 256 * 128 + 128 * 10, right + 1, right - 1290):
        verdict = verdict_of(check.parameter_count, wrong)
        assert_hint(verdict)
        assert str(right) not in verdict.message.replace(",", "")
    assert_hint(verdict_of(check.parameter_count, 784 * 256 + 256 * 128 + 128 * 10), "biases")
    assert_hint(verdict_of(check.parameter_count, "lots"), "whole number")
    assert_hint(verdict_of(check.parameter_count, True), "whole number")


def test_parameter_count_takes_a_right_numpy_answer():  # e.g. np.sum over the layers' products
    right = 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10
    assert verdict_of(check.parameter_count, np.int64(right)).passed
    assert verdict_of(check.parameter_count, np.float64(right)).passed
    assert_hint(verdict_of(check.parameter_count, np.float64(right + 0.5)), "whole number")


# Lab 02 ------------------------------------------------------------------------------------------


def test_conv_output_shape_explains_valid_convolutions_and_keras_pooling():
    model = keras.Sequential([
        keras.Input((32, 32, 3)),
        keras.layers.Conv2D(32, 3), keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(64, 3), keras.layers.MaxPooling2D(2),
    ])
    assert verdict_of(check.conv_output_shape, model.output_shape[1:]).passed
    assert_hint(verdict_of(check.conv_output_shape, (8, 8, 64)), "smaller")
    assert_hint(verdict_of(check.conv_output_shape, (7, 7, 64)), "drops")
    assert_hint(verdict_of(check.conv_output_shape, (6, 6, 3)), "filters")
    assert_hint(verdict_of(check.conv_output_shape, (6, 6)), "three whole numbers")


def convnet(head):
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(32, 3, activation="relu"), keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(64, 3, activation="relu"), keras.layers.MaxPooling2D(2),
        head, keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def test_global_pooling_head_replaces_flatten_and_saves_weights():
    baseline = convnet(keras.layers.Flatten())
    pooled = convnet(keras.layers.GlobalAveragePooling2D())
    verdict = verdict_of(check.global_pooling_head, pooled, baseline)
    assert verdict.passed and "fewer weights" in verdict.message
    assert_hint(verdict_of(check.global_pooling_head, baseline, baseline), "no GlobalAveragePooling2D")


# Lab 03 ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pony_batch():
    from dlkit.course.ponies import PONY_CLASSES, draw_pony

    rng = np.random.default_rng(0)
    return np.stack([draw_pony(kind, rng, size=64) for kind in PONY_CLASSES[:2]]).astype("float32")


def augmenter(*layers):
    return keras.Sequential(list(layers))


def test_augmentation_accepts_believable_transforms_and_rejects_upside_down_ponies(pony_batch):
    good = augmenter(keras.layers.RandomFlip("horizontal"), keras.layers.RandomZoom(0.2, seed=1))
    assert verdict_of(check.augmentation, good, pony_batch).passed
    upside_down = augmenter(keras.layers.RandomFlip("horizontal_and_vertical"), keras.layers.RandomZoom(0.2))
    assert_hint(verdict_of(check.augmentation, upside_down, pony_batch), "upside down")
    spinning = augmenter(keras.layers.RandomFlip("horizontal"), keras.layers.RandomRotation(0.5))
    assert_hint(verdict_of(check.augmentation, spinning, pony_batch), "rotation")
    rescaled = augmenter(keras.layers.Rescaling(1 / 255), keras.layers.RandomFlip("horizontal"))
    assert_hint(verdict_of(check.augmentation, rescaled, pony_batch), "Rescaling")
    assert_hint(verdict_of(check.augmentation, augmenter(keras.layers.RandomZoom(0.2)), pony_batch), "two")
    idle = augmenter(keras.layers.RandomZoom(0.0), keras.layers.RandomTranslation(0.0, 0.0))
    assert_hint(verdict_of(check.augmentation, idle, pony_batch), "unchanged")


class History:
    def __init__(self, **curves):
        self.history = curves


def test_overfitting_epoch_reads_the_validation_loss_not_the_training_loss():
    history = History(
        loss=[1.5, 1.0, 0.6, 0.3, 0.1],
        val_loss=[1.6, 1.2, 1.1, 1.3, 1.6],
        val_accuracy=[0.3, 0.4, 0.45, 0.5, 0.44],
    )
    assert verdict_of(check.overfitting_epoch, 3, history).passed
    assert_hint(verdict_of(check.overfitting_epoch, 2, history), "counts epochs from 1")
    assert_hint(verdict_of(check.overfitting_epoch, 4, history), "accuracy")
    assert_hint(verdict_of(check.overfitting_epoch, 5, history), "training")


# Lab 04 ------------------------------------------------------------------------------------------


def test_feature_shape_halves_five_times_rounding_up_for_efficientnet_and_down_for_vgg16():
    assert verdict_of(check.feature_shape, (7, 7, 1280)).passed  # 200 -> 100 -> 50 -> 25 -> 13 -> 7
    assert verdict_of(check.feature_shape, [5, 5, 1280], image_size=150).passed
    assert_hint(verdict_of(check.feature_shape, (6, 6, 1280)), "round up")
    assert_hint(verdict_of(check.feature_shape, (7, 7, 512)), "feature maps")
    assert verdict_of(check.feature_shape, (6, 6, 512), network="vgg16").passed
    assert verdict_of(check.feature_shape, [4, 4, 512], image_size=150, network="vgg16").passed
    assert_hint(verdict_of(check.feature_shape, (7, 7, 512), network="vgg16"), "round down")
    assert_hint(verdict_of(check.feature_shape, (6, 6, 256), network="vgg16"), "feature maps")
    assert_hint(verdict_of(check.feature_shape, (6, 6, 512), network="resnet50"), "vgg16")


def test_the_feature_shapes_the_checker_expects_are_what_the_networks_give():
    from dlkit.pretrained import load_base

    for network, expected in (("efficientnet_lite0", (7, 7, 1280)), ("vgg16", (6, 6, 512))):
        base = load_base(network, include_top=False, input_shape=(200, 200, 3), weights=None, verbose=False)
        assert tuple(base.output_shape[1:]) == expected
        assert verdict_of(check.feature_shape, expected, network=network).passed


@pytest.fixture(scope="module")
def vgg16_model():
    conv_base = keras.applications.VGG16(include_top=False, weights=None, input_shape=(32, 32, 3))
    model = keras.Sequential([keras.Input((32, 32, 3)), conv_base, keras.layers.Flatten(),
                              keras.layers.Dense(6, activation="softmax")])
    return model, conv_base


@pytest.fixture(scope="module")
def efficientnet_model():
    from dlkit.pretrained import load_base

    conv_base = load_base("efficientnet_lite0", include_top=False, input_shape=(32, 32, 3), weights=None,
                          verbose=False)
    model = keras.Sequential([keras.Input((32, 32, 3)), conv_base, keras.layers.GlobalAveragePooling2D(),
                              keras.layers.Dense(6, activation="softmax")])
    return model, conv_base


def unfreeze(model, conv_base, prefixes, rate=1e-5, base_trainable=True, normalisation=False):
    conv_base.trainable = base_trainable
    if base_trainable:
        for layer in conv_base.layers:
            is_normalisation = isinstance(layer, keras.layers.BatchNormalization)
            layer.trainable = layer.name.startswith(prefixes) and (normalisation or not is_normalisation)
    model.compile(optimizer=keras.optimizers.Adam(rate), loss="sparse_categorical_crossentropy")


def test_fine_tune_deeper_on_vgg16_wants_blocks_4_and_5_open_the_rest_frozen_and_a_low_rate(vgg16_model):
    model, conv_base = vgg16_model
    unfreeze(model, conv_base, ("block4", "block5"))
    assert verdict_of(check.fine_tune_deeper, model, conv_base).passed
    unfreeze(model, conv_base, ("block5",))
    assert_hint(verdict_of(check.fine_tune_deeper, model, conv_base), "block4_conv1", "still frozen")
    unfreeze(model, conv_base, ("block3", "block4", "block5"))
    assert_hint(verdict_of(check.fine_tune_deeper, model, conv_base), "block3")
    unfreeze(model, conv_base, ("block4", "block5"), rate=1e-3)
    assert_hint(verdict_of(check.fine_tune_deeper, model, conv_base), "learning rate")
    unfreeze(model, conv_base, (), base_trainable=False)
    assert_hint(verdict_of(check.fine_tune_deeper, model, conv_base), "conv_base.trainable = True")


def test_fine_tune_deeper_on_efficientnet_opens_block6_block7_and_top_but_not_batch_normalisation(
    efficientnet_model,
):
    model, conv_base = efficientnet_model
    unfreeze(model, conv_base, ("block6", "block7", "top"))
    assert verdict_of(check.fine_tune_deeper, model, conv_base).passed
    unfreeze(model, conv_base, ("block7", "top"))
    assert_hint(verdict_of(check.fine_tune_deeper, model, conv_base), "block6a_expand_conv", "still frozen")
    unfreeze(model, conv_base, ("block6", "block7", "top"), normalisation=True)
    assert_hint(verdict_of(check.fine_tune_deeper, model, conv_base), "BatchNormalization")
    unfreeze(model, conv_base, ("block5", "block6", "block7", "top"))
    assert_hint(verdict_of(check.fine_tune_deeper, model, conv_base), "block5")
    unfreeze(model, conv_base, ("block6", "block7", "top"), rate=1e-3)
    assert_hint(verdict_of(check.fine_tune_deeper, model, conv_base), "learning rate")


# Lab 06 ------------------------------------------------------------------------------------------


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def lstm_step_with_gates(order: str, carry_state: bool = True):
    """A numpy LSTM step that reads the four gate blocks in ``order`` (Keras' is "ifco")."""

    def step(x, h, c, kernel, recurrent_kernel, bias):
        pre = x @ kernel + (h @ recurrent_kernel if carry_state else 0) + bias
        gates = dict(zip(order, np.split(pre, 4), strict=True))
        c = sigmoid(gates["f"]) * c + sigmoid(gates["i"]) * np.tanh(gates["c"])
        return sigmoid(gates["o"]) * np.tanh(c), c

    return step


def test_lstm_step_matches_keras_and_names_the_gate_order_and_the_missing_recurrence():
    assert verdict_of(check.lstm_step, lstm_step_with_gates("ifco")).passed
    assert_hint(verdict_of(check.lstm_step, lstm_step_with_gates("ifoc")), "i, f, c, o")
    no_recurrence = lstm_step_with_gates("ifco", carry_state=False)
    assert_hint(verdict_of(check.lstm_step, no_recurrence), "first step is right")
    assert_hint(verdict_of(check.lstm_step, lambda *args: None), "return h, c")


def test_lstm_step_still_compares_exactly_when_a_lab_runs_in_mixed_bfloat16():
    keras.mixed_precision.set_global_policy("mixed_bfloat16")  # lab 06 on a CPU where bfloat16 pays off
    try:
        assert verdict_of(check.lstm_step, lstm_step_with_gates("ifco")).passed
    finally:
        keras.mixed_precision.set_global_policy("float32")


def test_gru_parameter_count_agrees_with_keras_and_knows_the_second_bias():
    keras_count = keras.Sequential([keras.Input((28, 28)), keras.layers.GRU(64)]).count_params()
    assert verdict_of(check.gru_parameter_count, keras_count).passed
    one_bias = 3 * (28 * 64 + 64 * 64 + 64)
    assert_hint(verdict_of(check.gru_parameter_count, one_bias), "two bias")
    assert_hint(verdict_of(check.gru_parameter_count, 4 * (28 * 64 + 64 * 64 + 64)), "three gate blocks")
    for wrong in (one_bias, keras_count + 1, 3 * (28 * 64 + 64)):
        assert str(keras_count) not in verdict_of(check.gru_parameter_count, wrong).message.replace(",", "")
    assert_hint(verdict_of(check.gru_parameter_count, "lots"), "whole number")


# Lab 07 ------------------------------------------------------------------------------------------


def residual_block_variant(shortcut: str = "identity", padding: str = "same", final_relu: bool = True):
    """A residual block as a student might write it: ``shortcut`` is "identity" (1x1 only where the
    channels change), "none" (no Add) or "always convolved" (a 1x1 convolution even where it is not
    needed, so zeroed 3x3 convolutions no longer pass the input through)."""
    layers = keras.layers

    def block(x, filters):
        y = layers.Conv2D(filters, 3, padding=padding, use_bias=False)(x)
        y = layers.BatchNormalization()(y)
        y = layers.Activation("relu")(y)
        y = layers.Conv2D(filters, 3, padding=padding, use_bias=False)(y)
        y = layers.BatchNormalization()(y)
        if shortcut == "none":
            return layers.Activation("relu")(y)
        skip = x if shortcut == "identity" and x.shape[-1] == filters else layers.Conv2D(filters, 1)(x)
        added = layers.Add()([skip, y])
        return layers.Activation("relu")(added) if final_relu else added

    return block


def test_residual_block_is_judged_by_passing_its_input_through_with_zeroed_convolutions():
    assert verdict_of(check.residual_block, residual_block_variant()).passed
    assert_hint(verdict_of(check.residual_block, residual_block_variant(shortcut="none")), "no shortcut")
    assert_hint(verdict_of(check.residual_block, residual_block_variant(shortcut="always convolved")),
                "input itself")
    assert_hint(verdict_of(check.residual_block, residual_block_variant(padding="valid")), "padding")
    assert_hint(verdict_of(check.residual_block, lambda x, filters: None), "return")
    no_final_relu = residual_block_variant(final_relu=False)
    assert_hint(verdict_of(check.residual_block, no_final_relu), "ends with a ReLU")


def test_residual_block_passes_under_mixed_bfloat16_too():
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        assert verdict_of(check.residual_block, residual_block_variant()).passed
    finally:
        keras.mixed_precision.set_global_policy("float32")


def test_batch_norm_weights_agrees_with_keras_and_separates_learned_from_counted():
    layer = keras.layers.BatchNormalization()
    layer.build((None, 8, 8, 64))
    total = layer.count_params()
    trainable = sum(int(np.prod(weight.shape)) for weight in layer.trainable_weights)
    assert verdict_of(check.batch_norm_weights, total, trainable).passed
    assert_hint(verdict_of(check.batch_norm_weights, total, total), "not by the optimiser")
    assert_hint(verdict_of(check.batch_norm_weights, trainable, trainable), "moving mean")
    assert str(total) not in verdict_of(check.batch_norm_weights, total, total).message
    assert_hint(verdict_of(check.batch_norm_weights, "many", 2), "whole numbers")
