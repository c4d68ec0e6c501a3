"""Evaluation metrics against cases computed by hand."""

import math

import numpy as np
import pytest

from dlkit.evaluate import (
    mean_absolute_error,
    mean_squared_error,
    r_squared,
    regression_report,
    root_mean_squared_error,
)


def test_regression_metrics_on_the_fish_and_chips_guess():
    # every item guessed at $3: predicted 12, 27, 6, 12, 6 against 12, 15, 7, 8, 7
    totals = [12, 15, 7, 8, 7]
    predicted = [12, 27, 6, 12, 6]
    assert mean_absolute_error(totals, predicted) == pytest.approx((0 + 12 + 1 + 4 + 1) / 5)
    assert mean_squared_error(totals, predicted) == pytest.approx((0 + 144 + 1 + 16 + 1) / 5)
    assert root_mean_squared_error(totals, predicted) == pytest.approx(math.sqrt(32.4))
    # mean 9.8; total sum of squares 50.8; residual 162
    assert r_squared(totals, predicted) == pytest.approx(1 - 162 / 50.8)


def test_a_perfect_prediction_scores_zero_error_and_r2_of_one():
    y = np.array([1.0, 2.0, 4.0])
    assert regression_report(y, y) == {"MAE": 0.0, "MSE": 0.0, "RMSE": 0.0, "R2": 1.0}


def test_predicting_the_mean_gives_r2_of_zero():
    y = np.array([1.0, 2.0, 6.0])
    assert r_squared(y, np.full(3, 3.0)) == pytest.approx(0.0)


def test_r2_of_a_constant_target_is_an_error():
    with pytest.raises(ValueError, match="undefined"):
        r_squared([2, 2, 2], [1, 2, 3])
