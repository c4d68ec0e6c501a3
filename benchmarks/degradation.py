"""The learning rates of lab 07's depth test: each network at the rate that suits it.

Lab 07 compares a shallow plain network, a deep plain one and a residual one of the same depth
(deck 004's degradation test). A fair comparison trains each at its own best rate, so this sweeps
0.001, 0.003 and 0.01 for each of the three, one seed, with the lab's own data, networks and
recipe (its cells are executed here: a network is defined once, in its lab), and keeps the rate
with the best final validation accuracy. Lab 07's ``learning_rates`` must name these rates
(``tests/test_recipes_match_labs.py`` checks it).

    python benchmarks/degradation.py            # sweep (about 5 minutes on 2 cores), write, render
    python benchmarks/degradation.py --render   # render the stored figures into the docs only

Writes ``benchmarks/results/degradation.json`` and renders its table into docs/measurements.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from recipes import lab_cell  # noqa: E402  (the benchmark's sibling module)
from rendered_block import write_block  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "degradation.json"
DOCS = ROOT / "docs" / "measurements.md"
BEGIN = "<!-- degradation: written by benchmarks/degradation.py from benchmarks/results/degradation.json -->"
END = "<!-- end of degradation -->"
LAB = "07_modern_blocks.ipynb"
NETWORKS = ("+ global pooling", "deep plain", "residual")
RATES = (0.001, 0.003, 0.01)
SEED = 42


def sweep() -> dict:
    import os

    os.environ.setdefault("DLKIT_PROFILE", "full")
    import keras

    from dlkit.course.profiles import current_profile
    from dlkit.instructor.machine import describe_machine
    from dlkit.runtime import pick_runtime

    scope = {"keras": keras, "profile": current_profile(), "seed": SEED}
    exec(lab_cell(LAB, "from dlkit.course.ponies import pony_splits"), scope)  # the setup cell
    exec(lab_cell(LAB, "folders = pony_splits("), scope)  # the data
    exec(lab_cell(LAB, "def residual_stage(x, filters):"), scope)  # the networks
    recipe = lab_cell(LAB, "def train(kind, run_seed=seed, learning_rate=0.003):")
    exec(recipe.split("histories, test_accuracy")[0], scope)  # the recipe, without the lab's own runs
    runs = []
    for network in NETWORKS:
        for rate in RATES:
            started = time.perf_counter()
            history, test_accuracy, _ = scope["train"](network, SEED, rate)
            runs.append({"network": network, "learning_rate": rate, "seed": SEED,
                         "validation_accuracy": round(history.history["val_accuracy"][-1], 4),
                         "training_loss": round(history.history["loss"][-1], 4),
                         "seconds": round(time.perf_counter() - started, 1)})
    chosen = {}
    for network in NETWORKS:
        own = [run for run in runs if run["network"] == network]
        best = max(own, key=lambda run: run["validation_accuracy"])
        chosen[network] = best["learning_rate"]
    return {
        "command": "python benchmarks/degradation.py",
        "date": datetime.date.today().isoformat(),
        "machine": machine_line(describe_machine(framework=False)),
        "python": platform.python_version(),
        "keras": keras.__version__,
        "precision": pick_runtime(make_default=False).mixed_precision or "float32",
        "epochs": scope["epochs"],
        "runs": runs,
        "chosen": chosen,
    }


def machine_line(machine) -> str:
    memory = f", {machine.memory_bytes / 2**30:.0f} GiB" if machine.memory_bytes else ""
    return f"{machine.processor}, {machine.cores} cores{memory}"


def figures_table(results: dict) -> str:
    lines = [
        f"`{results['command']}` — {results['date']}, {results['machine']}, Python {results['python']}, "
        f"Keras {results['keras']}, {results['precision']}: lab 07's three networks of the depth test, "
        f"{results['epochs']} epochs each, seed {results['runs'][0]['seed']}, the lab's ponies and recipe.",
        "",
        "| network | learning rate | validation accuracy | training loss | seconds |",
        "|---|---|---|---|---|",
    ]
    for run in results["runs"]:
        best = " (chosen)" if results["chosen"][run["network"]] == run["learning_rate"] else ""
        lines.append(f"| {run['network']} | {run['learning_rate']}{best} | {run['validation_accuracy']:.4f} "
                     f"| {run['training_loss']:.3f} | {run['seconds']:.0f} |")
    lines += ["", "Each network trains in lab 07 at the rate marked chosen: the best final validation "
              "accuracy."]
    return "\n".join(lines)


def render_docs() -> None:
    write_block(DOCS, BEGIN, END, figures_table(json.loads(RESULTS.read_text(encoding="utf-8"))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--render", action="store_true", help="only render the stored figures into the docs")
    if not parser.parse_args().render:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(sweep(), indent=1) + "\n", encoding="utf-8")
    render_docs()


if __name__ == "__main__":
    main()
