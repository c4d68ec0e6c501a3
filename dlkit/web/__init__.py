"""The web layer ``dlkit serve`` and ``dlkit classroom`` share: one way to refuse a request, one set
of security headers, one way to read an upload, one way to answer with the top classes, one way to
run a server (in the background or until Ctrl+C).

- ``errors``: ``BadRequest`` (a 4xx and a one-line reason) and the handlers every app installs;
- ``app``: ``new_app``, a FastAPI app with those handlers and the security headers;
- ``uploads``: a request's body within a size limit, a multipart form's file and fields;
- ``answers``: the top classes of a prediction;
- ``server``: listening sockets, uvicorn's configuration, a server in the background.

It needs the ``deploy`` extra (FastAPI, uvicorn). Nothing here knows about models or classes.
"""

__all__ = ["answers", "app", "errors", "server", "uploads"]
