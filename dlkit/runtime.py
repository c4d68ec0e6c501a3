"""Run a lab on whatever the machine has: one line picks the ``tf.distribute`` strategy.

- a TPU (Colab, Kaggle): ``TPUStrategy``, with bfloat16 mixed precision;
- several GPUs (or several logical CPU devices set up on purpose): ``MirroredStrategy``, one
  model copy per device, gradients averaged;
- one GPU: the default strategy, with float16 mixed precision where the GPU has tensor cores
  (compute capability 7.0 or newer);
- otherwise the default strategy on the CPU, in float32.

A lab adds one line to its setup; the strategy then becomes the notebook's default (through
``tf.distribute.experimental_set_strategy``, made for interactive sessions), so every model the
lab builds and compiles afterwards lives in its scope. The lab scales its batch size::

    runtime = pick_runtime()
    model = build_model()
    model.compile(...)
    model.fit(x, y, batch_size=runtime.global_batch_size(128))

A script that wants no global state passes ``make_default=False`` and uses
``with runtime.scope():`` around building and compiling.
"""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass

__all__ = ["STRATEGY_OF_KIND", "Runtime", "choose_kind", "pick_runtime", "versions_line"]


@dataclass
class Runtime:
    """The chosen strategy and what was decided with it."""

    strategy: object  # a tf.distribute.Strategy
    kind: str  # "TPU", "GPUs", "GPU", "CPUs" or "CPU"
    mixed_precision: str | None  # the Keras policy turned on, if any

    @property
    def replicas(self) -> int:
        return int(self.strategy.num_replicas_in_sync)

    def scope(self):
        return self.strategy.scope()

    def global_batch_size(self, per_replica: int) -> int:
        """Each replica gets ``per_replica`` images per step, so the global batch grows with them."""
        return per_replica * self.replicas

    def describe(self) -> str:
        precision = self.mixed_precision or "float32"
        return f"{self.kind}: {type(self.strategy).__name__}, {self.replicas} replica(s), {precision}"


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


def _has_tensor_cores(gpu) -> bool:
    import tensorflow as tf

    capability = tf.config.experimental.get_device_details(gpu).get("compute_capability", (0, 0))
    return tuple(capability) >= (7, 0)


def choose_kind(tpu: bool, gpus: int, logical_cpus: int) -> str:
    """The decision itself: "TPU", "GPUs" (Mirrored), "CPUs" (Mirrored over logical CPUs set up on
    purpose), or "GPU"/"CPU" (the default strategy)."""
    if tpu:
        return "TPU"
    if gpus > 1:
        return "GPUs"
    if logical_cpus > 1 and not gpus:
        return "CPUs"
    return "GPU" if gpus else "CPU"


STRATEGY_OF_KIND = {
    "TPU": "TPUStrategy, bfloat16 mixed precision",
    "GPUs": "MirroredStrategy over the GPUs, float16 mixed precision where they have tensor cores",
    "CPUs": "MirroredStrategy over the logical CPUs",
    "GPU": "default strategy on the GPU, float16 mixed precision if it has tensor cores",
    "CPU": "default strategy on the CPU, float32",
}


def pick_runtime(mixed_precision: bool = True, make_default: bool = True) -> Runtime:
    """The best strategy for this machine; turns on mixed precision where it pays off (set
    ``mixed_precision=False`` to stay in float32). With ``make_default`` (the labs' way) a
    distributing strategy becomes the default for everything built afterwards; running it again
    replaces the previous choice."""
    import keras
    import tensorflow as tf

    tpu = _tpu_strategy()
    gpus = tf.config.list_physical_devices("GPU")
    cpus = tf.config.list_logical_devices("CPU")
    kind = choose_kind(tpu is not None, len(gpus), len(cpus))
    policy = None
    if kind == "TPU":
        strategy = tpu
        policy = "mixed_bfloat16" if mixed_precision else None
    elif kind == "GPUs":
        strategy = tf.distribute.MirroredStrategy()
    elif kind == "CPUs":
        strategy = tf.distribute.MirroredStrategy([d.name for d in cpus])
    else:
        strategy = tf.distribute.get_strategy()
    if kind in ("GPU", "GPUs") and mixed_precision and all(_has_tensor_cores(gpu) for gpu in gpus):
        policy = "mixed_float16"
    if policy:
        keras.mixed_precision.set_global_policy(policy)
    if make_default:
        # None for one device: leaves (or puts back) TensorFlow's own default strategy.
        tf.distribute.experimental_set_strategy(None if kind in ("CPU", "GPU") else strategy)
    return Runtime(strategy, kind, policy)


def versions_line() -> str:
    """One line naming what a lab runs on, e.g. for the first cell of a notebook."""
    import keras
    import tensorflow as tf

    import dlkit

    devices = ", ".join(device.device_type for device in tf.config.list_physical_devices())
    return (
        f"dlkit {dlkit.__version__} | Python {platform.python_version()} | TensorFlow {tf.__version__} "
        f"| Keras {keras.__version__} | devices: {devices}"
    )
