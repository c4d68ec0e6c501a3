"""The class's drawings for lab 05's "our handwriting": a real session's export, or — offline, in CI,
before a class has met — a stand-in class: dlkit's mouse-drawn digits sent by thirty simulated
laptops through a real classroom on this computer, exported and loaded exactly as a real session's
export is. Which one it is, is always said. Each drawing comes with the device that sent it (from
the export's ``drawings.csv``), so that a lab can hold out whole students, as the classroom's
"learn from us" does.
"""

from __future__ import annotations

import csv
import http.client
import json
import tempfile
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np

from dlkit.errors import DlkitError

__all__ = ["ClassDrawings", "drawing_form", "load_class_drawings", "send_as_devices"]

STUDENTS = 30


@dataclass(frozen=True)
class ClassDrawings:
    """A class's drawings as a lab uses them.

    ``images`` are (n, 28, 28, 1) floats in 0-1, white on black as MNIST's; ``digits`` the digits
    meant; ``devices`` which device sent each (``device-01``, ...; a drawing the export's
    ``drawings.csv`` does not list counts as a device of its own, named after its file);
    ``pointers`` how each was drawn ("touch", "mouse", "pen", "file" or "" where not said);
    ``source`` says where they came from.
    """

    images: np.ndarray
    digits: np.ndarray
    devices: np.ndarray
    pointers: np.ndarray
    source: str


def drawing_form(png: bytes, label: str, pointer: str = "") -> tuple[bytes, str]:
    """A form with the drawing as ``file``, the digit meant as ``label`` and, where given, how it was
    drawn as ``pointer`` ("touch", "mouse", "pen"), as the classroom's student page sends it."""
    boundary = uuid.uuid4().hex
    said = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"pointer\"\r\n\r\n{pointer}\r\n"
            if pointer else "")
    body = (said + f"--{boundary}\r\nContent-Disposition: form-data; name=\"label\"\r\n\r\n{label}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"drawing.png\"\r\n"
            "Content-Type: image/png\r\n\r\n").encode() + png + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def send_as_devices(url: str, join_code: str, drawings: list[tuple[bytes, str]],
                    devices: int = STUDENTS, pointers: tuple[str, ...] = ("",)) -> int:
    """Send ``drawings`` to the classroom at ``url`` from ``devices`` simulated phones at once, each
    from its own loopback address (127.0.0.10 and up, as each phone has its own; where the system
    has only 127.0.0.1, as macOS, all from that); device i says it drew with ``pointers[i % len]``
    ("" says nothing). Returns how many were stored."""
    address = urlsplit(url)

    def connect(index: int) -> http.client.HTTPConnection:
        try:
            connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60,
                                                    source_address=(f"127.0.0.{10 + index}", 0))
            connection.connect()
        except OSError:
            connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
        return connection

    def one_device(index: int) -> int:
        connection = connect(index)
        stored = 0
        try:
            for png, label in drawings[index::devices]:
                body, content_type = drawing_form(png, label, pointers[index % len(pointers)])
                connection.request("POST", f"/api/drawings?code={join_code}", body=body,
                                   headers={"Content-Type": content_type})
                answer = connection.getresponse()
                reply = json.loads(answer.read())
                if answer.status != 200:
                    raise DlkitError(f"the classroom refused a stand-in drawing: {reply.get('error')}")
                stored += 1
        finally:
            connection.close()
        return stored

    with ThreadPoolExecutor(max_workers=devices) as pool:
        return sum(pool.map(one_device, range(devices)))


def _load(folder: Path, source: str) -> ClassDrawings:
    from dlkit.classroom.export import MANIFEST
    from dlkit.data.image_folder import load_image_folder

    dataset = load_image_folder(folder, image_size=(28, 28), shuffle=False)
    if not all(name.isdigit() for name in dataset.class_names):
        raise DlkitError(f"{folder}: its folders should be digits 0-9 (a digit model's export), "
                         f"not {', '.join(dataset.class_names[:5])}")
    images = np.concatenate([batch.numpy() for batch, _ in dataset])
    indices = np.concatenate([labels.numpy() for _, labels in dataset])
    digits = np.array([int(dataset.class_names[i]) for i in indices])
    files = [Path(path).relative_to(folder).as_posix() for path in dataset.file_paths]
    listed = _manifest(folder / MANIFEST)
    unlisted = sum(file not in listed for file in files)
    devices = np.array([listed.get(file, {}).get("device") or f"file:{file}" for file in files])
    pointers = np.array([listed.get(file, {}).get("pointer") or "" for file in files])
    if unlisted:
        source += (f"; {unlisted} of them not in {MANIFEST}, each counted as a device of its own"
                   if listed else f"; no {MANIFEST}: each drawing counts as a device of its own")
    return ClassDrawings(images[..., :1].astype("float32") / 255.0,  # grey, white on black, as MNIST
                         digits, devices, pointers, source)


def _manifest(path: Path) -> dict[str, dict[str, str]]:
    """The export's ``drawings.csv`` as {picture's path in the export: its row}; {} without one."""
    if not path.is_file():
        return {}
    with open(path, newline="", encoding="utf-8-sig") as handle:  # a spreadsheet may add a BOM
        rows = list(csv.DictReader(handle))
    if rows and not {"file", "device"} <= set(rows[0]):
        raise DlkitError(f"{path} is not a classroom export's list of drawings (it needs the columns "
                         f"file and device, it has {', '.join(rows[0])}); remove it or export again")
    return {row["file"]: row for row in rows}


def load_class_drawings(
    folder: str | Path | None, stand_in_model: str | Path, per_class: int = 30, seed: int = 0
) -> ClassDrawings:
    """The class's drawings, each with its digit, its device and how it was drawn.

    ``folder`` is a session's export (``dlkit classroom export SESSION --out FOLDER``). Without one,
    a stand-in class draws ``per_class`` digits of each kind into a classroom serving
    ``stand_in_model`` on loopback; the session and its export live in a temporary folder, removed
    before this returns.
    """
    if folder is not None:
        folder = Path(folder).expanduser()
        drawings = _load(folder, f"drawings from {folder}")
        return ClassDrawings(drawings.images, drawings.digits, drawings.devices, drawings.pointers,
                             f"{len(drawings.digits)} {drawings.source}")
    from dlkit.classroom.export import export_session
    from dlkit.classroom.server import start_classroom
    from dlkit.course.mouse_digits import mouse_drawn_digits
    from dlkit.web.limits import RateLimit

    drawings = mouse_drawn_digits(per_class, seed=seed)
    with tempfile.TemporaryDirectory(prefix="dlkit-class-") as scratch:
        limit = RateLimit(burst=len(drawings))  # the simulated laptops send as fast as they are answered
        with start_classroom(stand_in_model, session=Path(scratch) / "session", rate_limit=limit) as room:
            sent = send_as_devices(room.url, room.session.join_code, drawings, pointers=("mouse",))
        export_session(Path(scratch) / "session", Path(scratch) / "export")
        source = (f"{sent} drawings from a stand-in class: digits drawn by dlkit the way a mouse draws "
                  f"them (not by people), sent by {STUDENTS} simulated laptops through a classroom on "
                  "this computer")
        return _load(Path(scratch) / "export", source)
