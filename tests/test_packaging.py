"""A non-editable install carries what dlkit needs at run time: the registry, the embedded MNIST
subset with its licence, and the labs, where ``dlkit demo`` finds them."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_wheel_carries_registry_data_and_labs_and_the_demo_finds_them(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    [wheel] = tmp_path.glob("dlkit-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "dlkit/data/registry.json",
        "dlkit/instructor/lab_costs.json",
        "dlkit/data/embedded/mnist_subset.npz",
        "dlkit/data/embedded/MNIST-LICENSE.txt",
        "dlkit/labs/00_foundations.ipynb",
        "dlkit/labs/04_transfer_learning_vgg16.ipynb",
    ):
        assert needed in names
    venv = tmp_path / "venv"  # a real install: labs resolve differently there than from a source tree
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)],
        check=True,
        capture_output=True,
    )
    probe = "import dlkit.instructor.demo as d; print(*[p.name for p in d.find_labs()])"
    found = subprocess.run(
        [str(python), "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert found.stdout.split() == [
        "00_foundations.ipynb",
        "01_mnist_dense.ipynb",
        "02_mnist_cnn.ipynb",
        "03_pony_classifier.ipynb",
        "04_transfer_learning_vgg16.ipynb",
    ]
