"""A prediction as people read it: the most probable classes, with their probabilities."""

from __future__ import annotations

import numpy as np

__all__ = ["top_classes"]


def top_classes(
    probabilities: np.ndarray, classes: tuple[str, ...], k: int, indices: bool = False
) -> list[dict]:
    """The ``k`` most probable classes of one row of probabilities, most probable first, ties in
    class order: ``{"label", "probability"}`` (and ``"index"`` when asked), the label the class's
    name or its number where the model has more outputs than names."""
    order = np.argsort(-np.asarray(probabilities), kind="stable")[:k]
    rows = []
    for index in order:
        row = {"label": classes[index] if index < len(classes) else str(index)}
        if indices:
            row["index"] = int(index)
        row["probability"] = round(float(probabilities[index]), 6)
        rows.append(row)
    return rows
