"""The serving commands: ``serve`` (one model, a page and a JSON API), ``container`` (the build
folder of an image that serves it) and ``classroom`` with its sub-commands ``serve`` (a live class),
``export`` (a session as an image folder) and ``delete`` (a session and everything the class sent).
``dlkit classroom MODEL`` is ``dlkit classroom serve MODEL``."""

from __future__ import annotations

import argparse
from pathlib import Path

from dlkit.instructor.cli.options import MEBIBYTE, add_server_options, positive_float
from dlkit.web.limits import RateLimit
from dlkit.web.server import CLASSROOM_PORT, SERVE_PORT

__all__ = ["CLASSROOM_COMMANDS", "add_serving_commands"]

CLASSROOM_COMMANDS = ("serve", "export", "delete")


def cmd_serve(args: argparse.Namespace) -> int:
    from dlkit.deploy.server import serve_forever  # says what to install when the deploy extra is missing

    serve_forever(args.model, host=args.host, port=args.port,
                  max_upload_bytes=int(args.max_upload_mb * MEBIBYTE), input_kind=args.input)
    return 0


def cmd_container(args: argparse.Namespace) -> int:
    from dlkit.deploy.container import write_container

    recipe = write_container(args.model, args.out, wheel=args.wheel, base=args.base)
    print(f"wrote {recipe.folder}/Containerfile, the model and what to install; then (or docker):\n"
          f"  {recipe.build_command()}\n  {recipe.run_command()}\n  {recipe.classroom_command()}")
    return 0


def cmd_classroom_serve(args: argparse.Namespace) -> int:
    from dlkit.classroom.server import serve_classroom  # says what to install without the deploy extra
    from dlkit.errors import DlkitError

    if args.input == "values":
        raise DlkitError("--input values: a classroom takes pictures; use digit or photo")
    classes = None
    if args.classes is not None:
        from dlkit.classroom.class_photos import parse_classes

        classes = parse_classes(args.classes)
    serve_classroom(args.model, session=args.session, host=args.host, port=args.port,
                    rate_limit=RateLimit(per_minute=args.per_minute),
                    max_upload_bytes=int(args.max_upload_mb * MEBIBYTE), input_kind=args.input,
                    classes=classes)
    return 0


def cmd_classroom_export(args: argparse.Namespace) -> int:
    from dlkit.classroom.export import export_session

    counts = export_session(args.session, args.out)
    total = sum(counts.values())
    shown = ", ".join(f"{label}: {count}" for label, count in sorted(counts.items())) or "none"
    drawings = "drawing" if total == 1 else "drawings"
    print(f"wrote {total} {drawings} to {args.out} as <label>/<id>.png ({shown}), with drawings.csv "
          f"(each one's device and pointer); dlkit check-folder {args.out} checks them, load_image_folder "
          "reads them")
    return 0


def cmd_classroom_delete(args: argparse.Namespace) -> int:
    from dlkit.classroom.session import delete_session

    count = delete_session(args.session)
    print(f"deleted {args.session}: the session's database and {count} pictures")
    return 0


def add_serving_commands(commands) -> None:
    from dlkit.classroom.server import DEFAULT_SESSION

    serve = commands.add_parser(
        "serve",
        help="serve a trained or exported model: a web page and a JSON API (Ctrl+C stops it)",
        description="Serve MODEL (.keras, SavedModel folder, .tflite or .onnx, or a pretrained network's "
        "name, efficientnet_lite0: a photo in, its ImageNet classes out) with FastAPI and uvicorn: "
        "GET / is a page to draw a digit or drop a picture, POST /predict answers the top classes as JSON, "
        "GET /health and GET /info. Binds to 127.0.0.1 (this computer only) unless --host says otherwise. "
        ".keras files load in Keras' safe mode.",
    )
    serve.add_argument("model", type=Path, metavar="MODEL")
    add_server_options(serve, SERVE_PORT, "every network")
    serve.set_defaults(run=cmd_serve)

    from dlkit.deploy.container import DEFAULT_BASE

    container = commands.add_parser(
        "container",
        help="write the build folder of a container image that serves MODEL (Podman or Docker)",
        description="Write DIR/Containerfile, MODEL with its serving card and what to install: "
        "`podman build -t dlkit-serve DIR` (or docker build) makes an image of `dlkit serve MODEL`, which "
        "also serves a classroom. MODEL is a .tflite or .onnx file: the image holds no TensorFlow.",
    )
    container.add_argument("model", type=Path, metavar="MODEL")
    container.add_argument("--out", type=Path, required=True, metavar="DIR", help="a new folder to write")
    container.add_argument("--wheel", type=Path, metavar="FILE",
                           help="a dlkit wheel to install (default: dlkit from its repository)")
    container.add_argument("--base", default=DEFAULT_BASE, metavar="IMAGE",
                           help=f"the image to start from (default {DEFAULT_BASE})")
    container.set_defaults(run=cmd_container)

    classroom = commands.add_parser(
        "classroom",
        help="a live class: students draw on their phones, the projector shows it, every drawing is kept",
        description="`dlkit classroom serve MODEL` (or `dlkit classroom MODEL`) serves MODEL to a class: a "
        "student page (draw, say what you meant, see the answer), a projector page (the newest drawings "
        "live, the class's accuracy beside the test set's, a confusion matrix, the join code and its QR "
        "code) and a session folder (SQLite and the pictures) that survives a restart; `dlkit classroom "
        "serve efficientnet_lite0 --classes mug,keys,phone` has the class photograph things of its own "
        "classes, which \"learn from us\" teaches a head on the pretrained features. `export` writes a "
        "session's drawings as FOLDER/<label>/<id>.png, with FOLDER/drawings.csv saying which device "
        "sent each and how it was drawn; `delete` deletes a session and everything the class sent. "
        "Binds to 127.0.0.1 unless --host says otherwise.",
    )
    actions = classroom.add_subparsers(dest="action", required=True, metavar="ACTION")
    live = actions.add_parser("serve", help="serve MODEL to a class (Ctrl+C stops it; the session is kept)")
    live.add_argument("model", type=Path, metavar="MODEL",
                      help="the model to serve (a file, or efficientnet_lite0 for photos)")
    live.add_argument("--session", type=Path, default=DEFAULT_SESSION, metavar="DIR",
                      help=f"the session folder, reopened if it exists (default: ./{DEFAULT_SESSION})")
    add_server_options(live, CLASSROOM_PORT, "the class's Wi-Fi")
    limit = RateLimit()
    live.add_argument("--per-minute", type=positive_float, default=limit.per_minute, metavar="N",
                      help=f"drawings a minute one device may send (default {limit.per_minute:g}, "
                      f"{limit.burst} at once)")
    live.add_argument("--classes", metavar="A,B,...",
                      help="with efficientnet_lite0: the class photographs things of these classes of "
                      "its own, and \"learn from us\" trains a head for them on the pretrained features")
    live.set_defaults(run=cmd_classroom_serve)

    export = actions.add_parser("export", help="write a session's drawings as an image folder the labs load")
    export.add_argument("session", type=Path, metavar="SESSION", help="the session folder")
    export.add_argument("--out", type=Path, required=True, metavar="FOLDER", help="a new or empty folder")
    export.set_defaults(run=cmd_classroom_export)

    delete = actions.add_parser("delete", help="delete a session and everything the class sent to it")
    delete.add_argument("session", type=Path, metavar="SESSION", help="the session folder")
    delete.set_defaults(run=cmd_classroom_delete)

