"""Pretrained weights are found, verified and loaded like datasets; random weights only when asked.

No ImageNet weights exist on these machines, so the tests make their own stand-in: a randomly
initialised VGG16 base saved in Keras' legacy .h5 layout under the official file name. Its hash is
registered for the test that needs it only; with the shipped registry (Keras' hashes) the same
file is refused wherever it lies.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import shutil
import sys
from pathlib import Path

import h5py
import keras
import numpy as np
import pytest
from fresh_interpreter import FreshRun
from keras.src.legacy.saving import legacy_h5_format

from dlkit.data import registry as registry_module
from dlkit.data.registry import AcceptedVersion
from dlkit.errors import DlkitError, VerificationError, WeightsUnavailable
from dlkit.instructor.cli import main
from dlkit.pretrained import decode_predictions, load_base, load_photos

NOTOP = "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"
SMALL = (32, 32, 3)  # the base's weights do not depend on the input size


@pytest.fixture(scope="module")
def stand_in(tmp_path_factory) -> tuple[Path, list[np.ndarray]]:
    """A random VGG16 base saved as Keras' notop file would be, and its weights."""
    keras.utils.set_random_seed(3)
    model = keras.applications.VGG16(weights=None, include_top=False, input_shape=SMALL)
    path = tmp_path_factory.mktemp("stick") / NOTOP
    with h5py.File(path, "w") as handle:
        legacy_h5_format.save_weights_to_hdf5_group(handle, model)
    return path, model.get_weights()


@pytest.fixture
def registered(stand_in, monkeypatch):
    """The shipped registry, with the stand-in's hash accepted for VGG16's notop file."""
    path, _ = stand_in
    real = registry_module.registry()
    vgg16 = real["vgg16"]
    digest = hashlib.md5(path.read_bytes()).hexdigest()
    version = AcceptedVersion("test stand-in", f"md5:{digest}", path.stat().st_size)
    files = tuple(
        dataclasses.replace(f, accepted=(version,)) if f.variant == "notop" else f for f in vgg16.files
    )
    patched = {**real, "vgg16": dataclasses.replace(vgg16, files=files)}
    monkeypatch.setattr(registry_module, "registry", lambda: patched)
    return path


def same_weights(model, expected) -> bool:
    return all(np.array_equal(a, b) for a, b in zip(model.get_weights(), expected, strict=True))


def test_registered_file_loads_from_an_explicit_path_at_any_input_size(registered, stand_in, capsys):
    model = load_base("vgg16", include_top=False, input_shape=(150, 150, 3), path=registered.parent)
    assert same_weights(model, stand_in[1]) and model.output_shape == (None, 4, 4, 512)
    assert "VGG16 ImageNet weights:" in capsys.readouterr().out


def test_weights_dir_then_cache_then_keras_cache(registered, stand_in, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DLKIT_WEIGHTS_DIR", str(registered.parent))
    assert same_weights(load_base("vgg16", input_shape=SMALL), stand_in[1])
    assert "$DLKIT_WEIGHTS_DIR" in capsys.readouterr().out
    monkeypatch.delenv("DLKIT_WEIGHTS_DIR")
    keras_copy = tmp_path / "keras-home" / "models" / NOTOP
    keras_copy.parent.mkdir(parents=True)
    shutil.copyfile(registered, keras_copy)
    load_base("vgg16", input_shape=SMALL)
    assert "Keras cache" in capsys.readouterr().out


def test_fetch_from_a_usb_stick_imports_verified_weights(registered, tmp_path, capsys):
    with pytest.warns(UserWarning) as caught:
        assert main(["fetch", "vgg16", "--from", str(registered.parent)]) == 0
    notes = " ".join(str(w.message) for w in caught)
    assert "no vgg16_weights_tf_dim_ordering_tf_kernels.h5" in notes  # the full model was not on it
    assert (tmp_path / "dlkit-cache" / "models" / NOTOP).exists()
    main(["datasets"])
    table = capsys.readouterr().out
    assert any(
        line.startswith("vgg16") and NOTOP in line and "verified" in line for line in table.splitlines()
    )


def test_the_right_name_with_other_content_is_refused_everywhere(stand_in, tmp_path, monkeypatch):
    path, _ = stand_in  # shipped registry: only Keras' real file is accepted
    with pytest.raises(VerificationError, match="truncated or not the right file"):
        load_base("vgg16", input_shape=SMALL, path=path)
    monkeypatch.setenv("DLKIT_WEIGHTS_DIR", str(path.parent))
    with pytest.raises(VerificationError, match="left unchanged"):
        load_base("vgg16", input_shape=SMALL)
    monkeypatch.delenv("DLKIT_WEIGHTS_DIR")
    keras_copy = tmp_path / "keras-home" / "models" / NOTOP
    keras_copy.parent.mkdir(parents=True)
    shutil.copyfile(path, keras_copy)
    monkeypatch.setenv("DLKIT_OFFLINE", "1")
    with pytest.warns(UserWarning, match="ignoring Keras' cached copy"):
        with pytest.raises(WeightsUnavailable):
            load_base("vgg16", input_shape=SMALL)
    assert keras_copy.read_bytes() == path.read_bytes()  # Keras' cache is never touched


def test_offline_without_weights_names_the_file_its_size_and_the_fetch_command(monkeypatch):
    monkeypatch.setenv("DLKIT_OFFLINE", "1")
    with pytest.raises(WeightsUnavailable) as caught:
        load_base("vgg16", include_top=False, input_shape=(150, 150, 3))
    message = str(caught.value)
    for expected in (NOTOP, "58.9 MB", "dlkit fetch vgg16`", "--from DIR", "DLKIT_WEIGHTS_DIR"):
        assert expected in message
    with pytest.raises(WeightsUnavailable, match=r"vgg16_weights_tf_dim_ordering_tf_kernels\.h5 \(553\.5 MB"):
        load_base("vgg16", include_top=True)


def test_random_weights_only_when_asked_and_said_in_one_line(capsys):
    model = load_base("vgg16", include_top=False, input_shape=SMALL, weights=None)
    assert model.count_params() == 14_714_688
    assert capsys.readouterr().out.strip().splitlines() == [
        "VGG16 has RANDOM weights (weights=None): it is not pretrained, and accuracies made with it "
        "are not transfer-learning results."
    ]


def test_an_unknown_network_is_a_clear_error_naming_the_known_ones():
    known = "dlkit knows: efficientnet_lite0, vgg16, vgg19, resnet50, inceptionv3, xception"
    with pytest.raises(DlkitError, match=known):
        load_base("mobilenet")  # Keras publishes no hash for its weights: dlkit could not verify them
    with pytest.raises(DlkitError, match="dlkit knows: efficientnet_lite0, vgg16"):
        load_base("alexnet")


def test_decode_predictions_orders_classes_and_names_them_as_keras_does_offline():
    probabilities = np.zeros((1, 1000))
    probabilities[0, [3, 207, 5]] = [0.2, 0.7, 0.1]
    assert decode_predictions(probabilities, top=2) == [[("golden_retriever", 0.7), ("tiger_shark", 0.2)]]
    names = [f"name{i}" for i in range(1000)]
    assert decode_predictions(probabilities, top=1, class_names=names) == [[("name207", 0.7)]]


def test_load_photos_crops_to_aspect_instead_of_squashing(tmp_path):
    from PIL import Image

    wide = np.zeros((100, 300, 3), np.uint8)
    wide[:, 100:200] = 255  # a white square in the middle third
    Image.fromarray(wide).save(tmp_path / "wide.png")
    Image.fromarray(np.full((50, 40, 3), 9, np.uint8)).save(tmp_path / "small.JPG")
    images, paths = load_photos(tmp_path, (64, 64))
    assert [p.name for p in paths] == ["small.JPG", "wide.png"] and images.shape == (2, 64, 64, 3)
    assert images[1].min() > 250  # the centre crop is all white: nothing was squashed in


def test_load_photos_under_a_mixed_precision_policy_keeps_exact_float32_pixels(tmp_path):
    """Lab 04 reads the photos after dlkit.runtime may have set mixed_bfloat16 (a CPU measured
    faster in it, a TPU): the photos must load all the same, in float32, with pixels unrounded."""
    import keras
    from PIL import Image

    ramp = np.tile(np.arange(64, dtype=np.uint8)[None, :, None] * 3 + 1, (64, 1, 3))
    Image.fromarray(ramp).save(tmp_path / "ramp.png")
    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        images, _ = load_photos(tmp_path, (64, 64))
    finally:
        keras.mixed_precision.set_global_policy(previous)
    assert images.dtype == np.float32
    np.testing.assert_allclose(images[0], ramp, atol=0.01)  # bfloat16 would round 187 to 188


PREPROCESS_IN_TF_DATA = """
import numpy as np, tensorflow as tf, keras
from dlkit.pretrained import preprocess_input
pictures = np.random.default_rng(0).uniform(0, 255, (4, 8, 8, 3)).astype("float32")
mapped = tf.data.Dataset.from_tensor_slices(pictures).batch(2).map(lambda x: preprocess_input("vgg16", x))
in_pipeline = np.concatenate([batch.numpy() for batch in mapped])
direct = keras.ops.convert_to_numpy(preprocess_input("vgg16", keras.ops.convert_to_tensor(pictures)))
assert mapped.element_spec.shape.as_list() == [None, 8, 8, 3]
np.testing.assert_allclose(in_pipeline, direct, rtol=1e-6)
bgr_minus_imagenet_mean = pictures[0, 0, 0, ::-1] - [103.939, 116.779, 123.68]  # VGG's "caffe" scaling
np.testing.assert_allclose(in_pipeline[0, 0, 0], bgr_minus_imagenet_mean, rtol=1e-5)
lite = tf.data.Dataset.from_tensor_slices(pictures).batch(2).map(
    lambda x: preprocess_input("efficientnet_lite0", x))
np.testing.assert_allclose(np.concatenate([b.numpy() for b in lite]), (pictures - 127) / 128, rtol=1e-6)
print(keras.backend.backend())
"""


def preprocessing_run(backend: str):
    """The script above in a fresh interpreter on ``backend`` (a backend is chosen before Keras is
    imported), as a parameter whose run conftest starts early; ``None`` where it is not installed."""
    if backend != "tensorflow" and importlib.util.find_spec(backend) is None:
        return pytest.param(backend, None, id=backend)
    run = FreshRun([sys.executable, "-c", PREPROCESS_IN_TF_DATA], {"KERAS_BACKEND": backend})
    return pytest.param(backend, run, marks=pytest.mark.fresh_interpreter(run), id=backend)


@pytest.mark.parametrize(("backend", "run"), [preprocessing_run(b) for b in ("tensorflow", "jax", "torch")])
def test_preprocess_input_runs_inside_tf_data_on_every_backend(backend, run):
    """Lab 04 scales its augmented pictures inside ``train_ds.map``: on JAX and PyTorch, Keras'
    operations cannot run there, and dlkit must still give what Keras gives outside tf.data."""
    if run is None:
        pytest.skip(f"{backend} is not installed here")
    outcome = run.outcome()
    assert outcome.returncode == 0, outcome.stderr[-2000:]
    assert outcome.stdout.split()[-1] == backend
