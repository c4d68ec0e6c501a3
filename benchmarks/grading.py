"""What ``dlkit grade`` costs beyond the notebooks themselves: a class of 30 lab-00 submissions.

The class is generated from lab 00 itself: 12 right (the instructor's notebook), 6 wrong (its
max pooling averages instead), 6 stubs (the student copy as handed out), 3 with a cell that never
ends (stopped by the per-cell timeout) and 3 that crash their kernel (``os._exit``). It is graded
three times from scratch, side by side in one run: ``--jobs 1``, ``--jobs 2`` and through a local
Dask cluster of two single-threaded worker processes. For each: the wall time, the sum of the
notebooks' own cell times, the sum of each submission's whole run (kernel start, cells, scoring),
and the grader's overhead per submission (whole run minus cells). Every run must give the same
gradebook; the script fails otherwise.

    python benchmarks/grading.py [--timeout 20]

Writes ``benchmarks/results/grading.json`` and renders its table into docs/grading.md
(``--render`` renders again from the stored file without grading).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rendered_block import write_block  # a sibling module: benchmarks/ is on the path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results" / "grading.json"
DOCS = ROOT / "docs" / "grading.md"
BEGIN = "<!-- figures: written by benchmarks/grading.py from benchmarks/results/grading.json -->"
END = "<!-- end of figures -->"


def figures_table(results: dict) -> str:
    """The docs' table of ``results`` (the contents of grading.json)."""
    lines = [
        f"Measured {results['date']} on {results['machine']}, Python {results['python']}, sandbox "
        f"{results['sandbox']}, {results['submissions']} submissions, cell timeout "
        f"{results['cell_timeout_seconds']:g} s:",
        "",
        "| run | wall time | sum of the notebooks' cells | sum of whole runs | overhead per submission |",
        "|---|---|---|---|---|",
    ]
    for name, run in results["runs"].items():
        lines.append(
            f"| {name} | {run['wall_seconds']:.0f} s | {run['sum_of_cells_seconds']:.0f} s | "
            f"{run['sum_of_runs_seconds']:.0f} s | {run['overhead_per_submission_seconds']:.2f} s |"
        )
    statuses = next(iter(results["runs"].values()))["statuses"]
    lines += [
        "",
        "Every run gave the same gradebook: "
        + ", ".join(f"{count} {status}" for status, count in statuses.items())
        + ".",
    ]
    return "\n".join(lines)


def render_docs() -> None:
    write_block(DOCS, BEGIN, END, figures_table(json.loads(RESULTS.read_text(encoding="utf-8"))))


LAB = ROOT / "labs" / "00_foundations.ipynb"
MIX = {"right": 12, "wrong": 6, "stub": 6, "endless": 3, "crash": 3}


def make_class(folder: Path) -> None:
    """The 30 submissions, one folder per student."""
    copies = folder.parent / "copies"
    subprocess.run(
        [sys.executable, "-m", "dlkit.instructor.cli", "student-copy", "00", "--out", str(copies)],
        check=True,
        capture_output=True,
    )
    right = json.loads(LAB.read_text(encoding="utf-8"))
    stub = json.loads((copies / LAB.name).read_text(encoding="utf-8"))

    def variant(kind: str) -> dict:
        notebook = json.loads(json.dumps(right if kind in ("right", "wrong") else stub))
        code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
        if kind == "wrong":
            for cell in code:
                cell["source"] = "".join(cell["source"]).replace("].max()", "].mean()")
        elif kind in ("endless", "crash"):
            extra = "while True:\n    pass" if kind == "endless" else "import os\nos._exit(1)"
            notebook["cells"].insert(
                len(notebook["cells"]) // 2,
                {
                    "cell_type": "code",
                    "metadata": {},
                    "outputs": [],
                    "execution_count": None,
                    "source": extra,
                },
            )
        return notebook

    number = 0
    for kind, count in MIX.items():
        for _ in range(count):
            number += 1
            path = folder / f"student{number:02d}-{kind}" / "lab00.ipynb"
            path.parent.mkdir(parents=True)
            path.write_text(json.dumps(variant(kind)), encoding="utf-8")


def grade(submissions: Path, out: Path, timeout: float, jobs: int = 1, dask: str | None = None) -> dict:
    from dlkit.instructor.grading.grader import grade_class
    from dlkit.instructor.grading.options import GradeOptions, Limits

    options = GradeOptions(jobs=jobs, dask_address=dask, limits=Limits(cell_seconds=timeout))
    started = time.perf_counter()
    rows = grade_class(LAB, submissions, out, options, progress=lambda line: None)
    wall = time.perf_counter() - started
    runs, cells = sum(row.seconds for row in rows), sum(row.cell_seconds for row in rows)
    with open(out / "gradebook.csv", encoding="utf-8") as file:
        table = [{key: value for key, value in row.items()} for row in csv.DictReader(file)]
    return {
        "wall_seconds": round(wall, 1),
        "sum_of_runs_seconds": round(runs, 1),
        "sum_of_cells_seconds": round(cells, 1),
        "overhead_per_submission_seconds": round((runs - cells) / len(rows), 2),
        "statuses": {
            status: sum(row.status == status for row in rows) for status in sorted({r.status for r in rows})
        },
        "full_marks": sum(row.total == len(row.exercises) for row in rows),
        "gradebook": table,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds per cell (default 20)")
    parser.add_argument("--render", action="store_true", help="only render the stored figures into the docs")
    args = parser.parse_args()
    if args.render:
        render_docs()
        return
    from distributed import LocalCluster

    from dlkit.instructor.grading.sandbox import choose_sandbox

    with tempfile.TemporaryDirectory(prefix="dlkit-grading-bench-") as scratch:
        submissions = Path(scratch) / "submissions"
        make_class(submissions)
        measured = {}
        for name, kwargs in (("jobs 1", {"jobs": 1}), ("jobs 2", {"jobs": 2})):
            measured[name] = grade(submissions, Path(scratch) / name, args.timeout, **kwargs)
            print(
                name, {key: value for key, value in measured[name].items() if key != "gradebook"}, flush=True
            )
        with LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster:
            measured["dask, 2 workers"] = grade(
                submissions, Path(scratch) / "dask", args.timeout, dask=cluster.scheduler_address
            )
        print(
            "dask", {key: value for key, value in measured["dask, 2 workers"].items() if key != "gradebook"}
        )
    tables = [result.pop("gradebook") for result in measured.values()]
    if any(table != tables[0] for table in tables):
        raise SystemExit("the three runs wrote different gradebooks")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "date": time.strftime("%Y-%m-%d"),
                "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
                "python": platform.python_version(),
                "sandbox": choose_sandbox("auto").kind,
                "submissions": sum(MIX.values()),
                "mix": MIX,
                "cell_timeout_seconds": args.timeout,
                "runs": measured,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    render_docs()
    print(f"wrote {RESULTS} and its table in {DOCS}")


if __name__ == "__main__":
    main()
