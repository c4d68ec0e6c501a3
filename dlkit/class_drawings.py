"""The class's drawings for lab 05's "our handwriting": a real session's export, or — offline, in CI,
before a class has met — a stand-in class: dlkit's mouse-drawn digits sent by thirty simulated
devices through a real classroom on this computer, exported and loaded exactly as a real session's
export is. Which one it is, is always said.
"""

from __future__ import annotations

import http.client
import json
import tempfile
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np

from dlkit.errors import DlkitError

__all__ = ["drawing_form", "load_class_drawings", "send_as_devices"]

STUDENTS = 30


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


def _load(folder: Path) -> tuple[np.ndarray, np.ndarray]:
    from dlkit.data.image_folder import load_image_folder

    dataset = load_image_folder(folder, image_size=(28, 28), shuffle=False)
    if not all(name.isdigit() for name in dataset.class_names):
        raise DlkitError(f"{folder}: its folders should be digits 0-9 (a digit model's export), "
                         f"not {', '.join(dataset.class_names[:5])}")
    images = np.concatenate([batch.numpy() for batch, _ in dataset])
    indices = np.concatenate([labels.numpy() for _, labels in dataset])
    digits = np.array([int(dataset.class_names[i]) for i in indices])
    return images[..., :1].astype("float32") / 255.0, digits  # grey, white on black, as MNIST


def load_class_drawings(
    folder: str | Path | None, stand_in_model: str | Path, per_class: int = 30, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, str]:
    """(drawings as (n, 28, 28, 1) floats in 0-1, the digits meant, where they came from).

    ``folder`` is a session's export (``dlkit classroom export SESSION --out FOLDER``). Without one,
    a stand-in class draws ``per_class`` digits of each kind into a classroom serving
    ``stand_in_model`` on loopback; the session and its export live in a temporary folder, removed
    before this returns.
    """
    if folder is not None:
        images, digits = _load(Path(folder))
        return images, digits, f"{len(digits)} drawings from {folder}"
    from dlkit.classroom.export import export_session
    from dlkit.classroom.server import start_classroom
    from dlkit.course.mouse_digits import mouse_drawn_digits
    from dlkit.web.limits import RateLimit

    drawings = mouse_drawn_digits(per_class, seed=seed)
    with tempfile.TemporaryDirectory(prefix="dlkit-class-") as scratch:
        limit = RateLimit(burst=len(drawings))  # the simulated phones send as fast as they are answered
        with start_classroom(stand_in_model, session=Path(scratch) / "session", rate_limit=limit) as room:
            sent = send_as_devices(room.url, room.session.join_code, drawings)
        export_session(Path(scratch) / "session", Path(scratch) / "export")
        images, digits = _load(Path(scratch) / "export")
    source = (f"{sent} drawings from a stand-in class: digits drawn by dlkit the way a mouse draws them "
              f"(not by people), sent by {STUDENTS} simulated phones through a classroom on this computer")
    return images, digits, source
