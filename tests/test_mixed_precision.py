"""The GPU path, run on the CPU: under the mixed-precision policies ``pick_runtime`` turns on
(``mixed_float16`` on a T4, ``mixed_bfloat16`` on a TPU), every lab's own model, built by the lab's
own cell, keeps its output layer in float32, computes its other layers in the low precision, and
still trains: labs 01 and 02 to their quick-profile bands (75 % and 65 % test accuracy after the
quick profile's one epoch), labs 03 and 04, which state no quick band, to a clearly lower loss
with outputs that stay probabilities. Half-precision arithmetic is slow on a CPU, so each model
trains on a small subset. And a second ``pick_runtime`` puts back the policy it chose, whatever
was set in between.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
from recipes import lab04_head_definitions, run_lab_cell  # noqa: E402  (the labs' cells, as the benchmarks read them)

from dlkit.course.ponies import CLASS_NAMES, PONY_CLASSES, draw_pony
from dlkit.data.mnist import load_embedded_mnist
from dlkit.runtime import choose_policy, pick_runtime

pytestmark = pytest.mark.training

POLICIES = ["mixed_float16", "mixed_bfloat16"]


@pytest.fixture
def policy(request):
    keras.mixed_precision.set_global_policy(request.param)
    keras.utils.set_random_seed(0)
    yield request.param
    keras.mixed_precision.set_global_policy("float32")


def assert_float32_output_and_low_precision_inside(model, policy: str):
    compute = policy.removeprefix("mixed_")
    assert model.layers[-1].compute_dtype == "float32", "the lab's output layer must stay in float32"
    assert any(layer.compute_dtype == compute for layer in model.layers[:-1]), "the policy was not used"


@pytest.fixture(scope="module")
def mnist():
    (x_train, y_train), (x_test, y_test) = load_embedded_mnist()
    return (x_train[:3000].astype("float32") / 255, y_train[:3000]), (x_test[:1000].astype("float32") / 255,
                                                                     y_test[:1000])


def compiled_lab_model(lab: str, marker: str, policy: str):
    """The lab's model from its own cell, compiled as labs 01 and 02 compile it, checked for its dtypes."""
    model = run_lab_cell(lab, marker)["model"]
    model.compile(optimizer=keras.optimizers.Adam(0.003), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    assert_float32_output_and_low_precision_inside(model, policy)
    return model


@pytest.mark.parametrize("policy", POLICIES, indirect=True)
def test_lab01_dense_net_reaches_its_quick_band(policy, mnist):
    (x, y), (x_test, y_test) = mnist
    model = compiled_lab_model("01_mnist_dense.ipynb", 'name="hello_mnist"', policy)
    model.fit(x, y, epochs=1, batch_size=256, verbose=0)
    assert model.evaluate(x_test, y_test, verbose=0)[1] >= 0.75


@pytest.mark.parametrize("policy", POLICIES, indirect=True)
def test_lab02_convnet_reaches_its_quick_band(policy, mnist):
    (x, y), (x_test, y_test) = mnist
    model = compiled_lab_model("02_mnist_cnn.ipynb", 'name="mnist_convnet"', policy)
    model.fit(x[:1500, ..., None], y[:1500], epochs=1, batch_size=128, verbose=0)
    assert model.evaluate(x_test[..., None], y_test, verbose=0)[1] >= 0.65


def ponies(per_class: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(len(PONY_CLASSES)), per_class)
    images = np.stack([draw_pony(PONY_CLASSES[label], rng, size=size) for label in labels])
    return images.astype("float32"), labels


def assert_it_learns(model, x, y, epochs: int, batch_size: int = 16):
    before = model.evaluate(x, y, verbose=0)[0]
    model.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=0)
    after = model.evaluate(x, y, verbose=0)[0]
    probabilities = keras.ops.convert_to_numpy(model(x[:4]))
    assert probabilities.dtype == np.float32
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, atol=1e-5)
    assert np.isfinite(after) and after < 0.8 * before, (before, after)


@pytest.mark.parametrize("policy", POLICIES, indirect=True)
def test_lab03_convnet_learns_under_mixed_precision(policy):
    # The lab's from-scratch network (no dropout) learning 24 pictures by heart: the lab's lesson
    # in miniature, and the fastest way to see it train at 150x150 in half precision on a CPU.
    x, y = ponies(per_class=4, size=150)
    model = run_lab_cell("03_pony_classifier.ipynb", "def build_convnet", class_names=CLASS_NAMES)[
        "build_convnet"](dropout=0.0)
    assert_float32_output_and_low_precision_inside(model, policy)
    assert_it_learns(model, x, y, epochs=10, batch_size=4)


@pytest.mark.parametrize("policy", POLICIES, indirect=True)
def test_lab04_head_learns_under_mixed_precision(policy):
    definitions = lab04_head_definitions()
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(len(CLASS_NAMES)), 8)
    # Feature maps shaped like VGG16's output, shifted by class so that there is something to learn.
    x = (rng.normal(size=(len(y), 2, 2, 32)) + y[:, None, None, None] * 0.5).astype("float32")
    head = definitions["build_head"](x.shape[1:])
    definitions["check_head"](head)
    assert_float32_output_and_low_precision_inside(head, policy)
    assert_it_learns(head, x, y, epochs=30)


def test_policies_follow_the_devices_and_a_second_pick_runtime_resets_the_first():
    assert choose_policy("GPU", tensor_cores=True) == "mixed_float16"  # the T4 Colab gives
    assert choose_policy("GPU", tensor_cores=False) is None  # a K80: float16 would be slower
    assert choose_policy("TPU", tensor_cores=False) == "mixed_bfloat16"
    assert choose_policy("CPU", tensor_cores=False) is None  # never assumed on a CPU
    assert choose_policy("CPU", tensor_cores=False, cpu_bfloat16=True) == "mixed_bfloat16"  # measured faster
    assert choose_policy("CPU", tensor_cores=False, mixed_precision=False, cpu_bfloat16=True) is None
    assert choose_policy("GPU", tensor_cores=True, mixed_precision=False) is None
    keras.mixed_precision.set_global_policy("mixed_float16")  # left over from an earlier choice
    try:
        runtime = pick_runtime(cpu_bfloat16=False)
        assert runtime.mixed_precision is None
        assert keras.mixed_precision.global_policy().name == "float32"
    finally:
        keras.mixed_precision.set_global_policy("float32")
