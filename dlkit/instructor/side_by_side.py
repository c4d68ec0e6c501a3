"""Running labs side by side in ``dlkit demo``: how many at once, which lab waits for which.

A quick-profile lab keeps a 2-core CPU only partly busy: its kernel starts, TensorFlow is imported
and small networks spend much of each step in Python. Two labs at a time fill those gaps, so the
quick demo ends sooner with the same figures (docs/measurements.md, "The quick demo"). Each lab
still runs in its own kernel and folder, and the results are listed in course order.

Two labs are never run at once where that would change what the run is for or could fail: in the
full profile (a rehearsal times each lab as it will run in class), on a GPU or TPU (one device,
held by one process), on one core, or where two labs' recorded peak memory would not fit. A lab
that loads an earlier lab's saved history (lab 04 plots lab 03's curves) starts after the lab that
saves it, as the labs declare in their metadata. Before labs that choose their precision start side
by side, this machine's bfloat16 measurement is made alone (``settle_cpu_precision``): timed beside
another lab it could pick the slower precision and keep that choice for every later run.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import TypeVar

from dlkit.course.lab_facts import course_order
from dlkit.instructor.labs import Lab, as_lab
from dlkit.instructor.machine import Machine
from dlkit.settings import Settings

__all__ = [
    "SIDE_BY_SIDE",
    "default_jobs",
    "lab_peak_bytes",
    "labs_to_wait_for",
    "run_side_by_side",
    "settle_cpu_precision",
]

SIDE_BY_SIDE = 2  # labs at a time in the quick profile on a CPU-only machine with two cores or more
MEMORY_HEADROOM_BYTES = 2 * 2**30  # for the demo itself, the operating system and a browser

Result = TypeVar("Result")


def default_jobs(profile: str, machine: Machine, peak_bytes: list[float]) -> tuple[int, str]:
    """How many labs to run at once, and why, for ``profile`` on ``machine``. ``peak_bytes``: the
    selected labs' recorded peak memory (full profile, so an upper bound for the quick one)."""
    if profile != "quick":
        return 1, "one lab at a time: a full-profile rehearsal times each lab as it runs in class"
    if machine.tpu or machine.gpus:
        return 1, "one lab at a time: the labs would share one accelerator"
    if machine.cores < 2:
        return 1, "one lab at a time: this machine has one core"
    largest = sorted(peak_bytes, reverse=True)[:SIDE_BY_SIDE]
    needed = sum(largest) + MEMORY_HEADROOM_BYTES
    if machine.memory_bytes and len(largest) == SIDE_BY_SIDE and machine.memory_bytes < needed:
        return 1, f"one lab at a time: two would need about {needed / 2**30:.1f} GiB of memory"
    return SIDE_BY_SIDE, f"{SIDE_BY_SIDE} labs at a time ({machine.cores} cores, no GPU or TPU)"


def lab_peak_bytes(labs: list[Lab]) -> list[float]:
    """The recorded full-profile peak memory of each of ``labs`` that has one (lab_costs.json)."""
    from dlkit.instructor.lab_costs import read_lab_costs

    peaks = {cost.lab: cost.peak_bytes for cost in read_lab_costs()}
    return [peaks[lab.name] for lab in labs if lab.name in peaks]


def labs_to_wait_for(labs: list[Lab]) -> dict[Lab, list[Lab]]:
    """For each lab, the labs among ``labs`` that must have finished before it starts: those that
    save a history it loads, as the labs declare (``dlkit.course.lab_facts``)."""
    labs = [as_lab(lab) for lab in labs]
    by_name = {lab.name: lab for lab in labs}
    waits = course_order([lab.facts for lab in labs])
    return {lab: [by_name[name] for name in waits[lab.name]] for lab in labs}


SETTLE_PRECISION = [sys.executable, "-m", "dlkit.precision", "--settle"]


def settle_cpu_precision(labs: list[Lab | Path], settings: Settings | None = None) -> None:
    """Make (or reuse) this machine's bfloat16 measurement in a process of its own, alone on the
    CPU, when any of ``labs`` chooses its precision; labs started afterwards (with the same
    ``settings``, so the same cache) read the stored one. A failure here is left to the labs,
    which report it in their own words."""
    from dlkit.instructor.notebook_runner import environment_for
    from dlkit.settings import current

    if any(as_lab(lab).facts.chooses_precision for lab in labs):
        environment = environment_for(settings or current())
        subprocess.run(SETTLE_PRECISION, capture_output=True, check=False, env=environment)


def run_side_by_side(
    labs: list[Lab], jobs: int, run_one: Callable[[Lab], Result], started: Callable[[Lab], None]
) -> list[Result]:
    """``run_one`` every lab, ``jobs`` at a time, in course order as far as ``labs_to_wait_for``
    allows; ``started`` is told as each begins. Returns the results in the order of ``labs``."""
    waits_for = labs_to_wait_for(labs) if jobs > 1 else {as_lab(lab): [] for lab in labs}
    results: dict[Lab, Result] = {}
    running: dict[Future, Lab] = {}
    waiting = list(labs)  # as the caller named them (a Lab or a notebook's path), handed back so
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        while waiting or running:
            ready = [lab for lab in waiting if all(earlier in results for earlier in waits_for[as_lab(lab)])]
            for lab in ready[: max(1, jobs) - len(running)]:
                waiting.remove(lab)
                started(lab)
                running[pool.submit(run_one, lab)] = as_lab(lab)
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                results[running.pop(future)] = future.result()
    return [results[as_lab(lab)] for lab in labs]
