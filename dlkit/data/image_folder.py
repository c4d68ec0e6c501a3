"""Load a folder of class subfolders of pictures, after checking every file in it.

A folder as students bring it: ``DIR/<class>/<pictures>``, made on a Mac, zipped and unzipped,
photos straight off a phone. ``inspect_image_folder`` looks at all of it and says what will load
and what will not (its report, and how it is told, are ``folder_report``'s); ``load_image_folder``
loads exactly that. Both read every picture through
``dlkit.data.images.read_image`` (upright 8-bit RGB, HEIC and friends included), so a file is
either read correctly or named, with the reason and the fix, before any training starts: no
decoder reads the files again during ``fit``. Conversions happen in memory; the user's folder is
never changed, and nothing is written beside it.

The layout is checked too, with the folder to pass instead: a root that holds ``train/`` and
``validation/`` splits, a root wrapping the real class folders (a zip unzipped twice), a single
class, pictures directly in the root. System files (``.DS_Store``, ``._name.jpg``, ``__MACOSX``,
``Thumbs.db``, hidden folders) are ignored quietly, at any depth.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from dlkit.data.folder_report import SHOWN, BadImageFolder, FolderReport, ImageFolderWarning
from dlkit.data.images import (
    IMAGE_EXTENSIONS,
    Picture,
    UnreadableImage,
    is_picture_name,
    is_system_file,
    read_image,
)

__all__ = [
    "IMAGE_EXTENSIONS",
    "BadImageFolder",
    "FolderReport",
    "ImageFolderWarning",
    "inspect_image_folder",
    "load_image_folder",
    "require_folder",
]

SPLIT_NAMES = {"train", "training", "val", "valid", "validation", "test", "testing", "eval"}


def require_folder(folder: Path) -> None:
    """Raise ``BadImageFolder`` unless ``folder`` is a folder, saying whether it exists."""
    if not folder.is_dir():
        missing = "" if folder.exists() else " (it does not exist)"
        raise BadImageFolder(f"{folder} is not a folder{missing}")


def _visible(folder: Path) -> tuple[list[Path], list[Path], int]:
    """(subfolders, files, system entries) of ``folder``, system files and folders set aside."""
    folders, files, system = [], [], 0
    for entry in sorted(folder.iterdir()):
        if is_system_file(entry.name):
            system += 1
        elif entry.is_dir():
            folders.append(entry)
        else:
            files.append(entry)  # a file, or a link to one (dangling links are named later)
    return folders, files, system


def _walk_files(folder: Path) -> tuple[list[Path], int]:
    """(every non-system file under ``folder`` in Keras' order: by folder, then name; the number
    of system files and folders passed over). Hidden folders are not entered."""
    found, system = [], 0
    for root, folders, files in os.walk(folder):
        system += sum(is_system_file(name) for name in folders + files)
        folders[:] = [name for name in folders if not is_system_file(name)]
        found += [(root, name) for name in files if not is_system_file(name)]
    return [Path(root) / name for root, name in sorted(found)], system


def _has_pictures(folder: Path) -> bool:
    return any(is_picture_name(path.name) for path in _walk_files(folder)[0])


def _check_layout(folder: Path, class_folders: list[Path], root_files: list[Path]) -> None:
    """Raise ``BadImageFolder`` with the folder to pass instead when the layout is wrong."""
    pictures_in_root = [path for path in root_files if is_picture_name(path.name)]
    if not class_folders:
        if pictures_in_root:
            raise BadImageFolder(
                f"{folder} holds {len(pictures_in_root)} pictures but no class folders: make one "
                f"subfolder per class ({folder}/cat/, {folder}/dog/, ...) and move each picture into "
                "its class's folder"
            )
        raise BadImageFolder(f"{folder} has no class subfolders: expected {folder}/<class name>/<pictures>")
    names = {path.name.lower() for path in class_folders}
    splits = names & SPLIT_NAMES
    if splits and (splits == names or len(splits) >= 2):
        listed = ", ".join(path.name for path in class_folders)
        train = next((p for p in class_folders if p.name.lower() in ("train", "training")), class_folders[0])
        raise BadImageFolder(
            f"{folder} holds the splits {listed}, not classes: pass {train} (and load the "
            "validation folder the same way for validation data)"
        )
    if len(class_folders) == 1:
        [only] = class_folders
        inner, _, _ = _visible(only)
        if inner and any(_has_pictures(sub) for sub in inner):
            raise BadImageFolder(
                f"{folder} holds one folder, {only.name}, which holds "
                f"{', '.join(sub.name for sub in inner[:SHOWN])}: pass {_suggestion(only)} instead"
            )
        raise BadImageFolder(
            f"{folder} has only one class ({only.name}): a classifier needs at least two class "
            "folders, one per kind of picture"
        )


def _suggestion(folder: Path) -> Path:
    """The folder to load, for a folder that wraps it: down through single folders (a zip
    unzipped twice) to the class folders, or to the training split."""
    for _ in range(8):
        inner, _, _ = _visible(folder)
        names = {path.name.lower(): path for path in inner}
        if names.keys() & {"train", "training"}:
            return names.get("train") or names["training"]
        if len(inner) != 1:
            return folder
        folder = inner[0]
    return folder


def _scan(folder: Path) -> tuple[FolderReport, list[tuple[str, Path]]]:
    """The folder's layout checked, and every (class, file) that should be a picture, in order."""
    require_folder(folder)
    class_folders, root_files, system = _visible(folder)
    _check_layout(folder, class_folders, root_files)
    report = FolderReport(folder, system_files=system)
    report.outside_classes = [path for path in root_files if is_picture_name(path.name)]
    report.beside_classes = [path for path in root_files if not is_picture_name(path.name)]
    candidates = []
    for class_folder in class_folders:
        report.classes[class_folder.name] = []
        files, system = _walk_files(class_folder)
        report.system_files += system
        for path in files:
            if is_picture_name(path.name):
                candidates.append((class_folder.name, path))
            else:
                report.not_pictures.append(path)
    return report, candidates


def _read_all(
    report: FolderReport, candidates: list[tuple[str, Path]], image_size: tuple[int, int] | None
) -> list[tuple[str, Path, np.ndarray | None]]:
    """Read every candidate once (in threads: Pillow decodes outside the GIL), filling the report;
    returns (class, path, pixels resized to ``image_size`` or None) for the pictures that load."""

    def read(candidate: tuple[str, Path]) -> tuple[Picture | None, str | None, bytes]:
        path = candidate[1]
        try:
            picture = read_image(path, reduce_to=image_size)
        except UnreadableImage as error:
            return None, error.reason, b""
        return picture, None, hashlib.sha1(path.read_bytes()).digest()

    loaded, by_hash = [], {}
    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        for (class_name, path), (picture, problem, digest) in zip(
            candidates, pool.map(read, candidates), strict=True
        ):
            if picture is None:
                report.unreadable.append((path, problem))
                continue
            report.classes[class_name].append(path)
            report.formats[picture.format] += 1
            report.converted += [(path, change) for change in picture.changes]
            by_hash.setdefault(digest, []).append(path)
            pixels = _resized(picture.pixels, image_size) if image_size else None
            loaded.append((class_name, path, pixels))
    report.duplicates = [group for group in by_hash.values() if len(group) > 1]
    return loaded


def _resized(pixels: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Bilinear resize to ``size``, the way Keras' folder loader resizes, kept as uint8 (a quarter
    of float32's memory; the rounding moves a value by at most half a level)."""
    import keras

    if pixels.shape[:2] == tuple(size):
        return pixels
    resized = keras.ops.image.resize(pixels.astype(np.float32), size, interpolation="bilinear")
    return np.clip(np.rint(keras.ops.convert_to_numpy(resized)), 0, 255).astype(np.uint8)


def inspect_image_folder(folder: str | Path) -> FolderReport:
    """Check every file under ``folder/<class>/`` without changing anything: each picture is read
    in full, as loading will read it.

    Raises:
        BadImageFolder: the folder does not exist or its layout is wrong (the message says which
            folder to pass instead).

    Example:
        >>> print(inspect_image_folder("~/my-pictures").describe())
    """
    report, candidates = _scan(Path(folder).expanduser())
    _read_all(report, candidates, image_size=None)
    return report


def load_image_folder(
    folder: str | Path,
    image_size: tuple[int, int] = (150, 150),
    batch_size: int = 32,
    validation_split: float | None = None,
    subset: str | None = None,
    seed: int = 42,
    shuffle: bool = True,
    skip_bad: bool = False,
):
    """A ``tf.data.Dataset`` of ``(images, labels)`` batches from ``folder/<class>/<picture>``.

    Images are float32 RGB in 0-255, shape (batch, height, width, 3), resized to ``image_size``
    (bilinear, like ``keras.utils.image_dataset_from_directory``); labels are int32 class indices
    in the sorted order of the class folder names (``dataset.class_names``); ``dataset.file_paths``
    names each picture's file, as Keras' loader does (in the pictures' order where ``shuffle=False``).
    Every picture is checked and read once, before this returns (see ``inspect_image_folder``);
    they are held in memory and reshuffled every epoch (so pass ``shuffle=False`` to ``model.fit``).

    Args:
        validation_split, subset, seed: as in ``keras.utils.image_dataset_from_directory``;
            ``subset="both"`` returns ``(training, validation)``.
        skip_bad: leave out pictures that cannot be read, with one warning naming them, instead
            of stopping with an error that names them.

    Raises:
        BadImageFolder: unreadable pictures (unless ``skip_bad``), an empty class, or a wrong
            layout; the message names the files and says what to do.
    """
    import tensorflow as tf

    report, candidates = _scan(Path(folder).expanduser())
    loaded = _read_all(report, candidates, tuple(image_size))
    blocking = report.blocking(skip_bad)
    if blocking:
        more = f"; and {len(blocking) - SHOWN} more" if len(blocking) > SHOWN else ""
        skip = " Fix or remove them, or pass skip_bad=True to leave them out." if report.unreadable else ""
        raise BadImageFolder(f"{report.folder} cannot be loaded: {'; '.join(blocking[:SHOWN])}{more}.{skip} "
                             f"`dlkit check-folder {report.folder}` shows the whole report.")
    for note in report.notes(skip_bad):
        warnings.warn(f"{report.folder}: {note}", ImageFolderWarning, stacklevel=2)

    class_names = sorted(report.classes)
    images = np.stack([pixels for _, _, pixels in loaded])
    labels = np.array([class_names.index(name) for name, _, _ in loaded], dtype=np.int32)
    paths = np.array([str(path) for _, path, _ in loaded], dtype=object)
    if shuffle:  # Keras' order: shuffle files and labels with the same seed, then split
        order = np.random.RandomState(seed).permutation(len(labels))
        images, labels, paths = images[order], labels[order], paths[order]
    print(f"Found {len(labels)} pictures belonging to {len(class_names)} classes.")
    parts = _split((images, labels, paths), validation_split, subset)

    prepared = []
    for name, (part_images, part_labels, part_paths) in parts:
        if name:
            print(f"Using {len(part_labels)} pictures for {name}.")
        dataset = tf.data.Dataset.from_tensor_slices((part_images, part_labels))  # uint8 in memory
        if shuffle:
            dataset = dataset.shuffle(len(part_labels), seed=seed, reshuffle_each_iteration=True)
        dataset = dataset.batch(batch_size).map(as_float32).prefetch(tf.data.AUTOTUNE)
        dataset = dataset.with_options(pipeline_options())
        dataset.class_names = class_names
        dataset.file_paths = list(part_paths)  # each picture's file, in the dataset's first order
        prepared.append(dataset)
    return prepared[0] if len(prepared) == 1 else tuple(prepared)


def pipeline_options():
    """tf.data options for a picture pipeline: every core per operation, and on a machine where
    the CPU also trains, no autotuning.

    - tf.data runs a ``map`` function's operations on one thread each by default, which suits many
      small elements mapped in parallel. The labs map whole batches, one at a time so their random
      augmentation repeats run for run (lab 03), and then a single-threaded rotation of 32 pictures
      is what a GPU waits for, and on a 2-core CPU it took about twice as long as two threads.
    - tf.data's autotuner keeps re-planning the pipeline's parallelism and buffers in the
      background. Where a GPU trains, that costs nothing it needs. Where the CPU trains, it takes
      the cores the network runs on: on this project's 2-core machine an epoch of lab 04's
      augmented pictures through VGG16 took up to twice as long with it as without
      (``benchmarks/pipeline.py``; the figures are in docs/measurements-earlier.md). So it is
      off when TensorFlow sees no GPU; ``AUTOTUNE`` in a lab's ``map`` or ``prefetch`` still works, untuned.

    Options set here carry over to every ``map`` the lab adds to the dataset.
    """
    import tensorflow as tf

    options = tf.data.Options()
    options.threading.max_intra_op_parallelism = os.cpu_count() or 1
    if not tf.config.list_physical_devices("GPU"):
        options.autotune.enabled = False
    return options


def as_float32(images, labels):
    """Batches leave the dataset as float32 0-255, as Keras' folder loader gives them."""
    import tensorflow as tf

    return tf.cast(images, tf.float32), labels


def _split(arrays: tuple[np.ndarray, ...], validation_split: float | None, subset: str | None):
    """[(subset name or None, arrays)] as Keras splits: the last share of each array is validation."""
    if not validation_split:
        if subset:
            raise ValueError("subset needs validation_split, e.g. validation_split=0.2")
        return [(None, arrays)]
    if not 0 < validation_split < 1:
        raise ValueError(f"validation_split must be between 0 and 1, not {validation_split}")
    if subset not in ("training", "validation", "both"):
        raise ValueError(f'subset must be "training", "validation" or "both", not {subset!r}')
    cut = len(arrays[0]) - int(validation_split * len(arrays[0]))
    training = ("training", tuple(array[:cut] for array in arrays))
    validation = ("validation", tuple(array[cut:] for array in arrays))
    return {"training": [training], "validation": [validation], "both": [training, validation]}[subset]
