"""A bounded load test of ``dlkit classroom`` on loopback: a class of simulated students, each
sending its drawings as fast as the classroom answers, and one projector listening to the feed.

For each model (lab 05's MNIST ConvNet as float32 and full-integer int8 LiteRT files, trained 2
epochs on dlkit's embedded subset) ``dlkit classroom`` runs in a process of its own, as an
instructor runs it, with its default per-device rate limit. 30 students (threads in this process,
each from its own loopback address, as each phone has its own) send 20 mouse-drawn digits
(``dlkit.course.mouse_digits``, not people's) one after the other. Measured: requests answered
and stored, p50/p95 latency, drawings/s, and the time from a student's send to the projector's
update. A drawing is *lost* if it was answered 200 but is missing from the session's database or
never reached the projector's feed; the goal is 0. Client and server share this machine's cores.

    python benchmarks/classroom.py [--students 30] [--drawings 20] [--runs 3]
    python benchmarks/classroom.py --render    # only render the stored figures into the docs

Each run's figures go to ``benchmarks/results/classroom.json``, and the spread over the runs is
rendered from there into docs/measurements.md (between its marker comments): the page's figures
are never typed in by hand.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
from rendered_block import write_block  # a sibling module: benchmarks/ is on the path

RESULTS = Path(__file__).resolve().parent / "results" / "classroom.json"
DOCS = Path(__file__).resolve().parents[1] / "docs" / "measurements.md"
BEGIN = "<!-- classroom: written by benchmarks/classroom.py from benchmarks/results/classroom.json -->"
END = "<!-- end of classroom -->"


def spread(values: list[float], unit: str = "") -> str:
    """``low–high`` of the runs' figures (one figure where they agree)."""
    low, high = min(values), max(values)
    form = "{:d}" if all(isinstance(value, int) for value in values) else "{:.1f}"
    return (form.format(low) if low == high else f"{form.format(low)}–{form.format(high)}") + unit


def figures_table(results: dict) -> str:
    """The docs' table of ``results`` (the contents of classroom.json): each model's spread over
    the runs."""
    runs = results["runs"]
    lines = [
        f"`python benchmarks/classroom.py --runs {len(runs)}` — {results['date']}, {results['machine']}, "
        f"Python {results['python']}: {results['students']} students × {results['drawings_per_student']} "
        f"drawings a run, {len(runs)} runs; each cell is the spread over the runs.",
        "",
        "| model (lab 05's ConvNet) | answered / sent | lost | latency p50 | p95 | drawings/s | "
        "send → projector p95 | max |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for label in runs[0]:
        rows = [run[label] for run in runs]
        answered = spread([row["answered_200"] for row in rows])
        sent = spread([row["requests"] for row in rows])
        lines.append(
            f"| {label} | {answered} / {sent} | {spread([row['lost'] for row in rows])} | "
            f"{spread([row['latency_ms_p50'] for row in rows], ' ms')} | "
            f"{spread([row['latency_ms_p95'] for row in rows], ' ms')} | "
            f"{spread([row['drawings_per_second'] for row in rows])} | "
            f"{spread([row['send_to_projector_ms_p95'] for row in rows], ' ms')} | "
            f"{spread([row['send_to_projector_ms_max'] for row in rows], ' ms')} |"
        )
    slowest = max(row["send_to_projector_ms_max"] for run in runs for row in run.values())
    lines += ["", f"The slowest projector update in any run came {slowest / 1000:.2f} s after its send."]
    return "\n".join(lines)


def render_docs() -> None:
    write_block(DOCS, BEGIN, END, figures_table(json.loads(RESULTS.read_text(encoding="utf-8"))))


def trained_digit_model():
    """(lab 05's MNIST ConvNet trained 2 epochs on dlkit's embedded subset, its training inputs)."""
    import keras

    from dlkit.datasets import load_embedded_mnist

    (x_train, y_train), _ = load_embedded_mnist()
    x_train = x_train[..., np.newaxis].astype("float32") / 255.0
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [keras.Input(shape=(28, 28, 1)), keras.layers.Conv2D(32, 3, activation="relu"),
         keras.layers.MaxPooling2D(2), keras.layers.Conv2D(64, 3, activation="relu"),
         keras.layers.MaxPooling2D(2), keras.layers.Flatten(), keras.layers.Dropout(0.5),
         keras.layers.Dense(10, activation="softmax")],
        name="mnist_convnet",
    )  # fmt: skip
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x_train, y_train, batch_size=128, epochs=2, verbose=0)
    return model, x_train


def digit_models(folder: Path) -> dict[str, Path]:
    """The trained ConvNet as float32 and full-integer int8 LiteRT files, with their cards."""
    from dlkit.deploy import ServingCard, export_model, find_export

    model, x_train = trained_digit_model()
    card = ServingCard("mnist_convnet", tuple("0123456789"), (28, 28, 1), "digit")
    chosen = [find_export("litert"), find_export("litert", "int8")]
    files = export_model(model, folder, card, representative=x_train[:200], exports=chosen)
    return {item.export.label: item.path for item in files}


def start_classroom(model: Path, session: Path) -> tuple[subprocess.Popen, str, str]:
    """``dlkit classroom MODEL`` on a free port; (the process, the student URL, the projector URL)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "dlkit.instructor.cli", "classroom", str(model), "--session", str(session),
         "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )  # fmt: skip
    lines = [process.stdout.readline() for _ in range(3)]
    student = lines[1].split("students:")[1].strip()
    projector = lines[2].split("projector:")[1].split()[0]
    return process, student, projector


def listen(projector_url: str, results, ready, done) -> None:
    """The projector, in a process of its own as a browser is: read the feed, noting when each
    drawing's event arrived (this machine's clock, shared with the students'), and hand the notes
    back on ``results`` when ``done`` is set."""
    parts = urlsplit(projector_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    key = parts.query.split("key=")[1]
    connection.request("GET", f"/api/feed?key={key}")
    response = connection.getresponse()
    arrivals, stored_to_shown, kind = {}, [], None
    while not done.is_set():
        line = response.readline().decode().strip()
        if line.startswith("event: "):
            kind = line[7:]
        elif line.startswith("data: "):
            if kind == "wall":
                ready.set()
            elif kind == "drawing":
                drawing = json.loads(line[6:])
                arrivals[drawing["id"]] = time.time()
                stored_to_shown.append(time.time() - drawing["created"])
        elif not line and response.closed:
            break
    connection.close()
    results.put((arrivals, stored_to_shown))


def one_student(url: str, index: int, drawings: list[tuple[bytes, str]]) -> list[tuple]:
    """Send ``drawings`` one after the other from 127.0.0.<10 + index>; (status, id, sent at, seconds)."""
    from dlkit.class_drawings import drawing_form

    parts = urlsplit(url)
    code = parts.query.split("code=")[1]
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120,
                                            source_address=(f"127.0.0.{10 + index}", 0))
    results = []
    for png, label in drawings:
        body, content_type = drawing_form(png, label)
        sent = time.time()
        connection.request("POST", f"/api/drawings?code={code}", body=body,
                           headers={"Content-Type": content_type})
        response = connection.getresponse()
        reply = json.loads(response.read())
        results.append((response.status, reply.get("id", -1), sent, time.time() - sent))
    connection.close()
    return results


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def run_class(model: Path, students: int, per_student: int, scratch: Path) -> dict:
    from dlkit.course.mouse_digits import mouse_drawn_digits

    count = students * per_student
    drawings = mouse_drawn_digits(per_class=-(-count // 10), seed=1)[:count]
    session = scratch / f"session-{model.stem}"
    process, student_url, projector_url = start_classroom(model, session)
    ready, done, results = multiprocessing.Event(), multiprocessing.Event(), multiprocessing.Queue()
    projector = multiprocessing.Process(target=listen, args=(projector_url, results, ready, done),
                                        daemon=True)
    try:
        projector.start()
        ready.wait(timeout=60)
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=students) as pool:
            sent = [row for rows in pool.map(lambda i: one_student(student_url, i, drawings[i::students]),
                                              range(students)) for row in rows]
        wall_seconds = time.perf_counter() - started
        answered = [row for row in sent if row[0] == 200]
        time.sleep(2)  # time for the last events to reach the projector
        done.set()
        # one more drawing wakes the projector's read so it sees `done`
        one_student(student_url, students, drawings[:1])
        arrivals, stored_to_shown = results.get(timeout=60)
        projector.join(timeout=10)
    finally:
        process.terminate()
        process.wait(timeout=60)
    stored = sqlite3.connect(session / "classroom.sqlite").execute("SELECT id FROM drawings").fetchall()
    stored_ids = {row[0] for row in stored}
    lost = [row for row in answered if row[1] not in stored_ids or row[1] not in arrivals]
    latencies = [row[3] * 1000 for row in answered]
    to_projector = [(arrivals[row[1]] - row[2]) * 1000 for row in answered if row[1] in arrivals]
    return {
        "requests": len(sent), "answered_200": len(answered), "lost": len(lost),
        "other_statuses": sorted({row[0] for row in sent if row[0] != 200}),
        "latency_ms_p50": round(statistics.median(latencies), 1),
        "latency_ms_p95": round(percentile(latencies, 0.95), 1),
        "drawings_per_second": round(len(answered) / wall_seconds, 1),
        "send_to_projector_ms_p50": round(statistics.median(to_projector), 1),
        "send_to_projector_ms_p95": round(percentile(to_projector, 0.95), 1),
        "send_to_projector_ms_max": round(max(to_projector), 1),
        "stored_to_projector_ms_p50": round(1000 * statistics.median(stored_to_shown), 1),
        "stored_to_projector_ms_p95": round(1000 * percentile(stored_to_shown, 0.95), 1),
    }  # fmt: skip


def print_run(title: str, results: dict) -> None:
    print(title)
    print(f"{'model':<26} {'sent':>5} {'200':>5} {'lost':>5} {'p50 ms':>7} {'p95 ms':>7} {'per s':>6} "
          f"{'to projector p50/p95/max ms':>28}")
    for label, row in results.items():
        print(f"{label:<26} {row['requests']:>5} {row['answered_200']:>5} {row['lost']:>5} "
              f"{row['latency_ms_p50']:>7} {row['latency_ms_p95']:>7} {row['drawings_per_second']:>6} "
              f"{row['send_to_projector_ms_p50']:>10}/{row['send_to_projector_ms_p95']}/"
              f"{row['send_to_projector_ms_max']}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--drawings", type=int, default=20, help="drawings per student")
    parser.add_argument("--runs", type=int, default=3, help="whole runs, for the spread (default 3)")
    parser.add_argument("--render", action="store_true", help="only render the stored figures into the docs")
    args = parser.parse_args(argv)
    if args.render:
        render_docs()
        return 0
    runs = []
    with tempfile.TemporaryDirectory(prefix="dlkit-classroom-bench-") as scratch:
        models = digit_models(Path(scratch) / "models")
        for number in range(args.runs):
            results = {label: run_class(path, args.students, args.drawings, Path(scratch) / f"run-{number}")
                       for label, path in models.items()}
            runs.append(results)
            print_run(f"run {number + 1} of {args.runs}", results)
    report = {
        "benchmark": "benchmarks/classroom.py", "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "python": platform.python_version(), "students": args.students,
        "drawings_per_student": args.drawings, "runs": runs,
    }  # fmt: skip
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=1) + "\n")
    render_docs()
    print(f"written to {RESULTS} and rendered into {DOCS}")
    rows = [row for run in runs for row in run.values()]
    return 0 if all(row["lost"] == 0 and row["answered_200"] == row["requests"] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
