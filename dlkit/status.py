"""Where a registry file is and whether it verifies, without changing or downloading anything:
what ``dlkit datasets`` and ``dlkit doctor`` report."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dlkit import locations
from dlkit.errors import VerificationError
from dlkit.registry import RegistryEntry, RegistryFile
from dlkit.verify import identify


@dataclass(frozen=True)
class FileStatus:
    """What ``inspect`` found for a file: "verified", "corrupt" or "missing", and where."""

    status: str
    path: Path | None
    detail: str


def inspect(entry: RegistryEntry, file: RegistryFile) -> FileStatus:
    """Where ``file`` is and whether it verifies, looking where ``locate`` looks but changing
    nothing and downloading nothing (for ``dlkit datasets`` and ``dlkit doctor``)."""
    candidates = []
    user_folder = locations.user_folder(entry.kind)
    if user_folder is not None:
        candidates.append((user_folder / file.filename, f"${locations.USER_FOLDER_VARIABLES[entry.kind]}"))
    candidates.append((locations.cache_folder(entry.kind) / file.filename, "dlkit cache"))
    candidates.append((locations.keras_cache_folder(file.keras_subdir) / file.filename, "Keras cache"))
    first_problem = None
    for path, where in candidates:
        if not path.exists():
            continue
        try:
            version = identify(path, file)
        except VerificationError as error:
            first_problem = first_problem or FileStatus("corrupt", path, f"{where}: {error}")
            continue
        return FileStatus("verified", path, f"{where}: {version.name}")
    return first_problem or FileStatus("missing", None, f"`dlkit fetch {entry.name}` gets it")
