"""Run labs headless in the full profile and print their figures: accuracy, time, memory.

Each lab runs in a process of its own, so its peak memory (the kernel's maximum resident set
size) is measured exactly. Full MNIST must be on the machine (e.g. DLKIT_DATA_DIR=../shared/data);
the benchmark refuses to report figures made on the embedded subset.

In the full profile, the wall time and peak memory of every lab that ran cleanly on real data are
written to ``dlkit/instructor/lab_costs.json`` (``--no-record`` to leave it alone), which is where
``dlkit doctor`` reads them from.

    DLKIT_DATA_DIR=../shared/data python benchmarks/labs.py 01 02
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EMBEDDED = "using dlkit's embedded subset"


def cell_seconds(notebook) -> list[tuple[int, float, str]]:
    """(cell number, seconds, first line of code) for every executed code cell, from the times
    nbclient records in each cell's metadata (input received, reply sent)."""
    from datetime import datetime

    marks = ("iopub.execute_input", "shell.execute_reply")
    timed = []
    for number, cell in enumerate(notebook.cells):
        times = cell.get("metadata", {}).get("execution", {})
        if cell.cell_type != "code" or any(mark not in times for mark in marks):
            continue
        started, ended = (datetime.fromisoformat(times[mark].replace("Z", "+00:00")) for mark in marks)
        lines = [line.strip() for line in cell.source.splitlines()]
        code = [line for line in lines if line and not line.startswith("#")]
        timed.append((number, (ended - started).total_seconds(), (code or [""])[0][:60]))
    return timed


def run_one(notebook: Path, out: Path) -> dict:
    """Executed in the child process: run the lab and report what it printed, its peak RSS and
    where its time went (the slowest cells, and the time outside cells: kernel start, imports)."""
    import nbformat

    from dlkit.course.headlines import training_times
    from dlkit.instructor.demo import notebook_text, run_lab

    result = run_lab(notebook, out)
    executed = None if result.notebook is None else nbformat.read(result.notebook, as_version=4)
    text = "" if executed is None else notebook_text(executed)
    cells = [] if executed is None else cell_seconds(executed)
    return {
        "cells": cells,
        "lab": result.name,
        "status": result.status,
        "wall_seconds": round(result.seconds, 1),
        "headlines": result.headlines,
        "training": training_times(text),
        "embedded_data": EMBEDDED in text,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labs", nargs="+", help="lab prefixes, e.g. 01 02")
    parser.add_argument("--profile", default="full", choices=["full", "quick"])
    parser.add_argument("--no-record", action="store_true", help="do not update dlkit's lab_costs.json")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "dlkit-benchmark")
    args = parser.parse_args()

    if args.child:
        print(json.dumps(run_one(args.child, args.out)))
        return

    from dlkit.instructor.demo import find_labs

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

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from time_to_accuracy import matmul_gflops

    print(
        f"\nMachine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; {time.strftime('%Y-%m-%d')}; profile {args.profile}; "
        f"float32 matmul reaches {matmul_gflops():.0f} GFLOP/s here (measured after the labs)"
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
    walls = {row["lab"][:2]: row["wall_seconds"] for row in rows}
    first_four = [walls[lab] for lab in ("00", "01", "02", "03") if lab in walls]
    if len(first_four) == 4:
        print(f"labs 00-03 together: {sum(first_four):.0f} s")
    print(f"all {len(rows)} labs: {sum(walls.values()):.0f} s ({sum(walls.values()) / 60:.1f} min)")
    print_where_the_time_goes(rows)
    if any(row["embedded_data"] for row in rows) and args.profile == "full":
        sys.exit("full MNIST was not found: set DLKIT_DATA_DIR (e.g. ../shared/data) or `dlkit fetch mnist`")
    if args.profile == "full" and not args.no_record:
        record(rows)


def print_where_the_time_goes(rows: list[dict], slowest: int = 3) -> None:
    """Per lab: its slowest cells, the other cells together, and the time outside any cell (the
    kernel starting; the labs' first cell also holds most imports)."""
    print("\nWhere the time goes (seconds; cells by their first line of code):")
    print("| lab | wall | slowest cells | other cells | outside cells |")
    print("|---|---|---|---|---|")
    for row in rows:
        cells = sorted(row["cells"], key=lambda cell: cell[1], reverse=True)
        top = "; ".join(f"{seconds:.1f} `{line}`" for _, seconds, line in cells[:slowest])
        others = sum(seconds for _, seconds, _ in cells[slowest:])
        outside = row["wall_seconds"] - sum(seconds for _, seconds, _ in cells)
        print(f"| {row['lab']} | {row['wall_seconds']} | {top} | {others:.1f} | {outside:.1f} |")


def record(rows: list[dict]) -> None:
    """Write the clean runs' costs where ``dlkit doctor`` reads them."""
    from dlkit.instructor.lab_costs import LabCost, record_lab_costs
    from dlkit.instructor.machine import describe_machine

    machine = describe_machine()
    random_weights = os.environ.get("DLKIT_PRETRAINED_WEIGHTS", "").lower() == "random"
    described = f"{machine.processor}, {machine.cores} cores, {(machine.memory_bytes or 0) / 2**30:.0f} GiB"
    weights_note = "random weights (DLKIT_PRETRAINED_WEIGHTS=random)" if random_weights else ""
    costs = [
        LabCost(
            lab=row["lab"],
            seconds=row["wall_seconds"],
            peak_bytes=row["peak_rss_mb"] * 2**20,
            cores=machine.cores,
            machine=described,
            date=time.strftime("%Y-%m-%d"),
            note=weights_note if row["lab"].startswith("04") else "",
        )
        for row in rows
        if row["status"] == "ok" and not row["embedded_data"]
    ]
    if costs:
        print(f"recorded {', '.join(c.lab for c in costs)} in {record_lab_costs(costs)}")


if __name__ == "__main__":
    main()
