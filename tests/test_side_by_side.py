"""dlkit demo with labs side by side: they overlap, a lab that reads an earlier lab's results waits
for it, the results come back in course order, and two labs never share what one of them needs
alone (a GPU, a full-profile rehearsal's timings, the memory, the bfloat16 measurement)."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import nbformat
import pytest
from filelock import FileLock
from nbformat.v4 import new_code_cell, new_notebook

from dlkit import precision
from dlkit.course.ponies import pony_splits
from dlkit.instructor.cli import main
from dlkit.instructor.demo import run_demo
from dlkit.instructor.labs import Lab
from dlkit.instructor.machine import Machine
from dlkit.instructor.side_by_side import default_jobs, labs_to_wait_for, settle_cpu_precision

pytestmark = pytest.mark.notebooks

GiB = 2**30


def write_notebook(path: Path, *sources: str, facts: dict | None = None) -> Path:
    """A lab notebook of ``sources``, declaring ``facts`` in its metadata as the labs do."""
    notebook = new_notebook(cells=[new_code_cell(s) for s in sources])
    notebook.metadata["dlkit"] = facts or {}
    nbformat.write(notebook, path)
    return path


def timed_lab(path: Path, *sources: str, facts: dict | None = None) -> Path:
    """A lab that writes when it started and ended (in its own working folder)."""
    return write_notebook(
        path,
        "import json, time\nstarted = time.time()",
        *sources,
        "open('times.json', 'w').write(json.dumps([started, time.time()]))",
        facts=facts,
    )


def times(out: Path, lab: str) -> tuple[float, float]:
    return tuple(json.loads((out / lab / "times.json").read_text()))


def meets(signals: Path, me: str, other: str) -> str:
    """A cell that says ``me`` has started and waits (up to a minute) until ``other`` has too: two
    labs with these cells both end only if they ran at the same time; one after the other, the
    first fails. No timing is assumed."""
    return (
        f"import pathlib\nsignals = pathlib.Path({str(signals)!r})\n(signals / {me!r}).touch()\n"
        f"deadline = time.time() + 60\n"
        f"while not (signals / {other!r}).exists():\n"
        f"    assert time.time() < deadline, 'never ran beside {other}'\n"
        "    time.sleep(0.05)"
    )


def test_two_labs_run_at_once_and_come_back_in_course_order(tmp_path):
    signals = tmp_path / "signals"
    signals.mkdir()
    labs = [
        timed_lab(tmp_path / "00_lab.ipynb", meets(signals, "a", "b"), "print('Test accuracy: 0.0')"),
        timed_lab(tmp_path / "01_lab.ipynb", meets(signals, "b", "a"), "print('Test accuracy: 0.1')"),
        timed_lab(tmp_path / "02_lab.ipynb", "print('Test accuracy: 0.2')"),
    ]
    out = tmp_path / "out"
    results = run_demo(out, labs, jobs=2, progress=lambda line: None)

    assert [r.status for r in results] == ["ok", "ok", "ok"]  # 00 and 01 met: they overlapped
    assert [r.name for r in results] == ["00_lab", "01_lab", "02_lab"]
    assert [r.headlines["Test accuracy"] for r in results] == ["0.0", "0.1", "0.2"]
    first_end = min(times(out, "00_lab")[1], times(out, "01_lab")[1])
    assert times(out, "02_lab")[0] >= first_end  # the third waited for a free place


def test_labs_that_must_overlap_fail_one_at_a_time(tmp_path):  # the check above can fail
    signals = tmp_path / "signals"
    signals.mkdir()
    labs = [timed_lab(tmp_path / "00_lab.ipynb", meets(signals, "a", "b").replace("60", "2"))]
    (result,) = run_demo(tmp_path / "out", labs, jobs=1, progress=lambda line: None)
    assert result.status.startswith("failed: AssertionError: never ran beside b")


def test_a_lab_that_loads_a_saved_history_starts_after_the_lab_that_saves_it(tmp_path):
    saves = timed_lab(
        tmp_path / "03_saves.ipynb",
        "from dlkit.course.results import save_history\nsave_history('lab03_curve', {'loss': [2.0, 1.0]})",
        "time.sleep(2)",
        facts={"saves": ["lab03_curve"]},
    )
    other = timed_lab(tmp_path / "03b_other.ipynb", facts={"saves": ["something_else"]})
    loads = timed_lab(
        tmp_path / "04_loads.ipynb",
        "from dlkit.course.results import load_history\nprint('loaded', load_history('lab03_curve'))",
        facts={"loads": ["lab03_curve"]},
    )
    labs = [saves, other, loads]
    saves, other, loads = (Lab(path) for path in labs)
    assert labs_to_wait_for(labs) == {saves: [], other: [], loads: [saves]}

    out = tmp_path / "out"
    results = run_demo(out, labs, jobs=2, progress=lambda line: None)

    assert all(r.status == "ok" for r in results)
    cells = nbformat.read(results[2].notebook, as_version=4).cells
    printed = "".join(output.get("text", "") for cell in cells for output in cell.outputs)
    assert "loaded {'loss': [2.0, 1.0]}" in printed
    assert times(out, "04_loads")[0] >= times(out, "03_saves")[1]


def machine(cores=2, memory=24 * GiB, gpus=(), tpu=None) -> Machine:
    return Machine("Linux", "a CPU", cores, memory, list(gpus), tpu)


@pytest.mark.parametrize(
    ("profile", "facts", "peaks", "expected", "why"),
    [
        ("quick", machine(), [3.7 * GiB, 2.8 * GiB], 2, "2 labs at a time"),
        ("full", machine(), [3.7 * GiB], 1, "full-profile rehearsal"),
        ("quick", machine(gpus=["Tesla T4, 15360 MiB"]), [], 1, "accelerator"),
        ("quick", machine(tpu="COLAB_TPU_ADDR=10.0.0.2:8470"), [], 1, "accelerator"),
        ("quick", machine(cores=1), [], 1, "one core"),
        ("quick", machine(memory=8 * GiB), [3.7 * GiB, 2.8 * GiB, 1 * GiB], 1, "8.5 GiB of memory"),
        ("quick", machine(memory=8 * GiB), [2.0 * GiB, 2.0 * GiB], 2, "2 labs at a time"),
    ],
)
def test_labs_run_side_by_side_only_where_nothing_is_shared_that_one_needs_alone(
    profile, facts, peaks, expected, why
):
    jobs, reason = default_jobs(profile, facts, peaks)
    assert jobs == expected and why in reason


def test_the_bfloat16_measurement_is_made_alone_before_labs_that_choose_their_precision(
    tmp_path, monkeypatch
):
    stored = tmp_path / "dlkit-cache" / "precision.json"  # the isolated cache (conftest)
    plain = write_notebook(tmp_path / "00_plain.ipynb", "print(1)")
    settle_cpu_precision([plain])
    assert not stored.exists()

    setup = "from dlkit.runtime import pick_runtime\nruntime = pick_runtime()"  # as labs 02-07 do
    chooses = write_notebook(tmp_path / "02_cnn.ipynb", setup, facts={"chooses_precision": True})
    settle_cpu_precision([plain, chooses])
    assert list(json.loads(stored.read_text())) == [precision.machine_key()]
    # the labs started afterwards read that verdict instead of measuring beside each other
    monkeypatch.setattr(precision, "_measured_here", None)
    monkeypatch.setattr(precision, "measure_in_own_process", lambda: pytest.fail("measured again"))
    assert "× float32 on this CPU" in precision.cpu_bfloat16_pays_off()[1]


def test_a_pony_folder_being_drawn_by_another_process_is_waited_for_not_drawn_again(tmp_path):
    root = tmp_path / "ponies"
    root.mkdir()
    drawn = {}
    holder = FileLock(str(root / "train-seed1-1x32px.lock"))
    holder.acquire()  # another process is drawing the training pictures
    worker = threading.Thread(target=lambda: drawn.update(pony_splits(1, 1, 1, size=32, root=root)))
    worker.start()
    time.sleep(1.5)
    assert worker.is_alive() and not (root / "train-seed1-1x32px").exists()  # waiting, writing nothing
    (root / "train-seed1-1x32px").mkdir()  # the other process finishes its folder and says so
    (root / "train-seed1-1x32px.complete").write_text("all pictures written\n")
    holder.release()
    worker.join(timeout=60)

    assert drawn["train"] == root / "train-seed1-1x32px"
    assert not any((root / "train-seed1-1x32px").iterdir())  # not drawn a second time
    assert len(list((root / "test-seed3-1x32px").rglob("*.png"))) == 6  # the rest drawn as usual


def test_the_demo_says_how_many_labs_run_at_once_and_refuses_a_count_below_one(tmp_path, capsys):
    labs = tmp_path / "labs"
    labs.mkdir()
    write_notebook(labs / "00_a.ipynb", "print('Test accuracy: 0.5')")
    assert main(["demo", "--labs", str(labs), "--out", str(tmp_path / "out"), "--jobs", "3"]) == 0
    printed = capsys.readouterr().out
    assert "in the quick profile, 3 at a time (--jobs 3)" in printed and "Wall time" in printed

    with pytest.raises(SystemExit):
        main(["demo", "--labs", str(labs), "--jobs", "0"])
    assert "expected a whole number of at least 1, got '0'" in capsys.readouterr().err
