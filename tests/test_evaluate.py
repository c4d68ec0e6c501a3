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


def test_confusion_matrix_rows_are_truth_and_columns_predictions():
    from dlkit.evaluate import confusion_matrix

    matrix = confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 2, 0])
    assert matrix.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    assert confusion_matrix([1], [1], num_classes=3).shape == (3, 3)


@pytest.mark.parametrize(("y_true", "y_pred", "named"), [([0, 3], [0, 1], "y_true holds class 3"),
                                                          ([0, 1], [0, -1], "y_pred holds class -1")])
def test_confusion_matrix_names_a_label_outside_the_classes(y_true, y_pred, named):
    from dlkit.evaluate import confusion_matrix

    with pytest.raises(ValueError, match=named) as raised:
        confusion_matrix(y_true, y_pred, num_classes=3)
    assert "num_classes=3" in str(raised.value)


def test_classification_report_by_hand():
    from dlkit.evaluate import classification_report, format_classification_report

    # class 0: 1 of 2 found (recall .5), 2 predicted of which 1 right (precision .5)
    # class 1: 1 of 1 found, 2 predicted (precision .5); class 2: 2 of 3 found, 2 predicted, both right
    report = classification_report([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 2, 0], class_names=["a", "b", "c"])
    assert report["a"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
    assert report["b"]["precision"] == 0.5 and report["b"]["recall"] == 1.0
    assert report["b"]["f1"] == pytest.approx(2 / 3)
    assert report["c"] == {
        "precision": 1.0,
        "recall": pytest.approx(2 / 3),
        "f1": pytest.approx(0.8),
        "support": 3,
    }
    assert report["macro avg"]["recall"] == pytest.approx((0.5 + 1 + 2 / 3) / 3)
    assert report["macro avg"]["support"] == 6
    assert "precision" in format_classification_report(report).splitlines()[0]


def test_a_class_never_predicted_has_zero_precision_not_a_crash():
    from dlkit.evaluate import classification_report

    report = classification_report([0, 1], [0, 0], class_names=["a", "b"])
    assert report["b"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}


def test_top_mistakes_are_wrong_and_sorted_by_confidence():
    from dlkit.evaluate import accuracy, top_mistakes

    y_true = np.array([0, 1, 2, 0])
    probabilities = np.array(
        [
            [0.9, 0.1, 0.0],  # right
            [0.7, 0.3, 0.0],  # wrong, 0.7 sure
            [0.05, 0.95, 0.0],  # wrong, 0.95 sure
            [0.4, 0.6, 0.0],  # wrong, 0.6 sure
        ]
    )
    assert top_mistakes(y_true, probabilities, k=2).tolist() == [2, 1]
    assert top_mistakes(y_true, probabilities, k=10).tolist() == [2, 1, 3]
    assert accuracy(y_true, probabilities.argmax(axis=1)) == 0.25
