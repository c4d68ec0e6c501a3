"""A FastAPI app as dlkit serves every page: refusals answered in one way (``errors``), the same
security headers on every answer, and no page that loads anything from another origin."""

from __future__ import annotations

from dlkit import __version__
from dlkit.web.errors import install_error_handlers

__all__ = ["SECURITY_HEADERS", "new_app", "packaged_script"]

SECURITY_HEADERS = {
    # Everything a page needs comes from this server: no CDN, no other origin, no framing elsewhere,
    # and no script but the page's own files (none written into the page: were a student's text ever
    # to slip into one as HTML, it could not run).
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; connect-src 'self'; frame-ancestors 'self'; base-uri 'none'; "
        "form-action 'self'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # a key in a page's address stays on this server
    "Cache-Control": "no-store",
}


def new_app(title: str, what: str, api_docs: bool = False):
    """A FastAPI app titled ``title``, with dlkit's error handlers (``what`` names it in a 500) and
    security headers; ``api_docs`` keeps FastAPI's ``/openapi.json`` (the interactive ``/docs`` and
    ``/redoc`` pages load their scripts from a CDN, so they are always off)."""
    from fastapi import FastAPI, Request

    app = FastAPI(title=title, version=__version__, docs_url=None, redoc_url=None,
                  openapi_url="/openapi.json" if api_docs else None)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    install_error_handlers(app, what)
    # the drawing pad both pages with a canvas share, served by every dlkit app
    app.add_api_route("/drawing-pad.js", packaged_script("dlkit.web", "drawing_pad.js"),
                      include_in_schema=False)
    return app


def packaged_script(package: str, name: str):
    """A route handler answering with the JavaScript file ``name`` shipped in ``package``: a page's
    script, served from this server as the Content-Security-Policy requires."""
    from importlib import resources

    from fastapi.responses import Response

    text = resources.files(package).joinpath(name).read_text(encoding="utf-8")

    async def script() -> Response:
        return Response(text, media_type="text/javascript; charset=utf-8")

    return script
