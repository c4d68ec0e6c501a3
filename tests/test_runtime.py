"""pick_runtime: the default strategy on one CPU, MirroredStrategy over several devices, and lab
01's own model (its cell, read from the notebook) built after the lab's one added line, trained
under it, reaching the same accuracy band as on one device.

TensorFlow fixes its devices when first used, so the two-device run happens in a fresh process
that splits this machine's CPU into two logical devices before anything else.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

# Lab 01's model cell, trained after the lab's one added line; sys.argv[2] is the lab's path.
TRAIN_LAB_01 = """
import keras
import nbformat
from dlkit.data.mnist import load_embedded_mnist
from dlkit.runtime import pick_runtime

keras.utils.set_random_seed(0)
(x, y), (x_test, y_test) = load_embedded_mnist()
x, x_test = x[:6000].astype("float32") / 255, x_test.astype("float32") / 255
runtime = pick_runtime(cpu_bfloat16=False)  # lab 01's added line: what follows is built for it
lab = nbformat.read(sys.argv[2], as_version=4)
[model_cell] = [cell.source for cell in lab.cells if 'name="hello_mnist"' in cell.source]
namespace = {"keras": keras}
exec(model_cell, namespace)
model = namespace["model"]
model.compile(optimizer=keras.optimizers.Adam(0.003), loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
model.fit(x, y[:6000], epochs=3, batch_size=runtime.global_batch_size(128), verbose=0)
accuracy = model.evaluate(x_test, y_test, verbose=0)[1]
"""

TRAIN = """
import json, sys
import tensorflow as tf
if sys.argv[1] == "2":
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
""" + TRAIN_LAB_01 + """
print(json.dumps({
    "kind": runtime.kind, "strategy": type(runtime.strategy).__name__, "replicas": runtime.replicas,
    "batch": runtime.global_batch_size(128), "accuracy": accuracy,
    "variables": type(model.weights[0].value).__name__,
}))
"""

LAB_01 = Path(__file__).resolve().parents[1] / "labs" / "01_mnist_dense.ipynb"


def train(devices: int) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", TRAIN, str(devices), str(LAB_01)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.training
def test_one_cpu_gets_the_default_strategy_and_two_logical_cpus_a_mirrored_one():
    single, mirrored = train(1), train(2)
    assert (single["kind"], single["replicas"], single["batch"]) == ("CPU", 1, 128)
    assert (mirrored["kind"], mirrored["strategy"], mirrored["replicas"]) == ("CPUs", "MirroredStrategy", 2)
    assert mirrored["batch"] == 256  # the global batch grows with the replicas
    assert mirrored["variables"] == "MirroredVariable"  # one copy per device, kept in sync
    assert single["variables"] != "MirroredVariable"
    assert single["accuracy"] > 0.88 and mirrored["accuracy"] > 0.88
    assert abs(single["accuracy"] - mirrored["accuracy"]) < 0.03


JAX_TRAIN = "import json, sys\n" + TRAIN_LAB_01 + """
print(json.dumps({"kind": runtime.kind, "replicas": runtime.replicas, "describe": runtime.describe(),
                  "distribution": type(keras.distribution.distribution()).__name__, "accuracy": accuracy}))
"""


@pytest.mark.training
def test_on_jax_two_devices_get_data_parallel_and_one_device_nothing():
    """The same lab cell on Keras' JAX backend: one CPU device trains as it is; two (set up with
    XLA's host-device count, as several GPUs would be) get keras.distribution.DataParallel."""
    import importlib.util
    import os

    if importlib.util.find_spec("jax") is None:
        pytest.skip("JAX is not installed here")
    results = []
    for devices in (1, 2):
        environment = {**os.environ, "KERAS_BACKEND": "jax",
                       "XLA_FLAGS": f"--xla_force_host_platform_device_count={devices}"}
        done = subprocess.run([sys.executable, "-c", JAX_TRAIN, str(devices), str(LAB_01)],
                              capture_output=True, text=True, timeout=300, env=environment)
        assert done.returncode == 0, done.stderr[-2000:]
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    single, parallel = results
    assert (single["kind"], single["replicas"], single["distribution"]) == ("CPU", 1, "NoneType")
    assert (parallel["kind"], parallel["replicas"], parallel["distribution"]) == ("CPUs", 2, "DataParallel")
    assert "Keras on jax" in parallel["describe"]
    assert single["accuracy"] > 0.88 and parallel["accuracy"] > 0.88


def test_several_steps_per_call_except_on_pytorch_which_refuses_them():
    from dlkit.runtime import Runtime

    assert Runtime("tensorflow", "CPU", None).steps_per_execution(32) == 32
    assert Runtime("jax", "CPU", None).steps_per_execution(32) == 32
    assert Runtime("torch", "GPU", "mixed_float16").steps_per_execution(32) == 1  # Keras raises on more
