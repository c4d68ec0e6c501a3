"""The pony generator: deterministic, the right layout, ponies that differ in shape more than in
colour (quality bar b), and fast enough (measured by benchmarks/ponies.py, bar c)."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from PIL import Image

from dlkit.course.ponies import CLASS_NAMES, PONY_CLASSES, draw_pony, generate_ponies
from dlkit.course.ponies.generator import _image_rng
from dlkit.instructor.cli import main


def test_writes_the_folder_of_subfolders_layout_as_150px_rgb(tmp_path):
    counts = generate_ponies(tmp_path, per_class=3, seed=5)
    assert counts == {name: 3 for name in CLASS_NAMES} and len(CLASS_NAMES) == 6
    files = sorted(tmp_path.glob("*/*.png"))
    assert len(files) == 18 and files[0].relative_to(tmp_path).as_posix() == "apple_farmer/0000.png"
    with Image.open(files[0]) as image:
        assert image.mode == "RGB" and image.size == (150, 150)


def test_same_seed_same_pictures_and_pictures_do_not_depend_on_how_many_are_made(tmp_path):
    generate_ponies(tmp_path / "a", per_class=2, seed=7)
    generate_ponies(tmp_path / "b", per_class=4, seed=7)
    generate_ponies(tmp_path / "c", per_class=2, seed=8)
    first = (tmp_path / "a" / "gem_unicorn" / "0001.png").read_bytes()
    assert first == (tmp_path / "b" / "gem_unicorn" / "0001.png").read_bytes()
    assert first != (tmp_path / "c" / "gem_unicorn" / "0001.png").read_bytes()


def test_size_option_and_pictures_vary_within_a_class():
    kind = PONY_CLASSES[0]
    pictures = [draw_pony(kind, _image_rng(0, 0, n), size=96) for n in range(4)]
    assert pictures[0].shape == (96, 96, 3) and pictures[0].dtype == np.uint8
    assert min(np.abs(a.astype(int) - b).mean() for a, b in zip(pictures, pictures[1:], strict=False)) > 10


def test_cli_writes_ponies(tmp_path, capsys):
    assert main(["ponies", "--out", str(tmp_path), "--per-class", "2", "--seed", "1", "--size", "64"]) == 0
    assert "wrote 12 pictures" in capsys.readouterr().out
    assert len(list(tmp_path.glob("*/*.png"))) == 12


def colour_features(picture: np.ndarray) -> np.ndarray:
    """Mean colour, chromaticity (each channel's share, blind to brightness), colour spread and an
    8-bin histogram per channel: what colour says, nothing of shape."""
    pixels = picture.reshape(-1, 3).astype(np.float64)
    mean = pixels.mean(axis=0)
    histograms = [np.histogram(pixels[:, c], bins=8, range=(0, 256))[0] / len(pixels) for c in range(3)]
    return np.concatenate([mean / 255, mean / (mean.sum() + 1e-9), pixels.std(axis=0) / 255, *histograms])


@functools.cache
def drawn_ponies(seed: int, count: int) -> tuple[tuple[np.ndarray, int], ...]:
    """``count`` 96-pixel pictures of each class with their class index, drawn once per module."""
    return tuple((draw_pony(kind, _image_rng(seed, index, number), size=96), index)
                 for index, kind in enumerate(PONY_CLASSES) for number in range(count))


def colour_classifier_accuracy(per_class_train: int, per_class_test: int, cast=None) -> float:
    """Held-out accuracy of a softmax regression on colour features (numpy, gradient descent).

    ``cast(picture, class_index)``, if given, changes each picture first (to test the test).
    """

    def dataset(seed, count):
        features, labels = [], []
        for picture, index in drawn_ponies(seed, count):
            features.append(colour_features(cast(picture, index) if cast else picture))
            labels.append(index)
        return np.array(features), np.array(labels)

    x_train, y_train = dataset(11, per_class_train)
    x_test, y_test = dataset(12, per_class_test)
    mean, std = x_train.mean(axis=0), x_train.std(axis=0) + 1e-9
    x_train, x_test = (x_train - mean) / std, (x_test - mean) / std
    weights = np.zeros((x_train.shape[1], 6))
    targets = np.eye(6)[y_train]
    for _ in range(600):
        logits = x_train @ weights
        q = np.exp(logits - logits.max(axis=1, keepdims=True))
        q /= q.sum(axis=1, keepdims=True)
        weights -= 0.5 * (x_train.T @ (q - targets) / len(x_train) + 1e-3 * weights)
    return float(np.mean((x_test @ weights).argmax(axis=1) == y_test))


def test_colour_alone_is_a_weak_cue():
    accuracy = colour_classifier_accuracy(per_class_train=60, per_class_test=30)
    assert accuracy < 0.60, f"a colour-only classifier reached {accuracy:.2f}"
    assert accuracy > 1 / 6 - 0.05  # it is a working classifier, not a broken one


def test_the_colour_check_would_catch_a_colour_cue():
    """The same classifier finds a colour cue when there is one: a faint per-class colour cast."""

    def cast(picture, class_index):
        tint = np.array([1.0, 1.0, 1.0])
        tint[class_index % 3] = 0.7 if class_index < 3 else 1.3
        return np.clip(picture * tint, 0, 255).astype(np.uint8)

    assert colour_classifier_accuracy(per_class_train=60, per_class_test=30, cast=cast) > 0.60


@pytest.mark.parametrize("kind", PONY_CLASSES, ids=CLASS_NAMES)
def test_every_class_draws(kind):
    assert draw_pony(kind, _image_rng(0, 0, 0)).std() > 10
