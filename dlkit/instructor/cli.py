"""The ``dlkit`` command: fetch, datasets, doctor, check-folder, demo, ponies, student-copy, grade,
serve, classroom.
Errors print as one readable line."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from dlkit.errors import DlkitError
from dlkit.instructor.tables import format_table


def cmd_fetch(args: argparse.Namespace) -> int:
    from dlkit.data.fetch import fetch
    from dlkit.data.registry import get_entry

    for name in args.names:
        for located in fetch(name, source_folder=args.source):
            print(f"{name}: {located.describe()}")
        if any(file.converted for file in get_entry(name).files):  # EfficientNet-Lite0's checkpoint
            from dlkit.pretrained import load_base

            load_base(name, include_top=True, verbose=False)  # converts it once into dlkit's cache
            print(f"{name}: converted for Keras, in dlkit's cache")
    return 0


def cmd_datasets(args: argparse.Namespace) -> int:
    from dlkit.data.converted import inspect_converted
    from dlkit.data.registry import registry
    from dlkit.data.status import inspect
    from dlkit.data.verify import describe_size

    headers = ["name", "file", "status", "size", "source", "licence"]
    rows = []
    for entry in registry().values():
        for file in entry.files:
            found = [(file.filename, inspect(entry, file), describe_size(file))]
            if file.converted is not None:
                found.append((file.converted.filename, inspect_converted(entry, file), "converted copy"))
            for filename, status, size in found:
                row = [entry.name, filename, status.status, size, entry.source, entry.licence]
                where = f"{status.path} ({status.detail})" if status.path else status.detail
                rows.append(row + [where] if args.verbose else row)
    print(format_table(headers + ["found"] if args.verbose else headers, rows))
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from dlkit.instructor.doctor import report, run_checks

    checks = run_checks()
    print(report(checks))
    return 1 if any(check.broken for check in checks) else 0


def cmd_check_folder(args: argparse.Namespace) -> int:
    from dlkit.data.image_folder import inspect_image_folder

    report = inspect_image_folder(args.folder)
    print(report.describe(skip_bad=args.skip_bad))
    return 1 if report.blocking(args.skip_bad) else 0


def require_instructor_extra(command: str) -> None:
    """Stop with the install line when ``command`` needs the instructor extra and it is missing."""
    from dlkit.instructor.requirements import missing_for_instructor

    reason = missing_for_instructor(command)
    if reason:
        raise DlkitError(reason)


def cmd_student_copy(args: argparse.Namespace) -> int:
    from dlkit.instructor.demo import NO_LABS_HELP, select_labs
    from dlkit.instructor.student_copy import write_student_copies

    labs = select_labs(args.lab, args.labs)
    if not labs:
        raise DlkitError(f"no lab notebooks (NN_name.ipynb) in {args.labs}" if args.labs else NO_LABS_HELP)
    require_instructor_extra("dlkit student-copy")
    for path in write_student_copies(labs, args.out):
        print(f"wrote {path}")
    print(f"{len(labs)} student cop{'y' if len(labs) == 1 else 'ies'} in {args.out.resolve()}: "
          "solutions replaced by stubs, outputs cleared.")
    return 0


def cmd_grade(args: argparse.Namespace) -> int:
    from dlkit.instructor.demo import NO_LABS_HELP, select_labs

    require_instructor_extra("dlkit grade")
    from dlkit.instructor.grading import GradeOptions, Limits, grade_class

    labs = select_labs([args.lab], args.labs)
    if not labs:
        raise DlkitError(NO_LABS_HELP)
    if len(labs) > 1:
        names = ", ".join(lab.stem for lab in labs)
        raise DlkitError(f"{args.lab!r} names {len(labs)} labs ({names}): grade one at a time")
    limits = Limits(cell_seconds=args.timeout, submission_seconds=args.submission_timeout,
                    memory_bytes=int(args.memory_gb * 1024**3), disk_bytes=int(args.disk_gb * 1024**3))
    options = GradeOptions(jobs=args.jobs, limits=limits, profile=args.profile, sandbox=args.sandbox,
                           regrade=args.regrade, dask_address=args.dask,
                           data_dir=os.environ.get("DLKIT_DATA_DIR") or None)
    rows = grade_class(labs[0], args.submissions, args.out, options)
    counted = [row for row in rows if row.status != "superseded"]
    full = sum(row.total == len(row.exercises) for row in counted)
    print(f"{len(counted)} students graded, {full} with every exercise passed; gradebook in "
          f"{(args.out / 'gradebook.csv').resolve()}, feedback pages in {(args.out / 'feedback').resolve()}")
    return 0


def positive_float(text: str) -> float:
    """An argparse type: a number above 0."""
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number above 0, got {text!r}")
    return value


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(text)


def cmd_demo(args: argparse.Namespace) -> int:
    from dlkit.instructor.demo import NO_LABS_HELP, run_demo, select_labs
    from dlkit.instructor.machine import describe_machine
    from dlkit.instructor.report import format_bytes, format_seconds, write_report
    from dlkit.instructor.side_by_side import default_jobs, lab_peak_bytes

    labs = select_labs(args.only, args.labs)
    if not labs:
        raise DlkitError(f"no lab notebooks (NN_name.ipynb) in {args.labs}" if args.labs else NO_LABS_HELP)
    require_instructor_extra("dlkit demo")
    out = args.out.resolve()
    if args.jobs:
        jobs, how = args.jobs, f"{args.jobs} at a time (--jobs {args.jobs})"
    else:
        jobs, how = default_jobs(args.profile, describe_machine(framework=False), lab_peak_bytes(labs))
    print(f"Running {len(labs)} lab(s) in the {args.profile} profile, {how}; output in {out}")
    started = time.perf_counter()
    results = run_demo(out, labs, profile=args.profile, online=args.online, jobs=jobs)
    wall_seconds = time.perf_counter() - started

    def printed(result) -> str:  # one result a line, the quick-run mark beside the last
        return "\n".join(result.headline_lines) + (" (quick run: see below)" if result.lesson_note else "")

    rows = [[r.name, r.status, printed(r), f"{r.seconds:.1f}", format_bytes(r.peak_memory_bytes)]
            for r in results]
    print()
    print(format_table(["lab", "status", "key metric", "seconds", "peak memory"], rows))
    notes = [f"  {r.name}: {r.lesson_note}" for r in results if r.lesson_note]
    if notes:
        print("\nNot a lesson reversed: these quick runs are too short to show their labs' lessons.")
        print("\n".join(notes))
    print(f"\nExecuted notebooks and figures: {out}")
    for result in results:
        print(f"  {result.name}: {result.notebook} ({len(result.figures)} figures)")
    own = format_seconds(sum(r.seconds for r in results))
    side_by_side = f"; {jobs} at a time, the labs' own times add up to {own}" if jobs > 1 else ""
    print(f"\nWall time {format_seconds(wall_seconds)}{side_by_side}")
    if args.report:
        folder, machine = args.report.resolve(), describe_machine()
        page = write_report(results, folder, machine, args.profile, wall_seconds=wall_seconds, jobs=jobs)
        print(f"\nRehearsal report: {page}")
    failed = [r.name for r in results if r.status.startswith("failed")]
    skipped = [r.name for r in results if r.status.startswith("skipped")]
    print(
        f"\n{len(results) - len(failed) - len(skipped)} of {len(results)} labs ran cleanly."
        + (f" Failed: {', '.join(failed)}." if failed else "")
        + (f" Skipped: {', '.join(skipped)} (see its status)." if skipped else "")
    )
    return 1 if failed else 0


def cmd_ponies(args: argparse.Namespace) -> int:
    from dlkit.course.ponies import generate_ponies

    started = time.perf_counter()
    counts = generate_ponies(args.out, per_class=args.per_class, seed=args.seed, size=args.size)
    seconds = time.perf_counter() - started
    total = sum(counts.values())
    print(
        f"wrote {total} pictures ({args.per_class} per class, {args.size}x{args.size}) to {args.out} "
        f"in {seconds:.1f} s: {', '.join(counts)}"
    )
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from dlkit.deploy.server import serve_forever  # says what to install when the deploy extra is missing

    if args.max_upload_mb <= 0:
        raise DlkitError("--max-upload-mb must be more than 0")
    max_upload_bytes = int(args.max_upload_mb * 1024 * 1024)
    serve_forever(args.model, host=args.host, port=args.port, max_upload_bytes=max_upload_bytes,
                  input_kind=args.input)
    return 0


def cmd_classroom(args: argparse.Namespace) -> int:
    if str(args.model) == "delete":  # dlkit classroom delete SESSION
        if args.session_to_export is None:
            raise DlkitError("usage: dlkit classroom delete SESSION")
        from dlkit.classroom.session import delete_session

        count = delete_session(args.session_to_export)
        print(f"deleted {args.session_to_export}: the session's database and {count} pictures")
        return 0
    if str(args.model) == "export":  # dlkit classroom export SESSION --out FOLDER
        if args.session_to_export is None or args.out is None:
            raise DlkitError("usage: dlkit classroom export SESSION --out FOLDER")
        from dlkit.classroom.export import export_session

        counts = export_session(args.session_to_export, args.out)
        total = sum(counts.values())
        shown = ", ".join(f"{label}: {count}" for label, count in sorted(counts.items())) or "none"
        drawings = "drawing" if total == 1 else "drawings"
        print(f"wrote {total} {drawings} to {args.out} as <label>/<id>.png ({shown}); "
              f"dlkit check-folder {args.out} checks them, load_image_folder reads them")
        return 0
    if args.session_to_export is not None or args.out is not None:
        raise DlkitError("SESSION and --out are for `dlkit classroom export`; start a class with --session")
    from dlkit.classroom.limits import RateLimit
    from dlkit.classroom.server import serve_classroom  # says what to install without the deploy extra

    if args.max_upload_mb <= 0 or args.per_minute <= 0:
        raise DlkitError("--max-upload-mb and --per-minute must be more than 0")
    serve_classroom(args.model, session=args.session, host=args.host, port=args.port,
                    rate_limit=RateLimit(per_minute=args.per_minute),
                    max_upload_bytes=int(args.max_upload_mb * 1024 * 1024), input_kind=args.input)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dlkit", description="Helpers for the dlkit deep-learning labs.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    fetch = commands.add_parser(
        "fetch",
        help="download or import datasets/weights for offline use",
        description="Make registry files available offline, verified, in dlkit's cache.",
    )
    fetch.add_argument("names", nargs="+", metavar="NAME", help="e.g. mnist")
    fetch.add_argument(
        "--from",
        dest="source",
        type=Path,
        metavar="DIR",
        help="import the files from DIR (e.g. a USB stick) instead of the network",
    )
    fetch.set_defaults(run=cmd_fetch)

    datasets = commands.add_parser(
        "datasets",
        help="list datasets and weights with their status",
        description="Table of every registry file: verified, missing or corrupt.",
    )
    datasets.add_argument("-v", "--verbose", action="store_true", help="say where each was found")
    datasets.set_defaults(run=cmd_datasets)

    doctor = commands.add_parser(
        "doctor",
        help="check this machine; non-zero exit when something is broken",
        description="Versions, devices, cache folder and what can run offline.",
    )
    doctor.set_defaults(run=cmd_doctor)

    check_folder = commands.add_parser(
        "check-folder",
        help="check a folder of class subfolders of pictures before training on it",
        description="Read every picture in DIR/<class>/ as loading will, and report: pictures per class, "
        "formats, what is converted, what is left out and why, duplicates, imbalance, and the call that "
        "loads it. Exit status 0 when it loads, 1 when it cannot. Nothing in DIR is changed.",
    )
    check_folder.add_argument("folder", type=Path, metavar="DIR")
    check_folder.add_argument("--skip-bad", action="store_true", help="as load_image_folder(skip_bad=True)")
    check_folder.set_defaults(run=cmd_check_folder)

    ponies = commands.add_parser(
        "ponies",
        help="draw the 6-class pony image dataset into a folder",
        description="Write DIR/<class>/<n>.png pictures of cartoon ponies (deterministic from --seed).",
    )
    ponies.add_argument("--out", type=Path, required=True, metavar="DIR")
    ponies.add_argument("--per-class", type=int, default=100, metavar="N")
    ponies.add_argument("--seed", type=int, default=0, metavar="S")
    ponies.add_argument("--size", type=int, default=150, help="picture width and height in pixels")
    ponies.set_defaults(run=cmd_ponies)

    student = commands.add_parser(
        "student-copy",
        help="write the labs without their exercise solutions, for students",
        description="Copy labs with every tagged solution replaced by its stub and all outputs cleared.",
    )
    student.add_argument("lab", nargs="*", metavar="LAB", help="lab prefix (e.g. 00) or .ipynb; default: all")
    student.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder for the copies")
    student.add_argument("--labs", type=Path, help="folder of lab notebooks (default: dlkit's labs)")
    student.set_defaults(run=cmd_student_copy)

    grade = commands.add_parser(
        "grade",
        help="run every student's notebook of a lab and score it with the lab's checkers",
        description="Find every notebook under SUBMISSIONS (a folder or a Canvas/Moodle .zip), run each one "
        "fresh in its own sandboxed kernel (quick profile, no network), score every exercise with dlkit's "
        "own checker and write DIR/gradebook.csv, DIR/gradebook.sqlite and DIR/feedback/<student>.html. A "
        "second run grades only new or changed notebooks.",
    )
    grade.add_argument("lab", metavar="LAB", help="lab prefix (e.g. 00) or the instructor's .ipynb")
    grade.add_argument("submissions", type=Path, metavar="SUBMISSIONS", help="folder or .zip of notebooks")
    grade.add_argument("--out", type=Path, required=True, metavar="DIR", help="the gradebook's folder")
    grade.add_argument("--jobs", type=positive_int, default=1, metavar="N",
                       help="submissions at once (default 1)")
    grade.add_argument("--dask", metavar="ADDRESS",
                       help="hand the runs to this Dask scheduler (tcp://host:8786)")
    grade.add_argument("--timeout", type=positive_float, default=120.0, metavar="S",
                       help="seconds one cell may run (default 120)")
    grade.add_argument("--submission-timeout", type=positive_float, default=900.0, metavar="S",
                       help="seconds one whole notebook may run (default 900)")
    grade.add_argument("--memory-gb", type=positive_float, default=4.0, metavar="GB",
                       help="memory one kernel may use (default 4)")
    grade.add_argument("--disk-gb", type=positive_float, default=1.0, metavar="GB",
                       help="what one notebook may write into its folder (default 1)")
    grade.add_argument("--profile", choices=["quick", "full"], default="quick", help="default: quick")
    grade.add_argument("--sandbox", choices=["auto", "bubblewrap", "none"], default="auto",
                       help="auto (default): bubblewrap where it works, else none, said in the gradebook")
    grade.add_argument("--regrade", action="store_true", help="grade every notebook again, changed or not")
    grade.add_argument("--labs", type=Path, help="folder of lab notebooks (default: dlkit's labs)")
    grade.set_defaults(run=cmd_grade)

    demo = commands.add_parser(
        "demo",
        help="run every lab headless (quick profile) and print a summary; --report for an HTML page",
        description="Run the labs with nbclient and print lab, status, key metric, seconds and peak memory.",
    )
    demo.add_argument(
        "--out",
        type=Path,
        default=Path("dlkit-demo"),
        help="folder for executed notebooks and figures, one run at a time (default: ./dlkit-demo)",
    )
    demo.add_argument("--profile", choices=["quick", "full"], default="quick")
    demo.add_argument("--labs", type=Path, help="folder of lab notebooks (default: dlkit's labs)")
    demo.add_argument("--only", nargs="+", metavar="PREFIX", help="run only labs starting so, e.g. 00")
    demo.add_argument("--online", action="store_true", help="allow downloads (off by default)")
    demo.add_argument(
        "--jobs", type=positive_int, metavar="N",
        help="labs at a time (default: 2 in the quick profile on a CPU-only machine with the memory, else 1)",
    )
    demo.add_argument(
        "--report",
        type=Path,
        metavar="DIR",
        help="also write DIR/report.html: status, time, accuracy, memory, figures and machine, one page",
    )
    demo.set_defaults(run=cmd_demo)

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
    serve.add_argument("--port", type=int, default=8000, help="default: 8000")
    serve.add_argument(
        "--host", default="127.0.0.1",
        help="address to listen on (default 127.0.0.1, this computer only; 0.0.0.0 serves every network)",
    )
    serve.add_argument(
        "--max-upload-mb", type=float, default=4.0, metavar="MB", help="largest upload in MB (default 4)"
    )
    serve.add_argument(
        "--input", choices=["digit", "photo", "values"], default=None,
        help="how a picture becomes the model's input, where the serving card (or, without one, the "
        "guess from the input's shape) is wrong: a digit drawn as MNIST's, a photo resized, or numbers only",
    )
    serve.set_defaults(run=cmd_serve)

    classroom = commands.add_parser(
        "classroom",
        help="a live class: students draw on their phones, the projector shows it, every drawing is kept",
        description="Serve MODEL to a class: a student page (draw, say what you meant, see the answer), a "
        "projector page (the newest drawings live, the class's accuracy beside the test set's, a confusion "
        "matrix, the join code and its QR code) and a session folder (SQLite and the pictures) that "
        "survives a restart. `dlkit classroom export SESSION --out FOLDER` writes the drawings as "
        "FOLDER/<label>/<id>.png; `dlkit classroom delete SESSION` deletes a session and everything the "
        "class sent. Binds to 127.0.0.1 unless --host says otherwise.",
    )
    classroom.add_argument("model", type=Path, metavar="MODEL",
                           help="the model to serve (a file, or efficientnet_lite0 for photos), or "
                           "`export` or `delete`")
    classroom.add_argument("session_to_export", type=Path, nargs="?", metavar="SESSION",
                           help="with `export` or `delete`: the session folder")
    classroom.add_argument("--out", type=Path, metavar="FOLDER", help="with `export`: a new or empty folder")
    classroom.add_argument("--session", type=Path, default=Path("dlkit-classroom"), metavar="DIR",
                           help="the session folder, reopened if it exists (default: ./dlkit-classroom)")
    classroom.add_argument("--port", type=int, default=8001, help="default: 8001")
    classroom.add_argument(
        "--host", default="127.0.0.1",
        help="address to listen on (default 127.0.0.1, this computer only; 0.0.0.0 for the class's Wi-Fi)",
    )
    classroom.add_argument("--per-minute", type=float, default=60.0, metavar="N",
                           help="drawings a minute one device may send (default 60, 20 at once)")
    classroom.add_argument("--max-upload-mb", type=float, default=4.0, metavar="MB",
                           help="largest upload in MB (default 4)")
    classroom.add_argument("--input", choices=["digit", "photo"], default=None,
                           help="how a picture becomes the model's input, where the serving card is wrong")
    classroom.set_defaults(run=cmd_classroom)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except DlkitError as error:
        print(f"dlkit: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("dlkit: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
