"""Find a class's notebooks and say whose each one is.

``SUBMISSIONS`` is a folder, or the ``.zip`` a learning platform hands out (read in place, never
extracted into the user's folders). The student is named from each notebook's path, by the first
rule that matches:

1. **Canvas** ("Download Submissions"): files named ``<name>_<user id>_<submission id>_<file>``,
   with ``late_`` after the name for a late one, e.g. ``smithjane_late_4242_99381_lab00.ipynb``
   → ``smithjane``.
2. **Moodle** ("Download all submissions"): a folder or file named
   ``<Full Name>_<id>_assignsubmission_file_...``, e.g.
   ``Jane Smith_4242_assignsubmission_file_/lab00.ipynb`` → ``Jane Smith``.
3. **Anything else**: a notebook in a sub-folder belongs to the first folder's name
   (``alice/lab00.ipynb`` → ``alice``); one at the top level to its file name (``bob.ipynb`` → ``bob``).

Two students whose names match but whose platform ids differ are told apart by the id. When one
student handed in several notebooks, the newest (modification time, then name) counts; the
others are listed as ``superseded``. Hidden files, ``__MACOSX`` and ``.ipynb_checkpoints`` are
skipped. A Canvas or Moodle student who handed in files but no notebook gets a ``no-notebook`` row.

A student who handed in a ``.zip`` (``alice/lab00.zip``, or Canvas's ``smithjane_4242_99381_lab00.zip``)
is named by the zip's own path, by the rules above, and the notebooks inside it are theirs
(``alice/lab00.zip/lab00.ipynb``), each with the time it was saved. Only that one level is read,
in memory, never extracted; a zip that is not one, or a notebook in it over
``MAX_NOTEBOOK_BYTES`` unpacked, is passed over (the student then has a ``no-notebook`` row).
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath

from dlkit.errors import DlkitError

__all__ = ["Submission", "find_submissions", "student_of"]

CANVAS = re.compile(r"^(?P<name>[^_]+)_(?:late_)?(?P<id>\d+)_\d+_.+$", re.IGNORECASE)
MOODLE = re.compile(r"^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_[a-z]+_", re.IGNORECASE)
SKIPPED_PARTS = {"__MACOSX", ".ipynb_checkpoints"}
MAX_NOTEBOOK_BYTES = 256 * 1024 * 1024  # unpacked, inside a student's zip: a notebook, not a zip bomb


@dataclass
class Submission:
    """One student's notebook: ``path`` inside the submissions (POSIX form), its bytes' hash, and
    the older files the student also handed in."""

    student: str
    path: str
    modified: float
    sha256: str = ""
    data: bytes = b""
    superseded: list[str] = field(default_factory=list)

    @property
    def is_notebook(self) -> bool:
        return self.path.lower().endswith(".ipynb")


def student_of(path: PurePosixPath) -> tuple[str, str]:
    """(name, platform id or "") of the student who handed in ``path`` (see the module's rules)."""
    for part in path.parts:
        moodle = MOODLE.match(part)
        if moodle:
            return moodle["name"].strip(), moodle["id"]
    canvas = CANVAS.match(path.name)
    if canvas:
        return canvas["name"], canvas["id"]
    if len(path.parts) > 1:
        return path.parts[0], ""
    return path.stem, ""


Entry = tuple[PurePosixPath, PurePosixPath, float, Callable[[], bytes]]  # path, owner, modified, read


def _files(submissions: Path) -> list[tuple[PurePosixPath, float, Callable[[], bytes]]]:
    """(path inside, modification time, read) for every file of a folder or a zip."""
    if submissions.is_file() and zipfile.is_zipfile(submissions):
        archive = zipfile.ZipFile(submissions)
        return [(PurePosixPath(info.filename), datetime(*info.date_time).timestamp(),
                 lambda info=info: archive.read(info))
                for info in archive.infolist() if not info.is_dir()]
    if not submissions.is_dir():
        raise DlkitError(f"{submissions}: not a folder or a .zip of submissions")
    return [(PurePosixPath(path.relative_to(submissions).as_posix()), path.stat().st_mtime,
             lambda path=path: path.read_bytes())
            for path in sorted(submissions.rglob("*")) if path.is_file() and not path.is_symlink()]


def _notebooks_in_zip(path: PurePosixPath, read: Callable[[], bytes]) -> list[Entry]:
    """The notebooks inside a student's own zip, owned by the zip's path; [] when it holds none
    or is not a zip."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(read()))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return []
    return [(path / info.filename, path, datetime(*info.date_time).timestamp(),
             lambda info=info: archive.read(info))
            for info in members
            if not info.is_dir() and info.filename.lower().endswith(".ipynb")
            and info.file_size <= MAX_NOTEBOOK_BYTES]


def _entries(submissions: Path) -> list[Entry]:
    """(path, the path that names its student, modification time, read) for every file handed in,
    a student's own zip opened into the notebooks it holds."""
    entries: list[Entry] = []
    for path, modified, read in _files(submissions):
        inside = _notebooks_in_zip(path, read) if path.suffix.lower() == ".zip" else []
        entries += inside or [(path, path, modified, read)]
    return entries


def find_submissions(submissions: Path) -> list[Submission]:
    """Each student's newest notebook under ``submissions`` (a folder or a .zip), sorted by student;
    raises DlkitError when there is none at all."""
    by_student: dict[tuple[str, str], list[tuple[PurePosixPath, float, Callable[[], bytes]]]] = {}
    for path, owner, modified, read in _entries(Path(submissions)):
        if any(part.startswith(".") or part in SKIPPED_PARTS for part in path.parts):
            continue
        name, platform_id = student_of(owner)
        # a file in a student's folder, a platform's file or a zip was handed in: the student gets a row
        handed_in = bool(platform_id) or len(owner.parts) > 1 or owner.suffix.lower() == ".zip"
        if path.suffix.lower() == ".ipynb" or handed_in:
            by_student.setdefault((name, platform_id), []).append((path, modified, read))
    names = {}
    for name, platform_id in by_student:
        names.setdefault(name, set()).add(platform_id)
    found = []
    for (name, platform_id), files in by_student.items():
        student = f"{name} ({platform_id})" if len(names[name]) > 1 and platform_id else name
        notebooks = sorted((entry for entry in files if entry[0].suffix.lower() == ".ipynb"),
                           key=lambda entry: (entry[1], str(entry[0])), reverse=True)
        if not notebooks:
            found.append(Submission(student, str(files[0][0]), files[0][1]))
            continue
        (path, modified, read), *older = notebooks
        data = read()
        found.append(Submission(student, str(path), modified, hashlib.sha256(data).hexdigest(), data,
                                [str(entry[0]) for entry in older]))
    if not any(submission.is_notebook for submission in found):
        raise DlkitError(f"{submissions}: no notebooks (.ipynb) in it")
    return sorted(found, key=lambda submission: submission.student.lower())
