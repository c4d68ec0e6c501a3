"""Run a lab on whatever the machine has, on any Keras backend: one line picks the devices.

On TensorFlow (the default backend) it picks a ``tf.distribute`` strategy:

- a TPU (Colab, Kaggle): ``TPUStrategy``;
- several GPUs (or several logical CPU devices set up on purpose): ``MirroredStrategy``, one
  model copy per device, gradients averaged;
- one GPU or the CPU: the default strategy.

On JAX, several devices (GPUs, TPU cores) get ``keras.distribution.DataParallel``, the same idea;
one device needs nothing. Keras on PyTorch trains on one device (the first GPU, else the CPU), and
says so when the machine has more.

The precision follows the devices (``choose_policy``): ``mixed_float16`` on GPUs with tensor cores
(compute capability 7.0 or newer: the T4 most Colab students get), ``mixed_bfloat16`` on TPUs. On a
CPU, ``mixed_bfloat16`` only where it was measured to train faster on this very machine
(``dlkit.precision``: a few seconds in a process of its own, once per machine), float32 everywhere
else. Every lab keeps its output layer in float32 (``dtype="float32"``), as Keras' mixed-precision
guide asks: a float16 softmax saturates. Running ``pick_runtime`` again sets the policy again,
float32 included, so nothing stays from a first call.

A lab adds one line to its setup; the choice then becomes the notebook's default, so every model
the lab builds and compiles afterwards lives in it. The lab scales its batch size::

    runtime = pick_runtime()
    model = build_model()
    model.compile(...)
    model.fit(x, y, batch_size=runtime.global_batch_size(128))

A script that wants no global state passes ``make_default=False`` and uses
``with runtime.scope():`` around building and compiling.
"""

from __future__ import annotations

import contextlib
import os
import platform
from dataclasses import dataclass

__all__ = [
    "Runtime",
    "choose_kind",
    "choose_policy",
    "describe_plan",
    "keras_backend",
    "pick_runtime",
    "versions_line",
]

BACKENDS = ("tensorflow", "jax", "torch")
TENSOR_CORES = (7, 0)  # compute capability from which float16 matrix multiplies pay off


@dataclass
class Runtime:
    """What was chosen: the backend, the devices, the precision, and the object that spreads the
    work (a ``tf.distribute.Strategy``, a ``keras.distribution.DataParallel``, or None)."""

    backend: str  # "tensorflow", "jax" or "torch"
    kind: str  # "TPU", "GPUs", "GPU", "CPUs" or "CPU"
    mixed_precision: str | None  # the Keras policy turned on, if any
    replicas: int = 1
    strategy: object | None = None
    note: str = ""  # what the machine has that this backend does not use, if anything
    precision_reason: str = ""  # on a CPU: what the bfloat16 measurement found

    def scope(self):
        """A context for building and compiling models on the chosen devices."""
        if self.strategy is None:
            return contextlib.nullcontext()
        return self.strategy.scope()

    def global_batch_size(self, per_replica: int) -> int:
        """Each replica gets ``per_replica`` images per step, so the global batch grows with them."""
        return per_replica * self.replicas

    def steps_per_execution(self, steps: int) -> int:
        """``steps`` batches per call into the compiled training step where the backend can run
        several (TensorFlow, JAX); 1 on PyTorch, which refuses more."""
        return 1 if self.backend == "torch" else steps

    def describe(self) -> str:
        how = type(self.strategy).__name__ if self.strategy is not None else "one device"
        precision = self.mixed_precision or "float32"
        if self.precision_reason:
            precision += f" ({self.precision_reason})"
        text = f"{self.kind}: {how}, {self.replicas} replica(s), {precision} (Keras on {self.backend})"
        return f"{text}. {self.note}" if self.note else text


def keras_backend() -> str:
    """The backend Keras runs on (``KERAS_BACKEND``, else Keras' config; TensorFlow by default)."""
    import keras

    return keras.backend.backend()


def choose_kind(tpu: bool, gpus: int, logical_cpus: int) -> str:
    """The decision itself: "TPU", "GPUs" (one copy per GPU), "CPUs" (Mirrored over logical CPUs set
    up on purpose, TensorFlow only), or "GPU"/"CPU" (one device)."""
    if tpu:
        return "TPU"
    if gpus > 1:
        return "GPUs"
    if logical_cpus > 1 and not gpus:
        return "CPUs"
    return "GPU" if gpus else "CPU"


def choose_policy(kind: str, tensor_cores: bool, mixed_precision: bool = True,
                  cpu_bfloat16: bool = False) -> str | None:
    """The Keras mixed-precision policy for ``kind``: bfloat16 on TPUs, float16 on GPUs with tensor
    cores, bfloat16 on a CPU only when ``cpu_bfloat16`` says it was measured faster there, none
    (float32) elsewhere. CPU flags alone never decide it."""
    if not mixed_precision:
        return None
    if kind == "TPU":
        return "mixed_bfloat16"
    if kind in ("GPU", "GPUs") and tensor_cores:
        return "mixed_float16"
    if kind in ("CPU", "CPUs") and cpu_bfloat16:
        return "mixed_bfloat16"
    return None


def describe_plan(backend: str, kind: str, policy: str | None) -> str:
    """One line saying what ``pick_runtime`` does with ``kind`` on ``backend`` (for ``dlkit doctor``)."""
    precision = policy or "float32"
    if backend == "tensorflow":
        how = {
            "TPU": "TPUStrategy",
            "GPUs": "MirroredStrategy over the GPUs",
            "CPUs": "MirroredStrategy over the logical CPUs",
        }.get(kind, f"the default strategy on the {kind}")
    elif backend == "jax" and kind in ("TPU", "GPUs", "CPUs"):
        how = "keras.distribution.DataParallel over the devices"
    elif backend == "torch" and kind in ("TPU", "GPUs"):
        how = "one GPU (Keras on PyTorch does not spread over several)"
    else:
        how = f"one device ({'GPU' if kind == 'GPU' else 'CPU'})"
    return f"{how}, {precision}, Keras on {backend}"


# --- TensorFlow --------------------------------------------------------------------------------


def _tpu_strategy():
    import tensorflow as tf

    if not (os.environ.get("TPU_NAME") or os.environ.get("COLAB_TPU_ADDR")):
        return None
    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver()
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
    except (ValueError, RuntimeError, tf.errors.OpError):
        return None
    return tf.distribute.TPUStrategy(resolver)


def _tensorflow_runtime(mixed_precision: bool, make_default: bool) -> Runtime:
    import tensorflow as tf

    tpu = _tpu_strategy()
    gpus = tf.config.list_physical_devices("GPU")
    cpus = tf.config.list_logical_devices("CPU")
    kind = choose_kind(tpu is not None, len(gpus), len(cpus))
    if kind == "TPU":
        strategy = tpu
    elif kind == "GPUs":
        strategy = tf.distribute.MirroredStrategy()
    elif kind == "CPUs":
        strategy = tf.distribute.MirroredStrategy([d.name for d in cpus])
    else:
        strategy = tf.distribute.get_strategy()
    details = [tf.config.experimental.get_device_details(gpu) for gpu in gpus]
    tensor_cores = bool(gpus) and all(tuple(d.get("compute_capability", (0, 0))) >= TENSOR_CORES
                                      for d in details)
    if make_default:
        # None for one device: leaves (or puts back) TensorFlow's own default strategy.
        tf.distribute.experimental_set_strategy(None if kind in ("CPU", "GPU") else strategy)
    policy = choose_policy(kind, tensor_cores, mixed_precision)
    return Runtime("tensorflow", kind, policy, int(strategy.num_replicas_in_sync), strategy)


# --- JAX ---------------------------------------------------------------------------------------


def _jax_runtime(mixed_precision: bool, make_default: bool) -> Runtime:
    import jax
    import keras

    devices = jax.devices()
    platform_name = devices[0].platform  # "cpu", "gpu" or "tpu"
    gpus = len(devices) if platform_name == "gpu" else 0
    cpus = len(devices) if platform_name == "cpu" else 1  # several only when set up on purpose
    kind = choose_kind(platform_name == "tpu", gpus, cpus)
    capabilities = [str(getattr(device, "compute_capability", "0.0")).split(".")[:2] for device in devices]
    tensor_cores = gpus > 0 and all(tuple(map(int, c)) >= TENSOR_CORES for c in capabilities)
    distribution = None
    if len(devices) > 1:
        distribution = keras.distribution.DataParallel(devices=devices)
    if make_default:
        keras.distribution.set_distribution(distribution)
    policy = choose_policy(kind, tensor_cores, mixed_precision)
    return Runtime("jax", kind, policy, len(devices), distribution)


# --- PyTorch -----------------------------------------------------------------------------------


def _torch_runtime(mixed_precision: bool) -> Runtime:
    import torch

    gpus = torch.cuda.device_count()
    kind = "GPU" if gpus else "CPU"
    tensor_cores = gpus > 0 and torch.cuda.get_device_capability(0) >= TENSOR_CORES
    note = f"Keras on PyTorch uses 1 of the {gpus} GPUs: TensorFlow or JAX use them all." if gpus > 1 else ""
    return Runtime("torch", kind, choose_policy(kind, tensor_cores, mixed_precision), 1, None, note)


def _with_cpu_precision(runtime: Runtime) -> Runtime:
    """On a CPU: bfloat16 where ``dlkit.precision`` measured it faster on this machine."""
    from dlkit.precision import cpu_bfloat16_pays_off

    pays_off, reason = cpu_bfloat16_pays_off()
    runtime.mixed_precision = choose_policy(runtime.kind, False, True, cpu_bfloat16=pays_off)
    runtime.precision_reason = reason
    return runtime


def pick_runtime(
    mixed_precision: bool = True, make_default: bool = True, cpu_bfloat16: bool = True
) -> Runtime:
    """The best use of this machine on the current Keras backend; turns on mixed precision where it
    pays off (``mixed_precision=False`` stays in float32). On a CPU that means bfloat16 where it
    was measured faster for a ConvNet on this machine; ``cpu_bfloat16=False`` skips that (a model
    too small to gain, such as lab 01's dense net). With ``make_default`` (the labs' way) the
    choice becomes the default for everything built afterwards; running it again replaces the
    previous choice, the precision policy included."""
    import keras

    backend = keras_backend()
    if backend == "tensorflow":
        runtime = _tensorflow_runtime(mixed_precision, make_default)
    elif backend == "jax":
        runtime = _jax_runtime(mixed_precision, make_default)
    elif backend == "torch":
        runtime = _torch_runtime(mixed_precision)
    else:  # the numpy backend runs models but cannot train them
        runtime = Runtime(backend, "CPU", None, note=f"Keras' {backend} backend cannot train models.")
    if mixed_precision and cpu_bfloat16 and runtime.kind in ("CPU", "CPUs") and backend in BACKENDS:
        keras.mixed_precision.set_global_policy("float32")  # the measurement starts from float32
        runtime = _with_cpu_precision(runtime)
    keras.mixed_precision.set_global_policy(runtime.mixed_precision or "float32")
    return runtime


def _devices(backend: str) -> str:
    if backend == "jax":
        import jax

        return ", ".join(device.platform.upper() for device in jax.devices())
    if backend == "torch":
        import torch

        return ", ".join(["CPU"] + ["GPU"] * torch.cuda.device_count())
    import tensorflow as tf

    return ", ".join(device.device_type for device in tf.config.list_physical_devices())


def versions_line() -> str:
    """One line naming what a lab runs on, e.g. for the first cell of a notebook."""
    import importlib.metadata

    import keras

    import dlkit

    backend = keras_backend()
    backend_version = importlib.metadata.version({"torch": "torch", "jax": "jax"}.get(backend, "tensorflow"))
    return (
        f"dlkit {dlkit.__version__} | Python {platform.python_version()} | Keras {keras.__version__} "
        f"on {backend} {backend_version} | devices: {_devices(backend)}"
    )
