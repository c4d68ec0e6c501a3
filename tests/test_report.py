"""The rehearsal report: one self-contained page with every lab's status, time, result, memory and
figures, and the machine; opened in headless Chromium to check that it renders.

The browser test needs a Chromium binary (Debian's ``chromium`` package; ``.ci/run`` installs it
when it can). Without one it is skipped and says so, unless DLKIT_REQUIRE_BROWSER=1 makes a
missing browser a failure (``.ci/run`` sets it whenever the browser is there).
"""

from __future__ import annotations

import datetime
import re
import subprocess
from pathlib import Path

import matplotlib
import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from conftest import chromium_or_skip
from dlkit.instructor.cli import main
from dlkit.instructor.demo import LabResult
from dlkit.instructor.machine import Machine, describe_machine
from dlkit.instructor.report import render_report, write_report

matplotlib.use("Agg")

MACHINE = Machine("Linux 6.1 (x86_64), Python 3.11.7", "Test CPU", 2, 24 * 2**30, [], None)


def browser() -> str:
    return chromium_or_skip("the report's browser test")


def rendered_dom(page: Path, tmp_path: Path) -> str:
    """The page's DOM after Chromium loaded it and ran its scripts."""
    result = subprocess.run(
        [browser(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--disable-background-networking", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
         "--virtual-time-budget=5000", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def figure(path: Path, title: str) -> Path:
    import matplotlib.pyplot as plt

    fig, axis = plt.subplots(figsize=(3, 2))
    axis.plot([0, 1, 2], [0.5, 0.8, 0.9])
    axis.set_title(title)
    fig.savefig(path)
    plt.close(fig)
    return path


def duplicate(path: Path) -> Path:
    """The same picture saved twice, as a live plot's last frame and the curves cell give."""
    copy = path.with_name("again-" + path.name)
    copy.write_bytes(path.read_bytes())
    return copy


def results(tmp_path: Path) -> list[LabResult]:
    curves, confusion = figure(tmp_path / "curves.png", "curves"), figure(tmp_path / "cm.png", "confusion")
    return [
        LabResult("01_mnist_dense", "ok", 12.3, {"Test accuracy": "0.9785"}, tmp_path / "01.ipynb",
                  [curves, confusion, duplicate(curves)], 1_150_000_000),
        LabResult("02_mnist_cnn", "failed: RuntimeError: the model diverged", 75.0, {}, tmp_path / "02.ipynb",
                  [figure(tmp_path / "grid.png", "grid")], None),
    ]


def test_the_page_holds_status_time_result_memory_figures_and_machine(tmp_path):
    page = render_report(results(tmp_path), MACHINE, "full", datetime.datetime(2026, 11, 22, 20, 0))
    assert "1 of 2 labs ran cleanly in 1 min 27 s; failed: 02_mnist_cnn" in page
    assert "Test accuracy: <b>0.9785</b>" in page and "1.15 GB" in page and "12.3 s" in page
    assert "failed: RuntimeError: the model diverged" in page and "peak memory unknown" in page
    assert "Test CPU, 2 cores" in page and "24.0 GiB" in page and "full profile" in page
    assert page.count('src="data:image/png;base64,') == 3  # the repeated curves shown once
    # self-contained: nothing is fetched from anywhere
    assert not re.search(r'(src|href)="(https?:|file:|/)', page) and "<link" not in page


def test_labs_run_side_by_side_are_reported_with_the_run_s_wall_time_and_their_own_times(tmp_path):
    when = datetime.datetime(2026, 11, 30, 13, 0)
    page = render_report(results(tmp_path), MACHINE, "quick", when, wall_seconds=61.0, jobs=2)
    assert "1 of 2 labs ran cleanly in 1 min 01 s (2 at a time; their own times add up to 1 min 27 s)" in page


@pytest.mark.browser
def test_chromium_renders_the_report_and_shows_every_figure(tmp_path):
    page = write_report(results(tmp_path), tmp_path / "report", MACHINE, "quick")
    dom = rendered_dom(page, tmp_path)
    assert '<p id="figure-check" class="ok">3 of 3 figures shown</p>' in dom
    assert "1 of 2 labs ran cleanly" in dom


@pytest.mark.browser
def test_chromium_notices_a_figure_it_cannot_show(tmp_path):
    broken = results(tmp_path)
    broken[0].figures[1].write_bytes(b"\x89PNG\r\n\x1a\n not really a picture")
    dom = rendered_dom(write_report(broken, tmp_path / "report", MACHINE, "quick"), tmp_path)
    assert '<p id="figure-check" class="failed">2 of 3 figures shown</p>' in dom


@pytest.mark.notebooks
def test_demo_report_runs_the_labs_and_writes_one_page_with_their_memory(tmp_path, capsys):
    labs = tmp_path / "labs"
    labs.mkdir()
    nbformat.write(new_notebook(cells=[
        new_code_cell("import numpy as np\nbig = np.ones(50_000_000)  # 400 MB, so the peak shows it"),
        new_code_cell("import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.show()"),
        new_code_cell("print('Test accuracy: 0.9761')"),
    ]), labs / "00_tiny.ipynb")

    assert main(["demo", "--labs", str(labs), "--out", str(tmp_path / "out"),
                 "--report", str(tmp_path / "report")]) == 0
    printed = capsys.readouterr().out
    page = (tmp_path / "report" / "report.html").read_text()
    assert f"Rehearsal report: {tmp_path / 'report' / 'report.html'}" in printed
    assert "1 of 1 labs ran cleanly" in page and "Test accuracy: <b>0.9761</b>" in page
    assert page.count('class="figure"') == 1
    peak = float(re.search(r"peak memory (\d+\.\d+) GB", page).group(1))
    assert peak > 0.4  # the kernel's own peak, with the 400 MB array in it
    assert describe_machine().processor in page

