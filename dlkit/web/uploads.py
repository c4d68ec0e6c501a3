"""Reading what a client uploads, within a size limit, with a one-line reason for what is refused:
shared by ``dlkit serve`` and the classroom, so both refuse the same things the same way."""

from __future__ import annotations

from dlkit.web.errors import BadRequest

__all__ = ["DEFAULT_MAX_UPLOAD_BYTES", "read_body", "read_form"]

DEFAULT_MAX_UPLOAD_BYTES = 4 * 1024 * 1024  # a phone photo (HEIC, JPEG) fits; a video does not
BODY_SECONDS = 30.0  # a body must arrive within this (ConnectionLimits.body_seconds): no trickling


async def read_body(request, limit: int, seconds: float | None = None) -> bytes:
    """The request's body, refused (413) as soon as it is over ``limit`` bytes, declared or sent,
    and (408) when it has not all arrived within ``seconds`` (default: the server's
    ``ConnectionLimits.body_seconds``, else ``BODY_SECONDS``)."""
    import asyncio
    import time

    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise BadRequest(
            413, f"the upload is {int(declared):,} bytes; the limit is {limit:,} (--max-upload-mb)"
        )
    if seconds is None:
        guard = getattr(request.app.state, "connections", None)
        seconds = guard.limits.body_seconds if guard is not None else BODY_SECONDS
    deadline = time.monotonic() + seconds
    body = bytearray()
    chunks = request.stream().__aiter__()
    while True:
        try:
            chunk = await asyncio.wait_for(chunks.__anext__(), timeout=max(0.0, deadline - time.monotonic()))
        except StopAsyncIteration:
            break
        except asyncio.TimeoutError:
            raise BadRequest(408, f"the upload did not arrive within {seconds:g} s: send it again") from None
        body += chunk
        if len(body) > limit:
            raise BadRequest(413, f"the upload is over the limit of {limit:,} bytes (--max-upload-mb)")
    return bytes(body)


async def read_form(request, body: bytes, fields: tuple[str, ...] = ()) -> tuple[bytes, str, dict]:
    """(the bytes of the form field ``file``, its file name, the text of each of ``fields``) from a
    multipart body already read (``read_body``), parsed by Starlette."""
    from fastapi import Request
    from starlette.formparsers import MultiPartException

    async def replay():
        return {"type": "http.request", "body": body, "more_body": False}

    replayed = Request(request.scope, receive=replay)
    try:
        async with replayed.form(max_files=1, max_fields=20) as form:
            upload = form.get("file")
            if upload is None:
                raise BadRequest(
                    400, "no form field named 'file': send the picture as file (curl -F file=@digit.png)"
                )
            if isinstance(upload, str):
                raise BadRequest(
                    400, "the form field 'file' holds text, not a file (curl -F file=@digit.png)"
                )
            texts = {}
            for field in fields:
                value = form.get(field)
                if value is not None and not isinstance(value, str):
                    raise BadRequest(400, f"the form field '{field}' holds a file, not text")
                texts[field] = value
            data = await upload.read()
            return data, upload.filename or "the uploaded file", texts
    except MultiPartException as error:
        raise BadRequest(400, f"a broken multipart form ({error.message})") from None
