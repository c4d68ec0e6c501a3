"""``dlkit doctor``: what this machine can run, and what is broken.

Reports Python, TensorFlow, Keras and its backend, CPU/GPU devices, dlkit's cache folder and its
free space, and which registry files are available offline; then what the runtime can do (GPU or
TPU, memory, the ``tf.distribute`` strategy the labs will use) and which labs can run in the full
profile here, in roughly what time. Anything marked broken makes the command exit non-zero, so a
rehearsal script can stop on it.
"""

from __future__ import annotations

import hashlib
import os
import platform
import re
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata, resources

from dlkit.data import locations, registry
from dlkit.data.status import inspect
from dlkit.errors import CacheNotWritable
from dlkit.instructor.lab_costs import LabCost, read_lab_costs
from dlkit.instructor.labs import find_labs
from dlkit.instructor.machine import Machine, describe_machine
from dlkit.precision import PrecisionProbe, stored_probe
from dlkit.runtime import choose_kind, choose_policy, describe_plan

EMBEDDED_MNIST_SHA256 = "467019c3b54d9f04eb43c13ace0531bb49f8483c2f3dc3fc8e02c0692b11e791"


@dataclass(frozen=True)
class Check:
    """One line of the report; ``broken`` lines make ``dlkit doctor`` fail."""

    name: str
    value: str
    broken: bool = False


def minimum_tensorflow() -> tuple[int, ...]:
    """The TensorFlow floor dlkit declares in its package metadata (pyproject.toml)."""
    for requirement in metadata.requires("dlkit") or []:
        found = re.match(r"tensorflow\s*>=\s*([\d.]+)", requirement)
        if found:
            return _version_tuple(found.group(1))
    return ()


def _version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(".")[:2] if part.isdigit())


def python_checks() -> list[Check]:
    return [
        Check("Python", f"{platform.python_version()} ({sys.executable})", sys.version_info < (3, 10)),
        Check("Platform", f"{platform.platform()}, {os.cpu_count()} CPU cores"),
    ]


def tensorflow_checks() -> list[Check]:
    try:
        import keras
        import tensorflow as tf
    except Exception as error:  # a broken install shows here, whatever it raises
        return [Check("TensorFlow", f"cannot import: {error}; `pip install --upgrade tensorflow`", True)]
    floor = minimum_tensorflow()
    too_old = _version_tuple(tf.__version__) < floor
    gpus = tf.config.list_physical_devices("GPU")
    return [
        Check(
            "TensorFlow",
            tf.__version__ + (f"  (dlkit needs {'.'.join(map(str, floor))} or newer)" if too_old else ""),
            too_old,
        ),
        Check("Keras", f"{keras.__version__}, backend {keras.backend.backend()}"),
        Check("Devices", ", ".join(d.name for d in tf.config.list_physical_devices()) or "none"),
        Check("GPU", f"{len(gpus)} found" if gpus else "none: labs train on the CPU"),
    ]


def cache_checks() -> list[Check]:
    root = locations.cache_root()
    try:
        locations.ensure_writable(root)
    except CacheNotWritable as error:
        return [Check("Cache folder", str(error), True)]
    free = shutil.disk_usage(root).free
    return [Check("Cache folder", f"{root} (writable, {free / 1e9:.1f} GB free)")]


def embedded_data_check() -> Check:
    resource = resources.files("dlkit.data.embedded").joinpath("mnist_subset.npz")
    try:
        digest = hashlib.sha256(resource.read_bytes()).hexdigest()
    except OSError as error:
        return Check("Embedded MNIST", f"missing ({error}); reinstall dlkit", True)
    if digest != EMBEDDED_MNIST_SHA256:
        return Check("Embedded MNIST", "corrupt (hash mismatch); reinstall dlkit", True)
    return Check("Embedded MNIST", "verified (10 000 train / 2 000 test; the quick profile runs offline)")


def registry_checks() -> list[Check]:
    from dlkit.data.converted import inspect_converted

    checks = []
    for entry in registry.registry().values():
        for file in entry.files:
            found = [(file.filename, inspect(entry, file))]
            if file.converted is not None:
                found.append((file.converted.filename, inspect_converted(entry, file)))
            for filename, status in found:
                where = f" at {status.path}" if status.path else ""
                checks.append(Check(f"{entry.name}: {filename}", f"{status.status}{where} ({status.detail})"))
    return checks


def is_available(name: str) -> bool:
    """Whether every file of registry entry ``name`` is here and verified."""
    entry = registry.registry()[name]
    return all(inspect(entry, file).status == "verified" for file in entry.files)


# What the quick profile uses in place of a registry entry a full profile needs, when it is missing.
QUICK_PROFILE_STANDS_IN = {"mnist": "embedded MNIST"}


def full_profile_needs() -> dict[str, tuple[str, ...]]:
    """The registry entries each lab in the checkout declares its full profile needs, by lab
    number ("04": ("vgg16",)); empty without a checkout's labs."""
    return {lab.number: lab.facts.full_profile_data for lab in find_labs()}


def offline_summary(needs: dict[str, tuple[str, ...]] | None = None) -> Check:
    """Which labs can run here without a network, in which profile, from what the labs declare."""
    needs = full_profile_needs() if needs is None else needs
    labs = sorted(needs)
    parts = []
    no_data = [lab for lab in labs if not needs[lab]]
    if no_data:
        parts.append(f"{', '.join(no_data)} in both profiles (no data to fetch)")
    for need in dict.fromkeys(name for lab in labs for name in needs[lab]):
        using = ", ".join(lab for lab in labs if need in needs[lab])
        if is_available(need):
            parts.append(f"{using} in both profiles")
        else:
            stand_in = QUICK_PROFILE_STANDS_IN.get(need, "no stand-in")
            parts.append(f"{using} in the quick profile ({stand_in}; `dlkit fetch {need}`)")
    return Check("Runs offline", "; ".join(parts) or "no labs found (run it in a checkout of dlkit)")


MEMORY_MARGIN = 1.3  # the rest of the machine (browser, Jupyter) needs room too


def _rough_duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(5, round(seconds / 5) * 5):.0f} s"
    return f"{round(seconds / 60):.0f} min"


def _scaled(seconds: float, cores: int, machine: Machine) -> str:
    """``seconds`` measured on ``cores`` cores, as a rough time on ``machine``."""
    reference = _rough_duration(seconds)
    if machine.gpus or machine.tpu:
        return f"under {reference} (that is on {cores} CPU cores; the accelerator is faster)"
    fastest = seconds * cores / max(machine.cores, 1)
    if machine.cores >= cores:
        low, high = _rough_duration(fastest), reference
        return f"about {low}" if low == high else f"about {low} to {high}"
    return f"about {_rough_duration(fastest)} (slower than the {cores}-core reference)"


def full_profile_estimate(cost: LabCost, machine: Machine) -> str:
    """How long ``cost``'s lab should take here in the full profile, or why it cannot run: a warm
    run (the cache already holds its pony folders and the bfloat16 measurement) and, where it was
    measured, a machine's first run on an empty cache."""
    if machine.memory_bytes and machine.memory_bytes < cost.peak_bytes * MEMORY_MARGIN:
        return (f"not here: needs about {cost.peak_bytes / 1e9:.1f} GB of memory, this machine has "
                f"{machine.memory_bytes / 1e9:.1f} GB; use the quick profile")
    estimate = _scaled(cost.seconds, cost.cores, machine)
    if cost.first_run_seconds:
        first = _scaled(cost.first_run_seconds, cost.cores, machine).split(" (")[0]
        estimate += f"; a first run on an empty cache {first}"
    return estimate


def _backend() -> str:
    try:
        from dlkit.runtime import keras_backend

        return keras_backend()
    except Exception:  # a broken Keras is reported by tensorflow_checks
        return os.environ.get("KERAS_BACKEND", "tensorflow")


def cpu_precision_note(probe: PrecisionProbe | None) -> str:
    """What the labs do about bfloat16 on this CPU: the stored measurement, or that one is coming."""
    if probe is None:
        return "bfloat16 instead where the first lab measures it faster (a few seconds, once)"
    chosen = "mixed_bfloat16" if probe.pays_off else "float32"
    return f"bfloat16 measured {probe.speedup:.2f}× float32 here, so the ConvNet labs use {chosen}"


def runtime_checks(
    machine: Machine | None = None,
    available: Callable[[str], bool] = is_available,
    costs: list[LabCost] | None = None,
    backend: str | None = None,
    probe: PrecisionProbe | None = None,
    needs: dict[str, tuple[str, ...]] | None = None,
) -> list[Check]:
    """The accelerator, the memory, the strategy ``pick_runtime`` will choose, and lab times (with
    the download a lab's full profile still needs, where ``available`` says it is missing).
    ``probe``: the bfloat16 measurement to report (default: the one stored for this machine);
    ``needs``: what each lab's full profile needs (default: what the labs declare)."""
    needs = full_profile_needs() if needs is None else needs
    if machine is None:
        machine, probe = describe_machine(), probe or stored_probe()
    kind = choose_kind(machine.tpu is not None, len(machine.gpus), 1)
    policy = choose_policy(kind, machine.tensor_cores)
    plan = describe_plan(backend or _backend(), kind, policy)
    if kind == "CPU":
        plan += f"; {cpu_precision_note(probe)}"
    accelerator = "; ".join(machine.gpus) or machine.tpu or "none: the labs train on the CPU"
    memory = f"{machine.memory_bytes / 1e9:.1f} GB" if machine.memory_bytes else "unknown"
    checks = [
        Check("Accelerator", accelerator),
        Check("Memory", f"{memory}, {machine.cores} CPU cores"),
        Check("Labs will use", plan),
    ]
    measured = {cost.lab: cost for cost in (read_lab_costs() if costs is None else costs)}
    labs = sorted(set(measured) | ({lab.name for lab in find_labs()} if costs is None else set()))
    for lab in labs:
        if lab not in measured:
            checks.append(Check(f"Full profile, {lab}",
                                f"not measured yet (`python benchmarks/labs.py {lab[:2]}` records it)"))
            continue
        estimate = full_profile_estimate(measured[lab], machine)
        missing = [name for name in needs.get(lab[:2], ()) if not available(name)]
        if missing and not estimate.startswith("not here"):
            fetch = " and ".join(f"`dlkit fetch {name}`" for name in missing)
            estimate += f", once {fetch} has run (or with a network)"
        checks.append(Check(f"Full profile, {lab}", estimate))
    return checks


def deploy_check() -> Check:
    """Whether lab 05 and ``dlkit serve`` can run here (the deploy extra). Not broken without it:
    the other labs do not need it."""
    from dlkit.deploy.requirements import missing_for_deploy

    missing = missing_for_deploy()
    return Check("Lab 05, dlkit serve", missing or "ready (LiteRT, ONNX Runtime, FastAPI and uvicorn)")


def instructor_check() -> Check:
    """Whether ``dlkit demo`` and ``dlkit student-copy`` can run here (the instructor extra). Not
    broken without it: a student's labs do not need it."""
    from dlkit.instructor.requirements import missing_for_instructor

    missing = missing_for_instructor("dlkit demo and student-copy")
    return Check("dlkit demo, student-copy", missing or "ready (nbclient, nbformat and a Jupyter kernel)")


def run_checks() -> list[Check]:
    """Every check, in the order the report prints them."""
    return [
        *python_checks(),
        *tensorflow_checks(),
        *cache_checks(),
        embedded_data_check(),
        *registry_checks(),
        offline_summary(),
        deploy_check(),
        instructor_check(),
        *runtime_checks(),
    ]


def report(checks: list[Check]) -> str:
    width = max(len(check.name) for check in checks)
    lines = [f"{'BROKEN ' if c.broken else ''}{c.name.ljust(width)}  {c.value}" for c in checks]
    broken = sum(check.broken for check in checks)
    lines.append(f"\n{broken} problem(s) found." if broken else "\nAll good.")
    return "\n".join(lines)
