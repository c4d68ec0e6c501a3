"""Run labs headless in the full profile and print their figures: accuracy, time, memory.

Each lab runs in a process of its own, so its peak memory (the kernel's maximum resident set
size) is measured exactly. Full MNIST must be on the machine (e.g. DLKIT_DATA_DIR=../shared/data);
the benchmark refuses to report figures made on the embedded subset.

It runs a copy of each lab with two cells added (the lab itself is never changed): they count
what every `fit` trains and validates on, so the report can say how much arithmetic the lab did
and what share of this CPU's matrix-multiply rate it reached (``compute.py``).

In the full profile, the wall time, peak memory and printed results of every lab that ran cleanly
on real data are written to ``dlkit/instructor/lab_costs.json`` (``--no-record`` to leave it
alone), which is where ``dlkit doctor`` and ``dlkit demo`` read them from. ``--first-run`` runs
each lab twice, first on an empty dlkit cache (a machine's first run: pony folders drawn, bfloat16
measured), then again on the cache that run filled; both times are recorded.

    DLKIT_DATA_DIR=../shared/data python benchmarks/labs.py 01 02
    python benchmarks/labs.py --render    # only render lab_costs.json into docs/measurements.md

Recording also renders the table of docs/measurements.md from ``lab_costs.json``: the page's
figures are never typed in by hand.

Side by side: ``--save-as LABEL --sitting TITLE`` keeps a run's walls, floors and results in
``benchmarks/results/side_by_side.json`` under that sitting, and ``--render`` renders every sitting
into the measurements page, each run a column. Two trees are compared by running this script on
each, one after the other on the same machine: ``--labs DIR`` runs another tree's labs (with
``PYTHONPATH=<that tree>`` so its own dlkit runs them)::

    PYTHONPATH=../old DLKIT_DATA_DIR=../shared/data python benchmarks/labs.py 04 --labs ../old/labs \
        --no-record --sitting "lab 04" --save-as "before: VGG16"
    DLKIT_DATA_DIR=../shared/data python benchmarks/labs.py 04 --no-record --sitting "lab 04" --save-as after
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

from rendered_block import write_block  # a sibling module: benchmarks/ is on the path

EMBEDDED = "using dlkit's embedded subset"
DOCS = Path(__file__).resolve().parents[1] / "docs" / "measurements.md"
BEGIN = "<!-- lab costs: written by benchmarks/labs.py from dlkit/instructor/lab_costs.json -->"
END = "<!-- end of lab costs -->"
SIDE_BY_SIDE = Path(__file__).resolve().parent / "results" / "side_by_side.json"
SIDE_BEGIN = "<!-- side by side: written by benchmarks/labs.py from benchmarks/results/side_by_side.json -->"
SIDE_END = "<!-- end of side by side -->"


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
        if cell.source.startswith(PROBE_MARK):  # the benchmark's own cells
            continue
        started, ended = (datetime.fromisoformat(times[mark].replace("Z", "+00:00")) for mark in marks)
        lines = [line.strip() for line in cell.source.splitlines()]
        code = [line for line in lines if line and not line.startswith("#")]
        timed.append((number, (ended - started).total_seconds(), (code or [""])[0][:60]))
    return timed


# Two cells the benchmark adds to its copy of each lab, marked so that no timing counts them. The
# first, after the lab's first `import keras`, makes every `fit` count the pictures it trains and
# validates on (two counters kept on the model, counted inside its training and test steps, so no
# fit is traced again); the last prints each fit's count, time, precision and FLOPs per picture
# (compute.py).
PROBE_MARK = "# dlkit benchmark probe"
COUNT_FITS = PROBE_MARK + """
import sys as _sys
_sys.path.insert(0, {benchmarks!r})
import compute as _compute


def _count_fits():
    import time

    import keras
    import tensorflow as tf

    runs, fit = [], keras.Model.fit

    def counting(step, counter):
        def counted(data):
            counter.assign_add(tf.cast(tf.shape(tf.nest.flatten(data)[0])[0], tf.int64))
            return step(data)
        return counted

    def counted_fit(self, *args, **kwargs):
        counters = self.__dict__.get("_dlkit_counters")
        if counters is None:  # set past Keras' __setattr__: not tracked, never saved with the model
            counters = [tf.Variable(0, dtype=tf.int64, trainable=False) for _ in range(2)]
            object.__setattr__(self, "_dlkit_counters", counters)
            object.__setattr__(self, "train_step", counting(self.train_step, counters[0]))
            object.__setattr__(self, "test_step", counting(self.test_step, counters[1]))
        before = [int(c.numpy()) for c in counters]
        started = time.perf_counter()
        try:
            return fit(self, *args, **kwargs)
        finally:
            seconds = time.perf_counter() - started
            trained, validated = (int(c.numpy()) - b for c, b in zip(counters, before))
            runs.append({{
                "model": self.name, "seconds": seconds, "trained": trained, "validated": validated,
                "precision": keras.config.dtype_policy().name,
                "training_flops": _compute.training_flops(self),
                "forward_flops": _compute.forward_flops(self),
            }})

    if keras.backend.backend() == "tensorflow":
        keras.Model.fit = counted_fit
    return runs


_dlkit_fits = _count_fits()
"""
REPORT_FITS = PROBE_MARK + """
import json as _json
print("dlkit-fits", _json.dumps(_dlkit_fits))
"""


def with_probes(notebook: Path, folder: Path) -> Path:
    """A copy of ``notebook`` in ``folder`` (same name) with the two probe cells added."""
    import nbformat
    from nbformat.v4 import new_code_cell

    lab = nbformat.read(notebook, as_version=4)
    code = [i for i, c in enumerate(lab.cells) if c.cell_type == "code" and "import keras" in c.source]
    counter = new_code_cell(COUNT_FITS.format(benchmarks=str(Path(__file__).resolve().parent)))
    lab.cells.insert(code[0] + 1 if code else 0, counter)  # after the lab's first `import keras`
    lab.cells.append(new_code_cell(REPORT_FITS))
    copy = folder / notebook.name
    nbformat.write(lab, copy)
    return copy


def fits_reported(text: str) -> list[dict]:
    """What the report cell printed: one dict per `fit` call."""
    for line in text.splitlines():
        if line.startswith("dlkit-fits "):
            return json.loads(line.removeprefix("dlkit-fits "))
    return []


def run_one(notebook: Path, out: Path) -> dict:
    """Executed in the child process: run the lab and report what it printed, its peak RSS,
    where its time went (the slowest cells, and the time outside cells: kernel start, imports) and
    what each `fit` computed."""
    import nbformat

    from dlkit.course.headlines import training_times
    from dlkit.course.lab_facts import read_lab_facts
    from dlkit.instructor.demo import notebook_text, run_lab

    with tempfile.TemporaryDirectory() as folder:
        result = run_lab(with_probes(notebook, Path(folder)), out)  # the settings this process was given
    executed = None if result.notebook is None else nbformat.read(result.notebook, as_version=4)
    text = "" if executed is None else notebook_text(executed)
    cells = [] if executed is None else cell_seconds(executed)
    return {
        "fits": fits_reported(text),
        "cells": cells,
        "lab": result.name,
        "full_profile_data": list(read_lab_facts(notebook).full_profile_data),
        "status": result.status,
        "wall_seconds": round(result.seconds, 1),
        "headlines": result.headlines,
        "training": training_times(text),
        "embedded_data": EMBEDDED in text,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
    }


def run_child(lab: Path, args: argparse.Namespace, environment: dict, what: str) -> dict:
    """Run ``lab`` in a process of its own and return what ``run_one`` reported there."""
    print(f"running {lab.stem} ({args.profile} profile{', ' + what if what else ''}) ...", flush=True)
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
    return json.loads(lines[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labs", nargs="*", help="lab prefixes, e.g. 01 02")
    parser.add_argument("--render", action="store_true", help="only render lab_costs.json into the docs")
    parser.add_argument("--profile", default="full", choices=["full", "quick"])
    parser.add_argument("--no-record", action="store_true", help="do not update dlkit's lab_costs.json")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "dlkit-benchmark")
    parser.add_argument("--first-run", action="store_true",
                        help="run each lab on an empty cache first, then warm; record both times")
    parser.add_argument("--labs", type=Path, dest="labs_folder",
                        help="the folder of labs to run (default: this tree's)")
    parser.add_argument("--sitting", help="with --save-as: the comparison this run belongs to")
    parser.add_argument("--save-as", help="keep this run in benchmarks/results/side_by_side.json as LABEL")
    args = parser.parse_args()
    if bool(args.sitting) != bool(args.save_as):
        parser.error("--sitting and --save-as go together")
    if args.render:
        render_docs()
        return
    if not args.labs:
        parser.error("name the labs to run (e.g. 01 02), or pass --render")

    if args.child:
        print(json.dumps(run_one(args.child, args.out)))
        return

    from dlkit.instructor.labs import select_labs
    from dlkit.instructor.notebook_runner import environment_for
    from dlkit.settings import current

    environment = environment_for(current().replace(profile=args.profile, offline=True))
    labs = [lab.path for lab in select_labs(args.labs, args.labs_folder)]
    rows = []
    for lab in labs:
        if args.first_run:
            with tempfile.TemporaryDirectory(prefix="dlkit-first-run-") as empty_cache:
                first = run_child(lab, args, {**environment, "DLKIT_CACHE_DIR": empty_cache}, "first run")
                row = run_child(lab, args, {**environment, "DLKIT_CACHE_DIR": empty_cache}, "warm")
            row["first_run_seconds"] = first["wall_seconds"]
        else:
            row = run_child(lab, args, environment, "")
        rows.append(row)

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from compute import matmul_gflops

    ceilings = {"float32": matmul_gflops("float32"), "bfloat16": matmul_gflops("bfloat16")}
    print(
        f"\nMachine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; {time.strftime('%Y-%m-%d')}; profile {args.profile}; "
        f"matmul reaches {ceilings['float32']:.0f} GFLOP/s in float32 and {ceilings['bfloat16']:.0f} "
        "in bfloat16 here (measured after the labs)"
    )
    print("| lab | status | result | training s | epochs | s/epoch | lab wall s | first run s "
          "| peak RSS MB |")
    print("|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        seconds = sum(s for s, _ in row["training"]) if row["training"] else float("nan")
        epochs = sum(e for _, e in row["training"])
        result = "; ".join(f"{k}: {v}" for k, v in row["headlines"].items()) or "-"
        if row["embedded_data"]:
            result += " (EMBEDDED SUBSET, not full MNIST)"
        print(
            f"| {row['lab']} | {row['status']} | {result} | {seconds:.1f} | {epochs} | "
            f"{seconds / max(epochs, 1):.1f} | {row['wall_seconds']} | {row.get('first_run_seconds', '-')} | "
            f"{row['peak_rss_mb']} |"
        )
    walls = {row["lab"][:2]: row["wall_seconds"] for row in rows}
    first_four = [walls[lab] for lab in ("00", "01", "02", "03") if lab in walls]
    if len(first_four) == 4:
        print(f"labs 00-03 together: {sum(first_four):.0f} s")
    print(f"all {len(rows)} labs: {sum(walls.values()):.0f} s ({sum(walls.values()) / 60:.1f} min)")
    print_where_the_time_goes(rows)
    floors = print_compute(rows, ceilings)
    if args.save_as:
        save_run(args.sitting, args.save_as, rows, floors, ceilings, args.profile)
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


def print_compute(rows: list[dict], ceilings: dict[str, float]) -> None:
    """Per lab: the arithmetic its `fit` calls did (training and validation pictures × FLOPs per
    picture, compute.py), their time, and the rate reached as a share of this CPU's matmul rate in
    the precision they trained in (bfloat16's for mixed_bfloat16): the distance to the limit.

    Then the floor: how long these labs would take if every `fit` ran at that matmul rate and
    everything outside the fits (kernel start, imports, data, evaluation, feature extraction) took
    what it took. No setting can bring a lab below it without less arithmetic (fewer pictures,
    epochs or weights) or a faster machine."""
    print("\nCompute of the `fit` calls (forward + backward FLOPs; validation forward only):")
    print("| lab | fits | pictures trained | TFLOP | fit s | at the matmul rate s | GFLOP/s "
          "| share of the matmul rate | biggest fit |")
    print("|---|---|---|---|---|---|---|---|---|")
    floors = {}
    for row in rows:
        fits = row.get("fits") or []
        fastest = sum(at_matmul_rate(fit, ceilings) for fit in fits)
        outside_fits = row["wall_seconds"] - sum(fit["seconds"] for fit in fits)
        floors[row["lab"][:2]] = (row["wall_seconds"], outside_fits + fastest)
        if not fits:
            print(f"| {row['lab']} | 0 | | | | | | | |")
            continue
        flops, seconds = sum(fit_flops(f) for f in fits), sum(f["seconds"] for f in fits)
        precision = "bfloat16" if all(precision_of(f) == "bfloat16" for f in fits) else "float32"
        rate = flops / seconds / 1e9
        biggest = max(fits, key=lambda f: f["seconds"])
        biggest_rate = fit_flops(biggest) / biggest["seconds"] / 1e9
        print(
            f"| {row['lab']} | {len(fits)} | {sum(f['trained'] for f in fits):,} | {flops / 1e12:.2f} | "
            f"{seconds:.1f} | {fastest:.1f} | {rate:.0f} | "
            f"{rate / ceilings[precision]:.0%} of {precision} {ceilings[precision]:.0f} | {biggest['model']} "
            f"{biggest['seconds']:.1f} s at {biggest_rate:.0f} GFLOP/s ({biggest['precision']}) |"
        )
    for name, labs in (("labs 00-03", ("00", "01", "02", "03")), (f"all {len(rows)} labs", tuple(floors))):
        if all(lab in floors for lab in labs):
            wall, floor = (sum(floors[lab][i] for lab in labs) for i in (0, 1))
            print(f"{name}: {wall:.0f} s measured; every fit at the matmul rate, the rest as measured: "
                  f"{floor:.0f} s at the least")
    return floors


def fit_flops(fit: dict) -> float:
    """What one reported `fit` computed: its pictures trained and validated, each at its cost."""
    return fit["trained"] * fit["training_flops"] + fit["validated"] * fit["forward_flops"]


def precision_of(fit: dict) -> str:
    """The precision whose matmul rate a `fit` is held to (mixed_bfloat16 computes in bfloat16)."""
    return "bfloat16" if "bfloat16" in fit["precision"] else "float32"


def at_matmul_rate(fit: dict, ceilings: dict[str, float]) -> float:
    """Seconds one reported `fit` would take at this CPU's matmul rate in its precision."""
    return fit_flops(fit) / (ceilings[precision_of(fit)] * 1e9)


def record(rows: list[dict]) -> None:
    """Write the clean runs' costs where ``dlkit doctor`` reads them."""
    from dlkit.instructor.lab_costs import LabCost, record_lab_costs
    from dlkit.instructor.machine import describe_machine

    machine = describe_machine()
    described = f"{machine.processor}, {machine.cores} cores, {(machine.memory_bytes or 0) / 2**30:.0f} GiB"
    costs = [
        LabCost(
            lab=row["lab"],
            seconds=row["wall_seconds"],
            peak_bytes=row["peak_rss_mb"] * 2**20,
            cores=machine.cores,
            machine=described,
            date=time.strftime("%Y-%m-%d"),
            note="",
            headlines=row["headlines"],
            first_run_seconds=row.get("first_run_seconds"),
        )
        for row in rows
        if row["status"] == "ok" and not row["embedded_data"]
    ]
    if costs:
        print(f"recorded {', '.join(c.lab for c in costs)} in {record_lab_costs(costs)}")
        render_docs()


def figures_table(costs) -> str:
    """The measurements page's table of the labs' full-profile costs, from ``lab_costs.json``."""
    lines = [
        "| lab | what it printed (full profile) | warm s | first run s | peak RSS MB | measured |",
        "|---|---|---|---|---|---|",
    ]
    for cost in costs:
        printed = "; ".join(f"{name}: {value}" for name, value in cost.headlines.items()) or "-"
        first = f"{cost.first_run_seconds:.1f}" if cost.first_run_seconds else "-"
        note = f" — {cost.note}" if cost.note else ""
        lines.append(f"| {cost.lab}{note} | {printed} | {cost.seconds:.1f} | {first} | "
                     f"{cost.peak_bytes / 2**20:.0f} | {cost.date}, {cost.machine} |")
    lines += ["", f"All {len(costs)} labs: {sum(cost.seconds for cost in costs):.0f} s warm."]
    return "\n".join(lines)


def render_docs() -> None:
    from dlkit.instructor.lab_costs import read_lab_costs

    write_block(DOCS, BEGIN, END, figures_table(sorted(read_lab_costs(), key=lambda cost: cost.lab)))
    if SIDE_BY_SIDE.is_file() and SIDE_BEGIN in DOCS.read_text(encoding="utf-8"):
        write_block(DOCS, SIDE_BEGIN, SIDE_END, side_by_side_tables(json.loads(SIDE_BY_SIDE.read_text())))
    print(f"rendered the labs' costs into {DOCS.name}")


def save_run(sitting: str, label: str, rows: list[dict], floors: dict, ceilings: dict,
             profile: str) -> None:
    """Keep this run's walls, floors and results under ``sitting`` in side_by_side.json (a run of
    the same label in that sitting is replaced), then render every sitting into the docs."""
    from dlkit.instructor.machine import describe_machine

    machine = describe_machine()
    record = json.loads(SIDE_BY_SIDE.read_text()) if SIDE_BY_SIDE.is_file() else {}
    runs = record.setdefault(sitting, [])
    runs[:] = [run for run in runs if run["label"] != label]
    runs.append({
        "label": label,
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": f"{machine.processor}, {machine.cores} cores",
        "matmul_gflops": {name: round(value) for name, value in ceilings.items()},
        "profile": profile,
        "precision_setting": os.environ.get("DLKIT_CPU_PRECISION", "auto"),
        "labs": {
            row["lab"]: {"wall_seconds": row["wall_seconds"],
                         "floor_seconds": round(floors[row["lab"][:2]][1], 1),
                         "status": row["status"], "headlines": row["headlines"]}
            for row in rows
        },
    })
    SIDE_BY_SIDE.parent.mkdir(exist_ok=True)
    SIDE_BY_SIDE.write_text(json.dumps(record, indent=1) + "\n")
    render_docs()


def side_by_side_tables(record: dict) -> str:
    """Each sitting as a table: a row per lab, a column per run (wall s, floor s, their ratio)."""
    blocks = []
    for sitting, runs in record.items():
        labs = sorted({lab for run in runs for lab in run["labs"]})
        header = "| lab | " + " | ".join(run["label"] for run in runs) + " |"
        lines = [f"**{sitting}** (wall s / floor s = ratio; the floor: every `fit` at the matmul rate, "
                 "the rest as measured)", "", header, "|---|" + "---|" * len(runs)]
        for lab in labs:
            cells = []
            for run in runs:
                entry = run["labs"].get(lab)
                if entry is None:
                    cells.append("–")
                    continue
                wall, floor = entry["wall_seconds"], entry["floor_seconds"]
                cells.append(f"{wall:.1f} / {floor:.1f} = {wall / floor:.1f}×")
            lines.append(f"| {lab} | " + " | ".join(cells) + " |")
        if len(labs) > 1:
            totals = [f"{sum(e['wall_seconds'] for e in run['labs'].values()):.0f} / "
                      f"{sum(e['floor_seconds'] for e in run['labs'].values()):.0f}" for run in runs]
            lines.append("| all | " + " | ".join(totals) + " |")
        lines += ["", "| run | measured | machine | matmul GFLOP/s (float32, bfloat16) | precision setting |",
                  "|---|---|---|---|---|"]
        lines += [f"| {run['label']} | {run['date']} | {run['machine']} | {run['matmul_gflops']['float32']}, "
                  f"{run['matmul_gflops']['bfloat16']} | {run['precision_setting']} |" for run in runs]
        results = [f"- {run['label']}, {lab}: "
                   + ("; ".join(f"{k}: {v}" for k, v in entry["headlines"].items()) or "-")
                   for run in runs for lab, entry in sorted(run["labs"].items())]
        blocks.append("\n".join(lines + ["", "What each run printed:", "", *results]))
    return "\n\n".join(blocks)


if __name__ == "__main__":
    main()
