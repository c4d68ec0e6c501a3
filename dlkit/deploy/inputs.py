"""Turn what a request carries into the model's input, or say in one line why it cannot.

Pictures are decoded by ``dlkit.data.images.read_image_bytes``, the path every picture dlkit reads
takes, then prepared as the model's serving card says:

- a *digit* (MNIST models) is made to look like MNIST: grey, white ink on black (a dark-on-light
  photo of a written digit is inverted, strokes on a transparent layer are read by their opacity),
  cropped to its ink, scaled into a 20x20 box and centred on its centre of mass in 28x28 — what
  MNIST's makers did, and what makes a digit drawn anywhere on the page's canvas readable;
- a *photo* is resized to the model's input, as the labs' folder loader resizes it; for a
  pretrained ImageNet classifier (a card with ``central_fraction`` 0.875) its centre is cropped to
  the input's shape first, as ImageNet's test pictures were, and resized bicubically.

A picture is bounded by what the model needs before it is decoded: at most
``DECODED_PIXELS[kind]`` pixels decoded (a JPEG counts at the reduced size it can be decoded at for
the model's input), and at most ``DECODES_AT_ONCE`` pictures decoded at a time, so a burst of
oversized pictures from one device queues instead of taking the server's memory.

A JSON array is taken as it is: one input shaped like the model's input, or a batch of them.
"""

from __future__ import annotations

import math
import threading

import numpy as np
from PIL import Image

from dlkit.data.images import UnreadableImage, central_crop, read_image_bytes
from dlkit.deploy.card import ServingCard
from dlkit.deploy.guess import digit_grid
from dlkit.web.errors import BadRequest

__all__ = [
    "MAX_JSON_BATCH",
    "array_to_inputs",
    "picture_to_input",
    "prepare_digit",
    "prepare_picture",
    "scale_for_model",
]

MAX_JSON_BATCH = 256
DIGIT_BOX = 20  # MNIST: each digit scaled to fit 20x20, centred by mass in 28x28
DIGIT_SOURCE_SIDE = 128  # a digit's picture is kept at least 256 pixels on its shorter side
# Pixels an upload may decode to, by input kind: a digit needs 28x28 (a phone's photo of a written one
# decodes at a fraction of its size); a photo model 224x224, from a phone photo of up to 16 megapixels.
DECODED_PIXELS = {"digit": 4_000_000, "photo": 16_000_000}
DECODES_AT_ONCE = 2
DECODE_WAIT_SECONDS = 30
_decoding = threading.BoundedSemaphore(DECODES_AT_ONCE)
INK_THRESHOLD = 40  # grey levels (of 255) below which a pixel counts as background


def picture_to_input(data: bytes, name: str, card: ServingCard) -> tuple[np.ndarray, list[str]]:
    """(a batch of one input, what was done to the picture) for the bytes of an uploaded file."""
    pixels, changes = prepare_picture(data, name, card)
    return scale_for_model(pixels, card, changes), changes


def prepare_picture(data: bytes, name: str, card: ServingCard) -> tuple[np.ndarray, list[str]]:
    """(the picture as the model sees it, before scaling: uint8 shaped ``card.input_shape``, what was
    done to it). A digit is made to look like MNIST, a photo is resized; the classroom stores this."""
    if card.input_kind == "values":
        raise BadRequest(415, "this model takes numbers, not pictures: send a JSON array")
    digit = card.input_kind == "digit"
    # kept at least twice this on its shorter side (a JPEG is decoded at a fraction of its size):
    # a digit is cropped to its ink first, which may be a small part of a photo of a page
    reduce_to = (DIGIT_SOURCE_SIDE,) * 2 if digit else tuple(card.input_shape[:2])
    if not _decoding.acquire(timeout=DECODE_WAIT_SECONDS):
        raise BadRequest(503, "the server is decoding other pictures: try again in a moment")
    try:
        picture = read_image_bytes(
            data, name, reduce_to=reduce_to, max_decoded_pixels=DECODED_PIXELS[card.input_kind],
            background=(255, 255, 255) if digit else None,  # a picture partly see-through: on paper
            ink_from_transparency=digit,  # strokes drawn on a transparent layer, whatever their colour
        )
    except UnreadableImage as error:
        status = 413 if error.reason.startswith("too large") else 400
        raise BadRequest(status, f"{name}: {error.reason}") from None
    finally:
        _decoding.release()
    changes = list(picture.changes)
    if digit:
        grey, digit_changes = prepare_digit(picture.pixels, digit_grid(card.input_shape))
        changes += digit_changes
        return grey.reshape(card.input_shape), changes  # (28, 28), (28, 28, 1) or (784,)
    height, width = card.input_shape[:2]
    pixels = picture.pixels
    if card.central_fraction < 1:
        pixels = central_crop(pixels, card.central_fraction, aspect=width / height)
        changes.append(f"central {card.central_fraction:.1%} cropped ({pixels.shape[1]}x{pixels.shape[0]})")
    image = Image.fromarray(pixels)
    if card.central_fraction < 1 and image.size != (width, height):
        changes.append(f"resized from {image.width}x{image.height} to {width}x{height}")
        image = image.resize((width, height), Image.Resampling.BICUBIC)
    elif image.size != (width, height):
        changes.append(f"resized from {image.width}x{image.height} to {width}x{height}")
        image = image.resize((width, height), Image.Resampling.BILINEAR)
    if card.input_shape[-1] == 1:
        image = image.convert("L")
    return np.asarray(image, dtype=np.uint8).reshape(card.input_shape), changes


def scale_for_model(pixels: np.ndarray, card: ServingCard, changes: list[str] | None = None) -> np.ndarray:
    """A batch of one float32 input from ``prepare_picture``'s pixels: scaled as the card says
    (``pixel_scale``, and a pretrained base's preprocessing, noted in ``changes``)."""
    scaled = pixels.astype(np.float32) * (card.pixel_scale / 255.0)
    if card.preprocessing:  # e.g. lab 04's network, which starts with EfficientNet-Lite0 or VGG16
        from dlkit.pretrained import preprocess_input

        if changes is not None:
            changes.append(f"scaled as {card.preprocessing} was trained")
        return np.asarray(preprocess_input(card.preprocessing, scaled[np.newaxis].copy()))
    return scaled[np.newaxis]


def prepare_digit(rgb: np.ndarray, size: tuple[int, int] = (28, 28)) -> tuple[np.ndarray, list[str]]:
    """A picture of one digit as MNIST holds one: (uint8 grey image of ``size``, changes made).

    Raises:
        BadRequest: the picture is blank (nothing drawn).
    """
    grey = np.asarray(Image.fromarray(rgb).convert("L"), dtype=np.float32)
    changes = []
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    if np.median(border) > 127:  # dark ink on light paper: MNIST is white ink on black
        grey = 255.0 - grey
        changes.append("inverted (dark on light)")
    ink = grey > INK_THRESHOLD
    if not ink.any():
        raise BadRequest(422, "the picture is blank: draw or photograph a digit")
    rows, columns = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    crop = grey[rows[0] : rows[-1] + 1, columns[0] : columns[-1] + 1]
    scale = DIGIT_BOX / max(crop.shape)
    new_size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
    digit = np.asarray(
        Image.fromarray(crop.astype(np.uint8)).resize(new_size, Image.Resampling.LANCZOS), np.float32
    )
    canvas = np.zeros(size, np.float32)
    mass = digit.sum()
    centre_y = (digit.sum(axis=1) @ np.arange(digit.shape[0])) / mass if mass else digit.shape[0] / 2
    centre_x = (digit.sum(axis=0) @ np.arange(digit.shape[1])) / mass if mass else digit.shape[1] / 2
    top = int(np.clip(round(size[0] / 2 - centre_y), 0, size[0] - digit.shape[0]))
    left = int(np.clip(round(size[1] / 2 - centre_x), 0, size[1] - digit.shape[1]))
    canvas[top : top + digit.shape[0], left : left + digit.shape[1]] = digit
    changes.append(f"cropped to the ink, scaled into {DIGIT_BOX}x{DIGIT_BOX}, centred in {size[0]}x{size[1]}")
    return np.clip(canvas, 0, 255).astype(np.uint8), changes


def array_to_inputs(values: object, card: ServingCard) -> tuple[np.ndarray, bool]:
    """(a float32 batch, whether the request sent a batch) for a parsed JSON array."""
    shape = tuple(card.input_shape)
    if not isinstance(values, list):
        raise BadRequest(
            422, f"expected a JSON array shaped {list(shape)}, got a JSON {type(values).__name__}"
        )
    try:
        with np.errstate(over="ignore"):  # 1e39 becomes inf, refused below: no warning in the log
            array = np.asarray(values, dtype=np.float32)
    except OverflowError:  # an integer of hundreds of digits: beyond any float
        raise BadRequest(422, "the JSON array holds a number too large for the model's input") from None
    except (ValueError, TypeError):
        raise BadRequest(
            422, f"the JSON array is ragged or holds non-numbers; expected shape {list(shape)}"
        ) from None
    if array.shape == shape:
        batch, batched = array[np.newaxis], False
    elif array.shape[1:] == shape and 0 < array.shape[0] <= MAX_JSON_BATCH:
        batch, batched = array, True
    elif array.shape[1:] == shape:
        raise BadRequest(422, f"a batch of {array.shape[0]} inputs; send 1 to {MAX_JSON_BATCH} at a time")
    else:
        raise BadRequest(
            422,
            f"wrong shape {list(array.shape)}: this model takes {list(shape)} or a batch [n, "
            f"{', '.join(map(str, shape))}]",
        )
    if not all(math.isfinite(value) for value in (float(batch.min()), float(batch.max()))):
        raise BadRequest(422, "the array holds NaN or infinity")
    return batch, batched
