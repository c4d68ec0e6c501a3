"""A hostile class network against ``dlkit classroom``, measured: what the class's students see
(latency, answers) and what the server pays (memory, open files, log) while someone on the Wi-Fi
attacks it, each attack against a fresh ``dlkit classroom`` process started with an open-file
limit of 256 (macOS's default for a program started from a terminal).

While each attack runs, 10 students (each from its own loopback address, as each phone has its
own) send drawings one after the other. The attacks are the cases of issue #43's probe:

- ``silent, one address``: 300 connections that send nothing, from one address, held open;
- ``silent, 30 addresses``: 300 such connections from 30 addresses, each reopened when closed;
- ``picture bombs``: one device sends 7999x7999 transparent PNGs (257 KB each) and 64 000 000x1
  PNGs, 20 at a time, again and again;
- ``big drawings``: one device sends 1999x1999 drawings (under the digit cap, so decoded), 20 at a
  time, again and again;
- ``guessing``: one device tries join codes as fast as it is answered;
- the picture attacks again against ``dlkit serve``, which has no per-device rate limit (the
  classroom's turns most of a burst away with 429 before its body is read).

The model is lab 05's ConvNet, untrained (what it answers does not matter here; its cost per
drawing is the trained one's). Client and server share this machine's cores.

    python benchmarks/hostile_network.py [--seconds 12] [--runs 3]
    python benchmarks/hostile_network.py --render    # only render the stored figures into the docs

Figures go to ``benchmarks/results/hostile_network.json`` and are rendered from there into
docs/measurements.md between its marker comments.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from classroom import spread  # a sibling benchmark: benchmarks/ is on the path
from rendered_block import write_block

RESULTS = Path(__file__).resolve().parent / "results" / "hostile_network.json"
DOCS = Path(__file__).resolve().parents[1] / "docs" / "measurements.md"
BEGIN = "<!-- hostile network: written by benchmarks/hostile_network.py from its results file -->"
END = "<!-- end of hostile network -->"
FILE_LIMIT = 256
STUDENTS = 10
ATTACKS = ("none", "silent, one address", "silent, 30 addresses", "picture bombs", "big drawings", "guessing",
           "picture bombs (serve)", "big drawings (serve)")


def figures_table(results: dict) -> str:
    runs = results["runs"]
    lines = [
        f"`python benchmarks/hostile_network.py --runs {len(runs)} --seconds {results['seconds']}` — "
        f"{results['date']}, {results['machine']}, Python {results['python']}: `dlkit classroom` with an "
        f"open-file limit of {FILE_LIMIT}, {STUDENTS} students drawing throughout each attack; each cell "
        "is the spread over the runs.",
        "",
        "| attack | students answered / sent | student latency p50 | p95 | max | server memory peak "
        "(above idle) | open files peak | log lines | attacker's answers |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for attack in ATTACKS:
        rows = [run[attack] for run in runs]
        answers = ", ".join(f"{status}: {spread([row['attacker'].get(status, 0) for row in rows])}"
                            for status in sorted({s for row in rows for s in row["attacker"]}))
        lines.append(
            f"| {attack} | {spread([row['answered'] for row in rows])} / "
            f"{spread([row['sent'] for row in rows])} | "
            f"{spread([row['latency_ms_p50'] for row in rows], ' ms')} | "
            f"{spread([row['latency_ms_p95'] for row in rows], ' ms')} | "
            f"{spread([row['latency_ms_max'] for row in rows], ' ms')} | "
            f"{spread([row['memory_mb_above_idle'] for row in rows], ' MB')} | "
            f"{spread([row['open_files_peak'] for row in rows])} | "
            f"{spread([row['log_lines'] for row in rows])} | "
            f"{answers or '–'} |"
        )
    return "\n".join(lines)


def render_docs() -> None:
    write_block(DOCS, BEGIN, END, figures_table(json.loads(RESULTS.read_text(encoding="utf-8"))))


def convnet(folder: Path) -> Path:
    import keras

    from dlkit.deploy import save_with_card

    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [keras.Input(shape=(28, 28, 1)), keras.layers.Conv2D(32, 3, activation="relu"),
         keras.layers.MaxPooling2D(2), keras.layers.Conv2D(64, 3, activation="relu"),
         keras.layers.MaxPooling2D(2), keras.layers.Flatten(), keras.layers.Dropout(0.5),
         keras.layers.Dense(10, activation="softmax")], name="mnist_convnet")  # fmt: skip
    return save_with_card(model, folder / "mnist_convnet.keras", list("0123456789"), input_kind="digit")


def png(image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def drawing(side: int = 280) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("L", (side, side), 0)
    stroke = [(side * 0.5, side * 0.2), (side * 0.5, side * 0.8)]  # a 1
    ImageDraw.Draw(image).line(stroke, fill=255, width=side // 14)
    return png(image)


class Server:
    """``dlkit classroom MODEL`` (or ``dlkit serve MODEL``) in a process of its own, its file limit
    set, its log collected."""

    def __init__(self, model: Path, session: Path, command: str = "classroom"):
        def limit_files() -> None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (FILE_LIMIT, FILE_LIMIT))

        where = ["--session", str(session)] if command == "classroom" else []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "dlkit.instructor.cli", command, str(model), *where, "--port", "0"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            preexec_fn=limit_files, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})  # fmt: skip
        self.serve = command == "serve"
        if self.serve:  # "dlkit serve: NAME (...) on http://localhost:PORT/ (...)"
            self.port = int(self.process.stdout.readline().split("http://localhost:")[1].split("/")[0])
            self.code = ""
        else:
            first = [self.process.stdout.readline() for _ in range(2)]
            url, self.code = first[1].split("students:")[1].strip().split("?code=")
            self.port = int(url.rsplit(":", 1)[1].strip("/"))
        self.log: list[str] = []
        threading.Thread(target=lambda: self.log.extend(self.process.stderr), daemon=True).start()
        deadline = time.monotonic() + 60
        while not self.answers() and time.monotonic() < deadline:
            time.sleep(0.2)

    def answers(self) -> bool:
        try:
            return post_drawing(self, "127.0.0.1", drawing())[0] == 200
        except OSError:
            return False

    def status(self, field: str) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024  # kB -> MB
        return 0.0

    def open_files(self) -> int:
        return len(os.listdir(f"/proc/{self.process.pid}/fd"))

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def post_drawing(server: Server, address: str, data: bytes, code: str | None = None,
                 timeout: float = 30) -> tuple[int, float]:
    """One drawing sent over a new connection from ``address``: (status, seconds); status 0 when the
    connection was refused or reset before an answer."""
    boundary = "dlkitbenchmark"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"label\"\r\n\r\n1\r\n--{boundary}\r\n"
            f"Content-Disposition: form-data; name=\"file\"; filename=\"d.png\"\r\n"
            "Content-Type: image/png\r\n\r\n"
            ).encode() + data + f"\r\n--{boundary}--\r\n".encode()
    head = (f"POST /api/drawings?code={code or server.code} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {len(body)}\r\n\r\n")
    if server.serve:  # dlkit serve takes the picture as the body
        body = data
        head = (f"POST /predict HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: image/png\r\n"
                f"Content-Length: {len(body)}\r\n\r\n")
    started = time.monotonic()
    try:
        with socket.socket() as sock:
            sock.settimeout(timeout)
            sock.bind((address, 0))
            sock.connect(("127.0.0.1", server.port))
            sock.sendall(head.encode() + body)
            answer = sock.recv(64)
        status = int(answer.split(b" ")[1]) if answer.startswith(b"HTTP/1.1 ") else 0
    except OSError:
        status = 0
    return status, time.monotonic() - started


def attack(kind: str, server: Server, until: float, tally: dict) -> list[threading.Thread]:
    """Threads that attack ``server`` as ``kind`` says until ``until``, counting answers in ``tally``."""
    lock = threading.Lock()

    def count(status: int) -> None:
        with lock:
            tally[str(status or "refused or reset")] = tally.get(str(status or "refused or reset"), 0) + 1

    def silent(addresses: list[str], reopen: bool) -> None:
        held = []
        for index in range(300):
            sock = socket.socket()
            sock.bind((addresses[index % len(addresses)], 0))
            try:
                sock.connect(("127.0.0.1", server.port))
                sock.setblocking(False)
                held.append(sock)
            except OSError:
                sock.close()
        while time.monotonic() < until:
            time.sleep(0.2)
            if not reopen:
                continue
            for index, sock in enumerate(held):
                try:
                    answer = sock.recv(200)  # not blocking: an answer, or b"" once closed
                except BlockingIOError:
                    continue  # still open, still silent
                except OSError:
                    answer = b""
                count(int(answer.split(b" ")[1]) if answer.startswith(b"HTTP/1.1 ") else 0)
                sock.close()
                fresh = socket.socket()
                fresh.bind((addresses[index % len(addresses)], 0))
                try:
                    fresh.connect(("127.0.0.1", server.port))
                except OSError:
                    pass
                fresh.setblocking(False)
                held[index] = fresh
        for sock in held:
            sock.close()

    def sender(pictures: list[bytes], code: str | None = None) -> None:
        turn = 0
        while time.monotonic() < until:
            status, _ = post_drawing(server, "127.0.0.2", pictures[turn % len(pictures)], code, timeout=60)
            count(status)
            turn += 1

    from PIL import Image

    if kind == "silent, one address":
        jobs = [lambda: silent(["127.0.0.2"], reopen=False)]
    elif kind == "silent, 30 addresses":
        jobs = [lambda: silent([f"127.0.1.{n}" for n in range(1, 31)], reopen=True)]
    elif kind.startswith("picture bombs"):
        bombs = [png(Image.new("RGBA", (7999, 7999), (0, 0, 0, 0))), png(Image.new("RGBA", (64_000_000, 1)))]
        jobs = [lambda: sender(bombs)] * 20
    elif kind.startswith("big drawings"):
        big = [drawing(1999)]
        jobs = [lambda: sender(big)] * 20
    elif kind == "guessing":
        jobs = [lambda: sender([drawing()], code="GUESS1")]
    else:
        jobs = []
    threads = [threading.Thread(target=job, daemon=True) for job in jobs]
    for thread in threads:
        thread.start()
    return threads


def measure(kind: str, model: Path, seconds: float) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        server = Server(model, Path(folder) / "session", "serve" if kind.endswith("(serve)") else "classroom")
        try:
            idle = server.status("VmRSS")
            log_before = len(server.log)
            until = time.monotonic() + seconds
            tally: dict[str, int] = {}
            attackers = attack(kind, server, until, tally)
            time.sleep(0.5)  # the attack under way before the class draws
            latencies, statuses, peak_files, peak_memory = [], [], 0, idle
            lock = threading.Lock()

            def student(number: int) -> None:
                picture = drawing()
                while time.monotonic() < until:
                    status, took = post_drawing(server, f"127.0.0.{10 + number}", picture)
                    with lock:
                        statuses.append(status)
                        latencies.append(took)
                    time.sleep(0.5)  # a student draws for a while between sends

            students = [threading.Thread(target=student, args=(n,), daemon=True) for n in range(STUDENTS)]
            for thread in students:
                thread.start()
            while time.monotonic() < until:
                peak_files = max(peak_files, server.open_files())
                peak_memory = max(peak_memory, server.status("VmRSS"))
                time.sleep(0.05)
            for thread in students + attackers:
                thread.join(timeout=90)
            peak_memory = max(peak_memory, server.status("VmHWM"))
            log = server.log[log_before:]
        finally:
            server.stop()
    milliseconds = sorted(1000 * took for took in latencies)
    return {
        "sent": len(statuses), "answered": statuses.count(200),
        "latency_ms_p50": round(statistics.median(milliseconds)),
        "latency_ms_p95": round(milliseconds[int(0.95 * (len(milliseconds) - 1))]),
        "latency_ms_max": round(milliseconds[-1]),
        "memory_mb_above_idle": round(peak_memory - idle), "open_files_peak": peak_files,
        "log_lines": len(log), "attacker": tally,
    }


def machine() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return f"{line.split(':', 1)[1].strip()}, {os.cpu_count()} cores"
    except OSError:
        pass
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=12.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--render", action="store_true", help="only render the stored figures into the docs")
    args = parser.parse_args()
    if args.render:
        render_docs()
        return
    if not sys.platform.startswith("linux"):
        sys.exit("this benchmark reads /proc and sends from 127.0.0.x addresses: Linux only")
    runs = []
    with tempfile.TemporaryDirectory() as folder:
        model = convnet(Path(folder))
        for run in range(args.runs):
            figures = {}
            for kind in ATTACKS:
                figures[kind] = measure(kind, model, args.seconds)
                print(f"run {run + 1}, {kind}: {figures[kind]}", flush=True)
            runs.append(figures)
    results = {"date": time.strftime("%Y-%m-%d"), "machine": machine(), "python": platform.python_version(),
               "seconds": args.seconds, "runs": runs}
    RESULTS.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    render_docs()


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
