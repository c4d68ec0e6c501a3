"""``dlkit demo``: run every lab headless in the quick profile and summarise what happened.

Each notebook is executed (``notebook_runner``) in its own working folder under the output
folder; the executed notebook and every figure it drew (PNG) are written there. A lab's headline results are
the lines it prints in the form ``Test accuracy: 0.9761`` (or ``Test accuracy (<what>): ...``,
``Deck numbers reproduced: 9/9``); the demo reads them from the cell outputs.
"""

from __future__ import annotations

import base64
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from dlkit.course.headlines import headlines as read_headlines
from dlkit.errors import DlkitError
from dlkit.instructor.labs import Lab, as_lab
from dlkit.instructor.notebook_runner import NotebookRun, environment_for
from dlkit.settings import Settings, current

# The longest one cell may run before the demo calls it hung. The full profile's longest cells train
# for many epochs: lab 03's 40 augmented epochs took 7 to 10 minutes on a slow 2-core machine.
CELL_TIMEOUT_SECONDS = {"quick": 600, "full": 1800}


@dataclass
class LabResult:
    """The outcome of running one lab."""

    name: str
    status: str  # "ok", "failed: <first line of the error>" or "skipped: <why>"
    seconds: float
    headlines: dict[str, str] = field(default_factory=dict)
    notebook: Path | None = None
    figures: list[Path] = field(default_factory=list)
    peak_memory_bytes: int | None = None  # the kernel's peak resident memory, where the OS tells
    lesson_note: str = ""  # where a quick run is too short for the lab's lesson (instructor.lessons)

    @property
    def headline_lines(self) -> list[str]:
        """Each result the lab printed as ``name: value``; ``["-"]`` when it printed none."""
        return [f"{name}: {value}" for name, value in self.headlines.items()] or ["-"]

    @property
    def key_metric(self) -> str:
        return "; ".join(self.headline_lines)


def notebook_text(notebook) -> str:
    """Everything the notebook printed (stdout and stderr streams), in cell order."""
    return notebook_text_of_cells(notebook.cells)


def notebook_text_of_cells(cells) -> str:
    return "\n".join(
        output.get("text", "")
        for cell in cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "stream"
    )


def figure_text(output) -> str:
    """What a figure output shows, in words: the alt of its PNG (``dlkit.figure_text``), else its
    text/plain when that is more than matplotlib's "<Figure size ...>"."""
    alt = output.get("metadata", {}).get("image/png", {}).get("alt", "")
    plain = output.get("data", {}).get("text/plain", "")
    plain = "".join(plain) if isinstance(plain, list) else plain
    return alt or ("" if plain.startswith("<Figure") else plain)


def _save_figures(notebook, folder: Path) -> list[Path]:
    """Each figure a notebook drew as ``cellNN-K.png``, its text alternative beside it as
    ``cellNN-K.txt`` (the report's alt)."""
    figures = []
    for cell_number, cell in enumerate(notebook.cells):
        for output_number, output in enumerate(cell.get("outputs", [])):
            png = output.get("data", {}).get("image/png")
            if png:
                folder.mkdir(parents=True, exist_ok=True)
                path = folder / f"cell{cell_number:02d}-{output_number}.png"
                path.write_bytes(base64.b64decode(png))
                path.with_suffix(".txt").write_text(figure_text(output), encoding="utf-8")
                figures.append(path)
    return figures


def run_lab(lab: Lab | Path, out: Path, settings: Settings | None = None) -> LabResult:
    """Execute one lab in ``out/<lab name>/`` with ``settings`` (default: this process's) and
    collect its results: status, time, what it printed, its figures, the kernel's peak memory."""
    import nbformat

    lab = as_lab(lab)
    settings = settings or current()
    cell_timeout = CELL_TIMEOUT_SECONDS[settings.profile]
    workdir = out / lab.name
    workdir.mkdir(parents=True, exist_ok=True)
    notebook = nbformat.read(lab.path, as_version=4)
    environment = environment_for(settings, MPLBACKEND="module://matplotlib_inline.backend_inline")
    started = time.perf_counter()
    with NotebookRun(notebook, workdir, environment, cell_timeout) as run:
        status = run.run_all()
        seconds = time.perf_counter() - started
        peak = None if status.startswith("failed: a cell ran over") else run.peak_memory()
    executed = workdir / lab.path.name
    nbformat.write(notebook, executed)
    headlines = read_headlines(notebook_text(notebook))
    figures = _save_figures(notebook, workdir / "figures")
    return LabResult(lab.name, status, seconds, headlines, executed, figures, peak)


# Who holds an output folder: the lock itself (released by the OS when its process ends, however it
# ends) and, beside it, a line saying which run holds it, for the error message.
LOCK_NAME = ".dlkit-demo.lock"
OWNER_NAME = ".dlkit-demo.owner"


@contextmanager
def output_folder_lock(out: Path) -> Iterator[None]:
    """Hold ``out`` for one demo run; a second run into the same folder is refused at once.

    Two runs in one folder would write the same files: one run's lab 05 failed loading a ``.tflite``
    the other run was rewriting. Refusing, with the holder named, loses nothing of either run.
    """
    from filelock import FileLock, Timeout

    lock = FileLock(str(out / LOCK_NAME), timeout=0)
    owner = out / OWNER_NAME
    try:
        lock.acquire()
    except Timeout:
        holder = owner.read_text().strip() if owner.exists() else "another process"
        raise DlkitError(
            f"another `dlkit demo` is writing to {out} ({holder}). Wait for it to finish, or give "
            "this run a folder of its own with --out FOLDER."
        ) from None
    try:
        owner.write_text(f"pid {os.getpid()}, started {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
        yield
    finally:
        owner.unlink(missing_ok=True)
        lock.release()


def run_demo(
    out: Path,
    labs: list[Lab | Path],
    profile: str = "quick",
    online: bool = False,
    progress: Callable[[str], None] = print,
    jobs: int = 1,
) -> list[LabResult]:
    """Run ``labs`` in ``profile``, ``jobs`` at a time (``side_by_side``: one after the other by
    default); never uses the network unless ``online``. Returns the results in the order of ``labs``.
    The kernels get this process's settings with the profile and the network rule changed.

    Raises DlkitError, before running anything, when another run is writing to ``out``.
    """
    from dlkit.instructor.lessons import lesson_note
    from dlkit.instructor.side_by_side import run_side_by_side, settle_cpu_precision

    out.mkdir(parents=True, exist_ok=True)
    labs = [as_lab(lab) for lab in labs]
    settings = current().replace(profile=profile, offline=not online)
    number = {lab: f"[{index}/{len(labs)}] {lab.name}" for index, lab in enumerate(labs, start=1)}

    def run_one(lab: Lab) -> LabResult:
        unable = lab.cannot_run()
        result = LabResult(lab.name, f"skipped: {unable}", 0.0) if unable else run_lab(lab, out, settings)
        if not unable:
            result.lesson_note = lesson_note(lab, profile)
        progress(f"{number[lab]}: {result.status} in {result.seconds:.1f} s")
        return result

    with output_folder_lock(out):
        if jobs > 1:
            settle_cpu_precision(labs, settings)
        return run_side_by_side(labs, jobs, run_one, started=lambda lab: progress(f"{number[lab]} ..."))
