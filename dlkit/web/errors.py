"""Refusing a request: a 4xx status and a one-line reason, as JSON ``{"error": "..."}``, never a
stack trace, and the server goes on serving. ``BadRequest`` can be raised anywhere in a request;
``install_error_handlers`` answers it, Starlette's own HTTP errors, FastAPI's validation errors and
anything unexpected (a 500 that says the server goes on) the same way."""

from __future__ import annotations

__all__ = ["BadRequest", "install_error_handlers", "json_error"]


class BadRequest(Exception):
    """A request refused: an HTTP status (4xx) and a one-line reason."""

    def __init__(self, status: int, reason: str, headers: dict[str, str] | None = None):
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.headers = headers


def json_error(status: int, reason: str, headers: dict[str, str] | None = None):
    """The JSON answer of a refusal."""
    from fastapi.responses import JSONResponse

    return JSONResponse({"error": reason}, status_code=status, headers=headers)


def install_error_handlers(app, what: str) -> None:
    """Answer every refusal on ``app`` as ``json_error``; ``what`` names the server in a 500's line
    ("the model", "the classroom")."""
    from fastapi import Request
    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException as StarletteHTTPException

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException):
        return json_error(error.status_code, str(error.detail))

    @app.exception_handler(BadRequest)
    async def refused(request: Request, refusal: BadRequest):
        return json_error(refusal.status, refusal.reason, refusal.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError):
        problem = error.errors()[0]
        where = ".".join(str(part) for part in problem.get("loc", ())[1:]) or "the request"
        return json_error(422, f"{where}: {problem.get('msg', 'not valid')}")

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception):  # pragma: no cover - a bug of ours
        return json_error(500, f"{what} failed on this request ({type(error).__name__}); it goes on")
