"""Grade one submission: run its code cells fresh in a confined kernel, then score each exercise.

The notebook is rebuilt from its code cells' sources alone (outputs, metadata and kernel names
are the student's editor's, never trusted or needed) and run cell by cell in its own temporary
folder, with ``$DLKIT_PROFILE`` set and no network. Each exercise is scored right after the cell
that checks it in the student's copy (so a kernel that dies later keeps what was earned before),
and again at the end if it had not passed: the answer is taken out of the kernel as data and
judged by dlkit's installed checker in this process (see :mod:`transport`).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

from dlkit.instructor.grading.exercises import Exercise, check_calls
from dlkit.instructor.grading.records import ExerciseResult, GradeResult, GradeTask
from dlkit.instructor.grading.sandbox import Sandbox, choose_sandbox
from dlkit.instructor.grading.tether import tethered
from dlkit.instructor.grading.transport import AnswerMissing, KernelBlock, KernelExchange, NoReply
from dlkit.instructor.grading.watchdog import Watchdog
from dlkit.instructor.notebook_runner import NotebookRun
from dlkit.settings import Settings

__all__ = ["Unreadable", "grade_submission", "read_submission"]

KERNEL_NAME = "dlkit-grade"
CELL_TIMEOUT_NAME = "CellTimeout"
SOCKET_PATH_BYTES = 103  # the longest Unix socket address on Linux (107) and macOS (103)
LONGEST_SOCKET_NAME = "/socket-65535"
RESPONSIVE_SECONDS = 15  # after an interrupted cell, how long the kernel has to answer again
PASSED_THROUGH = ("KERAS_BACKEND", "TF_CPP_MIN_LOG_LEVEL", "OMP_NUM_THREADS")


class Unreadable(Exception):
    """A submission that is not a notebook; the message says why, for the student's feedback."""


def read_submission(data: bytes) -> tuple[list[str], list[str]]:
    """The sources of the code cells of the notebook ``data``, and notes on how it was read.
    Reads nbformat 3 and 4 (and a newer 4.x or 5 as 4); raises :class:`Unreadable` otherwise."""
    notes = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Unreadable("the file is not text (not UTF-8): is it a notebook (.ipynb)?") from None
    try:
        raw = json.loads(text)
    except ValueError as error:
        raise Unreadable(f"the file is not valid JSON ({error}); was it saved completely?") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("cells", raw.get("worksheets")), list):
        raise Unreadable("the file is JSON but not a notebook: it has no cells")
    major = raw.get("nbformat")
    if not isinstance(major, int) or major < 3:
        raise Unreadable(f"the notebook format {major!r} is not one Jupyter reads today (3 or 4)")
    if major > 4 or (major == 4 and raw.get("nbformat_minor", 0) > nbformat.v4.nbformat_minor):
        notes.append(
            f"saved as nbformat {major}.{raw.get('nbformat_minor')}, newer than this grader's; "
            f"read as {nbformat.v4.nbformat}.{nbformat.v4.nbformat_minor}"
        )
        raw["nbformat"], raw["nbformat_minor"] = 4, nbformat.v4.nbformat_minor
    try:
        with warnings.catch_warnings():  # missing cell ids and the like: the student's editor's
            warnings.simplefilter("ignore")
            notebook = nbformat.reads(json.dumps(raw), as_version=4)
    except Exception as error:  # nbformat raises many kinds for a malformed file
        raise Unreadable(f"the notebook could not be read ({type(error).__name__}: {error})") from None
    if major == 3:
        notes.append("saved as nbformat 3, converted to 4")
    sources = []
    for cell in notebook.get("cells", []):
        source = cell.get("source") if isinstance(cell, dict) else None
        if isinstance(source, list):
            source = "".join(str(line) for line in source)
        if cell.get("cell_type") == "code" and isinstance(source, str) and source.strip():
            sources.append(source)
    return sources, notes


class GradingClient(NotebookClient):
    """nbclient, keeping only what grading needs of a cell's outputs: its errors. (A cell printing
    without end would otherwise fill the grader's memory.)"""

    def output(self, outs, msg, display_id, cell_index):  # noqa: D102 - nbclient's hook
        if msg["msg_type"] == "error":
            content = msg["content"]
            outs.append(
                nbformat.v4.new_output(
                    "error",
                    ename=str(content.get("ename", ""))[:200],
                    evalue=str(content.get("evalue", ""))[:500],
                    traceback=[],
                )
            )
        return None


def kernel_environment(task: GradeTask, run: Path, sandbox: Sandbox) -> dict[str, str]:
    """The kernel's whole environment: nothing of the grader's but what a lab needs. Its dlkit
    settings are the task's (``Settings.for_kernel``): its profile, no network, a cache of its own,
    the instructor's data folder (absolute, the same path the sandbox binds read-only)."""
    settings = Settings(profile=task.profile, offline=True, cache_dir=run / "cache",
                        data_dir=Path(task.data_dir) if task.data_dir else None)
    environment = {
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": "/home/student" if sandbox.confined else str(run / "home"),
        "TMPDIR": "/tmp" if sandbox.confined else str(run / "tmp"),
        "LANG": "C.UTF-8",
        **settings.for_kernel(),
        "MPLBACKEND": "Agg",
        "PYTHONNOUSERSITE": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }
    environment.update({name: os.environ[name] for name in PASSED_THROUGH if name in os.environ})
    return environment


def socket_folder(run: Path) -> Path:
    """Where the kernel's Unix sockets go: in its run folder, unless that path is too long for a
    socket's address (a deep ``$TMPDIR``, as CI's, fails with "File name too long"); then in a
    short folder of their own under /tmp, which the sandbox binds in too."""
    wanted = run / "kernel"
    if len(os.fsencode(wanted)) + len(LONGEST_SOCKET_NAME) <= SOCKET_PATH_BYTES:
        return wanted
    return Path(tempfile.mkdtemp(prefix="dlkit-ipc-", dir="/tmp"))


def write_kernel_spec(run: Path, task: GradeTask, sandbox: Sandbox, sockets: Path) -> Path:
    """A kernelspec whose command starts ipykernel inside the sandbox, tethered to this process
    (``tether``); interrupts go as messages (a signal would stop at the sandbox)."""
    environment = kernel_environment(task, run, sandbox)
    python = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    read_only = [Path(task.data_dir)] if task.data_dir else []
    argv, cleanup = sandbox.kernel_argv(python, writable=run, read_only=read_only, environment=environment,
                                        also_writable=() if sockets.is_relative_to(run) else (sockets,))
    # the kernel dies with this process, however it ends, and then its folders go too
    argv = tethered(argv, os.getpid(), cleanup, remove=[str(run), str(sockets)])
    spec_folder = run / "spec" / KERNEL_NAME
    spec_folder.mkdir(parents=True)
    spec = {
        "argv": argv,
        "display_name": "dlkit grading",
        "language": "python",
        "interrupt_mode": "message",
        "env": {} if sandbox.confined else environment,
    }
    (spec_folder / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    for folder in ("work", "home", "tmp", "cache", "kernel"):
        (run / folder).mkdir(exist_ok=True)
    return run / "spec"


def score_points(sources: list[str], exercises: tuple[Exercise, ...]) -> dict[int, list[Exercise]]:
    """For each cell index, the exercises to score after it: those the cell checks (the last cell
    that checks one wins: students re-run checks); the others are scored at the end."""
    last: dict[str, int] = {}
    for index, source in enumerate(sources):
        for found in check_calls(source):
            last[found.checker] = index
    points: dict[int, list[Exercise]] = {}
    for exercise in exercises:
        if exercise.checker in last:
            points.setdefault(last[exercise.checker], []).append(exercise)
    return points


def judge(exchange: KernelExchange, exercise: Exercise) -> ExerciseResult:
    """Score ``exercise`` on what the kernel holds now, with dlkit's checker, in this process."""
    from dlkit.course import check

    def fetch(expression: str):
        if exercise.takes_a_keras_block and expression == exercise.args[0]:
            return KernelBlock(exchange, expression)
        return exchange.export(expression)

    try:
        args = [fetch(expression) for expression in exercise.args]
        kwargs = {name: fetch(expression) for name, expression in exercise.kwargs}
    except AnswerMissing as missing:
        name = re.search(r"'([^']+)'", str(missing))
        return ExerciseResult(
            exercise.checker,
            0,
            f"`{name.group(1) if name else missing}` is not "
            "defined when the notebook has run: was its exercise cell deleted, "
            "renamed, or stopped by an error above it?",
        )
    except DeadKernelError:
        raise
    except NoReply as silent:
        return ExerciseResult(exercise.checker, 0, f"the answer could not be read: {silent}")
    except Exception as error:
        return ExerciseResult(
            exercise.checker, 0, f"computing the answer raised {type(error).__name__}: {str(error)[:300]}"
        )
    verdict = getattr(check, exercise.checker).judge(*args, **kwargs)
    return ExerciseResult(exercise.checker, int(verdict.passed), verdict.message)


def grade_submission(task: GradeTask) -> GradeResult:
    """Run and score one submission; never raises for anything the notebook does."""
    started = time.monotonic()
    try:
        sources, notes = read_submission(task.notebook)
    except Unreadable as why:
        return GradeResult(
            task.student,
            task.file,
            task.sha256,
            "unreadable",
            str(why),
            [ExerciseResult(e.checker, 0, "not graded: " + str(why)) for e in task.exercises],
        )
    try:
        sandbox = choose_sandbox(task.sandbox)
    except Exception as error:
        return GradeResult(task.student, task.file, task.sha256, "grader-error", str(error))
    run = Path(tempfile.mkdtemp(prefix="dlkit-grade-"))
    sockets = socket_folder(run)
    try:
        result = _run_and_score(task, sources, run, sockets, sandbox, started)
    except Exception as error:  # the grader's own failure: one row says so, the class goes on
        result = GradeResult(
            task.student, task.file, task.sha256, "grader-error", f"{type(error).__name__}: {error}"
        )
    finally:
        shutil.rmtree(run, ignore_errors=True)
        shutil.rmtree(sockets, ignore_errors=True)
    result.notes = notes + result.notes
    result.sandboxed = sandbox.kind if sandbox.confined else "no"
    if not sandbox.confined:
        result.notes.append(f"not sandboxed: {sandbox.why}")
    result.seconds = round(time.monotonic() - started, 2)
    return result


def _run_and_score(
    task: GradeTask, sources: list[str], run: Path, sockets: Path, sandbox: Sandbox, started: float
) -> GradeResult:
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager

    spec_root = write_kernel_spec(run, task, sandbox, sockets)
    # One cell more than the student's: the place nbclient stores the grader's own cells (reading
    # answers out), which a notebook with no code at all would otherwise not have.
    exchange_index = len(sources)
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(source) for source in [*sources, ""]]
    )
    manager = AsyncKernelManager(
        kernel_name=KERNEL_NAME,
        kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(spec_root)], ensure_native_kernel=False),
        transport="ipc",
        ip=str(sockets / "socket"),
        connection_file=str(run / "kernel" / "connection.json"),
    )
    runner = NotebookRun(
        notebook, run / "work", kernel_environment(task, run, sandbox), task.limits.cell_seconds,
        client_class=GradingClient,
        kernel_manager=manager,
        kernel_name=KERNEL_NAME,
        interrupt_on_timeout=True,
        allow_errors=True,
        startup_timeout=120,
        shutdown_kernel="immediate",
        error_on_timeout={"ename": CELL_TIMEOUT_NAME, "evalue": "", "traceback": []},
    )
    scores: dict[str, ExerciseResult] = {}
    errors: list[str] = []
    cell_seconds = 0.0  # the notebook's own cells, for the grader's overhead (benchmarks/grading.py)
    status, reason = "ok", ""
    exchange = None
    watchdog = None

    def execute(source: str, timeout: float, index: int) -> nbformat.NotebookNode:
        """Run ``source``; a cell that ran out of time comes back with one CellTimeout error
        (nbclient interrupted it: the kernel's KeyboardInterrupt is not the student's error)."""
        remaining = task.limits.submission_seconds - (time.monotonic() - started)
        allowed = max(1, int(min(timeout, remaining)))
        began = time.monotonic()
        cell = runner.execute_source(source, index, allowed)  # stored at ``index``: the notebook's place
        if time.monotonic() - began >= allowed and not any(
            output.output_type == "error" and output.ename != "KeyboardInterrupt" for output in cell.outputs
        ):
            cell.outputs = [nbformat.v4.new_output("error", ename=CELL_TIMEOUT_NAME, evalue="", traceback=[])]
        return cell

    def score(exercise: Exercise) -> None:
        if exercise.checker in scores and scores[exercise.checker].points:
            return
        scores[exercise.checker] = judge(exchange, exercise)

    with runner:
        # a container's kernel is no child of the grader's: it is found by its run folder
        watchdog = Watchdog(runner.kernel_process_id, run, task.limits, started,
                            marker=str(run) if sandbox.container else None)
        watchdog.start()
        exchange = KernelExchange(
            lambda code, timeout: execute(code, timeout, exchange_index),
            run / "work" / ".dlkit-exchange",
            task.limits.cell_seconds,
        )
        points = score_points(sources, task.exercises)
        try:
            for index, source in enumerate(sources):
                began = time.monotonic()
                cell = execute(source, task.limits.cell_seconds, index)
                cell_seconds += time.monotonic() - began
                for output in cell.outputs:
                    if output.output_type != "error":
                        continue
                    if output.ename == CELL_TIMEOUT_NAME:
                        status = "timeout"
                        errors.append(
                            f"cell {index + 1} ran past the {task.limits.cell_seconds:g}-second "
                            "limit for a cell and was interrupted"
                        )
                        responsive = execute("pass", RESPONSIVE_SECONDS, index)
                        if any(o.output_type == "error" for o in responsive.outputs):
                            raise TimeoutError(f"cell {index + 1} did not stop when interrupted")
                    else:
                        errors.append(f"cell {index + 1} raised {output.ename}: {output.evalue}")
                for exercise in points.get(index, []):
                    score(exercise)
            for exercise in task.exercises:
                score(exercise)
        except DeadKernelError:
            status, reason = "kernel-died", "the kernel stopped while running the notebook"
            process = getattr(manager.provisioner, "process", None)
            code = process.poll() if process else None
            if code is not None:
                reason += f" (exit status {code}{_what_exit_means(code)})"
        except TimeoutError as error:
            status, reason = "timeout", str(error)
        finally:
            watchdog.stop()
        if watchdog.stopped_by:
            status, reason = watchdog.stopped_by
    if status == "ok" and errors:
        status = "cell-errors"
    if status == "timeout" and not reason:
        reason = errors[-1] if errors else "ran past its time limit"
    elif status == "cell-errors":
        reason = "; ".join(errors[:3]) + (f" (and {len(errors) - 3} more)" if len(errors) > 3 else "")
    stopped = {"kernel-died", "memory-limit", "disk-limit", "timeout"}
    exercises = [
        scores.get(exercise.checker)
        or ExerciseResult(
            exercise.checker,
            0,
            "not scored: the run stopped before this exercise" if status in stopped else "not scored",
        )
        for exercise in task.exercises
    ]
    result = GradeResult(task.student, task.file, task.sha256, status, reason, exercises)
    result.cell_seconds = round(cell_seconds, 2)
    result.notes = [error for error in errors if error != reason] if status != "cell-errors" else errors[3:]
    return result


def _what_exit_means(code: int) -> str:
    signal_number = -code if code < 0 else code - 128 if code > 128 else 0
    with contextlib.suppress(ValueError):
        import signal

        if signal_number:
            return f": killed by {signal.Signals(signal_number).name}, a crash"
    return ": the code ended the process" if code >= 0 else ""
