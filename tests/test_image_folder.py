"""load_image_folder: every kind of image loads as the right RGB pixels, bad files are named or
skipped, problems are reported, and the user's folder is never changed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from dlkit.data.image_folder import (
    BadImageFolder,
    ImageFolderWarning,
    inspect_image_folder,
    load_image_folder,
)

HEIGHT, WIDTH = 20, 30


def picture(seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (HEIGHT, WIDTH, 3), dtype=np.uint8))


def snapshot(folder: Path) -> dict[str, tuple[bytes, float]]:
    return {str(p): (p.read_bytes(), p.stat().st_mtime) for p in sorted(folder.rglob("*")) if p.is_file()}


def all_images(dataset) -> tuple[np.ndarray, np.ndarray]:
    images, labels = zip(*[(x.numpy(), y.numpy()) for x, y in dataset], strict=True)
    return np.concatenate(images), np.concatenate(labels)


@pytest.fixture
def mixed_folder(tmp_path: Path) -> tuple[Path, dict[str, np.ndarray]]:
    """A class folder with every image flavour (and a second class), and the RGB pixels each of
    the first class should load as."""
    folder = tmp_path / "photos"
    (folder / "things").mkdir(parents=True)
    (folder / "zz_others").mkdir()
    picture(99).save(folder / "zz_others" / "other.png")
    expected = {}
    variants = {
        "a_rgb.png": lambda im: im,
        "b_grey.png": lambda im: im.convert("L"),
        "c_palette.png": lambda im: im.convert("P"),
        "d_rgba.png": lambda im: im.convert("RGBA"),
        "e_grey16.png": lambda im: Image.fromarray(np.asarray(im.convert("L")).astype(np.uint16) * 257),
        "f_UPPER.PNG": lambda im: im,
        "g_cmyk.jpg": lambda im: im.convert("CMYK"),
    }
    for index, (name, make) in enumerate(variants.items()):
        path = folder / "things" / name
        make(picture(index)).save(path, **({"quality": 100} if name.endswith(".jpg") else {}))
        with Image.open(path) as saved:  # Pillow cannot turn 16-bit grey into RGB: use the 8-bit source
            sixteen_bit = saved.mode in ("I;16", "I")  # Pillow 10.0-10.2 reopen a 16-bit PNG as "I"
            rgb = picture(index).convert("L") if sixteen_bit else saved
            expected[name] = np.asarray(rgb.convert("RGB")).astype(np.float32)
    return folder, expected


def test_every_image_flavour_loads_as_the_same_rgb_pixels_as_pillow(mixed_folder):
    folder, expected = mixed_folder
    before = snapshot(folder)
    dataset = load_image_folder(folder, image_size=(HEIGHT, WIDTH), batch_size=4, shuffle=False)
    images, labels = all_images(dataset)
    assert images.shape == (8, HEIGHT, WIDTH, 3) and images.dtype == np.float32
    assert dataset.class_names == ["things", "zz_others"] and labels.tolist() == [0] * 7 + [1]
    for image, (name, pixels) in zip(images[:7], sorted(expected.items()), strict=True):
        tolerance = 3 if name.endswith(".jpg") else 0  # JPEG decoders round differently
        assert np.abs(image - pixels).max() <= tolerance, name
    assert snapshot(folder) == before


def make_classes(folder: Path, counts: dict[str, int]) -> None:
    for name, count in counts.items():
        (folder / name).mkdir(parents=True)
        for n in range(count):
            picture(n).save(folder / name / f"{n}.png")


def test_a_broken_image_stops_loading_with_a_message_naming_it(tmp_path):
    make_classes(tmp_path, {"cat": 3, "dog": 3})
    (tmp_path / "dog" / "bad.jpg").write_bytes(b"this is not a jpeg")
    good = (tmp_path / "cat" / "0.png").read_bytes()
    (tmp_path / "cat" / "cut.png").write_bytes(good[: len(good) // 2])
    before = snapshot(tmp_path)
    with pytest.raises(BadImageFolder) as caught:
        load_image_folder(tmp_path, image_size=(HEIGHT, WIDTH))
    message = str(caught.value)
    assert "cannot read dog/bad.jpg: not a picture" in message
    assert "cannot read cat/cut.png: truncated or corrupt" in message
    assert "skip_bad=True" in message
    assert snapshot(tmp_path) == before


def test_skip_bad_leaves_broken_images_out_with_one_warning_naming_them(tmp_path):
    make_classes(tmp_path, {"cat": 3, "dog": 3})
    (tmp_path / "dog" / "bad.png").write_bytes(b"\x89PNG broken")
    before = snapshot(tmp_path)
    with pytest.warns(ImageFolderWarning, match=r"left out 1 unreadable picture\(s\): dog/bad.png"):
        dataset = load_image_folder(tmp_path, image_size=(HEIGHT, WIDTH), skip_bad=True, shuffle=False)
    images, labels = all_images(dataset)
    assert len(images) == 6 and labels.tolist() == [0, 0, 0, 1, 1, 1]
    assert snapshot(tmp_path) == before


def test_non_pictures_and_imbalance_are_reported_and_system_files_are_not(tmp_path):
    make_classes(tmp_path, {"cat": 8, "dog": 2})
    (tmp_path / "cat" / "notes.txt").write_text("not a picture")
    (tmp_path / "cat" / ".DS_Store").write_bytes(b"\0")
    with pytest.warns(ImageFolderWarning) as caught:
        load_image_folder(tmp_path, image_size=(HEIGHT, WIDTH))
    messages = " | ".join(str(w.message) for w in caught)
    assert "left out 1 file(s) that are not pictures: cat/notes.txt" in messages
    assert ".DS_Store" not in messages
    assert "strong class imbalance: cat has 8 pictures, dog only 2" in messages


def test_a_file_about_the_folder_beside_its_classes_is_listed_not_warned_about(tmp_path):
    """A README or a list of labels beside the class folders (a classroom export's drawings.csv) is
    normal: check-folder lists it, loading leaves it out without a warning."""
    tmp_path = tmp_path / "pictures"
    for index, name in enumerate(["cat", "cat", "dog", "dog"]):
        (tmp_path / name).mkdir(parents=True, exist_ok=True)
        picture(index).save(tmp_path / name / f"{index}.png")
    (tmp_path / "drawings.csv").write_text("file,label\n")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", ImageFolderWarning)
        load_image_folder(tmp_path, image_size=(HEIGHT, WIDTH))
    assert "Beside the class folders, not loaded: drawings.csv" in inspect_image_folder(tmp_path).describe()


def test_file_paths_name_each_pictures_file_in_the_datasets_order_shuffled_and_split(tmp_path):
    """As Keras' loader: ``dataset.file_paths`` names the dataset's files, the i-th picture's i-th
    where the order holds (``shuffle=False``), so a lab can look up what it knows about each file
    (a drawing's device)."""
    tmp_path = tmp_path / "pictures"
    for index in range(10):
        (tmp_path / ("even" if index % 2 == 0 else "odd")).mkdir(parents=True, exist_ok=True)
        picture(index).save(tmp_path / ("even" if index % 2 == 0 else "odd") / f"{index}.png")
    training, validation = load_image_folder(tmp_path, image_size=(HEIGHT, WIDTH), validation_split=0.3,
                                             subset="both", seed=3)
    every_file = sorted(str(path) for path in tmp_path.rglob("*.png"))
    assert sorted(training.file_paths + validation.file_paths) == every_file
    for dataset in (training, validation):  # reshuffled each pass: the same pictures, in any order
        loaded = sorted(image.tobytes() for image in all_images(dataset)[0])
        named = sorted(np.asarray(picture(int(Path(path).stem))).astype(np.float32).tobytes()
                       for path in dataset.file_paths)
        assert loaded == named
    unshuffled = load_image_folder(tmp_path, image_size=(HEIGHT, WIDTH), shuffle=False)
    images, labels = all_images(unshuffled)
    for image, label, path in zip(images, labels, unshuffled.file_paths, strict=True):
        assert Path(path).parent.name == unshuffled.class_names[label]
        np.testing.assert_array_equal(image, np.asarray(picture(int(Path(path).stem))).astype(np.float32))


def test_a_folder_without_class_folders_is_an_error(tmp_path):
    picture(0).save(tmp_path / "loose.png")
    with pytest.raises(BadImageFolder, match="no class folders: make one subfolder per class"):
        load_image_folder(tmp_path)
    with pytest.raises(BadImageFolder, match="is not a folder"):
        inspect_image_folder(tmp_path / "missing")


def test_validation_split_gives_disjoint_training_and_validation_sets(tmp_path):
    make_classes(tmp_path, {"cat": 5, "dog": 5})
    training, validation = load_image_folder(
        tmp_path, image_size=(HEIGHT, WIDTH), validation_split=0.2, subset="both", seed=3, batch_size=3
    )
    train_images, _ = all_images(training)
    validation_images, _ = all_images(validation)
    assert len(train_images) == 8 and len(validation_images) == 2
    flattened = {image.tobytes() for image in train_images}
    assert not any(image.tobytes() in flattened for image in validation_images)
    assert training.class_names == validation.class_names == ["cat", "dog"]


def test_training_batches_are_reshuffled_every_epoch(tmp_path):
    make_classes(tmp_path, {"cat": 16, "dog": 16})
    dataset = load_image_folder(tmp_path, image_size=(HEIGHT, WIDTH), batch_size=32)
    first = all_images(dataset)[0]
    second = all_images(dataset)[0]
    assert not np.array_equal(first, second)
    assert sorted(i.tobytes() for i in first) == sorted(i.tobytes() for i in second)


def test_where_the_cpu_trains_the_pipeline_and_the_labs_maps_run_without_autotuning(tmp_path, monkeypatch):
    import tensorflow as tf

    make_classes(tmp_path / "pictures", {"cat": 4, "dog": 4})
    monkeypatch.setattr(tf.config, "list_physical_devices", lambda kind=None: [])  # a CPU-only machine
    dataset = load_image_folder(tmp_path / "pictures", image_size=(HEIGHT, WIDTH), batch_size=4)
    flip = lambda x, y: (tf.image.flip_left_right(x), y)  # noqa: E731
    augmented = dataset.map(flip, num_parallel_calls=tf.data.AUTOTUNE)
    assert dataset.options().autotune.enabled is False
    assert augmented.prefetch(tf.data.AUTOTUNE).options().autotune.enabled is False  # a lab's map keeps it
    assert sum(len(labels) for _, labels in augmented) == 8  # and still gives every picture


def test_where_a_gpu_trains_tf_data_keeps_autotuning(tmp_path, monkeypatch):
    import tensorflow as tf

    make_classes(tmp_path / "pictures", {"cat": 2, "dog": 2})
    gpu = tf.config.PhysicalDevice(name="/physical_device:GPU:0", device_type="GPU")
    monkeypatch.setattr(tf.config, "list_physical_devices", lambda kind=None: [gpu] if kind == "GPU" else [])
    dataset = load_image_folder(tmp_path / "pictures", image_size=(HEIGHT, WIDTH), batch_size=2)
    assert dataset.options().autotune.enabled is not False  # tf.data's default (None or True)
