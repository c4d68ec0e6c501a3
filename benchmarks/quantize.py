"""Lab 05's quantization tables in the full profile: every export of the MNIST ConvNet and of the
pony classifier, measured on the same test images in one run (size, batch-1 latency, images/s at a
batch of 64, accuracy and its change against the Keras model).

It runs lab 05 itself (``labs/05_deploy.ipynb``, full profile), so the figures are the lab's, and
prints its two tables with the machine, the date and this CPU's float32 matmul rate. Full MNIST
must be on the machine (e.g. DLKIT_DATA_DIR=../shared/data).

    DLKIT_DATA_DIR=../shared/data python benchmarks/quantize.py
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAB = ROOT / "labs" / "05_deploy.ipynb"


def tables(notebook) -> list[str]:
    """The printed tables: the output of every cell that calls ``format_table``."""
    found = []
    for cell in notebook.cells:
        if cell.cell_type == "code" and "format_table(" in cell.source:
            text = "".join(
                output.get("text", "") for output in cell.outputs if output.get("name") == "stdout"
            )
            found.append(text.strip())
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="full", choices=["full", "quick"])
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "dlkit-quantize")
    args = parser.parse_args()

    import nbformat
    from compute import matmul_gflops

    from dlkit.instructor.demo import run_demo

    gflops = matmul_gflops()
    (result,) = run_demo(args.out, [LAB], profile=args.profile, progress=lambda line: None)
    print(
        f"benchmarks/quantize.py, {args.profile} profile, {time.strftime('%Y-%m-%d')} on "
        f"{platform.machine()}, {os.cpu_count()} cores; float32 matmul {gflops:.0f} GFLOP/s; "
        f"lab 05 {result.status} in {result.seconds:.0f} s"
    )
    if result.status != "ok":
        raise SystemExit(1)
    for table in tables(nbformat.read(result.notebook, as_version=4)):
        print()
        print(table)


if __name__ == "__main__":
    main()
