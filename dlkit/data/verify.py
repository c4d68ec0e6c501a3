"""Check a file against the versions the registry accepts: exists, is a file, has the right size
and hash. Returns which version it is, or raises ``VerificationError`` saying what is wrong."""

from __future__ import annotations

from pathlib import Path

import pooch

from dlkit.data.registry import AcceptedVersion, RegistryFile
from dlkit.errors import VerificationError


def _megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def identify(path: Path, file: RegistryFile) -> AcceptedVersion:
    """The accepted version that ``path`` is, checked by size and then by hash.

    Raises:
        VerificationError: ``path`` is a folder, empty, of a size no accepted version has
            (a truncated download), or of the right size with a hash no version has.
    """
    if path.is_dir():
        raise VerificationError(f"{path} is a folder, but {file.filename} should be a file")
    if not path.is_file():
        raise VerificationError(f"{path} does not exist")
    size = path.stat().st_size
    if size == 0:
        raise VerificationError(f"{path} is empty (0 bytes): an interrupted copy or download?")
    same_size = [version for version in file.accepted if version.size in (size, None)]
    if not same_size:
        expected = " or ".join(f"{v.size:,} bytes ({v.name})" for v in file.accepted if v.size)
        raise VerificationError(
            f"{path} has {size:,} bytes but {file.filename} has {expected}: truncated or not the right file"
        )
    for version in same_size:
        algorithm, expected_hash = version.hash.split(":", 1)
        if pooch.file_hash(str(path), alg=algorithm) == expected_hash:
            return version
    raise VerificationError(
        f"{path} does not have the {algorithm} hash of {file.filename}: "
        "the file is corrupt, incomplete or a different file"
    )


def describe_size(file: RegistryFile) -> str:
    """The download size of ``file`` for messages, e.g. '11.5 MB'."""
    size = file.download_version.size
    return _megabytes(size) if size else "size not recorded"
