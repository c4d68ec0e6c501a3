"""``dlkit doctor``: what this machine can run, and what is broken.

Reports Python, TensorFlow, Keras and its backend, CPU/GPU devices, dlkit's cache folder and its
free space, and which registry files are available offline. Anything marked broken makes the
command exit non-zero, so a rehearsal script can stop on it.
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import sys
from dataclasses import dataclass
from importlib import resources

from dlkit import locations
from dlkit.errors import CacheNotWritable
from dlkit.registry import registry
from dlkit.status import inspect

MINIMUM_TENSORFLOW = (2, 16)
EMBEDDED_MNIST_SHA256 = "467019c3b54d9f04eb43c13ace0531bb49f8483c2f3dc3fc8e02c0692b11e791"


@dataclass(frozen=True)
class Check:
    """One line of the report; ``broken`` lines make ``dlkit doctor`` fail."""

    name: str
    value: str
    broken: bool = False


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
        return [Check("TensorFlow", f"cannot import: {error}; `pip install 'tensorflow>=2.16'`", True)]
    too_old = _version_tuple(tf.__version__) < MINIMUM_TENSORFLOW
    gpus = tf.config.list_physical_devices("GPU")
    return [
        Check(
            "TensorFlow",
            tf.__version__ + ("  (dlkit needs 2.16 or newer)" if too_old else ""),
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
    resource = resources.files("dlkit.embedded").joinpath("mnist_subset.npz")
    try:
        digest = hashlib.sha256(resource.read_bytes()).hexdigest()
    except OSError as error:
        return Check("Embedded MNIST", f"missing ({error}); reinstall dlkit", True)
    if digest != EMBEDDED_MNIST_SHA256:
        return Check("Embedded MNIST", "corrupt (hash mismatch); reinstall dlkit", True)
    return Check("Embedded MNIST", "verified (10 000 train / 2 000 test; the quick profile runs offline)")


def registry_checks() -> list[Check]:
    checks = []
    for entry in registry().values():
        for file in entry.files:
            found = inspect(entry, file)
            where = f" at {found.path}" if found.path else ""
            checks.append(Check(f"{entry.name}: {file.filename}", f"{found.status}{where} ({found.detail})"))
    return checks


def offline_summary() -> Check:
    """Which labs can run here without a network, in which profile."""
    entries = registry()
    mnist = inspect(entries["mnist"], entries["mnist"].files[0]).status == "verified"
    vgg16 = entries["vgg16"]
    weights = all(inspect(vgg16, file).status == "verified" for file in vgg16.files)
    labs = [
        "00 and 03 in both profiles (no data to fetch)",
        "01-02 in both profiles"
        if mnist
        else "01-02 in the quick profile (embedded MNIST; `dlkit fetch mnist`)",
        "04 in both profiles" if weights else "04 in the quick profile, random weights (`dlkit fetch vgg16`)",
    ]
    return Check("Runs offline", "; ".join(labs))


def run_checks() -> list[Check]:
    """Every check, in the order the report prints them."""
    return [
        *python_checks(),
        *tensorflow_checks(),
        *cache_checks(),
        embedded_data_check(),
        *registry_checks(),
        offline_summary(),
    ]


def report(checks: list[Check]) -> str:
    width = max(len(check.name) for check in checks)
    lines = [f"{'BROKEN ' if c.broken else ''}{c.name.ljust(width)}  {c.value}" for c in checks]
    broken = sum(check.broken for check in checks)
    lines.append(f"\n{broken} problem(s) found." if broken else "\nAll good.")
    return "\n".join(lines)
