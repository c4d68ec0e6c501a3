"""The data commands: ``fetch``, ``datasets``, ``doctor``, ``check-folder``, ``ponies``."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from dlkit.instructor.cli.options import positive_int
from dlkit.instructor.tables import format_table

__all__ = ["add_data_commands"]


def cmd_fetch(args: argparse.Namespace) -> int:
    from dlkit.data.fetch import fetch
    from dlkit.data.registry import get_entry

    for name in args.names:
        for located in fetch(name, source_folder=args.source):
            print(f"{name}: {located.describe()}")
        if any(file.converted for file in get_entry(name).files):  # EfficientNet-Lite0's checkpoint
            from dlkit.pretrained.bases import prepare_weights

            print(f"{name}: converted for Keras: {prepare_weights(name)}")
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


def add_data_commands(commands) -> None:
    fetch = commands.add_parser(
        "fetch",
        help="download or import datasets/weights for offline use",
        description="Make registry files available offline, verified, in dlkit's cache (a file that ships "
        "in a required package, EfficientNet-Lite0's weights, is converted for Keras there).",
    )
    fetch.add_argument("names", nargs="+", metavar="NAME", help="e.g. mnist, vgg16, efficientnet_lite0")
    fetch.add_argument("--from", dest="source", type=Path, metavar="DIR",
                       help="import the files from DIR (e.g. a USB stick) instead of the network")
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
    ponies.add_argument("--per-class", type=positive_int, default=100, metavar="N")
    ponies.add_argument("--seed", type=int, default=0, metavar="S")
    ponies.add_argument("--size", type=positive_int, default=150, help="picture width and height in pixels")
    ponies.set_defaults(run=cmd_ponies)
