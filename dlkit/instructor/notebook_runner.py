"""One way to run a notebook: a kernel of its own, an explicit environment, cell by cell.

Every dlkit tool that executes notebooks runs them here: ``dlkit demo`` and the benchmarks (each
lab's cells, then its peak memory), ``dlkit grade`` (a student's cells in a sandboxed kernel, with
the grader's own cells in between to read answers out), ``tools/refresh_lab_outputs.py`` and the
test suite. What differs between them is what they do between cells, not how a kernel is started,
given its environment, timed out or shut down.

The kernel's environment is what the caller passes (``Settings.for_kernel()`` and a few
variables), never the caller's own ``os.environ`` patched for the occasion. TensorFlow's C++ log
lines on the kernel's stderr are discarded, as under nbval; Python's warnings still reach the
notebook's outputs.

Example:
    >>> with NotebookRun(notebook, workdir, environment, cell_timeout=600) as run:
    ...     status = run.run_all()
    ...     peak = run.peak_memory()
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

__all__ = ["NotebookRun", "environment_for"]


def environment_for(settings, **extra: str) -> dict[str, str]:
    """A kernel's environment: this process's, with dlkit's settings written by ``settings`` (every
    ``DLKIT_*`` variable, so none of the caller's leaks in) and ``extra`` variables on top."""
    environment = {name: value for name, value in os.environ.items() if not name.startswith("DLKIT_")}
    return {**environment, **settings.for_kernel(), **extra}


PEAK_MEMORY_PROBE = """
try:
    import resource as _resource, sys as _sys
    _peak = _resource.getrusage(_resource.RUSAGE_SELF).ru_maxrss
    print("peak-bytes", _peak if _sys.platform == "darwin" else _peak * 1024)  # kB on Linux
except Exception:
    print("peak-bytes unknown")
"""


class NotebookRun:
    """``notebook`` executed in a kernel started in ``workdir`` with ``environment``.

    ``client_class`` and ``client_options`` reach nbclient's ``NotebookClient`` (the grader's keeps
    only errors, interrupts on timeout and lets errors pass); ``kernel_manager`` a kernel manager of
    the caller's (the grader's starts the kernel inside its sandbox).
    """

    def __init__(
        self,
        notebook,
        workdir: Path,
        environment: dict[str, str],
        cell_timeout: float,
        *,
        client_class=None,
        kernel_manager=None,
        **client_options,
    ):
        from nbclient import NotebookClient

        self.notebook = notebook
        self.environment = environment
        self.cell_timeout = cell_timeout
        options = {"kernel_name": "python3", **client_options}
        if kernel_manager is not None:
            options["km"] = kernel_manager
        self.client = (client_class or NotebookClient)(
            notebook, timeout=int(cell_timeout), resources={"metadata": {"path": str(workdir)}}, **options
        )
        self._kernel = None

    def __enter__(self) -> NotebookRun:
        self._kernel = self.client.setup_kernel(env=self.environment, stdout=subprocess.DEVNULL,
                                                stderr=subprocess.DEVNULL)
        self._kernel.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._kernel.__exit__(*exc)

    @property
    def kernel_process_id(self) -> int | None:
        process = getattr(self.client.km.provisioner, "process", None)
        return process.pid if process else None

    def execute(self, index: int, timeout: float | None = None):
        """Run the notebook's cell ``index``; nbclient stores its outputs in it."""
        self.client.timeout = int(timeout or self.cell_timeout)
        return self.client.execute_cell(self.notebook.cells[index], index)

    def execute_source(self, source: str, index: int, timeout: float | None = None):
        """Run ``source`` as a cell of its own, stored at ``index`` while it runs (the grader's cells
        that read answers out; a probe); the notebook's own cells are left as they are."""
        from nbformat.v4 import new_code_cell

        cell = new_code_cell(source)
        self.client.timeout = max(1, int(timeout or self.cell_timeout))
        self.client.execute_cell(cell, index)
        return cell

    def run_all(self) -> str:
        """Run every cell in order, stopping at the first error: "ok", or "failed: <why>"."""
        from nbclient.exceptions import CellExecutionError, CellTimeoutError

        try:
            for index in range(len(self.notebook.cells)):
                self.execute(index)
        except CellExecutionError as error:
            return f"failed: {error.ename}: {error.evalue}"[:160]
        except CellTimeoutError:
            return f"failed: a cell ran over {self.cell_timeout:g} s"
        return "ok"

    def peak_memory(self) -> int | None:
        """The kernel's peak resident memory in bytes (Linux and macOS); None where it cannot tell."""
        self.notebook.cells.append(None)  # a place for the probe; removed below
        index = len(self.notebook.cells) - 1
        try:
            probe = self.execute_source(PEAK_MEMORY_PROBE, index, timeout=60)
        except Exception:  # a kernel that died or hangs has no answer; the report says "unknown"
            return None
        finally:
            self.notebook.cells.pop()
        words = "".join(o.get("text", "") for o in probe.outputs if o.get("name") == "stdout").split()
        return int(words[1]) if len(words) == 2 and words[1].isdigit() else None
