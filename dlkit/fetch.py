"""Find, download, import and verify the files in dlkit's registry.

One code path serves datasets and pretrained weights. A file is looked for in this order and the
first verified copy wins: an explicit path; the user's folder (``$DLKIT_DATA_DIR`` or
``$DLKIT_WEIGHTS_DIR``); dlkit's cache; Keras' cache; else it is downloaded into dlkit's cache.

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

from dlkit import locations
from dlkit.errors import DatasetUnavailable, FileUnavailable, VerificationError, WeightsUnavailable
from dlkit.registry import AcceptedVersion, RegistryEntry, RegistryFile, get_entry
from dlkit.verify import describe_size, identify

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
    """The first verified copy of ``file``, downloading it into dlkit's cache if need be.

    Raises:
        VerificationError: ``path`` or the file in the user's folder is not an accepted version.
        DatasetUnavailable: no verified copy anywhere and the download failed or was not allowed.
        CacheNotWritable: the download was needed but dlkit's cache cannot be written.
    """
    if path is not None:
        candidate = Path(path).expanduser()
        if candidate.is_dir() and not (candidate / file.filename).is_dir():
            candidate = candidate / file.filename
        return Located(candidate, identify(candidate, file), "explicit path")

    user_folder = locations.user_folder(entry.kind)
    if user_folder is not None and (user_folder / file.filename).exists():
        variable = locations.USER_FOLDER_VARIABLES[entry.kind]
        candidate = user_folder / file.filename
        try:
            return Located(candidate, identify(candidate, file), f"${variable}")
        except VerificationError as error:
            raise VerificationError(f"{error} (found through ${variable}; left unchanged)") from None

    cached = _verified_cache_copy(entry, file)
    if cached is not None:
        return cached

    keras_copy = locations.keras_cache_folder(file.keras_subdir) / file.filename
    if keras_copy.exists():
        try:
            return Located(keras_copy, identify(keras_copy, file), "Keras cache")
        except VerificationError as error:
            warnings.warn(f"ignoring Keras' cached copy: {error}", stacklevel=2)

    if not download or locations.offline():
        reason = "downloads are off (DLKIT_OFFLINE is set)" if download else "download not asked"
        raise _unavailable(entry)(unavailable_message(entry, file, reason), reason)
    return _download(entry, file)


def _unavailable(entry: RegistryEntry) -> type[FileUnavailable]:
    return WeightsUnavailable if entry.kind == "weights" else DatasetUnavailable


def _verified_cache_copy(entry: RegistryEntry, file: RegistryFile) -> Located | None:
    """The cached copy if it verifies; a bad one is renamed aside with a warning."""
    cached = locations.cache_folder(entry.kind) / file.filename
    if not cached.exists():
        return None
    try:
        return Located(cached, identify(cached, file), "dlkit cache")
    except VerificationError as error:
        aside = cached.with_name(f"{cached.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
        cached.rename(aside)
        warnings.warn(f"{error}; moved it aside to {aside.name}", stacklevel=3)
        return None


def _cache_lock(folder: Path, file: RegistryFile) -> FileLock:
    return FileLock(str(folder / f"{file.filename}.lock"), timeout=LOCK_TIMEOUT_SECONDS)


def _download(entry: RegistryEntry, file: RegistryFile) -> Located:
    folder = locations.ensure_writable(locations.cache_folder(entry.kind))
    with _cache_lock(folder, file):
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
        with _cache_lock(cache, file):
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
    """
    entry = get_entry(name)
    if source_folder is not None:
        located = import_from(entry, source_folder)
    else:
        located = [locate(entry, file) for file in entry.files]
    if entry.kind == "weights" and entry.name != LABELS:
        located += _labels_too(source_folder)
    return located


LABELS = "imagenet-labels"


def _labels_too(source_folder: str | Path | None) -> list[Located]:
    """Pretrained weights are useful only with the ImageNet class names: stage them as well."""
    labels = get_entry(LABELS)
    if source_folder is not None and not (Path(source_folder) / labels.files[0].filename).exists():
        warnings.warn(
            f"--from {source_folder}: no {labels.files[0].filename}; predictions will show class "
            f"numbers until `dlkit fetch {LABELS}` finds it",
            stacklevel=3,
        )
        return []
    return fetch(LABELS, source_folder)


def unavailable_message(entry: RegistryEntry, file: RegistryFile, reason: str) -> str:
    """The message for a file that is nowhere: its name, size and the three ways to get it."""
    variable = locations.USER_FOLDER_VARIABLES[entry.kind]
    return (
        f"{file.filename} ({describe_size(file)}, {entry.name}) is not on this machine and "
        f"could not be fetched: {reason}. Ways out: (1) run `dlkit fetch {entry.name}` on a "
        f"network; (2) copy {file.filename} from another machine and run "
        f"`dlkit fetch {entry.name} --from DIR`; (3) set {variable} to a folder that holds "
        f"{file.filename}."
    )


def _short(error: Exception) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text if len(text) < 200 else text[:197] + "..."
