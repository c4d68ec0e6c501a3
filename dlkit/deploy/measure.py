"""Measure each exported file on the same test images, on the same machine, in one run: file size,
batch-1 latency, throughput at a batch of 64, test accuracy and its change against the Keras model.

Latency is the median of many single-image calls after a warm-up (the first calls of a runtime pay
for its set-up); throughput is images per second over whole batches of 64.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from dlkit.deploy.card import read_card, write_card
from dlkit.deploy.export import file_size
from dlkit.deploy.formats import FORMAT_NAMES
from dlkit.deploy.predictors import Predictor, load_predictor

__all__ = ["FileMeasurement", "format_table", "measure_file", "measure_files"]

THROUGHPUT_BATCH = 64
WARM_UP_CALLS = 3


@dataclass(frozen=True)
class FileMeasurement:
    """One row of the lab's table."""

    name: str  # e.g. "LiteRT (.tflite) int8"
    path: Path
    size_bytes: int
    latency_ms: float  # median single-image call
    images_per_second: float  # at a batch of THROUGHPUT_BATCH
    accuracy: float
    accuracy_change: float  # against the first (reference) row, in accuracy points (0-1)


def _accuracy(predictor: Predictor, images: np.ndarray, labels: np.ndarray, batch: int = 256) -> float:
    predicted = [
        predictor.predict(images[start : start + batch]).argmax(axis=1)
        for start in range(0, len(images), batch)
    ]
    return float(np.mean(np.concatenate(predicted) == np.asarray(labels)))


def measure_file(
    path: str | Path,
    images: np.ndarray,
    labels: np.ndarray,
    latency_calls: int = 200,
    throughput_batches: int = 10,
    reference_accuracy: float | None = None,
) -> FileMeasurement:
    """Load ``path`` in its runtime and measure it on ``images`` (scaled as the model takes them).

    The file's serving card, where it has one, is updated with the accuracy measured: what ``dlkit
    serve``'s /info and the classroom's projector show beside what the model meets."""
    predictor = load_predictor(path)
    images = np.asarray(images, dtype=np.float32)
    for _ in range(WARM_UP_CALLS):
        predictor.predict(images[:1])
    timings = []
    for index in range(latency_calls):
        one = images[index % len(images)][np.newaxis]
        started = time.perf_counter()
        predictor.predict(one)
        timings.append(time.perf_counter() - started)
    batch = np.resize(images, (THROUGHPUT_BATCH, *images.shape[1:]))
    predictor.predict(batch)  # a new batch size: LiteRT re-plans once
    started = time.perf_counter()
    for _ in range(throughput_batches):
        predictor.predict(batch)
    images_per_second = throughput_batches * THROUGHPUT_BATCH / (time.perf_counter() - started)
    accuracy = _accuracy(predictor, images, labels)
    card = predictor.card
    if read_card(path) is not None:
        write_card(path, replace(card, test_accuracy=round(accuracy, 4)))
    return FileMeasurement(
        name=f"{FORMAT_NAMES.get(card.format, card.format)} {card.quantization}",
        path=Path(path),
        size_bytes=file_size(path),
        latency_ms=1000 * float(np.median(timings)),
        images_per_second=images_per_second,
        accuracy=accuracy,
        accuracy_change=accuracy - (accuracy if reference_accuracy is None else reference_accuracy),
    )


def measure_files(
    paths: Iterable[str | Path],
    images: np.ndarray,
    labels: np.ndarray,
    latency_calls: int = 200,
    throughput_batches: int = 10,
) -> list[FileMeasurement]:
    """Measure every file, the first one being the reference the accuracy change is taken against."""
    rows: list[FileMeasurement] = []
    for path in paths:
        reference = rows[0].accuracy if rows else None
        rows.append(measure_file(path, images, labels, latency_calls, throughput_batches, reference))
    return rows


def format_table(rows: list[FileMeasurement]) -> str:
    """The measurements as a plain-text table, sizes in kB, accuracy in %."""
    header = (
        f"{'format':<30} {'size kB':>9} {'batch-1 ms':>10} {'images/s @64':>12} {'accuracy':>9} {'change':>7}"
    )
    lines = [header, "-" * len(header)]
    for row in rows:
        lines.append(
            f"{row.name:<30} {row.size_bytes / 1000:>9.1f} {row.latency_ms:>10.2f} "
            f"{row.images_per_second:>12,.0f} {100 * row.accuracy:>8.2f}% {100 * row.accuracy_change:>+6.2f}"
        )
    return "\n".join(lines)
