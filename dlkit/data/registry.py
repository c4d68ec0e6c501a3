"""The registry: every file dlkit can fetch, described as data (name, URL, accepted hashes,
sizes, licence, citation). It is read from ``registry.json``, which ships inside the package."""

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
class RegistryFile:
    """A file of a registry entry. The first accepted version is the one served at ``url``."""

    filename: str
    url: str
    keras_subdir: str  # where Keras caches it: "datasets" or "models"
    accepted: tuple[AcceptedVersion, ...]
    variant: str | None = None  # for weights: "notop" (no classifier) or "full"

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
            url=f["url"],
            keras_subdir=f["keras_subdir"],
            accepted=tuple(AcceptedVersion(**version) for version in f["accepted"]),
            variant=f.get("variant"),
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
