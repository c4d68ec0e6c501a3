"""Training speed of each lab's model on each Keras backend (TensorFlow, JAX, PyTorch), this CPU.

Each (lab, backend) runs in its own process (Keras picks its backend once, at import), with the
lab's own model built by the lab's own cell, the lab's batch size and optimiser, on inputs of the
lab's shape. One warm-up epoch (compilation, tracing), then ``--rounds`` timed epochs of ``fit``;
printed: median images/s and the spread over the rounds. Backends run alternately per round so
machine noise hits them alike.

- lab 01: the dense net, 6 000 MNIST images, batch 256, 32 steps per call (the lab's settings;
  PyTorch takes one), three timed epochs;
- lab 02: the ConvNet, 3 000 MNIST images, batch 128, 16 steps per call, three timed epochs;
- lab 03: the pony ConvNet with dropout, 256 pictures of 150x150, batch 32;
- lab 04: the frozen VGG16 base (random weights: only the speed matters) under the lab's head,
  128 pictures of 150x150, batch 32: the "extraction with augmentation" phase.

Lab 00 trains nothing. A backend that is not installed is reported as such.

    DLKIT_DATA_DIR=../shared/data python benchmarks/backends.py --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

BACKENDS = ("tensorflow", "jax", "torch")
LABS = ("01", "02", "03", "04")


def lab_model_and_data(lab: str):
    """(model, x, y, batch size) for ``lab``, compiled as the lab compiles it."""
    import keras
    import numpy as np
    from recipes import lab04_head_definitions, run_lab_cell

    from dlkit.course.ponies import CLASS_NAMES
    from dlkit.data.mnist import load_embedded_mnist
    from dlkit.runtime import Runtime

    rng = np.random.default_rng(0)
    if lab in ("01", "02"):
        (x, y), _ = load_embedded_mnist()
        x = x.astype("float32") / 255
        if lab == "01":
            model, batch = run_lab_cell("01_mnist_dense.ipynb", 'name="hello_mnist"')["model"], 256
            x, y = x[:6000], y[:6000]
        else:
            model, batch = run_lab_cell("02_mnist_cnn.ipynb", 'name="mnist_convnet"')["model"], 128
            x, y = x[:3000, ..., None], y[:3000]
        steps = 32 if lab == "01" else 16  # the labs' steps_per_execution; PyTorch runs 1
        model.compile(optimizer=keras.optimizers.Adam(0.003), loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"], steps_per_execution=Runtime(keras.backend.backend(), "CPU", None)
                      .steps_per_execution(steps))
        return model, x, y, batch
    if lab == "03":
        build = run_lab_cell("03_pony_classifier.ipynb", "def build_convnet", class_names=CLASS_NAMES)
        model, images = build["build_convnet"](dropout=0.5), 256
    else:  # lab 04's section 4: EfficientNet-Lite0's frozen base inside the model, a head on top
        from dlkit.pretrained import load_base

        base = load_base("efficientnet_lite0", include_top=False, input_shape=(150, 150, 3), verbose=False)
        base.trainable = False
        head = lab04_head_definitions()["build_head"](base.output_shape[1:])
        inputs = keras.Input((150, 150, 3))
        model, images = keras.Model(inputs, head(base(inputs, training=False))), 128
        model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
    x = rng.uniform(0, 255, (images, 150, 150, 3)).astype("float32")
    y = rng.integers(0, len(CLASS_NAMES), images)
    return model, x, y, 32


def worker(lab: str) -> dict:
    import keras

    keras.utils.set_random_seed(0)
    model, x, y, batch = lab_model_and_data(lab)
    model.fit(x, y, epochs=1, batch_size=batch, verbose=0)  # warm-up: tracing and compilation
    epochs = 3 if lab in ("01", "02") else 1  # MNIST epochs are short: time several
    started = time.perf_counter()
    model.fit(x, y, epochs=epochs, batch_size=batch, verbose=0)
    return {"images_per_second": epochs * len(x) / (time.perf_counter() - started),
            "backend": keras.backend.backend(),
            "keras": keras.__version__}


def run(lab: str, backend: str) -> dict:
    environment = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run([sys.executable, __file__, "--worker", lab], env=environment,
                            capture_output=True, text=True)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["failed"])[-1]
        return {"error": last[:120]}
    return json.loads(result.stdout.strip().splitlines()[-1])


def version_of(package: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--labs", nargs="+", default=list(LABS), choices=LABS)
    parser.add_argument("--backends", nargs="+", default=list(BACKENDS), choices=BACKENDS)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker)))
        return
    from compute import matmul_gflops

    versions = {backend: version_of(backend) for backend in args.backends}
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, Keras {version_of('keras')}, "
          + ", ".join(f"{name} {version}" for name, version in versions.items())
          + f"; {time.strftime('%Y-%m-%d')}; float32 matmul {matmul_gflops():.0f} GFLOP/s (TensorFlow)")
    backends = [b for b in args.backends if versions[b] != "not installed"]
    print("| lab | " + " | ".join(f"{b} images/s (spread)" for b in backends) + " | fastest |")
    print("|---|" + "---|" * (len(backends) + 1))
    for lab in args.labs:
        speeds = {backend: [] for backend in backends}
        errors = {}
        for _ in range(args.rounds):
            for backend in backends:
                if backend in errors:
                    continue
                result = run(lab, backend)
                if "error" in result:
                    errors[backend] = result["error"]
                else:
                    speeds[backend].append(result["images_per_second"])
        cells, medians = [], {}
        for backend in backends:
            if backend in errors:
                cells.append(f"failed: {errors[backend]}")
                continue
            medians[backend] = statistics.median(speeds[backend])
            cells.append(f"{medians[backend]:,.0f} ({min(speeds[backend]):,.0f}–{max(speeds[backend]):,.0f})")
        ranked = sorted(medians, key=medians.get, reverse=True)
        fastest = (f"{ranked[0]}, {medians[ranked[0]] / medians[ranked[1]]:.1f}× the next"
                   if len(ranked) > 1 else "-")
        print(f"| {lab} | " + " | ".join(cells) + f" | {fastest} |", flush=True)


if __name__ == "__main__":
    main()
