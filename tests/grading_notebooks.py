"""Students' notebooks for the grader's tests, written as real students' editors write them: lab 00's
two exercises (``my_conv2d_valid``, ``my_max_pool``) right, wrong, left as stubs, deleted, and
wrapped in everything a messy or hostile notebook does. Small (numpy only) so that each runs in a
real kernel in about a second."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

LAB_00 = Path(__file__).resolve().parents[1] / "labs" / "00_foundations.ipynb"

SETUP = "import numpy as np\nfrom dlkit.course import check"

RIGHT_CONVOLUTION = '''def my_conv2d_valid(image, kernel):
    rows = image.shape[0] - kernel.shape[0] + 1
    columns = image.shape[1] - kernel.shape[1] + 1
    out = np.zeros((rows, columns))
    for i in range(rows):
        for j in range(columns):
            out[i, j] = np.sum(image[i:i + kernel.shape[0], j:j + kernel.shape[1]] * kernel)
    return out
check.conv2d_valid(my_conv2d_valid)'''

RIGHT_POOLING = '''def my_max_pool(feature_map, size=2, stride=2):
    rows = -(-max(feature_map.shape[0] - size, 0) // stride) + 1
    columns = -(-max(feature_map.shape[1] - size, 0) // stride) + 1
    pooled = np.zeros((rows, columns))
    for i in range(rows):
        for j in range(columns):
            pooled[i, j] = feature_map[i * stride:i * stride + size, j * stride:j * stride + size].max()
    return pooled
check.max_pool(my_max_pool)'''

WRONG_CONVOLUTION = '''def my_conv2d_valid(image, kernel):
    return np.zeros((image.shape[0] - kernel.shape[0] + 1, image.shape[1] - kernel.shape[1] + 1))
check.conv2d_valid(my_conv2d_valid)'''

STUB_POOLING = '''def my_max_pool(feature_map, size=2, stride=2):
    """The maximum of every window."""
    raise NotImplementedError("Your turn: walk the window, keep each maximum")
check.max_pool(my_max_pool)'''


def notebook(*cells: str, nbformat_minor: int = 5, metadata: dict | None = None,
             cell_metadata: dict | None = None, outputs: list | None = None) -> dict:
    """A version-4 notebook of code ``cells`` (sources as lists of lines, as Jupyter saves them)."""
    return {
        "nbformat": 4, "nbformat_minor": nbformat_minor,
        "metadata": metadata or {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                "language": "python"}},
        "cells": [{"cell_type": "code", "execution_count": None, "id": f"cell-{index}",
                   "metadata": dict(cell_metadata or {}), "outputs": list(outputs or []),
                   "source": source.splitlines(keepends=True)} for index, source in enumerate(cells)],
    }


def version_3(*cells: str) -> dict:
    """The same cells as nbformat 3 (worksheets, ``input``), as IPython 2 saved them."""
    return {"nbformat": 3, "nbformat_minor": 0, "metadata": {"name": ""},
            "worksheets": [{"metadata": {}, "cells": [
                {"cell_type": "code", "collapsed": False, "input": source.splitlines(keepends=True),
                 "language": "python", "metadata": {}, "outputs": []} for source in cells]}]}


def colab(*cells: str) -> dict:
    """As Colab saves a notebook: its metadata, cell ids and execution records, stored outputs."""
    saved = notebook(*cells, metadata={
        "colab": {"provenance": [], "gpuType": "T4", "toc_visible": True},
        "kernelspec": {"name": "python3", "display_name": "Python 3"},
        "language_info": {"name": "python"}, "accelerator": "GPU"})
    for cell in saved["cells"]:
        cell["metadata"] = {"colab": {"base_uri": "https://localhost:8080/"}, "id": "x1Yz",
                            "outputId": "9f0e-21", "executionInfo": {"status": "ok", "elapsed": 12}}
    return saved


def write(path: Path, content: dict | str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, dict):
        path.write_text(json.dumps(content, indent=1), encoding="utf-8")
    elif isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def sandbox_or_skip(kind: str = "bubblewrap") -> str:
    """The sandbox ``kind`` ("bubblewrap" or "container") as the gradebook names it ("bubblewrap",
    "podman", "docker"); skip (saying why) where it cannot run here, or fail instead under
    ``DLKIT_REQUIRE_SANDBOX=1`` (bubblewrap) or ``DLKIT_REQUIRE_CONTAINER=1`` (CI, where both are
    installed)."""
    from dlkit.instructor.grading.sandbox import bubblewrap_problem, container_sandbox

    if kind == "bubblewrap":
        problem, name = bubblewrap_problem(), "bubblewrap"
    else:
        found = container_sandbox()
        problem, name = ("", found.kind) if not isinstance(found, str) else (found, "")
    if problem:
        required = "DLKIT_REQUIRE_SANDBOX" if kind == "bubblewrap" else "DLKIT_REQUIRE_CONTAINER"
        if os.environ.get(required) == "1":
            pytest.fail(f"{required}=1 but {problem}")
        pytest.skip(f"the grader's {kind} sandbox cannot run here: {problem}")
    return name

