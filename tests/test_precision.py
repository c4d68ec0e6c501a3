"""bfloat16 on a CPU is measured, never assumed: the measurement, the stored verdict per machine,
the manual override, and pick_runtime following the verdict."""

from __future__ import annotations

import json

import keras
import pytest

from dlkit import precision
from dlkit.runtime import pick_runtime


@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("DLKIT_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv(precision.PRECISION_VARIABLE, raising=False)
    monkeypatch.setattr(precision, "_measured_here", None)
    return tmp_path


def store(cache, float32: float, bfloat16: float) -> None:
    key = precision.machine_key()
    probe = {"machine": key, "float32_steps_per_second": float32, "bfloat16_steps_per_second": bfloat16}
    (cache / precision.PROBE_FILE).write_text(json.dumps({key: probe}))


def no_measuring():
    raise AssertionError("measured again although this machine's verdict was stored")


@pytest.mark.training
def test_a_real_measurement_is_made_outside_the_callers_process_and_stored(empty_cache, monkeypatch):
    # A lab's checked model.summary() names its layers from Keras' global counters: measuring in
    # the lab's own kernel (two ConvNets trained) used to shift them on a machine's first run.
    def counter(name: str) -> int:  # "conv2d" is the first, then "conv2d_1", "conv2d_2", ...
        return int(name.rpartition("_")[2]) if "_" in name else 0

    before = keras.layers.Conv2D(1, 3).name
    pays_off, reason = precision.cpu_bfloat16_pays_off()
    after = keras.layers.Conv2D(1, 3).name
    assert counter(after) == counter(before) + 1, (before, after)
    assert ("so on" if pays_off else "so off") in reason and "× float32 on this CPU" in reason
    stored = json.loads((empty_cache / precision.PROBE_FILE).read_text())
    assert list(stored) == [precision.machine_key()]  # keyed by this machine, read back by the next lab
    monkeypatch.setattr(precision, "_measured_here", None)
    monkeypatch.setattr(precision, "measure_in_own_process", no_measuring)
    assert precision.cpu_bfloat16_pays_off() == (pays_off, reason)


def test_a_measurement_that_fails_falls_back_to_float32_and_says_why(empty_cache, monkeypatch):
    monkeypatch.setattr(precision.sys, "executable", "/bin/false")  # the child exits 1 at once
    pays_off, reason = precision.cpu_bfloat16_pays_off()
    assert pays_off is False
    assert reason == "the bfloat16 measurement failed (exit 1): no output; float32"


@pytest.mark.parametrize(("bfloat16", "expected"), [(50.0, True), (41.0, False), (30.0, False)])
def test_the_stored_verdict_is_reused_and_needs_a_clear_gain(empty_cache, monkeypatch, bfloat16, expected):
    store(empty_cache, float32=40.0, bfloat16=bfloat16)  # 1.25×, 1.03× (noise), 0.75× (emulated)
    monkeypatch.setattr(precision, "measure_in_own_process", no_measuring)
    assert precision.cpu_bfloat16_pays_off()[0] is expected


def test_the_variable_chooses_by_hand_or_measures_again(empty_cache, monkeypatch):
    store(empty_cache, float32=40.0, bfloat16=80.0)
    monkeypatch.setattr(precision, "measure_in_own_process", no_measuring)
    monkeypatch.setenv(precision.PRECISION_VARIABLE, "float32")
    assert precision.cpu_bfloat16_pays_off() == (False, "DLKIT_CPU_PRECISION=float32")
    monkeypatch.setenv(precision.PRECISION_VARIABLE, "bfloat16")
    assert precision.cpu_bfloat16_pays_off()[0] is True
    monkeypatch.setenv(precision.PRECISION_VARIABLE, "fast")
    with pytest.raises(ValueError, match="DLKIT_CPU_PRECISION='fast' is not a choice"):
        precision.cpu_bfloat16_pays_off()
    monkeypatch.setenv(precision.PRECISION_VARIABLE, "measure")
    with pytest.raises(AssertionError, match="measured again"):
        precision.cpu_bfloat16_pays_off()


def test_pick_runtime_follows_the_verdict_and_lab_01_can_opt_out(empty_cache, monkeypatch):
    monkeypatch.setattr(precision, "measure_in_own_process", no_measuring)
    try:
        store(empty_cache, float32=40.0, bfloat16=80.0)
        runtime = pick_runtime()
        assert runtime.mixed_precision == "mixed_bfloat16"
        assert keras.mixed_precision.global_policy().name == "mixed_bfloat16"
        assert "bfloat16 measured 2.00× float32 on this CPU, so on" in runtime.describe()
        assert pick_runtime(cpu_bfloat16=False).mixed_precision is None  # lab 01's dense net
        assert keras.mixed_precision.global_policy().name == "float32"
        store(empty_cache, float32=40.0, bfloat16=20.0)
        monkeypatch.setattr(precision, "_measured_here", None)
        assert pick_runtime().mixed_precision is None
        assert "so off" in pick_runtime().describe()
    finally:
        keras.mixed_precision.set_global_policy("float32")
