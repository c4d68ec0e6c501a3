"""Numbers that say how good a model is, in numpy only (no TensorFlow needed).

Regression (deck 000): MAE, MSE, RMSE and R². Classification: confusion matrix, per-class
precision/recall/F1, and the most confident mistakes. Post-processing (deck 002's "plot low
confidence / high uncertainty", "inspect neurons"): the least confident and the most uncertain
predictions, and the inputs that excite one unit of a layer most.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "accuracy",
    "classification_report",
    "confusion_matrix",
    "format_classification_report",
    "least_confident",
    "mean_absolute_error",
    "mean_squared_error",
    "most_uncertain",
    "prediction_entropy",
    "r_squared",
    "regression_report",
    "root_mean_squared_error",
    "strongest_inputs",
    "top_mistakes",
]


def mean_absolute_error(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """MAE = (1/N) Σ |y − ŷ|: the average size of a mistake, in the units of y."""
    return float(np.mean(np.abs(np.asarray(y_true, float) - np.asarray(y_pred, float))))


def mean_squared_error(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """MSE = (1/N) Σ (y − ŷ)²: punishes large mistakes more than small ones."""
    return float(np.mean((np.asarray(y_true, float) - np.asarray(y_pred, float)) ** 2))


def root_mean_squared_error(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """RMSE = √MSE: back in the units of y."""
    return float(np.sqrt(mean_squared_error(y_true, y_pred)))


def r_squared(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """R² = 1 − Σ(y − ŷ)² / Σ(y − ȳ)²: 1 is perfect, 0 is no better than predicting the mean."""
    y_true = np.asarray(y_true, float)
    residual = np.sum((y_true - np.asarray(y_pred, float)) ** 2)
    total = np.sum((y_true - y_true.mean()) ** 2)
    if total == 0:
        raise ValueError("R² is undefined when every true value is the same")
    return float(1.0 - residual / total)


def regression_report(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """MAE, MSE, RMSE and R² in one dict, in the deck's order."""
    return {
        "MAE": mean_absolute_error(y_true, y_pred),
        "MSE": mean_squared_error(y_true, y_pred),
        "RMSE": root_mean_squared_error(y_true, y_pred),
        "R2": r_squared(y_true, y_pred),
    }


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """The share of predictions that equal the true label."""
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int | None = None) -> np.ndarray:
    """Counts of (true class, predicted class) pairs.

    Returns:
        int64 array (num_classes, num_classes); row = true class, column = predicted class, so
        the diagonal holds the correct predictions and each row sums to that class's support.

    Example:
        >>> confusion_matrix([0, 1, 1], [0, 0, 1]).tolist()
        [[1, 0], [1, 1]]
    """
    y_true, y_pred = np.asarray(y_true, dtype=int), np.asarray(y_pred, dtype=int)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred differ in shape: {y_true.shape} and {y_pred.shape}")
    n = num_classes if num_classes is not None else int(max(y_true.max(), y_pred.max())) + 1
    for name, labels in (("y_true", y_true), ("y_pred", y_pred)):
        outside = labels[(labels < 0) | (labels >= n)]
        if outside.size:
            raise ValueError(
                f"{name} holds class {outside[0]}, outside 0..{n - 1} for num_classes={n}: pass the "
                "right num_classes, or class indices (argmax of the probabilities), not names or scores"
            )
    matrix = np.zeros((n, n), dtype=np.int64)
    np.add.at(matrix, (y_true, y_pred), 1)
    return matrix


def classification_report(
    y_true: np.ndarray, y_pred: np.ndarray, class_names: list[str] | None = None
) -> dict[str, dict[str, float]]:
    """Precision, recall, F1 and support for each class, plus their unweighted (macro) average.

    Precision: of the images predicted as this class, the share that were. Recall: of the images
    of this class, the share found. F1: their harmonic mean. A class never predicted has
    precision 0 (no correct predictions), as does its F1.
    """
    matrix = confusion_matrix(y_true, y_pred, len(class_names) if class_names else None)
    names = class_names or [str(i) for i in range(len(matrix))]
    report = {}
    for i, name in enumerate(names):
        hits, predicted, actual = matrix[i, i], matrix[:, i].sum(), matrix[i, :].sum()
        precision = hits / predicted if predicted else 0.0
        recall = hits / actual if actual else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        report[name] = {
            "precision": float(precision),
            "recall": float(recall),
            "f1": float(f1),
            "support": int(actual),
        }
    report["macro avg"] = {
        key: float(np.mean([report[name][key] for name in names])) for key in ("precision", "recall", "f1")
    } | {"support": int(matrix.sum())}
    return report


def format_classification_report(report: dict[str, dict[str, float]]) -> str:
    """The report as an aligned text table, one class per line."""
    width = max(len(name) for name in report)
    lines = [f"{'':{width}}  precision  recall     f1  support"]
    for name, row in report.items():
        lines.append(
            f"{name:>{width}}  {row['precision']:9.4f}  {row['recall']:6.4f}  "
            f"{row['f1']:5.4f}  {row['support']:7d}"
        )
    return "\n".join(lines)


def top_mistakes(y_true: np.ndarray, probabilities: np.ndarray, k: int = 9) -> np.ndarray:
    """Indices of the ``k`` wrong predictions the model was most sure of, most confident first.

    Args:
        y_true: (N,) integer labels.
        probabilities: (N, num_classes) predicted probabilities (softmax outputs).
    """
    probabilities = np.asarray(probabilities)
    predicted = probabilities.argmax(axis=1)
    wrong = np.flatnonzero(predicted != np.asarray(y_true))
    confidence = probabilities[wrong, predicted[wrong]]
    return wrong[np.argsort(-confidence, kind="stable")[:k]]


def prediction_entropy(probabilities: np.ndarray) -> np.ndarray:
    """Each prediction's entropy in nats: 0 when one class has it all, ln(C) when all C classes
    are equally likely (2.30 for MNIST's ten). It looks at the whole distribution, where the top
    probability alone does not: 0.5/0.5 between two classes is more certain than 0.5 and the rest
    spread over eight."""
    probabilities = np.clip(np.asarray(probabilities, dtype=np.float64), 1e-12, 1.0)
    return -(probabilities * np.log(probabilities)).sum(axis=1)


def least_confident(probabilities: np.ndarray, k: int = 9) -> np.ndarray:
    """Indices of the ``k`` predictions with the lowest top probability, least confident first."""
    top = np.asarray(probabilities).max(axis=1)
    return np.argsort(top, kind="stable")[:k]


def most_uncertain(probabilities: np.ndarray, k: int = 9) -> np.ndarray:
    """Indices of the ``k`` predictions with the highest entropy, most uncertain first."""
    return np.argsort(-prediction_entropy(probabilities), kind="stable")[:k]


def strongest_inputs(activations: np.ndarray, unit: int, k: int = 6) -> np.ndarray:
    """Indices of the ``k`` inputs that excite ``unit`` most, strongest first.

    Args:
        activations: a layer's outputs for N inputs, units last: (N, units) for a Dense layer,
            (N, height, width, units) for a Conv2D layer, whose maps are averaged.
        unit: which unit (filter) to look at.
    """
    activations = np.asarray(activations)
    per_input = activations[..., unit].reshape(len(activations), -1).mean(axis=1)
    return np.argsort(-per_input, kind="stable")[:k]
