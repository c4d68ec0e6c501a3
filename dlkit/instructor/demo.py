"""``dlkit demo``: run every lab headless in the quick profile and summarise what happened.

Each notebook is executed with nbclient in its own working folder under the output folder; the
executed notebook and every figure it drew (PNG) are written there. A lab's headline results are
the lines it prints in the form ``Test accuracy: 0.9761`` (or ``Test accuracy (<what>): ...``,
``Deck numbers reproduced: 9/9``); the demo reads them from the cell outputs.
"""

from __future__ import annotations

import base64
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

from dlkit.course.headlines import headlines as read_headlines
from dlkit.errors import DlkitError

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


LABS_VARIABLE = "DLKIT_LABS_DIR"
NO_LABS_HELP = (
    "dlkit runs the instructor labs from a checkout of the dlkit repository: run the command inside "
    f"it, pass --labs FOLDER, or set {LABS_VARIABLE}. (The installed package carries no labs, so "
    "that a student's `pip install` never holds the solutions.)"
)


def labs_folder() -> Path | None:
    """Where the instructor labs are: ``$DLKIT_LABS_DIR``, the checkout's ``labs/`` beside the
    package (an editable install), or ``labs/`` in the current folder; None when there are none."""
    candidates = [
        os.environ.get(LABS_VARIABLE),
        Path(__file__).resolve().parents[2] / "labs",
        Path.cwd() / "labs",
    ]
    for candidate in candidates:
        if candidate and any(Path(candidate).glob("[0-9][0-9]_*.ipynb")):
            return Path(candidate)
    return None


def find_labs(folder: Path | None = None) -> list[Path]:
    """The lab notebooks, in order, from ``folder`` or ``labs_folder()``; empty where there are none."""
    folder = folder or labs_folder()
    return sorted(Path(folder).glob("[0-9][0-9]_*.ipynb")) if folder else []


def select_labs(names: list[str] | None, folder: Path | None = None) -> list[Path]:
    """The labs named by ``names``: notebook paths, or prefixes of the labs in ``folder`` ("01" or
    "01_mnist"); every lab when ``names`` is empty. A name that matches nothing is an error."""
    labs = find_labs(folder)
    if not names:
        return labs
    chosen = []
    for name in names:
        if name.endswith(".ipynb") and Path(name).is_file():
            matches = [Path(name)]
        else:
            matches = [lab for lab in labs if lab.stem.startswith(name)]
        if not matches and not labs:
            raise DlkitError(NO_LABS_HELP)
        if not matches:
            known = ", ".join(lab.stem for lab in labs) or "none"
            raise DlkitError(f"no lab matches {name!r} (labs: {known})")
        chosen += [lab for lab in matches if lab not in chosen]
    return chosen


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


def _save_figures(notebook, folder: Path) -> list[Path]:
    figures = []
    for cell_number, cell in enumerate(notebook.cells):
        for output_number, output in enumerate(cell.get("outputs", [])):
            png = output.get("data", {}).get("image/png")
            if png:
                folder.mkdir(parents=True, exist_ok=True)
                path = folder / f"cell{cell_number:02d}-{output_number}.png"
                path.write_bytes(base64.b64decode(png))
                figures.append(path)
    return figures


PEAK_MEMORY_PROBE = """
try:
    import resource as _resource, sys as _sys
    _peak = _resource.getrusage(_resource.RUSAGE_SELF).ru_maxrss
    print("peak-bytes", _peak if _sys.platform == "darwin" else _peak * 1024)  # kB on Linux
except Exception:
    print("peak-bytes unknown")
"""


def _kernel_peak_memory(client) -> int | None:
    """Ask the still-running kernel for its peak resident memory (Linux and macOS)."""
    from nbformat.v4 import new_code_cell

    probe = new_code_cell(PEAK_MEMORY_PROBE)
    client.nb.cells.append(probe)  # nbclient stores each executed cell back at its index
    try:
        client.execute_cell(probe, len(client.nb.cells) - 1, store_history=False)
    except Exception:  # a kernel that died or hangs has no answer; the report says "unknown"
        return None
    finally:
        client.nb.cells.pop()
    words = notebook_text_of_cells([probe]).split()
    return int(words[1]) if len(words) == 2 and words[1].isdigit() else None


def run_lab(notebook_path: Path, out: Path, profile: str | None = None) -> LabResult:
    """Execute one lab in ``out/<lab name>/`` and collect its results."""
    profile = profile or os.environ.get("DLKIT_PROFILE", "full")
    cell_timeout = CELL_TIMEOUT_SECONDS.get(profile, CELL_TIMEOUT_SECONDS["full"])
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    name = notebook_path.stem
    workdir = out / name
    workdir.mkdir(parents=True, exist_ok=True)
    notebook = nbformat.read(notebook_path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=cell_timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(workdir)}},
    )
    started = time.perf_counter()
    status, peak = "ok", None
    with client.setup_kernel(stderr=subprocess.DEVNULL):  # TensorFlow's C++ logs; Python's still show
        try:
            for index, cell in enumerate(notebook.cells):
                client.execute_cell(cell, index)
        except CellExecutionError as error:
            status = f"failed: {error.ename}: {error.evalue}"[:160]
        except CellTimeoutError:
            status = f"failed: a cell ran over {cell_timeout} s"
        seconds = time.perf_counter() - started
        if not status.startswith("failed: a cell ran over"):
            peak = _kernel_peak_memory(client)
    executed = workdir / notebook_path.name
    nbformat.write(notebook, executed)
    headlines = read_headlines(notebook_text(notebook))
    figures = _save_figures(notebook, workdir / "figures")
    return LabResult(name, status, seconds, headlines, executed, figures, peak)


def cannot_run(lab: Path) -> str | None:
    """Why this Python cannot run ``lab`` (an extra it declares is missing), or None."""
    from dlkit.course.lab_facts import read_lab_facts

    if "deploy" in read_lab_facts(lab).extras:
        from dlkit.deploy.requirements import missing_for_deploy

        return missing_for_deploy()
    return None


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
    labs: list[Path],
    profile: str = "quick",
    online: bool = False,
    progress: Callable[[str], None] = print,
    jobs: int = 1,
) -> list[LabResult]:
    """Run ``labs`` in ``profile``, ``jobs`` at a time (``side_by_side``: one after the other by
    default); never uses the network unless ``online``. Returns the results in the order of ``labs``.

    Raises DlkitError, before running anything, when another run is writing to ``out``.
    """
    from dlkit.instructor.lessons import lesson_note
    from dlkit.instructor.side_by_side import run_side_by_side, settle_cpu_precision

    out.mkdir(parents=True, exist_ok=True)
    settings = {"DLKIT_PROFILE": profile, "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
    if not online:
        settings["DLKIT_OFFLINE"] = "1"
    number = {lab: f"[{index}/{len(labs)}] {lab.stem}" for index, lab in enumerate(labs, start=1)}

    def run_one(lab: Path) -> LabResult:
        unable = cannot_run(lab)
        result = LabResult(lab.stem, f"skipped: {unable}", 0.0) if unable else run_lab(lab, out, profile)
        if not unable:
            result.lesson_note = lesson_note(lab, profile)
        progress(f"{number[lab]}: {result.status} in {result.seconds:.1f} s")
        return result

    with output_folder_lock(out), mock.patch.dict(os.environ, settings):
        if jobs > 1:
            settle_cpu_precision(labs)
        return run_side_by_side(labs, jobs, run_one, started=lambda lab: progress(f"{number[lab]} ..."))
