"""Photos dlkit ships, so a lab, ``dlkit serve`` and the tests can show a pretrained network real
pictures on a machine with no network and no photos of its own.

Five photographs from scikit-image's sample data (``skimage.data``), each free to share: four
released under CC0 by their photographers and two public-domain pictures from NASA and SpaceX.
The PNGs were re-encoded as JPEG (quality 90) to keep the package small; ``rocket.jpg`` is
scikit-image's file as it is. ``ATTRIBUTION.md`` beside them says the same, for anyone who copies
the folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

__all__ = ["SAMPLE_PHOTOS", "SamplePhoto", "sample_photos_folder"]


@dataclass(frozen=True)
class SamplePhoto:
    """A shipped photo: its file, what it shows, who made it and under which terms."""

    filename: str
    shows: str
    credit: str
    licence: str


SAMPLE_PHOTOS = (
    SamplePhoto("astronaut.jpg", "the astronaut Eileen Collins, a portrait", "NASA", "public domain"),
    SamplePhoto("camera.jpg", "a man with a camera on a tripod (black and white)", "Lav Varshney", "CC0"),
    SamplePhoto("chelsea.jpg", "Chelsea the cat", "Stefan van der Walt", "CC0"),
    SamplePhoto("coffee.jpg", "a cup of coffee", "Rachel Michetti", "CC0"),
    SamplePhoto("rocket.jpg", "a SpaceX Falcon 9 rocket on its launch pad", "SpaceX", "public domain"),
)


def sample_photos_folder() -> Path:
    """The folder of the photos dlkit ships (read-only: inside the installed package).

    Example:
        >>> from dlkit.pretrained import load_photos
        >>> photos, paths = load_photos(sample_photos_folder(), (224, 224))
    """
    return Path(str(resources.files("dlkit.data.embedded").joinpath("photos")))
