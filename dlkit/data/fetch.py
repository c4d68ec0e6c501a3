"""Find, download, import and verify the files in dlkit's registry.

One code path serves datasets and pretrained weights. A file is looked for in the order of
``dlkit.data.search`` (an explicit path; the user's folder; dlkit's cache; Keras' cache) and the
first verified copy wins; else it is downloaded into dlkit's cache.

Safety rules:
- a file that fails verification is never returned;
- the user's folders and Keras' cache are only read, never changed;
- a bad file in dlkit's cache is renamed aside (``*.corrupt-<time>``), not deleted;
- downloads and imports go to a temporary file, are verified, then renamed into place, under a
  lock so two kernels fetching at once cannot corrupt the cache.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import pooch
from filelock import FileLock

from dlkit.data import locations
from dlkit.data.registry import AcceptedVersion, RegistryEntry, RegistryFile, get_entry
from dlkit.data.search import DLKIT_CACHE, KERAS_CACHE, search
from dlkit.data.verify import describe_size, identify
from dlkit.errors import (
    DatasetUnavailable,
    FileUnavailable,
    VerificationError,
    WeightsUnavailable,
    first_line,
)

DOWNLOAD_TIMEOUT_SECONDS = 30
LOCK_TIMEOUT_SECONDS = 30 * 60


@dataclass(frozen=True)
class Located:
    """A verified file: where it is, which accepted version it is, and how it was found."""

    path: Path
    version: AcceptedVersion
    source: str  # "explicit path", "$DLKIT_DATA_DIR", "dlkit cache", "Keras cache", "download"

    def describe(self) -> str:
        return f"{self.path} ({self.source}; verified: {self.version.name})"


def locate(
    entry: RegistryEntry,
    file: RegistryFile,
    path: str | Path | None = None,
    download: bool = True,
) -> Located:
    """The first verified copy of ``file`` in the search order (``dlkit.data.search``),
    downloading it into dlkit's cache if there is none.

    Raises:
        VerificationError: ``path`` or the file in the user's folder is not an accepted version.
        DatasetUnavailable: no verified copy anywhere and the download failed or was not allowed.
        CacheNotWritable: the download was needed but dlkit's cache cannot be written.
    """
    for finding in search(entry, file, path):
        candidate = finding.candidate
        if finding.verified:
            return Located(candidate.path, finding.version, candidate.source)
        if candidate.bad_copy_stops_search:
            note = "" if candidate.explicit else f" (found through {candidate.source}; left unchanged)"
            raise VerificationError(f"{finding.problem}{note}") from None
        if candidate.owner == DLKIT_CACHE:
            move_aside(candidate.path, finding.problem)
        else:
            keras = candidate.owner == KERAS_CACHE
            whose = "Keras' cached copy" if keras else f"the copy in the {candidate.source}"
            warnings.warn(f"ignoring {whose}: {finding.problem} (left unchanged)", stacklevel=2)

    if file.url is None:
        reason = f"it ships in the package {file.package.distribution}, which is not installed"
        raise _unavailable(entry)(unavailable_message(entry, file, reason), reason)
    if not download or locations.offline():
        reason = "downloads are off (DLKIT_OFFLINE is set)" if download else "download not asked"
        raise _unavailable(entry)(unavailable_message(entry, file, reason), reason)
    return _download(entry, file)


def _unavailable(entry: RegistryEntry) -> type[FileUnavailable]:
    return WeightsUnavailable if entry.kind == "weights" else DatasetUnavailable


def move_aside(path: Path, problem: VerificationError) -> None:
    """A bad copy in dlkit's own cache is renamed, never deleted, so nothing is lost."""
    aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
    path.rename(aside)
    warnings.warn(f"{problem}; moved it aside to {aside.name}", stacklevel=3)


def _verified_cache_copy(entry: RegistryEntry, file: RegistryFile) -> Located | None:
    """dlkit's cached copy if it verifies (another process may have just fetched it); a bad one
    is moved aside."""
    cached = locations.cache_folder(entry.kind) / file.filename
    if not cached.exists():
        return None
    try:
        return Located(cached, identify(cached, file), "dlkit cache")
    except VerificationError as problem:
        move_aside(cached, problem)
        return None


def cache_lock(folder: Path, filename: str) -> FileLock:
    """The lock two processes writing `filename` into `folder` take turns on."""
    return FileLock(str(folder / f"{filename}.lock"), timeout=LOCK_TIMEOUT_SECONDS)


def _download(entry: RegistryEntry, file: RegistryFile) -> Located:
    folder = locations.ensure_writable(locations.cache_folder(entry.kind))
    with cache_lock(folder, file.filename):
        cached = _verified_cache_copy(entry, file)  # another process may have fetched it
        if cached is not None:
            return cached
        downloader = pooch.HTTPDownloader(progressbar=sys.stderr.isatty(), timeout=DOWNLOAD_TIMEOUT_SECONDS)
        try:
            pooch.retrieve(
                file.url,
                known_hash=file.download_version.hash,
                fname=file.filename,
                path=folder,
                downloader=downloader,
            )
        except Exception as error:  # network errors come from requests, hash errors as ValueError
            reason = f"download failed: {_short(error)}"
            raise _unavailable(entry)(unavailable_message(entry, file, reason), reason) from error
        target = folder / file.filename
        return Located(target, identify(target, file), "download")


def import_from(entry: RegistryEntry, folder: str | Path) -> list[Located]:
    """Copy the entry's files from ``folder`` into dlkit's cache, verifying each first.

    Files of the entry that ``folder`` lacks are skipped with a warning (a USB stick may carry
    only VGG16's notop weights), but at least one must be there.

    Raises:
        FileUnavailable: ``folder`` holds none of the entry's files.
        VerificationError: a file in ``folder`` is not an accepted version (nothing is copied).
    """
    source_folder = Path(folder).expanduser()
    if not source_folder.is_dir():
        raise _unavailable(entry)(f"--from {source_folder}: no such folder")
    present = [file for file in entry.files if (source_folder / file.filename).exists()]
    if not present:
        wanted = ", ".join(f"{file.filename} ({describe_size(file)})" for file in entry.files)
        raise _unavailable(entry)(
            f"--from {source_folder}: it has no {wanted}; copy that file there and try again"
        )
    for file in entry.files:
        if file not in present:
            warnings.warn(f"--from {source_folder}: no {file.filename}; imported the rest", stacklevel=2)
    sources = [
        (file, source_folder / file.filename, identify(source_folder / file.filename, file))
        for file in present
    ]

    cache = locations.ensure_writable(locations.cache_folder(entry.kind))
    imported = []
    for file, source, version in sources:
        target = cache / file.filename
        with cache_lock(cache, file.filename):
            with tempfile.NamedTemporaryFile(dir=cache, prefix=f".{file.filename}.", delete=False) as tmp:
                temporary = Path(tmp.name)
            try:
                shutil.copyfile(source, temporary)
                identify(temporary, file)  # the copy itself, not just the original
                temporary.replace(target)
            finally:
                temporary.unlink(missing_ok=True)
        imported.append(Located(target, version, f"imported from {source_folder}"))
    return imported


def fetch(name: str, source_folder: str | Path | None = None) -> list[Located]:
    """Make every file of registry entry ``name`` available offline, in dlkit's cache.

    With ``source_folder``, the files are imported (verified) from that folder instead of the
    network. Files already present and verified anywhere dlkit looks are not fetched again.
    (A file shipped in an installed package is found there; ``dlkit fetch`` then also makes its
    converted copy, through ``dlkit.pretrained``.)
    """
    entry = get_entry(name)
    if source_folder is not None:
        return import_from(entry, source_folder)
    return [locate(entry, file) for file in entry.files]


def unavailable_message(entry: RegistryEntry, file: RegistryFile, reason: str) -> str:
    """The message for a file that is nowhere: its name, size and the ways to get it."""
    variable = locations.USER_FOLDER_VARIABLES[entry.kind]
    if file.package is not None:
        return (
            f"{file.filename} ({describe_size(file)}, {entry.name}) is not on this machine: {reason}. "
            f"It comes with dlkit's requirements: `pip install {file.package.distribution}` (or "
            f"reinstall dlkit), or set {variable} to a folder that holds {file.filename}."
        )
    return (
        f"{file.filename} ({describe_size(file)}, {entry.name}) is not on this machine and "
        f"could not be fetched: {reason}. Ways out: (1) run `dlkit fetch {entry.name}` on a "
        f"network; (2) copy {file.filename} from another machine and run "
        f"`dlkit fetch {entry.name} --from DIR`; (3) set {variable} to a folder that holds "
        f"{file.filename}."
    )


def _short(error: Exception) -> str:
    return first_line(error)
