"""Each student's feedback page: every exercise's verdict (the hint they would see in the lab,
never a solution) and what stopped the run, if anything. Static HTML, no script, every text
escaped (a student's error message is the student's text)."""

from __future__ import annotations

import hashlib
import html
import os
import re
from pathlib import Path

from dlkit.instructor.grading.records import STATUSES, GradeResult

__all__ = ["feedback_file_name", "write_feedback"]

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font: 16px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; }}
table {{ border-collapse: collapse; width: 100%; }}
td, th {{ border-bottom: 1px solid #ccc; padding: .4rem; text-align: left; vertical-align: top; }}
.pass {{ color: #1a7f37; }} .hint {{ color: #9a6700; }} code {{ background: #f3f3f3; padding: 0 .2rem; }}
</style></head><body>
<h1>{title}</h1>
<p>File: <code>{file}</code> · Score: <strong>{total} / {max_total}</strong> · Run: {status}</p>
{stopped}
<table><thead><tr><th>Exercise</th><th>Points</th><th>What the checker says</th></tr></thead>
<tbody>
{rows}
</tbody></table>
{notes}
<p><small>Graded by dlkit {version}: your notebook was run from the top in a fresh kernel, and each
exercise was checked on what your code computed in that run.</small></p>
</body></html>
"""


# names Windows keeps for devices, whatever the extension: a student named "con" gets a hash too
WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL",
                    *(f"{port}{number}" for port in ("COM", "LPT") for number in range(1, 10))}


def feedback_file_name(student: str) -> str:
    """A file name for ``student`` that stays inside the feedback folder on every OS."""
    safe = re.sub(r"[^\w .-]", "_", student).strip(" .")[:72] or "student"
    if safe != student or safe.upper() in WINDOWS_RESERVED:  # names made alike (or cut) stay apart
        safe += "-" + hashlib.sha256(student.encode()).hexdigest()[:6]
    return f"{safe}.html"


def write_feedback(folder: Path, result: GradeResult, lab: str) -> Path:
    """Write ``result``'s page into ``folder`` (atomically) and return its path."""
    from dlkit import __version__

    folder.mkdir(parents=True, exist_ok=True)
    rows = "\n".join(
        f"<tr><td><code>{html.escape(score.checker)}</code></td><td>{score.points}</td>"
        f"<td class=\"{'pass' if score.points else 'hint'}\">{html.escape(score.message)}</td></tr>"
        for score in result.exercises)
    stopped = ""
    if result.status not in ("ok",):
        stopped = (f"<p><strong>{html.escape(STATUSES.get(result.status, result.status))}</strong>"
                   f"{': ' + html.escape(result.reason) if result.reason else ''}</p>")
    notes = "".join(f"<li>{html.escape(note)}</li>" for note in result.notes)
    page = PAGE.format(
        title=html.escape(f"{lab}: feedback for {result.student}"), file=html.escape(result.file),
        total=result.total, max_total=len(result.exercises), status=html.escape(result.status),
        stopped=stopped, rows=rows, notes=f"<h2>Notes</h2><ul>{notes}</ul>" if notes else "",
        version=html.escape(__version__))
    path = folder / feedback_file_name(result.student)
    temporary = path.with_suffix(".part")
    temporary.write_text(page, encoding="utf-8")
    os.replace(temporary, path)
    return path
