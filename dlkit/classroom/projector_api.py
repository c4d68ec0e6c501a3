"""The projector's side of the classroom: its page, the wall, the live feed, the pictures as the
model saw them and the join QR code; everything but the page needs the instructor key."""

from __future__ import annotations

import asyncio
import io
import json
from importlib import resources

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from dlkit.classroom.access import Instructor
from dlkit.web.app import packaged_script
from dlkit.web.errors import json_error

__all__ = ["router"]

router = APIRouter()
router.add_api_route("/projector.js", packaged_script("dlkit.classroom", "projector.js"),
                     include_in_schema=False)
PAGE = resources.files("dlkit.classroom").joinpath("projector.html").read_text(encoding="utf-8")
HEARTBEAT_SECONDS = 15.0


@router.get("/projector", response_class=HTMLResponse)
async def projector_page() -> HTMLResponse:
    return HTMLResponse(PAGE)


@router.get("/api/wall")
async def wall_now(classroom: Instructor) -> JSONResponse:
    return JSONResponse(await run_in_threadpool(classroom.wall))


@router.get("/api/feed")
async def feed(request: Request, classroom: Instructor):
    broadcast = classroom.broadcast
    queue: asyncio.Queue = asyncio.Queue(maxsize=1000)
    broadcast.listen(queue)
    first = f"event: wall\ndata: {json.dumps(await run_in_threadpool(classroom.wall))}\n\n"

    async def events():
        try:
            yield first
            quiet = 0.0
            while not broadcast.stopping.is_set():
                try:
                    waiting = [await asyncio.wait_for(queue.get(), timeout=0.5)]
                    while not queue.empty():  # a busy class: everything queued goes in one write
                        waiting.append(queue.get_nowait())
                    yield "".join(waiting)
                    # The class's numbers once per write, not per drawing; on the loop, not behind
                    # the drawings queued for the model (two small SQL queries).
                    yield f"event: stats\ndata: {json.dumps(classroom.summary())}\n\n"
                    quiet = 0.0
                except asyncio.TimeoutError:
                    quiet += 0.5
                    if quiet >= HEARTBEAT_SECONDS:
                        yield ": still here\n\n"
                        quiet = 0.0
                    if await request.is_disconnected():
                        break
        finally:
            broadcast.listeners.discard(queue)

    return StreamingResponse(events(), media_type="text/event-stream", headers={"X-Accel-Buffering": "no"})


@router.get("/api/pictures/{drawing_id}.png")
async def picture(drawing_id: int, classroom: Instructor) -> Response:
    path = classroom.session.picture_path(drawing_id)
    if drawing_id < 1 or not path.is_file():
        return json_error(404, f"no drawing {drawing_id}")
    return Response(path.read_bytes(), media_type="image/png")


@router.get("/api/qr.svg")
async def qr_code(classroom: Instructor) -> Response:
    import segno

    buffer = io.BytesIO()
    segno.make(classroom.join_url, error="m").save(buffer, kind="svg", scale=6, border=2, xmldecl=False)
    return Response(buffer.getvalue(), media_type="image/svg+xml")
