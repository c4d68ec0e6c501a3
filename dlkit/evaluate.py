"""Numbers that say how good a model is, in numpy only (no TensorFlow needed).

Regression (deck 000): MAE, MSE, RMSE and R². Classification: confusion matrix, per-class
precision/recall/F1, and the most confident mistakes.
"""

from __future__ import annotations

import numpy as np


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
