"""A classroom session on disk: one folder with ``classroom.sqlite``, ``pictures/<id>.png`` and, once
the class has taught the model, ``models/retrain-<n>.keras`` (``dlkit.classroom.retrain``).

Every accepted drawing is written (the picture as the model saw it, then its row, in one
transaction) before the student gets the model's answer, so a restart of the service loses
nothing: reopening the folder gives the same join code, instructor key and drawings. A drawing the
instructor hides leaves the projector's wall, the class's accuracy and the export; it stays on
disk (shown again with one click).

Each drawing records its device (a hash of its address, never the address). The wall is shared
fairly: its places go round the devices, newest first, so one device sends as many as it likes and
still holds only its share. A *muted* device's drawings, past and to come, leave the wall, the
class's numbers and the export until it is unmuted; "hide all from this device" hides what it sent
so far.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from dlkit.errors import DlkitError

__all__ = ["Drawing", "Session", "SessionStats", "delete_session", "open_session"]

DATABASE = "classroom.sqlite"
PICTURES = "pictures"
MODELS = "models"  # what "learn from us" trained: retrain-<n>.keras and its card
JOIN_CODE_LETTERS = "ACDEFHJKMNPRTUVWXY34679"  # nothing a projector makes ambiguous (0/O, 1/I/L, 5/S)
JOIN_CODE_LENGTH = 6
LARGEST_ID = 2**63 - 1  # SQLite's largest INTEGER: a drawing id beyond it cannot exist

SCHEMA = """
CREATE TABLE IF NOT EXISTS facts (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS drawings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created REAL NOT NULL,
    label TEXT NOT NULL,       -- the class the student meant
    answer TEXT NOT NULL,      -- the model's top class
    confidence REAL NOT NULL,  -- the model's probability for its answer
    top TEXT NOT NULL,         -- the top classes and probabilities, JSON
    client TEXT NOT NULL,      -- which device sent it (a hash of its address): counts, never shown
    hidden INTEGER NOT NULL DEFAULT 0,
    pointer TEXT NOT NULL DEFAULT '', -- how it was drawn: touch, mouse, pen, file, or '' (not said)
    owner TEXT NOT NULL DEFAULT ''    -- a hash of the sending page's own random token: who may take it back
);
CREATE TABLE IF NOT EXISTS devices (client TEXT PRIMARY KEY, muted INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS retrains (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created REAL NOT NULL,
    seconds REAL NOT NULL,
    model TEXT NOT NULL,       -- the retrained model's file, relative to the session folder
    record TEXT NOT NULL       -- its split, settings and before/after measurements, JSON
);
CREATE INDEX IF NOT EXISTS drawings_by_client ON drawings (client, id);
"""
# What the class's numbers, the wall and the export count: not hidden, not from a muted device.
COUNTED = "hidden = 0 AND client NOT IN (SELECT client FROM devices WHERE muted = 1)"
COLUMNS = "id, created, label, answer, confidence, top, hidden, client, pointer"
POINTERS = ("touch", "mouse", "pen", "file")  # what a browser's pointerType says, and a picture from a file


@dataclass(frozen=True)
class Drawing:
    """One stored drawing and what the model answered."""

    id: int
    created: float
    label: str
    answer: str
    confidence: float
    top: list[dict]
    hidden: bool = False
    device: str = ""  # which device sent it: a hash of its address, the same for all it sends
    pointer: str = ""  # how it was drawn: one of POINTERS, or "" where the page did not say

    @classmethod
    def from_row(cls, row: tuple) -> Drawing:
        return cls(row[0], row[1], row[2], row[3], row[4], json.loads(row[5]), bool(row[6]), row[7], row[8])

    @property
    def correct(self) -> bool:
        return self.label == self.answer

    def as_json(self) -> dict:
        return {"id": self.id, "created": self.created, "label": self.label, "answer": self.answer,
                "confidence": round(self.confidence, 6), "top": self.top, "hidden": self.hidden,
                "correct": self.correct, "device": self.device, "pointer": self.pointer}


@dataclass(frozen=True)
class SessionStats:
    """The class's drawings so far (hidden ones left out): how often the model was right, and where not."""

    count: int
    correct: int
    confusion: dict[str, dict[str, int]] = field(default_factory=dict)  # meant -> answered -> count

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.count if self.count else None

    def as_json(self) -> dict:
        return {"count": self.count, "correct": self.correct, "accuracy": self.accuracy,
                "confusion": self.confusion}


class Session:
    """The session in ``folder``; open it with ``open_session``. Safe to use from several threads."""

    def __init__(self, folder: Path, connection: sqlite3.Connection):
        self.folder = folder
        self._db = connection
        self._lock = threading.Lock()
        self.join_code = self._fact("join_code")
        self.instructor_key = self._fact("instructor_key")
        self.model = self._fact("model")
        self._muted = {row[0] for row in connection.execute("SELECT client FROM devices WHERE muted = 1")}

    def _fact(self, name: str) -> str:
        row = self._db.execute("SELECT value FROM facts WHERE name = ?", (name,)).fetchone()
        return row[0] if row else ""

    def picture_path(self, drawing_id: int) -> Path:
        return self.folder / PICTURES / f"{drawing_id}.png"

    def add(self, label: str, answer: str, confidence: float, top: list[dict], png: bytes,
            client: str, pointer: str = "", owner: str = "") -> Drawing:
        """Store a drawing (picture first, then its row, committed together) and return it.
        ``owner``: the hash of the token the sending page keeps, with which it may take it back."""
        created = time.time()
        pointer = pointer if pointer in POINTERS else ""
        with self._lock:
            try:
                cursor = self._db.execute(
                    "INSERT INTO drawings (created, label, answer, confidence, top, client, pointer, owner) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (created, label, answer, float(confidence), json.dumps(top), client, pointer, owner),
                )
                drawing_id = int(cursor.lastrowid)
                path = self.picture_path(drawing_id)
                partial = path.with_suffix(".png.partial")
                partial.write_bytes(png)
                os.replace(partial, path)  # a picture is whole on disk or not there
                self._db.commit()
            except BaseException:
                self._db.rollback()
                raise
        return Drawing(drawing_id, created, label, answer, float(confidence), top, device=client,
                       pointer=pointer)

    def set_hidden(self, drawing_id: int, hidden: bool) -> bool:
        """Hide (or show again) a drawing; False when there is no such drawing (an id SQLite cannot
        hold, such as one a client made up with 30 digits, included)."""
        if not 1 <= drawing_id <= LARGEST_ID:
            return False
        with self._lock:
            cursor = self._db.execute("UPDATE drawings SET hidden = ? WHERE id = ?",
                                      (int(hidden), drawing_id))
            self._db.commit()
        return cursor.rowcount == 1

    def drawings(self, limit: int | None = None, include_hidden: bool = True) -> list[Drawing]:
        """The newest drawings first; without ``include_hidden``, only those counted (not hidden,
        not from a muted device)."""
        query = f"SELECT {COLUMNS} FROM drawings"
        if not include_hidden:
            query += f" WHERE {COUNTED}"
        query += " ORDER BY id DESC"
        parameters: tuple = ()
        if limit is not None:
            query += " LIMIT ?"
            parameters = (limit,)
        with self._lock:
            rows = self._db.execute(query, parameters).fetchall()
        return [Drawing.from_row(row) for row in rows]

    def wall(self, places: int) -> list[Drawing]:
        """The wall's drawings, newest first, its ``places`` shared fairly: each device's newest, then
        each one's second newest, and so on (the most recent devices first in each round)."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT {COLUMNS} FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY client ORDER BY id DESC) "
                f"AS turn FROM drawings WHERE {COUNTED}) ORDER BY turn, id DESC LIMIT ?", (places,)
            ).fetchall()
        return sorted((Drawing.from_row(row) for row in rows), key=lambda d: d.id, reverse=True)

    def get(self, drawing_id: int) -> Drawing | None:
        if not 1 <= drawing_id <= LARGEST_ID:
            return None
        with self._lock:
            row = self._db.execute(f"SELECT {COLUMNS} FROM drawings WHERE id = ?", (drawing_id,)).fetchone()
        return None if row is None else Drawing.from_row(row)

    def stats(self) -> SessionStats:
        with self._lock:
            rows = self._db.execute(
                f"SELECT label, answer, COUNT(*) FROM drawings WHERE {COUNTED} GROUP BY label, answer"
            ).fetchall()
        confusion: dict[str, dict[str, int]] = {}
        for label, answer, count in rows:
            confusion.setdefault(label, {})[answer] = count
        total = sum(count for _, _, count in rows)
        correct = sum(count for label, answer, count in rows if label == answer)
        return SessionStats(total, correct, confusion)

    def accuracy_by_pointer(self) -> list[dict]:
        """How often the model was right on the counted drawings, by how they were drawn."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT pointer, COUNT(*), SUM(label = answer) FROM drawings WHERE {COUNTED} "
                "GROUP BY pointer ORDER BY COUNT(*) DESC, pointer").fetchall()
        return [{"pointer": pointer, "count": count, "correct": correct} for pointer, count, correct in rows]

    def devices(self) -> list[dict]:
        """Every device that has sent a drawing: how many it sent (hidden ones too), how many of
        those the model agreed with, and whether it is muted; the least agreeing first. A device
        sending wrong labels on purpose (to poison a retrain) agrees far less than the class."""
        with self._lock:
            rows = self._db.execute(
                "SELECT drawings.client, COUNT(*), SUM(label = answer), COALESCE(MAX(devices.muted), 0) "
                "FROM drawings LEFT JOIN devices ON devices.client = drawings.client "
                "GROUP BY drawings.client ORDER BY 1.0 * SUM(label = answer) / COUNT(*), COUNT(*) DESC"
            ).fetchall()
        return [{"device": device, "drawings": count, "agreed": agreed, "muted": bool(muted)}
                for device, count, agreed, muted in rows]

    def confident_mistakes(self, limit: int = 5) -> list[Drawing]:
        """The wrong answers the model was surest of (only counted drawings)."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT {COLUMNS} FROM drawings WHERE {COUNTED} AND label != answer "
                "ORDER BY confidence DESC, id DESC LIMIT ?", (limit,)
            ).fetchall()
        return [Drawing.from_row(row) for row in rows]

    def has_device(self, device: str) -> bool:
        with self._lock:
            return self._db.execute("SELECT 1 FROM drawings WHERE client = ? LIMIT 1", (device,)).fetchone() \
                is not None

    def set_muted(self, device: str, muted: bool) -> bool:
        """Mute (or unmute) a device; False when no drawing came from it."""
        if not self.has_device(device):
            return False
        with self._lock:
            self._db.execute("INSERT INTO devices (client, muted) VALUES (?, ?) ON CONFLICT (client) "
                             "DO UPDATE SET muted = excluded.muted", (device, int(muted)))
            self._db.commit()
            (self._muted.add if muted else self._muted.discard)(device)
        return True

    def is_muted(self, device: str) -> bool:
        return device in self._muted

    def muted_devices(self) -> list[dict]:
        """The muted devices, each with how many drawings it sent."""
        with self._lock:
            rows = self._db.execute(
                "SELECT devices.client, COUNT(drawings.id) FROM devices LEFT JOIN drawings "
                "ON drawings.client = devices.client WHERE devices.muted = 1 GROUP BY devices.client "
                "ORDER BY devices.client").fetchall()
        return [{"device": device, "drawings": count} for device, count in rows]

    def hide_device(self, device: str) -> int:
        """Hide every drawing the device has sent so far; returns how many were newly hidden."""
        with self._lock:
            cursor = self._db.execute("UPDATE drawings SET hidden = 1 WHERE client = ? AND hidden = 0",
                                      (device,))
            self._db.commit()
        return cursor.rowcount

    def add_retrain(self, model, card, record: dict, seconds: float) -> dict:
        """Keep a retrained Keras ``model`` as ``models/retrain-<n>.keras`` with ``card`` (classes and
        input as the first model's) and ``record``; returns the record with its id, file and time.
        The model's files are whole on disk before its row is committed."""
        from dataclasses import replace

        from dlkit.deploy.card import write_card

        created = time.time()
        with self._lock:
            try:
                cursor = self._db.execute(
                    "INSERT INTO retrains (created, seconds, model, record) VALUES (?, ?, '', ?)",
                    (created, round(seconds, 2), json.dumps(record)))
                number = int(cursor.lastrowid)
                relative = f"{MODELS}/retrain-{number}.keras"
                path = self.folder / relative
                path.parent.mkdir(exist_ok=True)
                partial = path.with_name(f"retrain-{number}.partial.keras")
                model.save(partial)
                write_card(path, replace(card, name=f"{card.name}, retrained on the class ({number})",
                                         format="keras", quantization="float32",
                                         test_accuracy=record.get("after", {}).get("test")))
                os.replace(partial, path)
                self._db.execute("UPDATE retrains SET model = ? WHERE id = ?", (relative, number))
                self._db.commit()
            except BaseException:
                self._db.rollback()
                raise
        return {"id": number, "created": created, "seconds": round(seconds, 2), "model": relative, **record}

    @property
    def active_retrain(self) -> int:
        """Which model answers the class: 0 for the one the classroom was started with, else the
        number of a kept retrain. Kept in the session, so a restart answers with the same one."""
        with self._lock:
            value = self._fact("active_retrain")
        return int(value) if value.isdigit() else 0

    def set_active_retrain(self, number: int) -> None:
        with self._lock:
            self._db.execute("INSERT INTO facts (name, value) VALUES ('active_retrain', ?) "
                             "ON CONFLICT (name) DO UPDATE SET value = excluded.value", (str(number),))
            self._db.commit()

    def retrains(self) -> list[dict]:
        """Every retrain kept in this session, oldest first, as ``add_retrain`` returned it."""
        with self._lock:
            rows = self._db.execute("SELECT id, created, seconds, model, record FROM retrains "
                                    "WHERE model != '' ORDER BY id").fetchall()
        return [{"id": number, "created": created, "seconds": seconds, "model": model, **json.loads(record)}
                for number, created, seconds, model, record in rows]

    def take_back(self, owner: str) -> int:
        """Delete every drawing sent with ``owner`` (a student taking back their own), rows then
        pictures; returns how many. Drawings without an owner are no one's to take back. A retrain
        already made from them keeps its model."""
        if not owner:
            return 0
        with self._lock:
            ids = [row[0] for row in self._db.execute("SELECT id FROM drawings WHERE owner = ?", (owner,))]
            self._db.execute("DELETE FROM drawings WHERE owner = ?", (owner,))
            self._db.commit()
        for drawing_id in ids:
            self.picture_path(drawing_id).unlink(missing_ok=True)
        return len(ids)

    def close(self) -> None:
        with self._lock:
            self._db.close()


def open_session(folder: str | Path, model: str) -> Session:
    """Open the session in ``folder``, creating it (with a new join code and instructor key) if it
    does not exist. Reopening keeps both; a session started for another model is refused."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise DlkitError(f"{folder} is a file, not a session folder: choose another --session")
    database = folder / DATABASE
    if folder.is_dir() and any(folder.iterdir()) and not database.is_file():
        raise DlkitError(f"{folder} holds files but no {DATABASE}: it is not a classroom session; "
                         "choose another --session")
    (folder / PICTURES).mkdir(parents=True, exist_ok=True)
    try:
        connection = sqlite3.connect(database, check_same_thread=False)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.executescript(SCHEMA)
        columns = {row[1] for row in connection.execute("PRAGMA table_info(drawings)")}
        for column in ("pointer", "owner"):  # a session from before they were kept: not said, no owner
            if column not in columns:
                connection.execute(f"ALTER TABLE drawings ADD COLUMN {column} TEXT NOT NULL DEFAULT ''")
        connection.commit()
    except sqlite3.DatabaseError as error:
        raise DlkitError(f"{database} is not a readable session database ({error})") from None
    facts = dict(connection.execute("SELECT name, value FROM facts").fetchall())
    if facts.get("model") and facts["model"] != model:
        connection.close()
        raise DlkitError(f"{folder} is a session for {facts['model']}, not {model}: "
                         "start a new one with another --session")
    new = {
        "join_code": "".join(secrets.choice(JOIN_CODE_LETTERS) for _ in range(JOIN_CODE_LENGTH)),
        "instructor_key": secrets.token_urlsafe(18),
        "model": model,
    }
    connection.executemany("INSERT OR IGNORE INTO facts (name, value) VALUES (?, ?)", new.items())
    connection.commit()
    return Session(folder, connection)


SESSION_FILES = {DATABASE, f"{DATABASE}-wal", f"{DATABASE}-shm", f"{DATABASE}-journal"}


def delete_session(folder: str | Path) -> int:
    """Delete a session folder and everything the class sent to it; returns how many pictures went.

    Only a folder that holds a session and nothing else is deleted: anything dlkit did not write
    there (a file of the instructor's) stops it, named, and nothing is removed.

    Raises:
        DlkitError: not a session folder, or it holds files dlkit did not write.
    """
    import shutil

    folder = Path(folder)
    if not (folder / DATABASE).is_file():
        raise DlkitError(f"{folder} is not a classroom session (no {DATABASE}): nothing deleted")
    kept = SESSION_FILES | {PICTURES, MODELS}
    strangers = [path.name for path in folder.iterdir() if path.name not in kept]
    pictures, models = folder / PICTURES, folder / MODELS
    if pictures.is_dir():
        strangers += [f"{PICTURES}/{path.name}" for path in pictures.iterdir()
                      if not (path.is_file() and path.name.endswith((".png", ".png.partial")))]
    if models.is_dir():
        strangers += [f"{MODELS}/{path.name}" for path in models.iterdir()
                      if not (path.is_file() and path.name.startswith("retrain-")
                              and path.name.endswith((".keras", ".keras.json")))]
    if strangers:
        raise DlkitError(f"{folder} holds files a session does not ({', '.join(sorted(strangers)[:5])}): "
                         "move them out first; nothing deleted")
    count = len(list(pictures.glob("*.png"))) if pictures.is_dir() else 0
    shutil.rmtree(folder)
    return count
