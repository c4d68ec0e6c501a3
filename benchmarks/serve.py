"""A bounded load test of ``dlkit serve`` on loopback: requests/s, latency percentiles and errors
(which must be 0), for the float and the int8 files of lab 05's two models.

Each model is served by ``dlkit serve`` in a process of its own, as a user runs it; 8 clients
(asyncio + httpx, in this process) each post a 28x28 PNG digit as the form field ``file``, one
request after the other, for 20 s. Client and server share this machine's cores, so the figures are
what one laptop serving itself reaches, not a server's ceiling.

The MNIST ConvNet is lab 05's, trained for 2 epochs on dlkit's embedded MNIST subset; the pony
classifier is lab 03's network with random weights, sent a 150x150 pony PNG (accuracy does not
matter here; the work per request does).

    python benchmarks/serve.py [--clients 8] [--seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def pony_models(folder: Path) -> dict[str, Path]:
    import keras

    from dlkit.deploy import ServingCard, export_model, find_export

    keras.utils.set_random_seed(0)
    layers = [keras.Input(shape=(150, 150, 3)), keras.layers.Rescaling(1 / 255)]
    for filters in (16, 32, 64, 64):
        layers += [keras.layers.Conv2D(filters, 3, activation="relu"), keras.layers.MaxPooling2D(2)]
    layers += [keras.layers.Flatten(), keras.layers.Dropout(0.5), keras.layers.Dense(128, activation="relu"),
               keras.layers.Dense(6, activation="softmax")]  # fmt: skip
    model = keras.Sequential(layers, name="pony_classifier")
    model(np.zeros((1, 150, 150, 3), np.float32))
    classes = tuple(f"class {i}" for i in range(6))
    card = ServingCard("pony_classifier", classes, (150, 150, 3), "photo", pixel_scale=255.0)
    chosen = [find_export("keras"), find_export("litert"), find_export("litert", "int8")]
    representative = np.random.default_rng(0).uniform(0, 255, (50, 150, 150, 3)).astype("float32")
    files = export_model(model, folder, card, representative=representative, exports=chosen)
    return {f"pony, {item.export.label}": item.path for item in files}


def digit_models(folder: Path) -> dict[str, Path]:
    import keras

    from dlkit.datasets import load_embedded_mnist
    from dlkit.deploy import ServingCard, export_model, find_export

    (x_train, y_train), _ = load_embedded_mnist()
    x_train = x_train[..., np.newaxis].astype("float32") / 255.0
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            keras.layers.Conv2D(32, 3, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(64, 3, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Flatten(),
            keras.layers.Dropout(0.5),
            keras.layers.Dense(10, activation="softmax"),
        ],
        name="mnist_convnet",
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x_train, y_train, batch_size=128, epochs=2, verbose=0)
    card = ServingCard("mnist_convnet", tuple("0123456789"), (28, 28, 1), "digit")
    chosen = [find_export("keras"), find_export("litert"), find_export("litert", "int8")]
    files = export_model(model, folder, card, representative=x_train[:200], exports=chosen)
    return {f"MNIST, {item.export.label}": item.path for item in files}


def png(pixels: np.ndarray) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def request_bodies() -> dict[str, bytes]:
    """What each model is sent: an MNIST test digit, and a pony dlkit draws."""
    from dlkit.course.ponies import generate_ponies
    from dlkit.datasets import load_embedded_mnist

    _, (x_test, _) = load_embedded_mnist()
    ponies = Path(tempfile.mkdtemp(prefix="dlkit-serve-ponies-"))
    generate_ponies(ponies, per_class=1, seed=0, size=150)
    pony = next(iter(sorted(ponies.rglob("*.png"))))
    return {"MNIST": png(x_test[0]), "pony": pony.read_bytes()}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(model: Path, port: int) -> subprocess.Popen:
    import httpx

    process = subprocess.Popen(
        [sys.executable, "-m", "dlkit.instructor.cli", "serve", str(model), "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit(f"dlkit serve {model} did not start")


async def load(url: str, body: bytes, clients: int, seconds: float) -> tuple[list[float], int, int]:
    """(latencies of good answers in s, requests, errors) from ``clients`` posting for ``seconds``."""
    import httpx

    latencies: list[float] = []
    counts = {"requests": 0, "errors": 0}
    stop_at = time.perf_counter() + seconds

    async def client(http: httpx.AsyncClient) -> None:
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            try:
                answer = await http.post(url, files={"file": ("digit.png", body, "image/png")})
                good = answer.status_code == 200 and answer.json()["predictions"]
            except httpx.HTTPError:
                good = False
            counts["requests"] += 1
            if good:
                latencies.append(time.perf_counter() - started)
            else:
                counts["errors"] += 1

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=30, limits=limits) as http:
        await asyncio.gather(*(client(http) for _ in range(clients)))
    return latencies, counts["requests"], counts["errors"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="dlkit-serve-benchmark-"))
    models = {**digit_models(folder), **pony_models(folder)}
    bodies = request_bodies()
    sizes = ", ".join(f"{name} {len(body):,} bytes" for name, body in bodies.items())
    print(
        f"benchmarks/serve.py, {time.strftime('%Y-%m-%d')} on {platform.machine()}, {os.cpu_count()} cores; "
        f"{args.clients} clients x {args.seconds:.0f} s per model, POST /predict with a PNG ({sizes})"
    )
    header = ("model and file", "requests/s", "p50 ms", "p95 ms", "p99 ms", "requests", "errors")
    print(f"{header[0]:<36} " + " ".join(f"{name:>10}" for name in header[1:]))
    for label, path in models.items():
        port = free_port()
        server = start_server(path, port)
        body = bodies[label.split(",")[0]]
        try:
            url = f"http://127.0.0.1:{port}/predict"
            asyncio.run(load(url, body, args.clients, 2.0))  # warm-up: the runtime's first calls
            latencies, requests, errors = asyncio.run(load(url, body, args.clients, args.seconds))
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=30)
        cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [float("nan")] * 99
        print(
            f"{label:<36} {requests / args.seconds:>10.0f} {1000 * cuts[49]:>10.1f} {1000 * cuts[94]:>10.1f} "
            f"{1000 * cuts[98]:>10.1f} {requests:>10} {errors:>10}"
        )
        if errors:
            raise SystemExit(f"{errors} requests failed for {label}")


if __name__ == "__main__":
    main()
