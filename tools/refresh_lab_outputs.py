"""Re-execute lab notebooks in the quick profile and store only the outputs nbval checks.

The kernel runs as under nbval (its process stderr, where TensorFlow's C++ logs go, is discarded).
Cells marked ``# NBVAL_CHECK_OUTPUT`` keep their outputs (nbval compares them on every test
run); every other cell is stored without outputs, so notebooks stay small and free of timings.
A checked cell that writes to stderr or draws a figure is an error: it could not be compared.

    python tools/refresh_lab_outputs.py labs/00_foundations.ipynb [more labs...]
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

from dlkit.instructor.notebook_runner import NotebookRun, environment_for
from dlkit.settings import current

CHECK_MARK = "# NBVAL_CHECK_OUTPUT"


def refresh(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    environment = environment_for(current().replace(profile="quick"))
    with NotebookRun(notebook, path.parent, environment, cell_timeout=600) as run:
        status = run.run_all()
    if status != "ok":
        raise SystemExit(f"{path}: {status}")
    checked = 0
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        if CHECK_MARK in cell.source:
            for output in cell.outputs:
                if output.get("name") == "stderr" or "image/png" in output.get("data", {}):
                    raise SystemExit(f"{path}: a checked cell writes stderr or a figure:\n{cell.source}")
            checked += 1
        else:
            cell.outputs = []
            cell.execution_count = None
    notebook.metadata.pop("widgets", None)
    nbformat.write(notebook, path)
    print(f"{path}: {checked} checked cells stored, {path.stat().st_size / 1024:.0f} KiB")


if __name__ == "__main__":
    for argument in sys.argv[1:]:
        refresh(Path(argument))
