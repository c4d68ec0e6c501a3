"""Compose ponies into photographs and write them as a folder of class subfolders."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from dlkit.course.ponies.classes import PONY_CLASSES, PonyClass
from dlkit.course.ponies.drawing import Look, draw_pony_layer
from dlkit.course.ponies.scenes import background, occlude, photograph


def _image_rng(seed: int, class_index: int, number: int) -> np.random.Generator:
    """One generator per picture, so picture n of a class is the same however many are made."""
    return np.random.default_rng([seed, class_index, number])


def draw_pony(kind: PonyClass, rng: np.random.Generator, size: int = 150) -> np.ndarray:
    """One photograph of a pony of class ``kind``: a (size, size, 3) uint8 RGB array.

    The pony faces left or right, is 65–100 % of the picture, stands anywhere (a little may be cut
    off), leans up to ±12°, and sits on a random background; a fifth of the pictures are partly
    hidden behind something.
    """
    layer = draw_pony_layer(kind, Look.random(kind, rng))
    layer = layer.rotate(float(rng.uniform(-12, 12)), resample=Image.BILINEAR)
    if rng.random() < 0.5:
        layer = layer.transpose(Image.FLIP_LEFT_RIGHT)
    pony_size = int(size * rng.uniform(0.65, 1.0))
    layer = layer.resize((pony_size, pony_size), Image.BILINEAR)
    scene = background(size, rng)
    slack = size - pony_size
    x = int(rng.uniform(-0.1 * pony_size, slack + 0.1 * pony_size))
    y = int(rng.uniform(-0.05 * pony_size, slack + 0.05 * pony_size))
    scene.paste(layer, (x, y), layer)
    if rng.random() < 0.2:
        occlude(scene, rng)
    return photograph(scene, rng)


def generate_ponies(out: str | Path, per_class: int, seed: int = 0, size: int = 150) -> dict[str, int]:
    """Write ``per_class`` pictures of every class to ``out/<class>/<n>.png``.

    Deterministic from ``seed``: the same arguments always give the same files. Use a different
    seed for each split (e.g. train 1, validation 2, test 3) so no picture appears twice.

    Returns:
        the number of pictures written per class name.

    Example:
        >>> generate_ponies("ponies/train", per_class=120, seed=1)
        {'apple_farmer': 120, 'party_pony': 120, ...}
    """
    out = Path(out)
    counts = {}
    for class_index, kind in enumerate(PONY_CLASSES):
        folder = out / kind.name
        folder.mkdir(parents=True, exist_ok=True)
        for number in range(per_class):
            picture = draw_pony(kind, _image_rng(seed, class_index, number), size)
            Image.fromarray(picture).save(folder / f"{number:04d}.png", compress_level=1)
        counts[kind.name] = per_class
    return counts


def pony_splits(
    train: int, validation: int, test: int, size: int = 150, root: str | Path | None = None
) -> dict[str, Path]:
    """Train, validation and test folders of ponies (``per class`` counts), drawn once and cached.

    Each split has its own seed (1, 2, 3), so no picture is in two splits. The folders live in
    dlkit's cache (``$DLKIT_CACHE_DIR/ponies/...``) unless ``root`` is given, and are reused when
    complete, so a lab does not redraw them on every run. Two processes asking for the same folder
    at once (``dlkit demo`` runs labs side by side) draw it once: the second waits for the first,
    so neither reads a picture while the other is still writing it.

    Returns:
        {"train": Path, "validation": Path, "test": Path}
    """
    from filelock import FileLock

    from dlkit.data import locations

    base = Path(root) if root is not None else locations.ensure_writable(locations.cache_root() / "ponies")
    folders = {}
    splits = {"train": train, "validation": validation, "test": test}
    for seed, (split, per_class) in enumerate(splits.items(), start=1):
        folder = base / f"{split}-seed{seed}-{per_class}x{size}px"
        done = folder.with_name(folder.name + ".complete")  # beside the folder: not a picture
        if not done.exists():
            base.mkdir(parents=True, exist_ok=True)
            with FileLock(str(folder.with_name(folder.name + ".lock"))):
                if not done.exists():  # not drawn by another process while this one waited
                    generate_ponies(folder, per_class=per_class, seed=seed, size=size)
                    done.write_text("all pictures written\n")
        folders[split] = folder
    return folders


EXIF_ORIENTATION = 0x0112


def save_as_phone_photo(picture: np.ndarray, path: str | Path) -> Path:
    """Save ``picture`` (H, W, 3 uint8, upright) as a phone held upright saves a photo: the pixels
    stored turned a quarter to the left, and EXIF orientation 6 telling viewers to turn them back.

    A reader that ignores EXIF (TensorFlow's decoders, ``keras.utils.load_img``) shows it sideways;
    ``dlkit.data.images.read_image`` shows it upright. Labs use it to show the difference.
    """
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = 6
    path = Path(path)
    Image.fromarray(picture).transpose(Image.Transpose.ROTATE_90).save(path, quality=92, exif=exif)
    return path
