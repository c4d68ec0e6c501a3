"""Grade a class: find the submissions, run the new or changed ones, keep every grade as it lands.

Runs go to a pool of ``jobs`` worker processes on this machine, or to a Dask distributed cluster
(``dask_address``; dask-jobqueue brings Slurm and PBS clusters to the same interface). Either way
each run is :func:`runner.grade_submission` on a :class:`GradeTask` that carries the notebook's
bytes, and this process alone writes the gradebook, as each result arrives.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict
from pathlib import Path

from dlkit.errors import DlkitError
from dlkit.instructor.grading.exercises import lab_exercises
from dlkit.instructor.grading.feedback import write_feedback
from dlkit.instructor.grading.gradebook import Gradebook
from dlkit.instructor.grading.lms import write_lms_files
from dlkit.instructor.grading.options import GradeOptions
from dlkit.instructor.grading.records import ExerciseResult, GradeResult, GradeTask
from dlkit.instructor.grading.runner import grade_submission
from dlkit.instructor.grading.sandbox import choose_sandbox, python_folders
from dlkit.instructor.grading.submissions import Submission, find_submissions

__all__ = ["GradeOptions", "grade_class"]


def grade_class(lab: Path, submissions: Path, out: Path, options: GradeOptions | None = None,
                progress: Callable[[str], None] = print) -> list[GradeResult]:
    """Grade every submission of ``lab`` under ``submissions`` into ``out``; return the rows of
    ``out/gradebook.csv`` (one per submitted file, counted ones first)."""
    options = options or GradeOptions()
    exercises = lab_exercises(Path(lab))
    checkers = [exercise.checker for exercise in exercises]
    found = find_submissions(Path(submissions))
    sandbox = choose_sandbox(options.sandbox)  # refuses, saying how to get one, where none works
    if sandbox.confined:
        _refuse_exposed_folders([Path(submissions), Path(out)])
    else:
        progress("warning: every notebook runs unconfined, as you (--sandbox none); the gradebook says so")
    book = Gradebook(Path(out), Path(lab).stem, checkers)
    try:
        book.start_run({**asdict(options), "lab": Path(lab).stem, "submissions": str(submissions)})
        return _grade_into(book, Path(lab).stem, exercises, found, options, progress)
    finally:
        book.close()


def _refuse_exposed_folders(folders: list[Path]) -> None:
    """A kernel reads Python's folders; the submissions and gradebook must not be among them."""
    for folder in folders:
        resolved = folder.resolve()
        for exposed in python_folders():
            if resolved.is_relative_to(exposed):
                raise DlkitError(f"{folder} is inside {exposed}, which every student's kernel can read: "
                                 "keep submissions and the gradebook outside Python's folders")


def _grade_into(book: Gradebook, lab: str, exercises: tuple, found: list[Submission],
                options: GradeOptions, progress: Callable[[str], None]) -> list[GradeResult]:
    counted: dict[str, GradeResult] = {}
    listed: list[GradeResult] = []
    tasks = []
    reused = 0
    for submission in found:
        if not submission.is_notebook:
            counted[submission.student] = _not_graded(submission, "no-notebook", exercises,
                                                      f"{submission.path} is not a notebook (.ipynb)")
            continue
        listed += [_not_graded(Submission(submission.student, older, 0), "superseded", exercises,
                               f"{submission.path} is newer and counts") for older in submission.superseded]
        stored = None if options.regrade else book.latest(submission.student, submission.sha256)
        if stored is not None:
            counted[submission.student] = stored
            reused += 1
            continue
        tasks.append(GradeTask(lab, submission.student, submission.path, submission.sha256, submission.data,
                               exercises, options.limits, options.profile, options.sandbox, options.data_dir))
    order = [submission.student for submission in found]

    def rows() -> list[GradeResult]:
        return [counted[student] for student in order if student in counted] + listed

    for result in counted.values():  # reused and never-run rows: their pages as they stand now
        write_feedback(book.out / "feedback", result, lab)
    book.write_csv(rows())
    progress(f"{len(tasks)} to grade, {reused} unchanged since the last run"
             + (f", {len(listed)} superseded" if listed else ""))
    for result in _run(tasks, options):
        book.record(result)
        write_feedback(book.out / "feedback", result, lab)
        counted[result.student] = result
        book.write_csv(rows())
        progress(f"{result.student}: {result.status}, {result.total}/{len(exercises)} "
                 f"({result.seconds:.1f} s)")
    book.finish_run()
    for name, count in write_lms_files(book.out, lab, rows(), len(exercises)).items():
        progress(f"{name}: {count} student{'s' if count != 1 else ''}, for the LMS's gradebook import")
    return rows()


def _not_graded(submission: Submission, status: str, exercises: tuple, reason: str) -> GradeResult:
    return GradeResult(submission.student, submission.path, submission.sha256, status, reason,
                       [ExerciseResult(exercise.checker, 0, "not graded") for exercise in exercises])


def _run(tasks: list[GradeTask], options: GradeOptions) -> Iterator[GradeResult]:
    """Each task's result as it finishes; a run that fails in the grader yields a grader-error row."""
    if not tasks:
        return
    if options.dask_address:
        yield from _run_on_dask(tasks, options.dask_address)
        return
    context = multiprocessing.get_context("spawn")  # no forked copies of the grader's threads
    with ProcessPoolExecutor(max_workers=max(1, options.jobs), mp_context=context,
                             initializer=end_with_parent) as pool:
        futures = {pool.submit(grade_submission, task): task for task in tasks}
        try:
            for future in as_completed(futures):
                yield _result_of(future, futures[future])
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def end_with_parent() -> None:
    """In a grading worker: end the moment the grader that started it is gone (killed, its laptop
    closed), so that its kernel, tethered to it, ends too (``tether``)."""
    import threading

    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.25)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="dlkit-grade-parent-watch").start()


def _run_on_dask(tasks: list[GradeTask], address: str) -> Iterator[GradeResult]:
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError:
        raise DlkitError('--dask needs Dask\'s distributed scheduler: pip install "dlkit[dask]"') from None
    try:
        client = Client(address, timeout="30s")
    except OSError as error:
        raise DlkitError(f"--dask {address}: no Dask scheduler answered ({error})") from None
    with client:
        futures = {client.submit(grade_submission, task, pure=False, retries=0): task for task in tasks}
        for future in dask_completed(list(futures)):
            yield _result_of(future, futures[future])


def _result_of(future, task: GradeTask) -> GradeResult:
    try:
        return future.result()
    except Exception as error:  # the worker itself failed (killed, out of memory): say so, go on
        return GradeResult(task.student, task.file, task.sha256, "grader-error",
                           f"the grading worker failed: {type(error).__name__}: {error}",
                           [ExerciseResult(exercise.checker, 0, "not graded") for exercise in task.exercises])
