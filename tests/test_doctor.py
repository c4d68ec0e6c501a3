"""dlkit doctor's runtime section: the accelerator, the strategy the labs will use, and which labs
fit in this machine's memory in the full profile, in roughly what time."""

from __future__ import annotations

from dlkit.doctor import FULL_PROFILE_COSTS, full_profile_estimate, runtime_checks
from dlkit.machine import Machine

GB = 10**9
LAB_04 = FULL_PROFILE_COSTS[-1]  # the heaviest: 654 s, 2.9 GB on the 2-core reference


def machine(cores=2, memory=24 * GB, gpus=(), tpu=None) -> Machine:
    return Machine("Linux", "CPU", cores, memory, list(gpus), tpu)


def test_the_reference_machine_gets_the_measured_time_and_more_cores_a_range():
    assert full_profile_estimate(LAB_04, machine()) == "about 11 min"
    assert full_profile_estimate(LAB_04, machine(cores=8)) == "about 3 min to 11 min"
    assert "slower than the 2-core reference" in full_profile_estimate(LAB_04, machine(cores=1))


def test_a_machine_without_the_memory_is_told_to_use_the_quick_profile():
    verdict = full_profile_estimate(LAB_04, machine(memory=3 * GB))
    assert verdict.startswith("not here: needs about 2.9 GB") and "quick profile" in verdict


def test_a_lab_whose_data_is_missing_says_what_to_fetch():
    checks = {c.name: c.value for c in runtime_checks(machine(), available=lambda name: name == "mnist")}
    needs_weights = "about 11 min, once `dlkit fetch vgg16` has run (or with a network)"
    assert checks["Full profile, 04 VGG16"] == needs_weights
    assert checks["Full profile, 01 dense net"] == "about 20 s"


def test_an_accelerator_and_the_strategy_it_brings_are_named():
    checks = {check.name: check.value for check in runtime_checks(machine(gpus=["H100, 81559 MiB"] * 2))}
    assert checks["Accelerator"] == "H100, 81559 MiB; H100, 81559 MiB"
    assert checks["Labs will use"].startswith("MirroredStrategy over the GPUs")
    assert checks["Full profile, 04 VGG16"].startswith("under 11 min")
    tpu = {check.name: check.value for check in runtime_checks(machine(tpu="COLAB_TPU_ADDR=10.0.0.2:8470"))}
    assert tpu["Labs will use"].startswith("TPUStrategy")
    cpu = {check.name: check.value for check in runtime_checks(machine())}
    assert cpu["Accelerator"].startswith("none") and cpu["Labs will use"].endswith("float32")
