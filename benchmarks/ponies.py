"""Pony generator speed on one core (quality bar: at least 100 pictures a second).

python benchmarks/ponies.py [--count 600] [--size 150]
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time

from dlkit.course.ponies import generate_ponies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=600, help="pictures in all (split over 6 classes)")
    parser.add_argument("--size", type=int, default=150)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core, honestly
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        generate_ponies(folder, per_class=args.count // 6, seed=0, size=args.size)
        seconds = time.perf_counter() - started
    written = args.count // 6 * 6
    print(
        f"{platform.machine()}, one core: {written} pictures of {args.size}x{args.size} written as PNG "
        f"in {seconds:.2f} s = {written / seconds:.0f} pictures/s"
    )


if __name__ == "__main__":
    main()
