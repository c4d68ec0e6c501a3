"""``dlkit classroom export SESSION --out FOLDER``: the class's drawings as an image folder.

Each visible drawing becomes ``FOLDER/<label it was meant as>/<id>.png`` — the picture as the model
saw it (for a digit model: 28x28, white ink on black, centred as MNIST's are) — the layout
``load_image_folder`` and ``dlkit check-folder`` read. Beside the class folders, ``drawings.csv``
says of each picture which device sent it and how it was drawn, so that an experiment at home can
hold out whole students as "learn from us" does (a student's own drawings never on both sides).
Devices are numbered in the order they first drew (``device-01``, ...): the session's address
hashes stay in the session. Hidden drawings and muted devices' drawings are left out. The export
never writes into a folder that holds anything: a second export goes to a new folder.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from dlkit.classroom.session import DATABASE, open_session
from dlkit.errors import DlkitError

__all__ = ["MANIFEST", "MANIFEST_COLUMNS", "export_session"]

MANIFEST = "drawings.csv"
MANIFEST_COLUMNS = ("file", "label", "device", "pointer")  # file: the picture's path in the export, with /


def export_session(session_folder: str | Path, out: str | Path) -> dict[str, int]:
    """Write the session's visible drawings into ``out``; returns how many per label."""
    session_folder, out = Path(session_folder), Path(out)
    if not (session_folder / DATABASE).is_file():
        raise DlkitError(f"{session_folder} is not a classroom session (no {DATABASE} in it)")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise DlkitError(f"{out} exists and is not an empty folder: export into a new one")
    session = open_session(session_folder, model=_model_of(session_folder))
    try:
        drawings = session.drawings(include_hidden=False)
        missing = [d.id for d in drawings if not session.picture_path(d.id).is_file()]
        if missing:
            raise DlkitError(f"{session_folder}: the pictures of drawings {missing[:5]} are missing; "
                             "nothing was exported")
        counts: dict[str, int] = {}
        devices: dict[str, str] = {}
        rows = []
        for drawing in sorted(drawings, key=lambda d: d.id):
            folder = out / folder_name(drawing.label)
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(session.picture_path(drawing.id), folder / f"{drawing.id}.png")
            counts[drawing.label] = counts.get(drawing.label, 0) + 1
            device = devices.setdefault(drawing.device, f"device-{len(devices) + 1:02d}")
            rows.append((f"{folder.name}/{drawing.id}.png", drawing.label, device, drawing.pointer))
        out.mkdir(parents=True, exist_ok=True)
        with open(out / MANIFEST, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(MANIFEST_COLUMNS)
            writer.writerows(rows)
    finally:
        session.close()
    return counts


def folder_name(label: str) -> str:
    """A class name as a folder name that stays inside the export (no separators, no dot names)."""
    name = "".join("_" if character in '/\\:' or ord(character) < 32 else character for character in label)
    return name if name.strip(". ") else f"class_{name.encode().hex()}"


def _model_of(session_folder: Path) -> str:
    import sqlite3

    with sqlite3.connect(session_folder / DATABASE) as connection:
        row = connection.execute("SELECT value FROM facts WHERE name = 'model'").fetchone()
    return row[0] if row else ""
