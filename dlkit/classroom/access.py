"""Who may call a classroom route, checked once, as a FastAPI dependency: a student with the join
code (``?code=``), or the instructor with the key (``?key=`` or the ``X-Instructor-Key`` header).
A route names what it needs (``Joined`` or ``Instructor``) and gets the classroom."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Request

from dlkit.web.errors import BadRequest

__all__ = ["Instructor", "Joined", "client_address", "joined", "instructor"]


def _classroom(request: Request):
    return request.app.state.classroom


def joined(request: Request):
    """The classroom, for a request that carries the join code; 401 without one, 403 for a wrong one."""
    classroom = _classroom(request)
    code = request.query_params.get("code", "").strip().upper()
    if not code:
        raise BadRequest(401, "no join code: open the link or scan the QR code on the projector")
    if not secrets.compare_digest(code.encode(), classroom.session.join_code.encode()):
        raise BadRequest(403, "wrong join code: check the code on the projector")
    return classroom


def instructor(request: Request):
    """The classroom, for a request that carries the instructor key; 401 without it, 403 wrong."""
    classroom = _classroom(request)
    key = request.headers.get("x-instructor-key") or request.query_params.get("key", "")
    if not key:
        raise BadRequest(401, "the projector needs the instructor key (it is in the projector URL)")
    if not secrets.compare_digest(key.encode(), classroom.session.instructor_key.encode()):
        raise BadRequest(403, "wrong instructor key")
    return classroom


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


Joined = Annotated[object, Depends(joined)]
Instructor = Annotated[object, Depends(instructor)]
