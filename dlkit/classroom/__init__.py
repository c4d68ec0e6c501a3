"""The live classroom: the class draws on phones and laptops, the projector shows it live, and
every drawing is kept (SQLite and the pictures, in a session folder) for the labs to learn from.

- ``start_classroom`` / ``serve_classroom``: the service (``dlkit classroom MODEL``);
- ``open_session``: a session folder, new or reopened after a restart;
- ``export_session``: the class's drawings as ``<label>/<id>.png`` (``dlkit classroom export``).

It needs the ``deploy`` extra (FastAPI, uvicorn, segno). Imports go one way: classroom -> deploy
-> data -> errors.
"""

from dlkit.classroom.export import export_session
from dlkit.classroom.limits import RateLimit
from dlkit.classroom.server import RunningClassroom, serve_classroom, start_classroom
from dlkit.classroom.session import Drawing, Session, open_session

__all__ = [
    "Drawing",
    "RateLimit",
    "RunningClassroom",
    "Session",
    "export_session",
    "open_session",
    "serve_classroom",
    "start_classroom",
]
