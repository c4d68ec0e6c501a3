"""dlkit doctor's runtime section: the accelerator, the strategy the labs will use, and which labs
fit in this machine's memory in the full profile, in roughly what time."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from fresh_interpreter import FreshRun

from dlkit.instructor.doctor import full_profile_estimate, runtime_checks
from dlkit.instructor.lab_costs import LabCost, read_lab_costs, record_lab_costs
from dlkit.instructor.machine import Machine
from dlkit.precision import PrecisionProbe

GB = 10**9
ROOT = Path(__file__).resolve().parents[1]
# Costs made up for these tests, so they hold whatever the benchmark measures next.
LAB_04 = LabCost("04_transfer_learning_vgg16", 654, 2.87e9, 2, "test CPU, 2 cores", "2026-11-25")
LAB_01 = LabCost("01_mnist_dense", 18, 1.43e9, 2, "test CPU, 2 cores", "2026-11-25")
COSTS = [LAB_01, LAB_04]


def machine(cores=2, memory=24 * GB, gpus=(), tpu=None, tensor_cores=False) -> Machine:
    return Machine("Linux", "CPU", cores, memory, list(gpus), tpu, tensor_cores)


def test_the_reference_machine_gets_the_measured_time_and_more_cores_a_range():
    assert full_profile_estimate(LAB_04, machine()) == "about 11 min"
    assert full_profile_estimate(LAB_04, machine(cores=8)) == "about 3 min to 11 min"
    assert "slower than the 2-core reference" in full_profile_estimate(LAB_04, machine(cores=1))


def test_a_first_run_on_an_empty_cache_is_estimated_apart_from_a_warm_run():
    measured = LabCost("03_pony_classifier", 160, 2.0e9, 2, "test CPU, 2 cores", "2026-12-02",
                       first_run_seconds=230)
    expected = "about 3 min; a first run on an empty cache about 4 min"
    assert full_profile_estimate(measured, machine()) == expected
    assert full_profile_estimate(LAB_01, machine()) == "about 20 s"  # no first run measured: none claimed


def test_a_machine_without_the_memory_is_told_to_use_the_quick_profile():
    verdict = full_profile_estimate(LAB_04, machine(memory=3 * GB))
    assert verdict.startswith("not here: needs about 2.9 GB") and "quick profile" in verdict


def test_a_lab_whose_data_is_missing_says_what_to_fetch():
    checks = {c.name: c.value for c in runtime_checks(machine(), lambda name: name != "mnist", COSTS)}
    once_fetched = "about 20 s, once `dlkit fetch mnist` has run (or with a network)"
    assert checks["Full profile, 01_mnist_dense"] == once_fetched
    assert checks["Full profile, 04_transfer_learning_vgg16"] == "about 11 min"


def test_an_accelerator_and_the_strategy_it_brings_are_named():
    two_gpus = machine(gpus=["H100, 81559 MiB"] * 2, tensor_cores=True)
    checks = {c.name: c.value for c in runtime_checks(two_gpus, costs=COSTS, backend="tensorflow")}
    assert checks["Accelerator"] == "H100, 81559 MiB; H100, 81559 MiB"
    assert checks["Labs will use"] == "MirroredStrategy over the GPUs, mixed_float16, Keras on tensorflow"
    assert checks["Full profile, 04_transfer_learning_vgg16"].startswith("under 11 min")
    on_jax = {c.name: c.value for c in runtime_checks(two_gpus, costs=COSTS, backend="jax")}
    assert on_jax["Labs will use"].startswith("keras.distribution.DataParallel")
    k80 = machine(gpus=["Tesla K80"])
    old_gpu = {c.name: c.value for c in runtime_checks(k80, costs=COSTS, backend="torch")}
    assert old_gpu["Labs will use"] == "one device (GPU), float32, Keras on torch"  # no tensor cores
    tpu = {check.name: check.value for check in runtime_checks(machine(tpu="COLAB_TPU_ADDR=10.0.0.2:8470"))}
    assert tpu["Labs will use"].startswith("TPUStrategy, mixed_bfloat16")
    cpu = {check.name: check.value for check in runtime_checks(machine(), backend="tensorflow")}
    assert cpu["Accelerator"].startswith("none")
    assert cpu["Labs will use"] == (
        "the default strategy on the CPU, float32, Keras on tensorflow; "
        "bfloat16 instead where the first lab measures it faster (a few seconds, once)"
    )
    measured = PrecisionProbe("this CPU", float32_steps_per_second=30.0, bfloat16_steps_per_second=54.0)
    cpu = {c.name: c.value for c in runtime_checks(machine(), backend="tensorflow", probe=measured)}
    verdict = "bfloat16 measured 1.80× float32 here, so the ConvNet labs use mixed_bfloat16"
    assert cpu["Labs will use"].endswith(verdict)


def test_doctor_reads_the_costs_the_lab_benchmark_records(tmp_path):
    costs = tmp_path / "lab_costs.json"
    record_lab_costs([LAB_04], costs)
    remeasured = LabCost("04_transfer_learning_vgg16", 300, 2e9, 4, "other", "2026-12-01")
    record_lab_costs([LAB_01, remeasured], costs)
    recorded = read_lab_costs(costs)
    assert [c.lab for c in recorded] == ["01_mnist_dense", "04_transfer_learning_vgg16"]
    assert recorded[1].seconds == 300 and recorded[1].cores == 4  # a new measurement replaces the old
    checks = {c.name: c.value for c in runtime_checks(machine(cores=4), lambda name: True, recorded)}
    assert checks["Full profile, 04_transfer_learning_vgg16"] == "about 5 min"


def test_the_shipped_costs_cover_every_lab_and_hold_what_the_demo_shows_beside_a_quick_run():
    from dlkit.course.lab_facts import read_lab_facts

    shipped = {cost.lab: cost for cost in read_lab_costs()}
    labs = [read_lab_facts(p) for p in sorted((ROOT / "labs").glob("[0-9][0-9]_*.ipynb"))]
    assert sorted(shipped) == [lab.name for lab in labs], "a lab without measured costs (benchmarks/labs.py)"
    for lab in labs:
        if not lab.quick_profile_shows_lesson:  # the demo quotes its full-profile results
            assert shipped[lab.name].headlines, f"{lab.name}: no full-profile results recorded"


DOCTOR = FreshRun([sys.executable, "-m", "dlkit.instructor.cli", "doctor"])


@pytest.mark.fresh_interpreter(DOCTOR)
def test_dlkit_doctor_prints_a_line_for_every_lab_measured_or_not():
    run = DOCTOR.outcome()
    measured = {cost.lab for cost in read_lab_costs()}
    for lab in sorted(p.stem for p in (ROOT / "labs").glob("[0-9][0-9]_*.ipynb")):
        [line] = [line for line in run.stdout.splitlines() if f"Full profile, {lab}" in line]
        assert ("about" in line or "not here" in line) if lab in measured else "not measured yet" in line
