"""What the instructor does about what the class sent: hide a drawing (it leaves the wall, the
class's numbers and the export, and stays on disk) or show it again. Needs the instructor key."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from dlkit.classroom.access import Instructor
from dlkit.web.errors import json_error

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
