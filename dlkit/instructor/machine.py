"""What this machine has: CPU cores, memory, GPUs and TPUs, described for people.

Used by ``dlkit doctor`` (what can run here, and roughly how fast) and by the rehearsal report
(the machine a demo ran on). TensorFlow is asked about GPUs only when it is already installed;
``nvidia-smi``, where present, adds each GPU's memory.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
from dataclasses import dataclass, field

from dlkit.precision import processor_name


@dataclass(frozen=True)
class Machine:
    """The facts a lab's speed and memory depend on."""

    system: str
    processor: str
    cores: int
    memory_bytes: int | None
    gpus: list[str] = field(default_factory=list)
    tpu: str | None = None
    tensor_cores: bool = False  # every GPU has compute capability 7.0 or newer (float16 pays off)

    def rows(self) -> list[tuple[str, str]]:
        """(what, value) pairs, in the order a report prints them."""
        memory = f"{self.memory_bytes / 2**30:.1f} GiB" if self.memory_bytes else "unknown"
        return [
            ("System", self.system),
            ("Processor", f"{self.processor}, {self.cores} cores"),
            ("Memory", memory),
            ("GPU", "; ".join(self.gpus) or "none"),
            ("TPU", self.tpu or "none"),
        ]


def total_memory_bytes() -> int | None:
    """Physical memory (Linux and macOS through sysconf); None where the OS does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def _nvidia_smi_gpus() -> list[str]:
    if shutil.which("nvidia-smi") is None:
        return []
    try:
        result = subprocess.run(
            ["nvidia-smi", "--query-gpu=name,memory.total", "--format=csv,noheader"],
            capture_output=True, text=True, timeout=20, check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return []
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    return [", ".join(part.strip() for part in line.split(",")) for line in lines]


def _nvidia_smi_tensor_cores() -> bool:
    """Whether every GPU nvidia-smi lists has tensor cores (compute capability 7.0 or newer)."""
    if shutil.which("nvidia-smi") is None:
        return False
    try:
        result = subprocess.run(
            ["nvidia-smi", "--query-gpu=compute_cap", "--format=csv,noheader"],
            capture_output=True, text=True, timeout=20, check=True,
        )
        capabilities = [float(line) for line in result.stdout.split() if line.strip()]
    except (OSError, subprocess.SubprocessError, ValueError):
        return False
    return bool(capabilities) and min(capabilities) >= 7.0


GPU_NAMES_SCRIPT = """
import tensorflow as tf
for gpu in tf.config.list_physical_devices("GPU"):
    print(tf.config.experimental.get_device_details(gpu).get("device_name", gpu.name))
"""


def _tensorflow_gpus() -> list[str]:
    """GPU names from TensorFlow: asked directly when this process already runs it, else in a child
    process, so a report does not load TensorFlow (and its log lines) just to say "no GPU"."""
    if "tensorflow" in sys.modules:
        tf = sys.modules["tensorflow"]
        return [
            tf.config.experimental.get_device_details(gpu).get("device_name", gpu.name)
            for gpu in tf.config.list_physical_devices("GPU")
        ]
    try:
        result = subprocess.run(
            [sys.executable, "-c", GPU_NAMES_SCRIPT],
            capture_output=True, text=True, timeout=120, check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return []
    return [line for line in result.stdout.splitlines() if line.strip()]


def tpu_address() -> str | None:
    """Where a TPU is announced: Colab and Kaggle set an address; a TPU VM has /dev/accel0."""
    for variable in ("COLAB_TPU_ADDR", "TPU_NAME"):
        if os.environ.get(variable):
            return f"{variable}={os.environ[variable]}"
    return "/dev/accel0 (TPU VM)" if os.path.exists("/dev/accel0") else None


def describe_machine(framework: bool = True) -> Machine:
    """This machine's facts. Without ``framework``, GPUs are only those ``nvidia-smi`` lists, and
    no process is started to ask TensorFlow (a few seconds where it is installed)."""
    return Machine(
        system=f"{platform.system()} {platform.release()} ({platform.machine()}), "
        f"Python {platform.python_version()}",
        processor=processor_name(),
        cores=os.cpu_count() or 1,
        memory_bytes=total_memory_bytes(),
        gpus=_nvidia_smi_gpus() or (_tensorflow_gpus() if framework else []),
        tpu=tpu_address(),
        tensor_cores=_nvidia_smi_tensor_cores(),
    )
