"""Run a lab on whatever the machine has: one line picks the ``tf.distribute`` strategy.

- a TPU (Colab, Kaggle): ``TPUStrategy``, with bfloat16 mixed precision;
- several GPUs (or several logical CPU devices set up on purpose): ``MirroredStrategy``, one
  model copy per device, gradients averaged;
- one GPU: the default strategy, with float16 mixed precision where the GPU has tensor cores
  (compute capability 7.0 or newer);
- otherwise the default strategy on the CPU, in float32.

A lab builds and compiles its model inside the scope and scales its batch size::

    runtime = pick_runtime()
    with runtime.scope():
        model = build_model()
        model.compile(...)
    model.fit(x, y, batch_size=runtime.global_batch_size(128))
"""

from __future__ import annotations

import os
from dataclasses import dataclass


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


def pick_runtime(mixed_precision: bool = True) -> Runtime:
    """The best strategy for this machine; turns on mixed precision where it pays off (set
    ``mixed_precision=False`` to stay in float32)."""
    import keras
    import tensorflow as tf

    tpu = _tpu_strategy()
    if tpu is not None:
        policy = "mixed_bfloat16" if mixed_precision else None
        kind, strategy = "TPU", tpu
    else:
        gpus = tf.config.list_physical_devices("GPU")
        cpus = tf.config.list_logical_devices("CPU")
        policy = None
        if len(gpus) > 1:
            kind, strategy = "GPUs", tf.distribute.MirroredStrategy()
        elif len(cpus) > 1 and not gpus:
            kind, strategy = "CPUs", tf.distribute.MirroredStrategy([d.name for d in cpus])
        else:
            kind, strategy = ("GPU" if gpus else "CPU"), tf.distribute.get_strategy()
        if gpus and mixed_precision and all(_has_tensor_cores(gpu) for gpu in gpus):
            policy = "mixed_float16"
    if policy:
        keras.mixed_precision.set_global_policy(policy)
    return Runtime(strategy, kind, policy)
