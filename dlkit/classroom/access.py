"""Who may call a classroom route, checked once, as a FastAPI dependency: a student with the join
code (``?code=``), or the instructor with the key (``?key=`` or the ``X-Instructor-Key`` header).
A route names what it needs (``Joined`` or ``Instructor``) and gets the classroom.

Wrong codes and keys are counted per device (``dlkit.web.limits.GUESSES_*``): past the limit a
device gets 429 without its guess being checked, so neither can be found by trying."""

from __future__ import annotations

import math
import secrets
from typing import Annotated

from fastapi import Depends, Request

from dlkit.web.errors import BadRequest

__all__ = ["Instructor", "Joined", "client_address", "joined", "instructor"]


def _classroom(request: Request):
    return request.app.state.classroom


def _check(request: Request, given: str, secret: str, missing: str, wrong: str):
    """The classroom, when ``given`` is ``secret``; 401 (``missing``) when nothing was given, 403
    (``wrong``) for a wrong guess, and 429 for every try from a device past its wrong guesses."""
    classroom = _classroom(request)
    if not given:
        raise BadRequest(401, missing)
    client = client_address(request)
    wait = classroom.guesses.wait_seconds(client, take=False)
    if wait > 0:
        seconds = math.ceil(wait)
        raise BadRequest(429, f"too many wrong codes or keys from this device: try again in {seconds} s",
                         {"Retry-After": str(seconds)})
    if not secrets.compare_digest(given.encode(), secret.encode()):
        classroom.guesses.wait_seconds(client)
        raise BadRequest(403, wrong)
    return classroom


def joined(request: Request):
    """The classroom, for a request that carries the join code; 401 without one, 403 for a wrong one."""
    code = request.query_params.get("code", "").strip().upper()
    return _check(request, code, _classroom(request).session.join_code,
                  "no join code: open the link or scan the QR code on the projector",
                  "wrong join code: check the code on the projector")


def instructor(request: Request):
    """The classroom, for a request that carries the instructor key; 401 without it, 403 wrong."""
    key = request.headers.get("x-instructor-key") or request.query_params.get("key", "")
    return _check(request, key, _classroom(request).session.instructor_key,
                  "the projector needs the instructor key (it is in the projector URL)",
                  "wrong instructor key")


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


Joined = Annotated[object, Depends(joined)]
Instructor = Annotated[object, Depends(instructor)]
