"""Students' own pictures: folders made on Macs and Windows, zipped and unzipped, photos straight off
a phone. Every file either loads correctly (upright 8-bit RGB) or is named with the reason and the
fix before training; system files are ignored quietly; a wrong folder level is caught with the
folder to pass instead; and the user's folder is never changed (hashed before and after)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import warnings
from pathlib import Path

import keras
import numpy as np
import pytest
from PIL import Image

from dlkit.data.image_folder import (
    BadImageFolder,
    ImageFolderWarning,
    inspect_image_folder,
    load_image_folder,
)
from dlkit.data.images import read_image
from dlkit.instructor.cli import main
from dlkit.pretrained import load_photos

HEIGHT, WIDTH = 40, 60
APPLEDOUBLE = b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        " + bytes(64)  # a ._name file's header


def upright_picture(seed: int = 0) -> np.ndarray:
    """Four solid quadrants in different colours: any turn or flip changes it, JPEG keeps it."""
    colours = np.random.default_rng(seed).integers(30, 226, (4, 3))
    picture = np.empty((HEIGHT, WIDTH, 3), np.uint8)
    half_h, half_w = HEIGHT // 2, WIDTH // 2
    picture[:half_h, :half_w], picture[:half_h, half_w:] = colours[0], colours[1]
    picture[half_h:, :half_w], picture[half_h:, half_w:] = colours[2], colours[3]
    return picture


def save_phone_photo(picture: np.ndarray, path: Path) -> None:
    """As a phone held upright saves it: the pixels turned, and EXIF orientation 6 to undo it."""
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(picture).transpose(Image.Transpose.ROTATE_90).save(path, quality=95, exif=exif)


def tree_state(folder: Path) -> dict[str, str]:
    """Every entry under ``folder`` (links as links) with its content hash: 'unchanged' means equal."""
    state = {}
    for root, folders, files in os.walk(folder):
        for name in folders + files:
            path = Path(root) / name
            key = str(path.relative_to(folder))
            if path.is_symlink():
                state[key] = "link to " + os.readlink(path)
            elif path.is_file():
                state[key] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                state[key] = "folder"
    return state


# name -> (how to write it, the pixels loading must give, tolerance)
def formats_of_a_real_class(folder: Path) -> dict[str, tuple[np.ndarray, float]]:
    """A class folder with every format and mode a student's pictures come in; returns what each
    picture must load as."""
    folder.mkdir(parents=True)
    expected = {}
    base = upright_picture(1)

    Image.fromarray(base).save(folder / "a_plain.png")
    expected["a_plain.png"] = (base, 0)
    save_phone_photo(base, folder / "b_phone_portrait.jpg")
    expected["b_phone_portrait.jpg"] = (base, 6)
    Image.fromarray(base).save(folder / "c_iphone.HEIC", quality=95)
    expected["c_iphone.HEIC"] = (base, 8)
    Image.fromarray(base).save(folder / "d_web.webp", lossless=True)
    expected["d_web.webp"] = (base, 0)
    Image.fromarray(base).save(folder / "e_scan.tiff")
    expected["e_scan.tiff"] = (base, 0)
    palette = Image.fromarray(base).convert("P", palette=Image.Palette.ADAPTIVE, colors=256)
    palette.save(folder / "f_palette.bmp")
    expected["f_palette.bmp"] = (np.asarray(palette.convert("RGB")), 0)
    bits = np.asarray(Image.fromarray(base).convert("L")) > 120
    Image.fromarray(bits).convert("1").save(folder / "g_one_bit.bmp")
    expected["g_one_bit.bmp"] = (np.repeat((bits * 255).astype(np.uint8)[..., None], 3, -1), 0)
    grey16 = (np.arange(HEIGHT * WIDTH).reshape(HEIGHT, WIDTH) * 20).astype(np.uint16)
    Image.fromarray(grey16).save(folder / "h_sixteen_bit.png")
    expected["h_sixteen_bit.png"] = (np.repeat(np.rint(grey16 / 257).astype(np.uint8)[..., None], 3, -1), 0)
    Image.fromarray(base).convert("CMYK").save(folder / "i_cmyk.jpg", quality=100)
    expected["i_cmyk.jpg"] = (base, 6)
    Image.fromarray(base).save(folder / "j_avif_named.jpg", format="AVIF", quality=95)
    expected["j_avif_named.jpg"] = (base, 10)
    Image.fromarray(base).convert("LA").save(folder / "k_grey_alpha.png")
    grey = np.asarray(Image.fromarray(base).convert("L"))
    expected["k_grey_alpha.png"] = (np.repeat(grey[..., None], 3, -1), 0)
    Image.fromarray(base).save(folder / "L_UPPER.JPG", quality=95)
    expected["L_UPPER.JPG"] = (base, 6)
    Image.fromarray(base).save(folder / "m_windows.jfif", format="JPEG", quality=90)
    expected["m_windows.jfif"] = (base, 6)
    return expected


def add_system_files(root: Path, class_folder: Path) -> None:
    """What macOS, Windows and Jupyter leave behind, at every depth."""
    (class_folder / "._a_plain.png").write_bytes(APPLEDOUBLE)  # beside the real picture
    (class_folder / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1" + bytes(32))
    (class_folder / "Thumbs.db").write_bytes(bytes(64))
    (class_folder / "desktop.ini").write_text("[.ShellClassInfo]\n")
    (class_folder / ".ipynb_checkpoints").mkdir()
    (class_folder / ".ipynb_checkpoints" / "broken-checkpoint.jpg").write_bytes(b"not a jpeg")
    macosx = root / "__MACOSX" / class_folder.name
    macosx.mkdir(parents=True)
    (macosx / "._a_plain.png").write_bytes(APPLEDOUBLE)
    (root / ".DS_Store").write_bytes(bytes(16))


@pytest.fixture
def mac_zip_folder(tmp_path: Path) -> tuple[Path, dict[str, tuple[np.ndarray, float]]]:
    """A two-class folder as a Mac zip unzips: every format in 'cats', plain PNGs in 'dogs'."""
    root = tmp_path / "my pictures"
    expected = formats_of_a_real_class(root / "cats")
    (root / "dogs").mkdir()
    for index in range(6):
        Image.fromarray(upright_picture(10 + index)).save(root / "dogs" / f"dog{index}.png")
    add_system_files(root, root / "cats")
    return root, expected


def loaded_images(dataset) -> tuple[np.ndarray, np.ndarray]:
    images, labels = zip(*[(x.numpy(), y.numpy()) for x, y in dataset], strict=True)
    return np.concatenate(images), np.concatenate(labels)


def test_every_format_loads_upright_as_8_bit_rgb_and_system_files_are_ignored(mac_zip_folder):
    root, expected = mac_zip_folder
    before = tree_state(root)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ImageFolderWarning)  # system files are no one's problem
        dataset = load_image_folder(root, image_size=(HEIGHT, WIDTH), batch_size=8, shuffle=False)
    assert dataset.class_names == ["cats", "dogs"]
    images, labels = loaded_images(dataset)
    assert images.dtype == np.float32 and images.shape == (len(expected) + 6, HEIGHT, WIDTH, 3)
    assert labels.tolist() == [0] * len(expected) + [1] * 6
    for image, (name, (pixels, tolerance)) in zip(images, sorted(expected.items()), strict=False):
        difference = np.abs(image - pixels.astype(np.float32)).mean()
        assert difference <= tolerance, f"{name} loads wrong: mean difference {difference:.1f}"
    assert tree_state(root) == before


def test_a_training_step_runs_over_everything_the_loader_let_through(mac_zip_folder):
    root, _ = mac_zip_folder
    dataset = load_image_folder(root, image_size=(32, 32), batch_size=4)
    model = keras.Sequential([keras.Input((32, 32, 3)), keras.layers.Rescaling(1 / 255),
                              keras.layers.Flatten(), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    history = model.fit(dataset, epochs=2, verbose=0, shuffle=False)
    assert np.isfinite(history.history["loss"]).all()


def test_a_phone_photo_and_a_heic_photo_load_upright_in_load_photos_too(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    base = upright_picture(3)
    save_phone_photo(base, folder / "IMG_0001.JPG")
    Image.fromarray(base).save(folder / "IMG_0002.HEIC", quality=95)
    grey16 = np.full((HEIGHT, WIDTH), 40000, np.uint16)
    Image.fromarray(grey16).save(folder / "scan16.png")
    (folder / "._IMG_0001.JPG").write_bytes(APPLEDOUBLE)
    (folder / ".DS_Store").write_bytes(bytes(16))
    photos, paths = load_photos(folder, (HEIGHT, WIDTH))
    assert [p.name for p in paths] == ["IMG_0001.JPG", "IMG_0002.HEIC", "scan16.png"]
    assert np.abs(photos[0] - base).mean() < 6 and np.abs(photos[1] - base).mean() < 8
    assert np.allclose(photos[2], round(40000 / 257), atol=1)  # not white


def test_a_folder_of_heic_photos_only_gives_photos_not_an_empty_array(tmp_path):
    folder = tmp_path / "iphone"
    folder.mkdir()
    for index in range(3):
        Image.fromarray(upright_picture(index)).save(folder / f"IMG_{index}.HEIC")
    photos, paths = load_photos(folder, (24, 24))
    assert photos.shape == (3, 24, 24, 3) and len(paths) == 3


def test_load_photos_names_a_truncated_photo_and_an_empty_folder_says_why(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    Image.fromarray(upright_picture()).save(folder / "good.jpg")
    data = (folder / "good.jpg").read_bytes()
    (folder / "cut.jpg").write_bytes(data[: len(data) // 2])
    with pytest.raises(BadImageFolder, match=r"cut\.jpg: truncated or corrupt") as raised:
        load_photos(folder, (24, 24))
    assert "good.jpg" not in str(raised.value)
    with pytest.warns(ImageFolderWarning, match="cut.jpg"):
        photos, _ = load_photos(folder, (24, 24), skip_bad=True)
    assert len(photos) == 1
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "._IMG_0001.JPG").write_bytes(APPLEDOUBLE)
    (empty / "notes.txt").write_text("to do")
    with pytest.raises(BadImageFolder, match=r"no pictures in .*empty \(it holds: notes.txt\)"):
        load_photos(empty, (24, 24))


@pytest.fixture
def broken_folder(tmp_path: Path) -> Path:
    root = tmp_path / "broken"
    for name in ("cats", "dogs"):
        (root / name).mkdir(parents=True)
        for index in range(3):
            Image.fromarray(upright_picture(index)).save(root / name / f"{name}{index}.jpg")
    data = (root / "cats" / "cats0.jpg").read_bytes()
    (root / "cats" / "truncated.jpg").write_bytes(data[: len(data) // 3])
    (root / "dogs" / "gone.jpg").symlink_to(tmp_path / "deleted-original.jpg")
    (root / "dogs" / "movie.jpg").write_bytes(b"\x00\x00\x00\x18ftypqt  " + bytes(100))  # a video, misnamed
    (root / "dogs" / "notes.txt").write_text("labels to check")
    return root


def test_unreadable_files_are_named_with_the_reason_before_any_training(broken_folder):
    before = tree_state(broken_folder)
    with pytest.raises(BadImageFolder) as raised:
        load_image_folder(broken_folder, image_size=(24, 24))
    message = str(raised.value)
    assert "cats/truncated.jpg: truncated or corrupt" in message
    assert "dogs/gone.jpg: a link to" in message and "does not exist" in message
    assert "dogs/movie.jpg: not a picture Pillow can read" in message
    assert "notes.txt" not in message and "dlkit check-folder" in message
    with pytest.warns(ImageFolderWarning) as caught:
        dataset = load_image_folder(broken_folder, image_size=(24, 24), skip_bad=True, shuffle=False)
    assert loaded_images(dataset)[0].shape[0] == 6
    warned = " ".join(str(w.message) for w in caught)
    assert "left out 3 unreadable picture(s)" in warned and "notes.txt" in warned
    assert tree_state(broken_folder) == before


def test_a_class_whose_pictures_all_fail_is_an_error_not_an_empty_class(tmp_path):
    root = tmp_path / "pictures"
    (root / "cats").mkdir(parents=True)
    (root / "dogs").mkdir()
    Image.fromarray(upright_picture()).save(root / "cats" / "cat.png")
    (root / "dogs" / "._dog.jpg").write_bytes(APPLEDOUBLE)  # only Mac's shadow of the real file
    with pytest.raises(BadImageFolder, match=r"class folder dogs/ has no picture that can be read"):
        load_image_folder(root, image_size=(24, 24), skip_bad=True)


def make_classes(folder: Path, names=("cats", "dogs")) -> None:
    for name in names:
        (folder / name).mkdir(parents=True)
        Image.fromarray(upright_picture()).save(folder / name / "one.png")


@pytest.mark.parametrize(
    ("layout", "message"),
    [
        ("splits", r"holds the splits train, validation, not classes: pass .*/root/train"),
        ("unzipped twice", r"holds one folder, ponies, which holds cats, dogs: pass .*/root/ponies instead"),
        ("wrapped splits", r"holds one folder, dataset, which holds train, validation: pass .*/train"),
        ("one class", r"has only one class \(cats\)"),
        ("pictures in the root", r"holds 2 pictures but no class folders: make one subfolder per class"),
        ("nothing", r"has no class subfolders"),
    ],
)
def test_a_wrong_folder_level_says_which_folder_to_pass(tmp_path, layout, message):
    root = tmp_path / "root"
    root.mkdir()
    if layout == "splits":
        make_classes(root / "train")
        make_classes(root / "validation")
    elif layout == "unzipped twice":
        make_classes(root / "ponies")
        (root / "__MACOSX").mkdir()
    elif layout == "wrapped splits":
        make_classes(root / "dataset" / "train")
        make_classes(root / "dataset" / "validation")
    elif layout == "one class":
        make_classes(root, names=("cats",))
    elif layout == "pictures in the root":
        for name in ("IMG_1.jpg", "IMG_2.jpg"):
            Image.fromarray(upright_picture()).save(root / name)
    with pytest.raises(BadImageFolder, match=message):
        load_image_folder(root)
    with pytest.raises(BadImageFolder, match=message):
        inspect_image_folder(root)


def test_a_tilde_in_the_folder_is_the_home_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    make_classes(tmp_path / "pictures")
    dataset = load_image_folder("~/pictures", image_size=(24, 24))
    assert dataset.class_names == ["cats", "dogs"]


def test_read_image_gives_the_pixels_for_the_rotated_photo_and_says_what_it_did(tmp_path):
    base = upright_picture(5)
    save_phone_photo(base, tmp_path / "portrait.jpg")
    picture = read_image(tmp_path / "portrait.jpg")
    assert picture.pixels.shape == base.shape and np.abs(picture.pixels.astype(float) - base).mean() < 6
    assert picture.format == "JPEG" and picture.changes == ("turned upright (EXIF orientation 6)",)


def test_check_folder_reports_what_loads_and_exits_0(mac_zip_folder, capsys):
    root, expected = mac_zip_folder
    assert main(["check-folder", str(root)]) == 0
    report = capsys.readouterr().out
    assert f"{len(expected) + 6} pictures in 2 classes" in report
    assert "cats" in report and "dogs" in report and "HEIF 1" in report and "AVIF 1" in report
    assert "turned upright (EXIF orientation 6)" in report and "16-bit grey scaled to 8-bit RGB" in report
    assert "Ignored" in report and "system file" in report
    assert f'Loads with: load_image_folder("{root}"' in report


def test_check_folder_names_each_problem_on_one_line_and_exits_1_without_a_traceback(broken_folder):
    run = subprocess.run([sys.executable, "-m", "dlkit.instructor.cli", "check-folder", str(broken_folder)],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 1, run.stdout + run.stderr
    problems = [line for line in run.stdout.splitlines() if line.startswith("Problem:")]
    assert len(problems) == 3 and any("truncated.jpg" in line for line in problems)
    assert "Traceback" not in run.stdout + run.stderr
    assert "left out 1 file(s) that are not pictures: dogs/notes.txt" in run.stdout


def test_check_folder_on_a_wrong_level_is_one_line_and_exit_1(tmp_path):
    make_classes(tmp_path / "root" / "train")
    make_classes(tmp_path / "root" / "test")
    command = [sys.executable, "-m", "dlkit.instructor.cli", "check-folder", str(tmp_path / "root")]
    run = subprocess.run(command, capture_output=True, text=True, check=False)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert run.stderr.strip().count("\n") == 0 and "pass " in run.stderr


def test_duplicates_and_imbalance_are_noted(tmp_path, capsys):
    root = tmp_path / "root"
    make_classes(root)
    for index in range(7):
        Image.fromarray(upright_picture(20 + index)).save(root / "cats" / f"extra{index}.png")
    assert main(["check-folder", str(root)]) == 0
    report = capsys.readouterr().out
    duplicates = "1 group(s) of identical pictures, 1 of them in different classes: cats/one.png, dogs/one"
    assert duplicates in report
    assert "strong class imbalance: cats has 8 pictures, dogs only 1" in report
