"""The converted copy of a registry file that Keras cannot read as it is: made once, verified,
kept in dlkit's cache.

EfficientNet-Lite0's ImageNet weights ship as a PyTorch state dict. The first time they are
needed, the verified checkpoint is read (``dlkit.data.torch_checkpoint``, which runs nothing the
file says), turned into Keras' layout by the caller's ``convert`` function, checked against the
hash of the arrays the registry records (``ConvertedCopy.arrays_sha256``), and written to dlkit's
cache the way every download is: to a temporary file, under the file's lock, renamed into place.
Later loads read that copy and check the same hash, so a copy that was changed, truncated or made
by a different conversion is never used: it is moved aside (``*.corrupt-<time>``) and made again.

The hash is of the arrays, not of the file's bytes: an ``.npz`` records when it was written, the
arrays do not change.
"""

from __future__ import annotations

import hashlib
import tempfile
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from dlkit.data import locations
from dlkit.data.fetch import Located, cache_lock, locate, move_aside
from dlkit.data.registry import ConvertedCopy, RegistryEntry, RegistryFile
from dlkit.data.status import FileStatus
from dlkit.errors import CacheNotWritable, VerificationError

__all__ = ["arrays_digest", "converted_arrays", "converted_path", "inspect_converted"]

Arrays = dict[str, np.ndarray]


def arrays_digest(arrays: Arrays) -> str:
    """The sha256 of named arrays: each name, dtype, shape and little-endian bytes, in name order."""
    digest = hashlib.sha256()
    for name in sorted(arrays):
        array = np.ascontiguousarray(arrays[name])
        little = array.astype(array.dtype.newbyteorder("<"), copy=False)
        digest.update(f"{name}|{little.dtype.str}|{array.shape}|".encode())
        digest.update(little.tobytes())
    return digest.hexdigest()


def converted_path(entry: RegistryEntry, file: RegistryFile) -> Path:
    """Where dlkit's cache keeps the converted copy of ``file``."""
    if file.converted is None:
        raise ValueError(f"{entry.name}: {file.filename} has no converted copy")
    return locations.cache_folder(entry.kind) / file.converted.filename


def _read_verified(path: Path, spec: ConvertedCopy) -> Arrays:
    """The arrays of the converted copy at ``path``; ``VerificationError`` if they are not the ones
    the registry records."""
    try:
        with np.load(path, allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in stored.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
        raise VerificationError(f"{path} is not a readable converted copy ({error})") from error
    if arrays_digest(arrays) != spec.arrays_sha256:
        raise VerificationError(f"{path} does not hold the arrays of {spec.filename}: changed or incomplete")
    return arrays


def converted_arrays(
    entry: RegistryEntry,
    file: RegistryFile,
    convert: Callable[[Path], Arrays],
    path: str | Path | None = None,
) -> tuple[Arrays, str]:
    """The converted arrays of ``file`` and a line saying where they came from.

    From dlkit's cache when a verified copy is there; else the file is located and verified like
    any registry file (``fetch.locate``), converted by ``convert(path)``, checked, and cached.
    Where dlkit's cache cannot be written the conversion is used from memory, with a warning.
    An explicit ``path`` (the file, or a folder holding it) is verified, converted and used
    from memory: dlkit's cache is left as it is.

    Raises:
        VerificationError: ``convert`` gave arrays other than the registry records (a conversion
            bug, or a different source file): nothing is cached or returned.
        FileUnavailable: the source file is nowhere (``fetch.locate`` says how to get it).
    """
    spec = file.converted
    if path is not None:
        source = locate(entry, file, path=path)
        return _convert_verified(source, spec, convert), f"converted from {source.describe()}, in memory"
    target = converted_path(entry, file)
    if target.exists():
        try:
            return _read_verified(target, spec), f"{target} (dlkit cache; verified converted copy)"
        except VerificationError as problem:
            move_aside(target, problem)
    source = locate(entry, file)
    arrays = _convert_verified(source, spec, convert)
    try:
        folder = locations.ensure_writable(target.parent)
    except CacheNotWritable as problem:
        warnings.warn(f"{problem}; converted {file.filename} in memory, not kept", stacklevel=2)
        return arrays, f"converted in memory from the verified {source.path.name}, {source.source}"
    with cache_lock(folder, spec.filename):
        with tempfile.NamedTemporaryFile(dir=folder, prefix=f".{spec.filename}.", suffix=".npz",
                                         delete=False) as tmp:
            temporary = Path(tmp.name)
        try:
            np.savez(temporary, **arrays)
            _read_verified(temporary, spec)  # what was written, not just what was meant
            temporary.replace(target)
        finally:
            temporary.unlink(missing_ok=True)
    return arrays, f"{target} (converted once from the verified {source.path.name}, {source.source})"


def _convert_verified(source: Located, spec: ConvertedCopy, convert: Callable[[Path], Arrays]) -> Arrays:
    arrays = convert(source.path)
    if arrays_digest(arrays) != spec.arrays_sha256:
        raise VerificationError(
            f"converting {source.path} gave other weights than dlkit's tested conversion "
            f"({spec.filename}); nothing was kept. Reinstall dlkit, or report this as a bug."
        )
    return arrays


def inspect_converted(entry: RegistryEntry, file: RegistryFile) -> FileStatus:
    """Whether dlkit's cache holds a verified converted copy of ``file``, changing nothing: what
    ``dlkit datasets`` and ``dlkit doctor`` report beside the file itself."""
    target = converted_path(entry, file)
    if not target.exists():
        return FileStatus("missing", None, f"made on first use, or now by `dlkit fetch {entry.name}`")
    try:
        _read_verified(target, file.converted)
    except VerificationError as problem:
        return FileStatus("corrupt", target, f"{problem}; loading moves it aside and converts again")
    return FileStatus("verified", target, "dlkit cache: converted copy")
