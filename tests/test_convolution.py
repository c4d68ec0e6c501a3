"""Hand arithmetic of convolutions, checked on cases small enough to do on paper, and the deck's
worked examples reproduced."""

import numpy as np
import pytest

from dlkit.course import deck_examples
from dlkit.course.convolution import conv2d_valid, format_matrix, match_filter, max_pool, relu, truncate


def test_conv2d_valid_on_a_case_done_by_hand():
    image = np.array([[1, 2, 0], [0, 1, 3], [4, 0, 1]])
    kernel = np.array([[1, 0], [0, -1]])
    # top-left: 1*1 + 2*0 + 0*0 + 1*(-1) = 0; top-right: 2 - 3 = -1; ...
    assert conv2d_valid(image, kernel).tolist() == [[0.0, -1.0], [0.0, 0.0]]


def test_conv2d_valid_does_not_flip_the_filter_like_keras():
    image = np.arange(9).reshape(3, 3)
    kernel = np.zeros((3, 3))
    kernel[0, 0] = 1
    assert conv2d_valid(image, kernel).tolist() == [[0.0]]  # picks the top-left pixel


def test_a_filter_larger_than_the_image_is_refused():
    with pytest.raises(ValueError, match="does not fit"):
        conv2d_valid(np.ones((2, 2)), np.ones((3, 3)))


def test_max_pool_keeps_the_edge_so_7_becomes_4():
    pooled = max_pool(np.arange(49).reshape(7, 7))
    assert pooled.shape == (4, 4)
    assert pooled[0].tolist() == [8, 10, 12, 13] and pooled[3].tolist() == [43, 45, 47, 48]


def test_relu_zeroes_negatives_only():
    assert relu(np.array([-2.0, -0.0, 0.5, 3.0])).tolist() == [0.0, 0.0, 0.5, 3.0]


def test_truncate_cuts_toward_zero_and_survives_float_error():
    values = np.array([7 / 9, -1 / 9, 5 / 9, sum([1 / 9] * 9), -7 / 9])
    assert truncate(values).tolist() == [0.77, -0.11, 0.55, 1.0, -0.77]


def test_format_matrix_prints_fixed_width_without_negative_zero():
    assert format_matrix(np.array([[0.77, -0.0], [-0.11, 1.0]])) == "  0.77   0.00\n -0.11   1.00"


def test_what_is_a_convolution_example_of_deck_004():
    result = conv2d_valid(deck_examples.CONVOLUTION_IMAGE, deck_examples.CONVOLUTION_FILTER)
    assert np.array_equal(result, deck_examples.CONVOLUTION_FEATURE_MAP)


@pytest.mark.parametrize("name", list(deck_examples.FILTERS))
def test_x_and_o_deck_maps_are_reproduced(name):
    feature_map = match_filter(deck_examples.X_IMAGE, deck_examples.FILTERS[name])
    pooled = max_pool(feature_map)
    assert np.array_equal(truncate(feature_map), deck_examples.DECK_FEATURE_MAPS[name])
    assert np.array_equal(truncate(pooled), deck_examples.DECK_POOLED_MAPS[name])
    assert np.array_equal(truncate(max_pool(relu(pooled))), deck_examples.DECK_STACKED_MAPS[name])


def test_the_deck_pictures_are_plus_minus_one_and_the_x_is_symmetric():
    for picture in (deck_examples.X_IMAGE, deck_examples.O_IMAGE):
        assert picture.shape == (9, 9) and set(np.unique(picture)) == {-1.0, 1.0}
    assert np.array_equal(deck_examples.X_IMAGE, np.fliplr(deck_examples.X_IMAGE))
