"""Time to accuracy: the labs' training against the reference recipes R1–R3, on this CPU.

For each pair, both recipes run in separate processes, alternating A B A B for ``--rounds``
rounds so machine noise hits both alike. Each run trains until its test accuracy first reaches
the target (R1 97.5 %, R2 99.0 %, R3 the recipe's own final accuracy in that round) or its epoch
budget ends. The clock covers ``fit`` only: the per-epoch test evaluation that decides "reached"
is measurement, not training, and is taken out. Printed per pair: median seconds to target, the
ratio lab / reference, final accuracies, peak memory, training throughput and the arithmetic it
does (``compute.training_flops``) next to what this CPU's float32 matrix multiply reaches.

    DLKIT_DATA_DIR=../shared/data python benchmarks/time_to_accuracy.py --pairs R1 R2 R3 --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

PAIRS = {"R1": ("R1", "lab01"), "R2": ("R2", "lab02"), "R3": ("R3", "lab03")}


def run_child(name: str, target: float | None, seed: int) -> dict:
    import keras
    import numpy as np
    from compute import training_flops
    from recipes import recipe

    keras.utils.set_random_seed(seed)
    chosen = recipe(name)
    precision = chosen.precision()  # the labs' own choice (pick_runtime); float32 for the references
    train, test = chosen.data()
    model = chosen.build()
    evaluate = chosen.evaluate or (
        lambda m: float(np.mean(m.predict(test[0], batch_size=1000, verbose=0).argmax(axis=1) == test[1]))
    )
    state = {"measure": 0.0, "reached_at": None, "accuracies": [], "times": []}

    class Watch(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            started = time.perf_counter()
            state["times"].append(started - fit_started - state["measure"])
            accuracy = evaluate(self.model)
            state["accuracies"].append(accuracy)
            if target is not None and accuracy >= target and state["reached_at"] is None:
                state["reached_at"] = time.perf_counter() - fit_started - state["measure"]
                self.model.stop_training = True
            state["measure"] += time.perf_counter() - started

    fit_started = time.perf_counter()
    chosen.fit(model, train, chosen.epochs, [Watch()])
    training_seconds = time.perf_counter() - fit_started - state["measure"]
    epochs = len(state["accuracies"])
    if target is None:  # the reference of R3: when did it first reach its own final accuracy?
        final = state["accuracies"][-1]
        first = next(i for i, accuracy in enumerate(state["accuracies"]) if accuracy >= final)
        state["reached_at"] = state["times"][first]
    return {
        "name": name,
        "precision": precision,
        "seconds_to_target": state["reached_at"],
        "training_seconds": training_seconds,
        "epochs": epochs,
        "final_accuracy": state["accuracies"][-1],
        "accuracy_per_epoch": [round(a, 4) for a in state["accuracies"]],
        "images_per_second": chosen.train_images * epochs / training_seconds,
        "training_flops": training_flops(model),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def child(name: str, target: float | None, seed: int) -> dict:
    command = [sys.executable, __file__, "--child", name, "--seed", str(seed)]
    if target is not None:
        command += ["--target", str(target)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if not lines:
        sys.exit(f"{name} failed:\n{result.stderr[-3000:]}")
    return json.loads(lines[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", nargs="+", default=list(PAIRS), choices=list(PAIRS))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--target", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_child(args.child, args.target, args.seed)))
        return

    from compute import matmul_gflops
    from recipes import TARGETS

    os.environ.setdefault("DLKIT_OFFLINE", "1")
    gflops = matmul_gflops()
    print(
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d')}; float32 matmul reaches {gflops:.0f} GFLOP/s here",
        flush=True,
    )
    table = []
    for pair in args.pairs:
        reference, lab = PAIRS[pair]
        runs = {reference: [], lab: []}
        for round_number in range(args.rounds):
            first = child(reference, TARGETS.get(pair), seed=round_number)
            runs[reference].append(first)
            target = TARGETS.get(pair, first["final_accuracy"])  # R3: the recipe's own final accuracy
            runs[lab].append(child(lab, target, seed=round_number))
            print(
                f"  {pair} round {round_number + 1}: {reference} {first['seconds_to_target']} s, "
                f"{lab} {runs[lab][-1]['seconds_to_target']} s (target {target:.4f})",
                flush=True,
            )
        table.append((pair, reference, lab, runs))

    print(
        "\n| pair | recipe (precision) | median s to target (range) | reached "
        "| accuracy when stopped (median) | epochs | images/s "
        "| training GFLOP/s (share of the float32 matmul rate) | peak RSS MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for pair, reference, lab, runs in table:
        medians = {}
        for name in (reference, lab):
            rows = runs[name]
            reached = [r["seconds_to_target"] for r in rows if r["seconds_to_target"] is not None]
            medians[name] = statistics.median(reached) if len(reached) == len(rows) else None
            throughput = statistics.median(r["images_per_second"] for r in rows)
            training_gflops = throughput * rows[0]["training_flops"] / 1e9
            shown = (f"{medians[name]:.1f} ({min(reached):.1f}–{max(reached):.1f})"
                     if medians[name] is not None else "not always")
            print(
                f"| {pair} | {name} ({rows[0]['precision']}) | {shown} | {len(reached)}/{len(rows)} | "
                f"{statistics.median(r['final_accuracy'] for r in rows):.4f} | "
                f"{statistics.median(r['epochs'] for r in rows):.0f} | {throughput:,.0f} | "
                f"{training_gflops:.1f} ({training_gflops / gflops:.0%} of {gflops:.0f}) | "
                f"{max(r['peak_rss_mb'] for r in rows):.0f} |"
            )
        if medians[reference] and medians[lab]:
            # round by round: reference and lab ran back to back, so each ratio shares its moment's noise
            pairs = zip(runs[reference], runs[lab], strict=True)
            ratios = [b["seconds_to_target"] / a["seconds_to_target"] for a, b in pairs]
            each = ", ".join(f"{r:.2f}" for r in ratios)
            print(f"| {pair} | **ratio {medians[lab] / medians[reference]:.2f}** (of the medians) | "
                  f"each round: {each}; worst {max(ratios):.2f} | | | | | | |")
        else:
            print(f"| {pair} | ratio n/a | a recipe missed its target in some round | | | | | | |")

if __name__ == "__main__":
    main()
