"""One search order: what `dlkit datasets` and `dlkit doctor` report is what `load_mnist()` does,
whichever folders hold a good copy and which a bad one (the scenario and its mirror images)."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pytest

from dlkit.data.mnist import load_mnist
from dlkit.errors import DatasetUnavailable, VerificationError
from dlkit.instructor.cli import main

JUNK = b"a half-copied file, not mnist"


def folders(tmp_path: Path) -> dict[str, Path]:
    return {
        "user": tmp_path / "user-data" / "mnist.npz",
        "dlkit": tmp_path / "dlkit-cache" / "datasets" / "mnist.npz",
        "keras": tmp_path / "keras-home" / "datasets" / "mnist.npz",
    }


# (good copy in, bad copy in) -> (what loading does, what the listing says, the folder it names)
SCENARIOS = {
    "bad in the user's folder, good in dlkit's cache": (("dlkit",), ("user",), "refuses", "corrupt", "user"),
    "good in the user's folder, bad in dlkit's cache": (("user",), ("dlkit",), "user", "verified", "user"),
    "bad in dlkit's cache, good in Keras' cache": (("keras",), ("dlkit",), "keras", "verified", "keras"),
    "good in dlkit's cache, bad in Keras' cache": (("dlkit",), ("keras",), "dlkit", "verified", "dlkit"),
    "bad in the user's folder, good in Keras' cache": (("keras",), ("user",), "refuses", "corrupt", "user"),
    "bad in Keras' cache only": ((), ("keras",), "unavailable", "corrupt", "keras"),
}


def listing_line(capsys) -> str:
    assert main(["datasets", "-v"]) == 0
    [line] = [line for line in capsys.readouterr().out.splitlines() if line.startswith("mnist ")]
    return line


def doctor_line(capsys) -> str:
    main(["doctor"])
    [line] = [line for line in capsys.readouterr().out.splitlines() if "mnist: mnist.npz" in line]
    return line


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_listing_the_doctor_and_the_loader_agree(scenario, tiny_mnist, tmp_path, monkeypatch, capsys):
    good, bad, loading, status, named = SCENARIOS[scenario]
    places = folders(tmp_path)
    for where in good + bad:
        places[where].parent.mkdir(parents=True, exist_ok=True)
        if where in good:
            shutil.copyfile(tiny_mnist.original, places[where])
        else:
            places[where].write_bytes(JUNK)
    if "user" in good + bad:
        monkeypatch.setenv("DLKIT_DATA_DIR", str(places["user"].parent))
    monkeypatch.setenv("DLKIT_OFFLINE", "1")

    listed, doctor = listing_line(capsys), doctor_line(capsys)
    assert f" {status} " in listed and f"{status} at {places[named]}" in doctor, (listed, doctor)
    assert str(places[named]) in listed

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a bad cached copy is moved aside or passed over, with a warning
        if loading == "refuses":
            with pytest.raises(VerificationError, match="left unchanged"):
                load_mnist()
        elif loading == "unavailable":
            with pytest.raises(DatasetUnavailable):
                load_mnist()
        else:
            load_mnist()
            assert f"MNIST: {places[loading]} (" in capsys.readouterr().out
    if "user" in bad:
        assert places["user"].read_bytes() == JUNK  # the user's file is never changed
    if "keras" in bad:
        assert places["keras"].read_bytes() == JUNK  # nor is Keras' cache
