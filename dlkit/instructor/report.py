"""The rehearsal report: one self-contained HTML page of a ``dlkit demo`` run.

What an instructor checks the night before a session: for each lab its status, wall time, key
accuracy, peak memory and the figures it drew (sample grid, curves, confusion matrix...), and the
machine and software it ran on. Figures are embedded as base64 PNGs, so the page can be mailed
or opened from a USB stick with nothing beside it. A short script on the page counts the figures
the browser could show and says so at the top (and the test suite reads that line from headless
Chromium).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import html
from importlib import metadata
from pathlib import Path

from dlkit.instructor.demo import LabResult
from dlkit.instructor.machine import Machine

MAX_FIGURES_PER_LAB = 12

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 70rem; color: #222; }
h1 { margin-bottom: 0.2rem; } .muted { color: #666; }
table { border-collapse: collapse; margin: 1rem 0; } td, th { padding: 0.3rem 0.8rem; text-align: left; }
tr:nth-child(even) { background: #f4f4f4; } th { border-bottom: 2px solid #999; }
.ok { color: #176f2c; font-weight: bold; } .failed { color: #b00020; font-weight: bold; }
.skipped { color: #8a5a00; font-weight: bold; }
.banner { padding: 0.8rem 1rem; border-radius: 6px; font-size: 1.2rem; }
.banner.ok { background: #e3f4e6; } .banner.failed { background: #fde7ea; }
.figures { display: flex; flex-wrap: wrap; gap: 1rem; }
.figures img { max-width: 32rem; max-height: 26rem; border: 1px solid #ddd; }
section { border-top: 1px solid #ccc; margin-top: 2rem; }
.lesson { color: #8a5a00; }
"""

FIGURE_CHECK = """
window.addEventListener("load", function () {
  var images = document.querySelectorAll("img.figure");
  var shown = Array.prototype.filter.call(images, function (img) { return img.naturalWidth > 0; });
  var line = document.getElementById("figure-check");
  line.textContent = shown.length + " of " + images.length + " figures shown";
  line.className = shown.length === images.length ? "ok" : "failed";
});
"""


def _escape(value: object) -> str:
    return html.escape(str(value))


def format_bytes(value: int | None) -> str:
    return "unknown" if value is None else f"{value / 1e9:.2f} GB"


def format_seconds(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s" if minutes else f"{seconds:.1f} s"


def software_versions() -> list[tuple[str, str]]:
    """Installed versions, read from package metadata (nothing is imported)."""
    rows = []
    for package in ("dlkit", "tensorflow", "keras", "numpy"):
        try:
            rows.append((package, metadata.version(package)))
        except metadata.PackageNotFoundError:
            rows.append((package, "not installed"))
    return rows


def _table(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{_escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _status(result: LabResult) -> str:
    css = result.status.split(":")[0] if result.status.startswith(("failed", "skipped")) else "ok"
    return f'<span class="{css}">{_escape(result.status)}</span>'


def _figure(path: Path) -> str:
    """The figure, embedded, with its text alternative (written beside it by ``dlkit demo``)."""
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    described = path.with_suffix(".txt")
    text = described.read_text(encoding="utf-8") if described.is_file() else ""
    alt = text or f"a figure the lab drew ({path.stem}), with no description"
    return f'<img class="figure" alt="{_escape(alt)}" src="data:image/png;base64,{data}">'


def distinct_figures(paths: list[Path]) -> list[Path]:
    """``paths`` without repeats: a live training plot's last frame and the curves drawn after it
    are often the same picture."""
    seen, distinct = set(), []
    for path in paths:
        digest = hashlib.sha256(path.read_bytes()).digest()
        if digest not in seen:
            seen.add(digest)
            distinct.append(path)
    return distinct


def _lab_section(result: LabResult) -> str:
    metrics = "".join(f"<li>{_escape(k)}: <b>{_escape(v)}</b></li>" for k, v in result.headlines.items())
    figures = distinct_figures(result.figures)
    shown = figures[:MAX_FIGURES_PER_LAB]
    more = len(figures) - len(shown)
    images = "".join(_figure(path) for path in shown)
    folder = _escape(result.figures[0].parent) if result.figures else ""
    note = f'<p class="muted">{more} more figure(s) in {folder}</p>' if more else ""
    lesson = f'<p class="lesson">{_escape(result.lesson_note)}</p>' if result.lesson_note else ""
    return (
        f'<section id="{_escape(result.name)}"><h2>{_escape(result.name)}</h2>'
        f"<p>{_status(result)} &middot; {format_seconds(result.seconds)} &middot; "
        f"peak memory {format_bytes(result.peak_memory_bytes)}</p>"
        f"<ul>{metrics or '<li>no headline printed</li>'}</ul>{lesson}"
        f'<div class="figures">{images or "<p class=muted>no figures</p>"}</div>{note}'
        f'<p class="muted">executed notebook: {_escape(result.notebook)}</p></section>'
    )


def render_report(
    results: list[LabResult],
    machine: Machine,
    profile: str,
    when: datetime.datetime,
    wall_seconds: float | None = None,
    jobs: int = 1,
) -> str:
    """The whole page as a string. ``wall_seconds``: the whole run's time where it was measured
    (with ``jobs`` labs at a time, less than the labs' own times added up)."""
    failed = [r.name for r in results if r.status.startswith("failed")]
    skipped = [r.name for r in results if r.status.startswith("skipped")]
    total = sum(r.seconds for r in results)
    verdict = (
        f"{len(results) - len(failed) - len(skipped)} of {len(results)} labs ran cleanly "
        f"in {format_seconds(total if wall_seconds is None else wall_seconds)}"
        + (f" ({jobs} at a time; their own times add up to {format_seconds(total)})" if jobs > 1 else "")
        + (f"; failed: {', '.join(failed)}" if failed else "")
        + (f"; skipped: {', '.join(skipped)}" if skipped else "")
    )
    summary_rows = [
        [f'<a href="#{_escape(r.name)}">{_escape(r.name)}</a>', _status(r), format_seconds(r.seconds),
         _escape(r.key_metric) + (f'<br><span class="lesson">{_escape(r.lesson_note)}</span>'
                                  if r.lesson_note else ""),
         format_bytes(r.peak_memory_bytes)]
        for r in results
    ]
    machine_rows = [[_escape(k), _escape(v)] for k, v in machine.rows() + software_versions()]
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>dlkit rehearsal report: {_escape(verdict)}</title><style>{STYLE}</style></head>
<body>
<h1>dlkit rehearsal report</h1>
<p class="muted">{_escape(when.strftime("%Y-%m-%d %H:%M"))} &middot; {_escape(profile)} profile</p>
<p class="banner {"failed" if failed else "ok"}" id="verdict">{_escape(verdict)}</p>
<p id="figure-check" class="muted">figures not checked (JavaScript is off)</p>
<h2>Labs</h2>
{_table(["lab", "status", "wall time", "key result", "peak memory"], summary_rows)}
<h2>Machine</h2>
{_table(["", ""], machine_rows)}
{"".join(_lab_section(r) for r in results)}
<script>{FIGURE_CHECK}</script>
</body></html>
"""


def write_report(
    results: list[LabResult],
    folder: Path,
    machine: Machine,
    profile: str,
    when: datetime.datetime | None = None,
    wall_seconds: float | None = None,
    jobs: int = 1,
) -> Path:
    """Write ``folder/report.html`` and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    page = folder / "report.html"
    when = when or datetime.datetime.now()
    page.write_text(render_report(results, machine, profile, when, wall_seconds, jobs), encoding="utf-8")
    return page
