"""What the instructor does about what the class sent: hide a drawing (it leaves the wall, the
class's numbers and the export, and stays on disk) or show it again; mute a device (everything it
sent and sends leaves them, until unmuted) or hide all it has sent. Needs the instructor key."""

from __future__ import annotations

import re

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from dlkit.classroom.access import Instructor
from dlkit.web.errors import BadRequest, json_error

__all__ = ["router"]

router = APIRouter()


async def _set_hidden(classroom, drawing_id: int, hidden: bool) -> JSONResponse:
    if not await run_in_threadpool(classroom.session.set_hidden, drawing_id, hidden):
        return json_error(404, f"no drawing {drawing_id}")
    classroom.broadcast.send("hidden" if hidden else "shown", {"id": drawing_id})
    return JSONResponse({"id": drawing_id, "hidden": hidden})


@router.post("/api/drawings/{drawing_id}/hide")
async def hide(drawing_id: int, classroom: Instructor) -> JSONResponse:
    return await _set_hidden(classroom, drawing_id, True)


@router.post("/api/drawings/{drawing_id}/show")
async def show(drawing_id: int, classroom: Instructor) -> JSONResponse:
    return await _set_hidden(classroom, drawing_id, False)


DEVICE = re.compile(r"[0-9a-f]{16}")  # as Drawing.device: a hash of the address, never the address


async def _known_device(classroom, device: str) -> None:
    if not DEVICE.fullmatch(device) or not await run_in_threadpool(classroom.session.has_device, device):
        raise BadRequest(404, f"no drawing came from device {device[:20]!r}")


async def _set_muted(classroom, device: str, muted: bool) -> JSONResponse:
    await _known_device(classroom, device)
    await run_in_threadpool(classroom.session.set_muted, device, muted)
    classroom.broadcast.send("muted" if muted else "unmuted", {"device": device})
    return JSONResponse({"device": device, "muted": muted})


@router.post("/api/devices/{device}/mute")
async def mute(device: str, classroom: Instructor) -> JSONResponse:
    return await _set_muted(classroom, device, True)


@router.post("/api/devices/{device}/unmute")
async def unmute(device: str, classroom: Instructor) -> JSONResponse:
    return await _set_muted(classroom, device, False)


@router.post("/api/devices/{device}/hide")
async def hide_device(device: str, classroom: Instructor) -> JSONResponse:
    await _known_device(classroom, device)
    count = await run_in_threadpool(classroom.session.hide_device, device)
    classroom.broadcast.send("hidden", {"device": device, "count": count})
    return JSONResponse({"device": device, "hidden": count})
