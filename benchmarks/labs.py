"""Run labs headless in the full profile and print their figures: accuracy, time, memory.

Each lab runs in a process of its own, so its peak memory (the kernel's maximum resident set
size) is measured exactly. Full MNIST must be on the machine (e.g. DLKIT_DATA_DIR=../shared/data);
the benchmark refuses to report figures made on the embedded subset.

    DLKIT_DATA_DIR=../shared/data python benchmarks/labs.py 01 02
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TRAINING = re.compile(r"Training time(?: \([^)]*\))?: ([\d.]+) s for (\d+) epochs")
EMBEDDED = "using dlkit's embedded subset"


def run_one(notebook: Path, out: Path) -> dict:
    """Executed in the child process: run the lab and report what it printed and its peak RSS."""
    import nbformat

    from dlkit.demo import notebook_text, run_lab

    result = run_lab(notebook, out)
    text = "" if result.notebook is None else notebook_text(nbformat.read(result.notebook, as_version=4))
    training = TRAINING.findall(text)
    return {
        "lab": result.name,
        "status": result.status,
        "wall_seconds": round(result.seconds, 1),
        "headlines": result.headlines,
        "training": [(float(s), int(e)) for s, e in training],
        "embedded_data": EMBEDDED in text,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labs", nargs="+", help="lab prefixes, e.g. 01 02")
    parser.add_argument("--profile", default="full", choices=["full", "quick"])
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "dlkit-benchmark")
    args = parser.parse_args()

    if args.child:
        print(json.dumps(run_one(args.child, args.out)))
        return

    from dlkit.demo import find_labs

    environment = dict(os.environ, DLKIT_PROFILE=args.profile, DLKIT_OFFLINE="1")
    labs = [lab for lab in find_labs() if any(lab.stem.startswith(p) for p in args.labs)]
    rows = []
    for lab in labs:
        print(f"running {lab.stem} ({args.profile} profile) ...", flush=True)
        child = subprocess.run(
            [sys.executable, __file__, "x", "--child", str(lab), "--out", str(args.out)],
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )
        lines = [line for line in child.stdout.splitlines() if line.startswith("{")]
        if not lines:
            sys.exit(f"{lab.stem}: the benchmark process failed:\n{child.stderr[-2000:]}")
        rows.append(json.loads(lines[-1]))

    print(
        f"\nMachine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; {time.strftime('%Y-%m-%d')}; profile {args.profile}"
    )
    print("| lab | status | result | training s | epochs | s/epoch | lab wall s | peak RSS MB |")
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        seconds = sum(s for s, _ in row["training"]) if row["training"] else float("nan")
        epochs = sum(e for _, e in row["training"])
        result = "; ".join(f"{k}: {v}" for k, v in row["headlines"].items()) or "-"
        if row["embedded_data"]:
            result += " (EMBEDDED SUBSET, not full MNIST)"
        print(
            f"| {row['lab']} | {row['status']} | {result} | {seconds:.1f} | {epochs} | "
            f"{seconds / max(epochs, 1):.1f} | {row['wall_seconds']} | {row['peak_rss_mb']} |"
        )
    if any(row["embedded_data"] for row in rows) and args.profile == "full":
        sys.exit("full MNIST was not found: set DLKIT_DATA_DIR (e.g. ../shared/data) or `dlkit fetch mnist`")


if __name__ == "__main__":
    main()
