"""The commands that run or copy the instructor's labs: ``demo``, ``student-copy``, ``grade``. Each
names its labs with one grammar (``dlkit.instructor.labs.select_labs``)."""

from __future__ import annotations

import argparse
import inspect
import sys
import time
from pathlib import Path

from dlkit.errors import DlkitError
from dlkit.instructor.cli.options import add_labs, add_profile, positive_float, positive_int
from dlkit.instructor.tables import format_table

__all__ = ["add_lab_commands"]


def require_instructor_extra(command: str) -> None:
    """Stop with the install line when ``command`` needs the instructor extra and it is missing."""
    from dlkit.instructor.requirements import missing_for_instructor

    reason = missing_for_instructor(command)
    if reason:
        raise DlkitError(reason)


def cmd_student_copy(args: argparse.Namespace) -> int:
    from dlkit.instructor.labs import select_labs
    from dlkit.instructor.student_copy import write_student_copies

    labs = select_labs(args.lab, args.labs)
    require_instructor_extra("dlkit student-copy")
    for path in write_student_copies([lab.path for lab in labs], args.out):
        print(f"wrote {path}")
    print(f"{len(labs)} student cop{'y' if len(labs) == 1 else 'ies'} in {args.out.resolve()}: "
          "solutions replaced by stubs, outputs cleared.")
    return 0


def cmd_grade(args: argparse.Namespace) -> int:
    from dlkit.instructor.grading.options import GIB, GradeOptions, Limits
    from dlkit.instructor.labs import select_labs
    from dlkit.settings import current

    require_instructor_extra("dlkit grade")
    from dlkit.instructor.grading.grader import grade_class

    labs = select_labs([args.lab], args.labs)
    if len(labs) > 1:
        names = ", ".join(lab.name for lab in labs)
        raise DlkitError(f"{args.lab!r} names {len(labs)} labs ({names}): grade one at a time")

    limits = Limits(cell_seconds=args.timeout, submission_seconds=args.submission_timeout,
                    memory_bytes=int(args.memory_gb * GIB), disk_bytes=int(args.disk_gb * GIB))
    data_dir = current().data_dir
    options = GradeOptions(jobs=args.jobs, limits=limits, profile=args.profile, sandbox=args.sandbox,
                           regrade=args.regrade, dask_address=args.dask,
                           data_dir=str(data_dir) if data_dir else None)
    rows = grade_class(labs[0].path, args.submissions, args.out, options)
    counted = [row for row in rows if row.status != "superseded"]
    full = sum(row.status == "ok" and row.total == len(row.exercises) > 0 for row in counted)
    failed = [row.student for row in counted if row.status == "grader-error"]
    print(f"{len(counted)} students graded, {full} with every exercise passed; gradebook in "
          f"{(args.out / 'gradebook.csv').resolve()}, feedback pages in {(args.out / 'feedback').resolve()}")
    if failed:  # the grader's own failure, not the students': say so, and fail the command
        print(f"the grader failed on {len(failed)} notebook(s) ({', '.join(failed[:5])}"
              f"{', ...' if len(failed) > 5 else ''}): the gradebook's reason column says why; fix it and "
              "run again (what was graded is kept)", file=sys.stderr)
        return 1
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from dlkit.instructor.demo import run_demo
    from dlkit.instructor.labs import select_labs
    from dlkit.instructor.machine import describe_machine
    from dlkit.instructor.report import format_bytes, format_seconds, write_report
    from dlkit.instructor.side_by_side import default_jobs, lab_peak_bytes

    labs = select_labs(args.lab + (args.only or []), args.labs)
    require_instructor_extra("dlkit demo")
    out = args.out.resolve()
    if args.jobs:
        jobs, how = args.jobs, f"{args.jobs} at a time (--jobs {args.jobs})"
    else:
        jobs, how = default_jobs(args.profile, describe_machine(framework=False), lab_peak_bytes(labs))
    print(f"Running {len(labs)} lab(s) in the {args.profile} profile, {how}; output in {out}")
    started = time.perf_counter()
    results = run_demo(out, labs, profile=args.profile, online=args.online, jobs=jobs)
    wall_seconds = time.perf_counter() - started

    def printed(result) -> str:  # one result a line, the quick-run mark beside the last
        return "\n".join(result.headline_lines) + (" (quick run: see below)" if result.lesson_note else "")

    rows = [[r.name, r.status, printed(r), f"{r.seconds:.1f}", format_bytes(r.peak_memory_bytes)]
            for r in results]
    print()
    print(format_table(["lab", "status", "key metric", "seconds", "peak memory"], rows))
    notes = [f"  {r.name}: {r.lesson_note}" for r in results if r.lesson_note]
    if notes:
        print("\nNot a lesson reversed: these quick runs are too short to show their labs' lessons.")
        print("\n".join(notes))
    print(f"\nExecuted notebooks and figures: {out}")
    for result in results:
        print(f"  {result.name}: {result.notebook} ({len(result.figures)} figures)")
    own = format_seconds(sum(r.seconds for r in results))
    side_by_side = f"; {jobs} at a time, the labs' own times add up to {own}" if jobs > 1 else ""
    print(f"\nWall time {format_seconds(wall_seconds)}{side_by_side}")
    if args.report:
        folder, machine = args.report.resolve(), describe_machine()
        page = write_report(results, folder, machine, args.profile, wall_seconds=wall_seconds, jobs=jobs)
        print(f"\nRehearsal report: {page}")
    failed = [r.name for r in results if r.status.startswith("failed")]
    skipped = [r.name for r in results if r.status.startswith("skipped")]
    print(
        f"\n{len(results) - len(failed) - len(skipped)} of {len(results)} labs ran cleanly."
        + (f" Failed: {', '.join(failed)}." if failed else "")
        + (f" Skipped: {', '.join(skipped)} (see its status)." if skipped else "")
    )
    return 1 if failed else 0


def add_lab_commands(commands) -> None:
    from dlkit.instructor.demo import run_demo
    from dlkit.instructor.grading.options import GIB, SANDBOX_CHOICES, GradeOptions, Limits

    student = commands.add_parser(
        "student-copy",
        help="write the labs without their exercise solutions, for students",
        description="Copy labs with every tagged solution replaced by its stub and all outputs cleared.",
    )
    add_labs(student, many=True)
    student.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder for the copies")
    student.set_defaults(run=cmd_student_copy)

    options, limits = GradeOptions(), Limits()
    grade = commands.add_parser(
        "grade",
        help="run every student's notebook of a lab and score it with the lab's checkers",
        description="Find every notebook under SUBMISSIONS (a folder or a Canvas/Moodle .zip), run each one "
        f"fresh in its own sandboxed kernel ({options.profile} profile, no network), score every exercise "
        "with dlkit's own checker and write DIR/gradebook.csv, DIR/gradebook.sqlite and "
        "DIR/feedback/<student>.html. A second run grades only new or changed notebooks.",
    )
    add_labs(grade, many=False)
    grade.add_argument("submissions", type=Path, metavar="SUBMISSIONS", help="folder or .zip of notebooks")
    grade.add_argument("--out", type=Path, required=True, metavar="DIR", help="the gradebook's folder")
    grade.add_argument("--jobs", type=positive_int, default=options.jobs, metavar="N",
                       help=f"submissions at once (default {options.jobs})")
    grade.add_argument("--dask", metavar="ADDRESS",
                       help="hand the runs to this Dask scheduler (tcp://host:8786)")
    grade.add_argument("--timeout", type=positive_float, default=limits.cell_seconds, metavar="S",
                       help=f"seconds one cell may run (default {limits.cell_seconds:g})")
    grade.add_argument("--submission-timeout", type=positive_float, default=limits.submission_seconds,
                       metavar="S",
                       help=f"seconds one whole notebook may run (default {limits.submission_seconds:g})")
    grade.add_argument("--memory-gb", type=positive_float, default=limits.memory_bytes / GIB, metavar="GB",
                       help=f"memory one kernel may use (default {limits.memory_bytes / GIB:g})")
    grade.add_argument("--disk-gb", type=positive_float, default=limits.disk_bytes / GIB, metavar="GB",
                       help="what one notebook may write into its folder "
                       f"(default {limits.disk_bytes / GIB:g})")
    add_profile(grade, options.profile)
    grade.add_argument("--sandbox", choices=SANDBOX_CHOICES, default=options.sandbox,
                       help=f"{options.sandbox} (default): bubblewrap where it works, else a container "
                       "(Podman or Docker), else refuse to grade; none: every notebook unconfined, as you, "
                       "recorded in the gradebook")
    grade.add_argument("--regrade", action="store_true", help="grade every notebook again, changed or not")
    grade.set_defaults(run=cmd_grade)

    defaults = {name: parameter.default for name, parameter in inspect.signature(run_demo).parameters.items()}
    demo = commands.add_parser(
        "demo",
        help=f"run every lab headless ({defaults['profile']} profile) and print a summary; --report for "
        "an HTML page",
        description="Run the labs with nbclient and print lab, status, key metric, seconds and peak memory.",
    )
    add_labs(demo, many=True)
    # --only: the LAB arguments' old name, kept for the command lines people wrote down
    demo.add_argument("--only", nargs="+", metavar="LAB", help=argparse.SUPPRESS)
    demo.add_argument("--out", type=Path, default=Path("dlkit-demo"),
                      help="folder for executed notebooks and figures, one run at a time "
                      "(default: ./dlkit-demo)")
    add_profile(demo, defaults["profile"])
    demo.add_argument("--online", action="store_true", help="allow downloads (off by default)")
    demo.add_argument(
        "--jobs", type=positive_int, metavar="N",
        help="labs at a time (default: 2 in the quick profile on a CPU-only machine with the memory, else 1)",
    )
    demo.add_argument("--report", type=Path, metavar="DIR",
                      help="also write DIR/report.html: status, time, accuracy, memory, figures and "
                      "machine, one page")
    demo.set_defaults(run=cmd_demo)
