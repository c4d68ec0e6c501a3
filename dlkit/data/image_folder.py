"""Load a folder of class subfolders of images, after checking every file in it.

``keras.utils.image_dataset_from_directory`` does the loading (resizing, batching, the
validation split); this module first looks at every file and says what is wrong: files that are
not images, images that cannot be decoded (each named), empty class folders, strong class
imbalance. Nothing in the user's folder is ever moved or changed: when files must be left out
(``skip_bad=True``) or converted (CMYK JPEGs, which TensorFlow decodes with shifted colours), Keras
reads a temporary shadow folder of links and converted copies instead.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from dlkit.errors import DlkitError

IMAGE_EXTENSIONS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")  # what Keras reads, any case
IMBALANCE_RATIO = 3.0
SHOWN = 10


class BadImageFolder(DlkitError):
    """The folder cannot be loaded as it is (broken images, no class folders...)."""


class ImageFolderWarning(UserWarning):
    """Something in an image folder that a user should know about but that does not stop loading."""


@dataclass
class FolderReport:
    """What ``inspect_image_folder`` found."""

    folder: Path
    images: dict[str, list[Path]] = field(default_factory=dict)  # class name -> decodable images
    not_images: list[Path] = field(default_factory=list)
    broken: list[tuple[Path, str]] = field(default_factory=list)  # (file, why it cannot be decoded)
    needs_conversion: list[Path] = field(default_factory=list)  # decodable, but not by TensorFlow

    @property
    def empty_classes(self) -> list[str]:
        return [name for name, files in self.images.items() if not files]

    @property
    def imbalance(self) -> tuple[str, int, str, int] | None:
        """(largest class, its count, smallest class, its count) when the ratio is over 3."""
        counts = {name: len(files) for name, files in self.images.items() if files}
        if len(counts) < 2:
            return None
        big, small = max(counts, key=counts.get), min(counts, key=counts.get)
        if counts[big] > IMBALANCE_RATIO * counts[small]:
            return big, counts[big], small, counts[small]
        return None

    def problems(self) -> list[str]:
        """One sentence per kind of problem, for messages and warnings."""
        lines = []
        if self.not_images:
            lines.append(
                f"{len(self.not_images)} file(s) are not images and are ignored: "
                + _names(self.not_images, self.folder)
            )
        if self.empty_classes:
            lines.append(f"empty class folder(s): {', '.join(self.empty_classes)}")
        if self.imbalance:
            big, big_count, small, small_count = self.imbalance
            lines.append(f"strong class imbalance: {big} has {big_count} images, {small} only {small_count}")
        return lines


def _names(paths: list[Path], folder: Path) -> str:
    shown = [str(p.relative_to(folder)) for p in paths[:SHOWN]]
    more = f" and {len(paths) - SHOWN} more" if len(paths) > SHOWN else ""
    return ", ".join(shown) + more


def _check_image(path: Path) -> tuple[str | None, bool]:
    """(why it cannot be decoded or None, whether TensorFlow would need a converted copy)."""
    try:
        with Image.open(path) as image:
            image.draft("RGB", (256, 256))  # JPEGs decode at a reduced scale: fast, still complete
            image.load()
            return None, image.format == "JPEG" and image.mode == "CMYK"
    except Exception as error:  # Pillow raises many kinds for broken files
        return f"{type(error).__name__}: {error}".splitlines()[0][:160], False


def inspect_image_folder(folder: str | Path) -> FolderReport:
    """Look at every file under ``folder/<class>/`` without changing anything.

    Raises:
        BadImageFolder: the folder does not exist or has no class subfolders.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise BadImageFolder(f"{folder} is not a folder")
    report = FolderReport(folder)
    class_folders = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not class_folders:
        raise BadImageFolder(
            f"{folder} has no class subfolders: expected {folder}/<class name>/<image files>"
        )
    report.not_images += sorted(p for p in folder.iterdir() if p.is_file())
    for class_folder in class_folders:
        report.images[class_folder.name] = []
        for path in sorted(p for p in class_folder.rglob("*") if p.is_file()):
            if not path.name.lower().endswith(IMAGE_EXTENSIONS) or path.name.startswith("."):
                report.not_images.append(path)
                continue
            problem, convert = _check_image(path)
            if problem:
                report.broken.append((path, problem))
                continue
            report.images[class_folder.name].append(path)
            if convert:
                report.needs_conversion.append(path)
    return report


_SHADOW_FOLDERS: list[str] = []


@atexit.register
def _remove_shadow_folders() -> None:
    for shadow in _SHADOW_FOLDERS:
        shutil.rmtree(shadow, ignore_errors=True)


def _shadow_folder(report: FolderReport) -> Path:
    """A temporary copy of the folder's layout: links to the good images, converted copies of the
    ones TensorFlow cannot decode correctly, nothing of the broken ones."""
    shadow = Path(tempfile.mkdtemp(prefix="dlkit-image-folder-"))
    _SHADOW_FOLDERS.append(str(shadow))
    convert = set(report.needs_conversion)
    for class_name, files in report.images.items():
        (shadow / class_name).mkdir()
        for index, path in enumerate(files):
            target = shadow / class_name / f"{index:06d}_{path.name}"
            if path in convert:
                with Image.open(path) as image:
                    image.convert("RGB").save(target.with_suffix(".png"))
                continue
            try:
                os.symlink(path.resolve(), target)
            except OSError:  # e.g. Windows without the symlink privilege
                shutil.copyfile(path, target)
    return shadow


def load_image_folder(
    folder: str | Path,
    image_size: tuple[int, int] = (150, 150),
    batch_size: int = 32,
    validation_split: float | None = None,
    subset: str | None = None,
    seed: int = 42,
    shuffle: bool = True,
    skip_bad: bool = False,
    cache: bool = True,
):
    """A ``tf.data.Dataset`` of ``(images, labels)`` batches from ``folder/<class>/<image>``.

    Images are float32 RGB in 0–255, shape (batch, height, width, 3), resized to ``image_size``;
    labels are int32 class indices in the sorted order of the class folder names
    (``dataset.class_names``). Grey, palette, RGBA, CMYK and 16-bit images and upper-case
    extensions all load as RGB. The images are cached in memory after the first pass and
    reshuffled every epoch (so pass ``shuffle=False`` to ``model.fit``).

    Args:
        validation_split, subset, seed: as in ``keras.utils.image_dataset_from_directory``;
            ``subset="both"`` returns ``(training, validation)``.
        skip_bad: leave out images that cannot be decoded, with one warning listing them,
            instead of stopping with an error that names them.

    Raises:
        BadImageFolder: broken images (unless ``skip_bad``), or no class folders.
    """
    import keras
    import tensorflow as tf

    report = inspect_image_folder(folder)
    if report.broken and not skip_bad:
        listing = "; ".join(f"{p.relative_to(report.folder)} ({why})" for p, why in report.broken[:SHOWN])
        more = f"; and {len(report.broken) - SHOWN} more" if len(report.broken) > SHOWN else ""
        raise BadImageFolder(
            f"{len(report.broken)} image(s) in {report.folder} cannot be decoded: {listing}{more}. "
            "Fix or remove them, or pass skip_bad=True to leave them out."
        )
    problems = report.problems()
    if report.broken:
        problems.append(
            f"left out {len(report.broken)} broken image(s): "
            + _names([p for p, _ in report.broken], report.folder)
        )
    for problem in problems:
        warnings.warn(f"{report.folder}: {problem}", ImageFolderWarning, stacklevel=2)

    source = _shadow_folder(report) if report.broken or report.needs_conversion else report.folder
    datasets = keras.utils.image_dataset_from_directory(
        source,
        image_size=image_size,
        batch_size=None,
        validation_split=validation_split,
        subset=subset,
        seed=seed,
        shuffle=shuffle,
        label_mode="int",
    )
    single = not isinstance(datasets, (list, tuple))
    prepared = []
    for dataset in [datasets] if single else datasets:
        class_names = dataset.class_names
        if cache:
            dataset = dataset.cache()
        if shuffle:
            dataset = dataset.shuffle(2048, seed=seed, reshuffle_each_iteration=True)
        dataset = dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)
        dataset.class_names = class_names
        prepared.append(dataset)
    return prepared[0] if single else tuple(prepared)
