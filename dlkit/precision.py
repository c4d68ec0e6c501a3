"""Whether bfloat16 pays off on this CPU: measured, never assumed.

Some CPUs multiply bfloat16 in hardware (AVX512_BF16, AMX) and train a ConvNet up to twice as fast
under Keras' ``mixed_bfloat16`` policy; on the others the same policy emulates bfloat16 and is
slower. CPU flags do not settle it (on machines of one kind, lab 02's ConvNet measured 40 % faster
in bfloat16 on 2026-11-22 and 10 % slower on 2026-11-25), so ``cpu_bfloat16_pays_off`` times a
small ConvNet's training step in both precisions on the machine itself and turns bfloat16 on only
when it is clearly faster.

The measurement is made in a Python process of its own (``python -m dlkit.precision``), never in
the caller's: it builds and trains Keras models, which would advance the caller's layer-name
counters (a lab's ``model.summary()`` would then name ``conv2d_12`` where it named ``conv2d_8``)
and leave its memory and graph state behind. It takes a few seconds, most of them importing the
backend, and is kept per machine (CPU model, core count, backend and versions) in
``<dlkit cache>/precision.json``, so every later lab on the machine reuses it.
``$DLKIT_CPU_PRECISION`` overrides it: ``float32`` or ``bfloat16`` to choose, ``measure`` to
measure again, ``auto`` (the default) to measure once and reuse.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import asdict, dataclass

from dlkit.settings import variable_of

__all__ = [
    "MIN_SPEEDUP",
    "PRECISION_VARIABLE",
    "PrecisionProbe",
    "cpu_bfloat16_pays_off",
    "measure_bfloat16",
    "measure_in_own_process",
    "processor_name",
    "stored_probe",
]

PRECISION_VARIABLE = variable_of("cpu_precision")  # read by dlkit.settings; named here in messages
MIN_SPEEDUP = 1.15  # below this the gain is within the noise of a 2-second measurement
PROBE_FILE = "precision.json"
MEASURE_TIMEOUT_SECONDS = 300  # a backend import and 32 small training steps; minutes means stuck


@dataclass(frozen=True)
class PrecisionProbe:
    """One measurement: training steps per second in each precision, and the machine it was on."""

    machine: str
    float32_steps_per_second: float
    bfloat16_steps_per_second: float

    @property
    def speedup(self) -> float:
        return self.bfloat16_steps_per_second / self.float32_steps_per_second

    @property
    def pays_off(self) -> bool:
        return self.speedup >= MIN_SPEEDUP


def processor_name() -> str:
    """The CPU's model name ("AMD EPYC"), for reports and for keying what was measured on it."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_key() -> str:
    """What the measurement depends on: the CPU, how many cores, the backend and the versions."""
    import keras

    backend = keras.backend.backend()
    try:
        package = {"torch": "torch", "jax": "jaxlib"}.get(backend, "tensorflow")
        backend_version = importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        backend_version = "?"
    versions = f"Keras {keras.__version__} on {backend} {backend_version}"
    return f"{processor_name()} | {os.cpu_count()} cores | {versions}"


def _steps_per_second(policy: str, steps: int = 8) -> float:
    """Training steps per second of a small ConvNet (two convolutions, as labs 02–04 use) under
    ``policy``, after two warm-up steps; the best of two timings."""
    import keras
    import numpy as np

    rng = np.random.default_rng(0)
    images = rng.random((32, 64, 64, 3), dtype=np.float32)
    labels = rng.integers(0, 10, 32)
    model = keras.Sequential(
        [
            keras.Input(shape=(64, 64, 3)),
            keras.layers.Conv2D(32, 3, activation="relu", dtype=policy),
            keras.layers.MaxPooling2D(2, dtype=policy),
            keras.layers.Conv2D(64, 3, activation="relu", dtype=policy),
            keras.layers.MaxPooling2D(2, dtype=policy),
            keras.layers.Flatten(dtype=policy),
            keras.layers.Dense(10, activation="softmax", dtype="float32"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    for _ in range(2):
        model.train_on_batch(images, labels)
    best = float("inf")
    for _ in range(2):
        started = time.perf_counter()
        for _ in range(steps):
            model.train_on_batch(images, labels)
        best = min(best, time.perf_counter() - started)
    return steps / best


def measure_bfloat16() -> PrecisionProbe:
    """Time the probe in float32, bfloat16, float32, bfloat16 (so a slow moment hits both)."""
    rates = {"float32": [], "mixed_bfloat16": []}
    for _ in range(2):
        for policy in rates:
            rates[policy].append(_steps_per_second(policy))
    return PrecisionProbe(machine_key(), max(rates["float32"]), max(rates["mixed_bfloat16"]))


def measure_in_own_process() -> PrecisionProbe:
    """``measure_bfloat16`` in a fresh Python on the caller's Keras backend, stored there; the
    caller's Keras state (name counters, policy, memory) is left as it was.

    Raises RuntimeError, with the child's last words, when the measurement cannot be made."""
    import keras

    environment = {**os.environ, "KERAS_BACKEND": keras.backend.backend()}
    try:
        run = subprocess.run(
            [sys.executable, "-m", "dlkit.precision"],
            capture_output=True,
            text=True,
            env=environment,
            timeout=MEASURE_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"the bfloat16 measurement took over {MEASURE_TIMEOUT_SECONDS} s") from None
    lines = run.stdout.strip().splitlines()
    if run.returncode != 0 or not lines:
        last = (run.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"the bfloat16 measurement failed (exit {run.returncode}): {last}")
    return PrecisionProbe(**json.loads(lines[-1]))


def _cache_root():
    """dlkit's cache folder (imported here, not at the top: ``dlkit demo`` imports this module for
    ``processor_name`` at its start, which must need nothing beyond the standard library)."""
    from dlkit.data.locations import cache_root as root

    return root()


def _stored() -> dict:
    try:
        return json.loads((_cache_root() / PROBE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _store(probe: PrecisionProbe) -> None:
    stored = _stored()
    stored[probe.machine] = asdict(probe)
    path = _cache_root() / PROBE_FILE
    partial = path.with_name(f".{PROBE_FILE}.{os.getpid()}")
    try:
        _cache_root().mkdir(parents=True, exist_ok=True)
        partial.write_text(json.dumps(stored, indent=1), encoding="utf-8")
        os.replace(partial, path)  # whole or not at all: a lab reading it at the same time never sees half
    except OSError:  # a read-only cache: measure again next time
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)


def stored_probe() -> PrecisionProbe | None:
    """This machine's stored measurement, if a lab has made one (measures nothing)."""
    found = _stored().get(machine_key())
    try:
        return PrecisionProbe(**found) if found else None
    except TypeError:  # an entry written by another dlkit version: measure again
        return None


_measured_here: PrecisionProbe | None = None


def _measure_here_and_store() -> PrecisionProbe:
    probe = measure_bfloat16()
    _store(probe)
    return probe


def cpu_bfloat16_pays_off(in_own_process: bool = True) -> tuple[bool, str]:
    """Whether to train in ``mixed_bfloat16`` on this CPU, and a few words of why. A measurement,
    where one is needed, runs in a process of its own (``in_own_process=False``: in this one,
    for a process that exists only to measure)."""
    global _measured_here
    from dlkit.settings import current

    choice = current().cpu_precision  # checked there: auto, measure, float32 or bfloat16
    if choice in ("float32", "bfloat16"):
        return choice == "bfloat16", f"{PRECISION_VARIABLE}={choice}"
    probe = None
    if choice == "auto":
        probe = _measured_here
        probe = probe or stored_probe()
    if probe is None or choice == "measure":
        try:
            probe = measure_in_own_process() if in_own_process else _measure_here_and_store()
        except RuntimeError as error:  # float32 is always correct; say why bfloat16 was not tried
            return False, f"{error}; float32"
    _measured_here = probe
    verdict = "on" if probe.pays_off else "off"
    return probe.pays_off, f"bfloat16 measured {probe.speedup:.2f}× float32 on this CPU, so {verdict}"


if __name__ == "__main__":
    if "--settle" in sys.argv[1:]:  # dlkit demo, before labs start side by side: measure if none is stored
        print(cpu_bfloat16_pays_off(in_own_process=False)[1])
    else:  # what measure_in_own_process runs: measure, store, print the probe as JSON
        print(json.dumps(asdict(_measure_here_and_store())))
