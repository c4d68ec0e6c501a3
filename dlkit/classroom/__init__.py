"""The live classroom: the class draws on phones and laptops, the projector shows it live, and
every drawing is kept (SQLite and the pictures, in a session folder) for the labs to learn from.

- ``start_classroom`` / ``serve_classroom``: the service (``dlkit classroom MODEL``);
- ``open_session``: a session folder, new or reopened after a restart;
- ``export_session``: the class's drawings as ``<label>/<id>.png`` (``dlkit classroom export``).

It needs the ``deploy`` extra (FastAPI, uvicorn, segno). Imports go one way: classroom -> deploy
-> data -> errors.

Each name is imported from its module when first used (``_WHERE``).
"""

from __future__ import annotations

from dlkit.lazy_names import lazy_names

__all__ = [
    "ConnectionLimits",
    "Drawing",
    "RateLimit",
    "RunningClassroom",
    "Session",
    "export_session",
    "open_session",
    "serve_classroom",
    "start_classroom",
]

# Each public name and the module that holds it: a name is imported when first used, so that
# importing one module of the package (its card, its server) does not load numpy, Keras or FastAPI.
_WHERE = {
    "ConnectionLimits": "dlkit.web.connections",
    "Drawing": "dlkit.classroom.session",
    "RateLimit": "dlkit.web.limits",
    "RunningClassroom": "dlkit.classroom.server",
    "Session": "dlkit.classroom.session",
    "export_session": "dlkit.classroom.export",
    "open_session": "dlkit.classroom.session",
    "serve_classroom": "dlkit.classroom.server",
    "start_classroom": "dlkit.classroom.server",
}

__getattr__, __dir__ = lazy_names(__name__, _WHERE)
