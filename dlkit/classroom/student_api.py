"""The student's side of the classroom: the page, what it needs to know, and sending a drawing."""

from __future__ import annotations

import hashlib
import re
from importlib import resources

import numpy as np
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

from dlkit.classroom.access import Joined, client_address
from dlkit.classroom.state import what_is_kept
from dlkit.web.app import packaged_script
from dlkit.web.errors import BadRequest
from dlkit.web.uploads import read_body, read_form

__all__ = ["router"]

router = APIRouter()
router.add_api_route("/student.js", packaged_script("dlkit.classroom", "student.js"), include_in_schema=False)
PAGE = resources.files("dlkit.classroom").joinpath("student.html").read_text(encoding="utf-8")


@router.get("/", response_class=HTMLResponse)
async def student_page() -> HTMLResponse:
    return HTMLResponse(PAGE)


@router.get("/api/class")
async def class_info(classroom: Joined) -> JSONResponse:
    card = classroom.card
    return JSONResponse({"model": card.name, "classes": list(classroom.classes),
                         "input_kind": card.input_kind, "max_upload_bytes": classroom.max_upload_bytes,
                         "rate_limit": classroom.rate_limit.describe(), "kept": what_is_kept(card)})


OWNER = re.compile(r"[0-9a-f]{32}")  # the random token a student page keeps and sends with each drawing


def _hashed(classroom, secret: str) -> str:
    """A hash of ``secret`` salted with the session's key: what is stored, never what was sent."""
    return hashlib.sha256((classroom.session.instructor_key + secret).encode()).hexdigest()[:16]


def owner_of(value: str | None, classroom) -> str:
    """The stored owner of a page's token, or "" for none or one the page could not have made."""
    token = (value or "").strip().lower()
    return _hashed(classroom, "owner:" + token) if OWNER.fullmatch(token) else ""


@router.delete("/api/my-drawings")
async def take_back(request: Request, classroom: Joined) -> JSONResponse:
    """A student takes back everything their page sent (found by the token it keeps, so a class
    behind one address cannot delete each other's): gone from the session, the wall and the numbers."""
    owner = owner_of(request.headers.get("x-dlkit-owner"), classroom)
    if not owner:
        raise BadRequest(400, "no owner token: take back drawings from the page that sent them")
    deleted = await run_in_threadpool(classroom.session.take_back, owner)
    if deleted:
        classroom.broadcast.send("hidden", {"taken_back": deleted})
    return JSONResponse({"deleted": deleted})


@router.post("/api/drawings")
async def send_drawing(request: Request, classroom: Joined) -> JSONResponse:
    wait = classroom.rate_limit.wait_seconds(client_address(request))
    if wait:
        seconds = max(1, int(np.ceil(wait)))
        raise BadRequest(429, f"too many drawings from this device: {classroom.rate_limit.describe()}; "
                              f"try again in {seconds} s", headers={"Retry-After": str(seconds)})
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "multipart/form-data":
        raise BadRequest(415, f"{content_type or 'no content type'} is not accepted: send a form "
                              "with the drawing as 'file' and the class you meant as 'label'")
    body = await read_body(request, classroom.max_upload_bytes)
    data, name, fields = await read_form(request, body, fields=("label", "pointer", "owner"))
    label = (fields["label"] or "").strip()
    classes = classroom.classes
    if not label:
        raise BadRequest(400, "say which class you meant: the form field 'label'")
    if label not in classes:
        shown = ", ".join(classes[:12]) + (", ..." if len(classes) > 12 else "")
        raise BadRequest(422, f"{label[:40]!r} is not one of the model's classes ({shown})")
    session = classroom.session
    client = _hashed(classroom, client_address(request))
    # Decoding, the model and storing run off the event loop, which stays free for the feed.
    pointer = (fields["pointer"] or "").strip().lower()  # how it was drawn; anything else is "not said"
    drawing = await run_in_threadpool(classroom.answer_and_store, data, name, label, client, pointer,
                                      owner_of(fields["owner"], classroom))
    if not session.is_muted(client):  # a muted device's drawings are answered, kept, and not shown
        classroom.broadcast.send("drawing", drawing.as_json())
    return JSONResponse(drawing.as_json())
