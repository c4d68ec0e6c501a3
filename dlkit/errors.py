"""Exceptions dlkit raises. Each message is written for a person: what went wrong, with which
file, and the command that fixes it. The CLI prints them as one line, without a traceback."""


class DlkitError(Exception):
    """Base class of every error dlkit raises on purpose."""


class UnknownName(DlkitError, KeyError):
    """A dataset or weights name that is not in dlkit's registry."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class VerificationError(DlkitError):
    """A file exists but is not one of the accepted versions (wrong hash, truncated, a folder...)."""


class FileUnavailable(DlkitError):
    """A registry file is nowhere on this machine and could not be downloaded.

    ``reason`` is the short why (e.g. "download failed: connection refused"); the message adds
    the file, its size and the ways out.
    """

    def __init__(self, message: str, reason: str | None = None):
        super().__init__(message)
        self.reason = reason or message


class DatasetUnavailable(FileUnavailable):
    """A dataset file is nowhere on this machine and could not be downloaded."""


class WeightsUnavailable(FileUnavailable):
    """A pretrained-weights file is nowhere on this machine and could not be downloaded."""


class CacheNotWritable(DlkitError):
    """dlkit's cache folder cannot be created or written to."""


def first_line(error: BaseException, limit: int = 200) -> str:
    """The first line of ``error``'s message (its type's name if it has none), at most ``limit``
    characters: what a one-line error message quotes from a library's exception."""
    text = str(error).strip()
    line = text.splitlines()[0] if text else type(error).__name__
    return line if len(line) <= limit else line[: limit - 3] + "..."
