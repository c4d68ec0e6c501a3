"""The instructor's "learn from us" (the key needed for each): ``POST /api/learn`` starts a retrain
on what the class has sent (202; 409 with the reason when one is running, the model cannot be
trained or too few devices have sent; ``{"left_out": [device, ...]}`` leaves devices out, as a
muted device always is), ``GET /api/learn`` says how it stands and lists every retrain with its
before/after numbers, ``POST /api/model/<n>`` answers the class with retrain n (0: the first model)."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from dlkit.classroom.access import Instructor
from dlkit.classroom.moderation_api import DEVICE
from dlkit.errors import DlkitError
from dlkit.web.errors import BadRequest
from dlkit.web.uploads import read_body

__all__ = ["router"]

router = APIRouter()
MAX_BODY_BYTES = 64 * 1024


async def _left_out(request: Request) -> list[str]:
    body = await read_body(request, MAX_BODY_BYTES)
    if not body:
        return []
    try:
        devices = json.loads(body).get("left_out", [])
    except (ValueError, AttributeError):
        raise BadRequest(400, 'send JSON such as {"left_out": ["3fa94c0d12ab56ef"]}, or nothing') from None
    if not isinstance(devices, list) or not all(isinstance(d, str) and DEVICE.fullmatch(d) for d in devices):
        raise BadRequest(422, "left_out must be a list of devices as the projector shows them "
                              "(16 hex digits)")
    return devices


@router.post("/api/learn")
async def learn(request: Request, classroom: Instructor) -> JSONResponse:
    left_out = await _left_out(request)
    try:
        await run_in_threadpool(classroom.learning.start, classroom, left_out)
    except DlkitError as error:
        raise BadRequest(409, str(error)) from None
    return JSONResponse({"running": True}, status_code=202)


@router.get("/api/learn")
async def learning_status(classroom: Instructor) -> JSONResponse:
    return JSONResponse(await run_in_threadpool(classroom.learning.status, classroom))


@router.post("/api/model/{number}")
async def use_model(number: int, classroom: Instructor) -> JSONResponse:
    try:
        await run_in_threadpool(classroom.learning.use, classroom, number)
    except DlkitError as error:
        raise BadRequest(404, str(error)) from None
    return JSONResponse({"active": number, "model": classroom.card.name})
