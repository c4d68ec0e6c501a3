"""Make the class-balanced MNIST subset that ships inside dlkit (``dlkit/data/embedded/``).

Takes 1 000 training and 200 test images of each digit, chosen at random with a fixed seed and
kept in their original order, from a full MNIST npz in Keras' layout.

    python datasets/make_mnist_subset.py ../shared/data/mnist.npz dlkit/data/embedded/mnist_subset.npz
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

TRAIN_PER_CLASS = 1_000
TEST_PER_CLASS = 200
SEED = 20261122


def balanced_indices(labels: np.ndarray, per_class: int, rng: np.random.Generator) -> np.ndarray:
    """``per_class`` indices of each label, sorted so the subset keeps MNIST's order."""
    chosen = [
        rng.choice(np.flatnonzero(labels == digit), size=per_class, replace=False) for digit in range(10)
    ]
    return np.sort(np.concatenate(chosen))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="full MNIST npz (Keras layout)")
    parser.add_argument("output", type=Path, help="where to write the subset npz")
    args = parser.parse_args()

    rng = np.random.default_rng(SEED)
    with np.load(args.source, allow_pickle=False) as full:
        train = balanced_indices(full["y_train"], TRAIN_PER_CLASS, rng)
        test = balanced_indices(full["y_test"], TEST_PER_CLASS, rng)
        np.savez_compressed(
            args.output,
            x_train=full["x_train"][train],
            y_train=full["y_train"][train],
            x_test=full["x_test"][test],
            y_test=full["y_test"][test],
        )
    print(f"wrote {args.output}: {len(train)} train, {len(test)} test images")


if __name__ == "__main__":
    main()
