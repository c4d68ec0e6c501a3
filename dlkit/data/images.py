"""Read a student's picture the one way dlkit reads every picture: with Pillow, upright, 8-bit RGB.

``read_image`` serves the folder loader, ``pretrained.load_photos`` and anything later that reads
pictures people bring, so what ``dlkit check-folder`` checked is exactly what trains: no second
decoder reads the file later. It handles what phones and laptops make:

- EXIF orientation is applied (Pillow's ``ImageOps.exif_transpose``): phone photos come out upright;
- HEIC/HEIF (the iPhone default, through the ``pillow-heif`` package), WebP, AVIF, TIFF, BMP, GIF
  (its first frame), PNG and JPEG are read by their content, whatever their extension says;
- palette, 1-bit, grey, grey + alpha, RGBA, CMYK and 16-bit pictures become 8-bit RGB (16-bit
  values are scaled, not clipped; transparency is dropped, as Keras drops it).

What operating systems leave beside pictures (hidden files such as ``.DS_Store`` and macOS's
``._name.jpg`` AppleDouble files, ``__MACOSX``, ``Thumbs.db``, ``desktop.ini``) is recognised by
``is_system_file`` and never read. Nothing is ever written next to the user's files.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from dlkit.errors import DlkitError

try:  # a declared dependency; without it HEIC photos are named with the install command
    import pillow_heif

    pillow_heif.register_heif_opener()
    Image.init()
    if "AVIF" not in Image.OPEN and hasattr(pillow_heif, "register_avif_opener"):
        pillow_heif.register_avif_opener()  # Pillow reads AVIF itself only from 11.2 on
    HEIF_SUPPORT = True
except ImportError:  # pragma: no cover - only where pillow-heif failed to install
    HEIF_SUPPORT = False

__all__ = [
    "IMAGE_EXTENSIONS",
    "Picture",
    "UnreadableImage",
    "central_crop",
    "is_picture_name",
    "is_system_file",
    "read_image",
    "read_image_bytes",
]

IMAGE_EXTENSIONS = (
    ".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff",
    ".heic", ".heif", ".hif", ".avif",
)  # fmt: skip  (".jfif" is how Windows often saves JPEGs)
HEIF_EXTENSIONS = (".heic", ".heif", ".hif")
SYSTEM_NAMES = {
    "__macosx", "thumbs.db", "ehthumbs.db", "desktop.ini", "$recycle.bin", "system volume information",
    "icon\r", "@eadir",  # macOS's custom-icon file; Synology NAS thumbnail folders
}  # fmt: skip
SIXTEEN_BIT_MODES = {"I", "I;16", "I;16L", "I;16B", "I;16N"}
MODE_NAMES = {  # Pillow's modes, as the report names them
    "1": "1-bit black and white", "L": "grey", "LA": "grey with transparency", "P": "palette",
    "PA": "palette with transparency", "RGBA": "RGBA (transparency dropped)", "CMYK": "CMYK",
    "YCbCr": "YCbCr", "LAB": "Lab", "HSV": "HSV",
}  # fmt: skip


UPLOAD_MAX_PIXELS = 64_000_000  # no upload is decoded past this, whatever the caller allows
# What an upload may be: what phones, browsers and cameras make. Pillow is asked to try these formats
# only, so a PostScript file never reaches Ghostscript and a PSD or TGA is "not a picture".
UPLOAD_FORMATS = ("JPEG", "MPO", "PNG", "WEBP", "GIF", "BMP", "HEIF", "AVIF")
UPLOAD_NOT_A_PICTURE = ("not a picture of a kind a phone or browser makes (JPEG, PNG, HEIC, WebP, GIF, "
                        "BMP, AVIF): send one of those")
DRAFT_FORMATS = ("JPEG", "MPO")  # decoded at 1/2, 1/4 or 1/8 of their size when that is all needed


class UnreadableImage(DlkitError):
    """A file that should be a picture but cannot be read; ``reason`` says why and what to do."""

    def __init__(self, path: Path, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class Picture:
    """A picture as dlkit uses it: upright 8-bit RGB pixels, the file's real format, and what was
    done to get there (empty when the file was already plain RGB)."""

    pixels: np.ndarray  # uint8, (height, width, 3)
    format: str  # Pillow's name for what the file really is: "JPEG", "PNG", "HEIF", "WEBP", ...
    changes: tuple[str, ...] = ()


def is_system_file(name: str) -> bool:
    """True for what an operating system leaves beside pictures, at any depth: hidden files and
    folders (``.DS_Store``, ``._IMG_0001.JPG``, ``.ipynb_checkpoints``), ``__MACOSX``,
    ``Thumbs.db``, ``desktop.ini``. dlkit ignores these quietly."""
    return name.startswith(".") or name.lower() in SYSTEM_NAMES


def is_picture_name(name: str) -> bool:
    """True when the file name says it is a picture dlkit reads (any case: ``IMG_1.JPG``)."""
    return name.lower().endswith(IMAGE_EXTENSIONS)


def read_image(path: str | Path, reduce_to: tuple[int, int] | None = None) -> Picture:
    """Read ``path`` fully, upright, as 8-bit RGB.

    Args:
        path: the picture.
        reduce_to: the size the caller will shrink the picture to, if it will: a large JPEG is
            then decoded at a reduced scale (still at least twice that size), which is several
            times faster for phone photos.

    Raises:
        UnreadableImage: the file is missing (a dangling link), empty, truncated, not a picture,
            or a HEIC photo without pillow-heif; the message says what to do.

    Example:
        >>> picture = read_image("IMG_0001.HEIC")
        >>> picture.pixels.shape, picture.pixels.dtype, picture.format
        ((3024, 4032, 3), dtype('uint8'), 'HEIF')
    """
    path = Path(path)
    _check_file(path)
    return _decode(path, path, reduce_to)


def read_image_bytes(
    data: bytes,
    name: str = "upload",
    reduce_to: tuple[int, int] | None = None,
    background: tuple[int, int, int] | None = None,
    max_decoded_pixels: int = UPLOAD_MAX_PIXELS,
    ink_from_transparency: bool = False,
) -> Picture:
    """Read a picture that arrived as bytes (an upload to ``dlkit serve`` or the classroom) as
    ``read_image`` reads a file (upright, 8-bit RGB), of the kinds phones and browsers make only
    (``UPLOAD_FORMATS``). How many pixels decoding it would make is read from its header, before
    anything is decoded (a JPEG counts at the reduced size ``reduce_to`` lets it be decoded at), and
    past ``max_decoded_pixels`` it is refused: a few kilobytes of PNG can unpack into gigabytes, and
    a service must not let one request take its memory.

    ``background`` (an RGB colour) is laid under transparent pixels instead of dropping the
    transparency; with ``ink_from_transparency`` a picture drawn on a transparent layer is read by
    its opacity instead (the drawn strokes white on black, whatever colour they were drawn in: white
    ink on a transparent canvas is ink, not a blank page).

    Raises:
        UnreadableImage: empty, truncated, too large or not a picture of an accepted kind; ``name``
            stands for the file in the message.
    """
    if not data:
        raise UnreadableImage(Path(name), "an empty file (0 bytes): send the picture itself")
    limit = min(max_decoded_pixels, UPLOAD_MAX_PIXELS)
    return _decode(io.BytesIO(data), Path(name), reduce_to, upload=True, background=background,
                   max_decoded_pixels=limit, ink_from_transparency=ink_from_transparency)


def _draft_scale(width: int, height: int, reduce_to: tuple[int, int] | None) -> int:
    """1, 2, 4 or 8: how much smaller a JPEG can be decoded, keeping at least twice ``reduce_to``."""
    if not reduce_to:
        return 1
    side = 2 * max(reduce_to)
    scale = 1
    while scale < 8 and min(width, height) // (scale * 2) >= side:
        scale *= 2
    return scale


def _upload_formats() -> list[str]:
    """``UPLOAD_FORMATS`` that this Pillow can open (HEIF with pillow-heif, AVIF where built in)."""
    Image.init()  # every plugin registered, so that asking for MPO does not fail
    return [name for name in UPLOAD_FORMATS if name in Image.OPEN]


def _reduced(image: Image.Image, reduce_to: tuple[int, int] | None) -> Image.Image:
    """``image`` shrunk by a whole factor (averaging each block of pixels) while it stays at least
    twice ``reduce_to`` on its shorter side: an upload is kept no larger than its use needs."""
    if not reduce_to:
        return image
    factor = min(image.width, image.height) // (2 * max(reduce_to))
    if factor < 2:
        return image
    if image.mode not in ("L", "LA", "RGB", "RGBA", "I", "F"):  # palettes, CMYK, 1-bit: made plain first
        image = image.convert("RGBA" if _has_transparency(image) else "RGB")
    return image.reduce(factor)


def _decode(
    source: Path | io.BytesIO,
    path: Path,
    reduce_to: tuple[int, int] | None,
    upload: bool = False,
    background: tuple[int, int, int] | None = None,
    max_decoded_pixels: int = UPLOAD_MAX_PIXELS,
    ink_from_transparency: bool = False,
) -> Picture:
    try:
        with Image.open(source, formats=_upload_formats() if upload else None) as image:
            if upload:
                drafts = image.format in DRAFT_FORMATS
                scale = _draft_scale(image.width, image.height, reduce_to) if drafts else 1
                decoded = (image.width // scale) * (image.height // scale)
                if decoded > max_decoded_pixels:
                    raise UnreadableImage(path, f"too large: {image.width}x{image.height} pixels; send a "
                                                f"picture of at most {max_decoded_pixels / 1e6:g} megapixels")
            if reduce_to and image.format in DRAFT_FORMATS:
                side = 2 * max(reduce_to)  # square: the picture may still be turned by 90 degrees
                image.draft("RGB", (side, side))
            image.load()  # a full decode: a truncated file fails here, not later during training
            file_format = image.format or "unknown"
            loaded = _reduced(image, reduce_to) if upload else image  # the big decode freed at once
            upright, changes = _upright(loaded)
            if ink_from_transparency and _has_transparency(upright) and _drawn_on_transparency(upright):
                opacity = upright.convert("RGBA").getchannel("A")
                upright = Image.merge("RGB", (opacity, opacity, opacity))
                changes.append("drawn on a transparent layer: read by its opacity")
            elif background is not None and _has_transparency(upright):
                upright = _over(upright, background)
                changes.append("transparent parts laid on a background")
            pixels, converted = _to_rgb8(upright)
    except UnidentifiedImageError:
        reason = UPLOAD_NOT_A_PICTURE if upload else _unidentified_reason(path)
        raise UnreadableImage(path, reason) from None
    except PermissionError:
        raise UnreadableImage(path, "permission denied: make the file readable (or copy it) first") from None
    except Image.DecompressionBombError as error:
        raise UnreadableImage(path, f"too large to read safely ({error}); shrink it first") from None
    except (OSError, SyntaxError, ValueError) as error:  # Pillow's ways of saying "broken"
        detail = str(error).splitlines()[0][:120] if str(error) else type(error).__name__
        advice = "send the whole file again" if upload else "copy it again from the original, or remove it"
        raise UnreadableImage(path, f"truncated or corrupt ({detail}): {advice}") from None
    if file_format not in ("JPEG", "PNG", "BMP", "GIF"):
        changes.append(f"decoded from {file_format}")
    return Picture(pixels, file_format, tuple(changes + converted))


def _check_file(path: Path) -> None:
    if path.is_symlink() and not path.exists():
        raise UnreadableImage(path, f"a link to {os.readlink(path)}, which does not exist: "
                                    "copy the picture itself here, or remove the link")
    if not path.is_file():
        raise UnreadableImage(path, "no such file")
    if path.stat().st_size == 0:
        raise UnreadableImage(path, "an empty file (0 bytes), e.g. an interrupted copy: copy it again")


def _unidentified_reason(path: Path) -> str:
    if path.suffix.lower() in HEIF_EXTENSIONS and not HEIF_SUPPORT:
        return "a HEIC/HEIF photo, and pillow-heif is not installed: `pip install pillow-heif`"
    return (
        "not a picture Pillow can read, whatever its extension says (a video, a document, or a "
        "format Pillow lacks here): re-save it as JPEG or PNG, or remove it"
    )


def _upright(image: Image.Image) -> tuple[Image.Image, list[str]]:
    """The picture turned as its EXIF orientation says, and a note of it. Broken EXIF data does
    not make a readable picture unreadable: it is then used as stored, and the note says so."""
    try:
        orientation = int(image.getexif().get(0x0112, 1))  # the EXIF Orientation tag
        upright = ImageOps.exif_transpose(image)
    except Exception:  # EXIF parsers fail in many ways on odd files; the pixels are still fine
        return image, ["EXIF data unreadable: used as stored, not turned"]
    return upright, [f"turned upright (EXIF orientation {orientation})"] if orientation not in (0, 1) else []


def _has_transparency(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)


def _drawn_on_transparency(image: Image.Image) -> bool:
    """Whether the picture's strokes sit on a transparent background: most of it see-through, some
    of it opaque (a canvas exported with its background left transparent)."""
    opacity = np.asarray(image.convert("RGBA").getchannel("A"))
    transparent = float((opacity < 16).mean())
    return 0.5 <= transparent < 1.0


def _over(image: Image.Image, background: tuple[int, int, int]) -> Image.Image:
    """``image`` composited over a plain ``background``, as an RGB picture."""
    layer = image.convert("RGBA")
    base = Image.new("RGBA", layer.size, (*background, 255))
    return Image.alpha_composite(base, layer).convert("RGB")


def _to_rgb8(image: Image.Image) -> tuple[np.ndarray, list[str]]:
    """8-bit RGB pixels and what the conversion did."""
    mode = image.mode
    if mode == "RGB":
        return np.asarray(image, dtype=np.uint8), []
    if mode in SIXTEEN_BIT_MODES:  # 16-bit grey: scale 0-65535 to 0-255 (a plain convert clips: white)
        grey = np.asarray(image).astype(np.float64)
        grey = np.clip(np.rint(grey / 257.0), 0, 255).astype(np.uint8)
        return np.repeat(grey[..., None], 3, axis=-1), ["16-bit grey scaled to 8-bit RGB"]
    if mode == "F":  # floating-point TIFF: shown as 0-1 or 0-255, whichever it holds
        values = np.asarray(image, dtype=np.float64)
        values = values * 255.0 if values.max(initial=0) <= 1.0 else values
        grey = np.clip(np.rint(values), 0, 255).astype(np.uint8)
        return np.repeat(grey[..., None], 3, axis=-1), ["floating-point grey converted to 8-bit RGB"]
    if mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")  # Pillow's advice for palette pictures with transparency
    converted = f"{MODE_NAMES.get(mode, mode)} converted to RGB"
    return np.asarray(image.convert("RGB"), dtype=np.uint8), [converted]


def central_crop(pixels: np.ndarray, fraction: float, aspect: float = 1.0) -> np.ndarray:
    """The centre of a picture, as ImageNet networks are evaluated: ``fraction`` of its short side,
    cropped to ``aspect`` (width / height; 1 is a square). 0.875 of a 256-pixel side keeps 224.

    Example:
        >>> central_crop(np.zeros((300, 451, 3), np.uint8), 0.875).shape
        (262, 262, 3)
    """
    if not 0 < fraction <= 1 or aspect <= 0:
        raise ValueError(f"fraction must be in (0, 1] and aspect above 0. Received: {fraction=}, {aspect=}")
    height, width = pixels.shape[:2]
    side = fraction * min(height, width)
    crop_height, crop_width = (side, side * aspect) if aspect <= 1 else (side / aspect, side)
    crop_height = max(1, min(height, round(crop_height)))
    crop_width = max(1, min(width, round(crop_width)))
    top, left = (height - crop_height) // 2, (width - crop_width) // 2
    return pixels[top : top + crop_height, left : left + crop_width]
