"""Photos read the way a pretrained network expects them: upright, RGB, cropped, resized.

``load_photos`` reads every picture in a folder as ``dlkit.data.images.read_image`` reads any
picture a person brings (EXIF orientation applied, HEIC included), crops the centre to the
output's shape (nothing is squashed) and resizes. ``central_fraction=0.875`` keeps the central
87.5 % of the short side first, as ImageNet networks are evaluated (a 256-pixel picture cropped
to 224): a photo then looks to the network as its test pictures did.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from dlkit.data.image_folder import BadImageFolder, ImageFolderWarning, require_folder
from dlkit.data.images import UnreadableImage, central_crop, is_picture_name, is_system_file, read_image
from dlkit.data.photos import sample_photos_folder

__all__ = ["load_photos", "sample_photos_folder"]


def load_photos(
    folder: str | Path, size: tuple[int, int], skip_bad: bool = False, central_fraction: float = 1.0
) -> tuple[np.ndarray, list[Path]]:
    """Every picture in ``folder`` (not its subfolders) as RGB float32 (0–255) of ``size``,
    centre-cropped to the right aspect ratio first (no squashing), with their paths in name order.

    ``central_fraction`` below 1 keeps only that central part of each picture's short side
    before resizing (0.875: how ImageNet networks are evaluated). Resizing is bicubic.

    Pictures are read like every picture dlkit reads (``dlkit.data.images.read_image``): upright
    (phone photos' EXIF orientation applied), HEIC, WebP, TIFF and 16-bit files included. System
    files (``.DS_Store``, ``._IMG_0001.JPG``) are ignored.

    Raises:
        BadImageFolder: a picture cannot be read (each named, with the fix; ``skip_bad=True``
            leaves them out with a warning instead), or the folder holds no picture at all.
    """
    import keras

    if not 0 < central_fraction <= 1:
        raise ValueError(f"central_fraction must be in (0, 1]. Received: central_fraction={central_fraction}")
    folder = Path(folder).expanduser()
    require_folder(folder)
    entries = sorted(p for p in folder.iterdir() if not is_system_file(p.name) and not p.is_dir())
    pictures, paths, unreadable = [], [], []
    reduce_to = tuple(round(side / central_fraction) for side in size)
    for path in (p for p in entries if is_picture_name(p.name)):
        try:
            pixels = read_image(path, reduce_to=reduce_to).pixels
            pictures.append(central_crop(pixels, central_fraction, aspect=size[1] / size[0]))
            paths.append(path)
        except UnreadableImage as error:
            unreadable.append(error)
    if unreadable and not skip_bad:
        raise BadImageFolder("; ".join(str(error) for error in unreadable) + " (or pass skip_bad=True)")
    if unreadable:
        warnings.warn(f"left out {len(unreadable)} unreadable picture(s): "
                      + ", ".join(error.path.name for error in unreadable), ImageFolderWarning, stacklevel=2)
    if not pictures:
        others = ", ".join(p.name for p in entries[:10]) or "nothing but system files"
        raise BadImageFolder(
            f"no pictures in {folder} (it holds: {others}); put JPEG, PNG or HEIC photos there"
        )
    # float32 whatever the global policy: under mixed_bfloat16 the layer would compute in bfloat16,
    # which older Keras refuses ("data type not inexact") and which would blur the photos' pixels
    resize = keras.layers.Resizing(*size, interpolation="bicubic", crop_to_aspect_ratio=True, dtype="float32")
    images = [keras.ops.convert_to_numpy(resize(pixels.astype("float32"))) for pixels in pictures]
    # bicubic overshoots a little at sharp edges: keep the pixels in 0-255, as a photo's are
    return np.clip(np.stack(images), 0, 255).astype("float32"), paths

