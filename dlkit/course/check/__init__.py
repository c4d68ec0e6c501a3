"""Checkers for the labs' "Your turn" exercises: each prints a pass or a hint, never the answer.

In a lab::

    from dlkit.course import check
    check.max_pool(my_max_pool)

Every checker is also reachable as ``check.<name>.judge(...)``, which returns the
:class:`~dlkit.course.check.verdict.Verdict` instead of printing it (the unit tests use it).
"""

from dlkit.course.check.lab00 import conv2d_valid, max_pool
from dlkit.course.check.lab01 import deeper_network, parameter_count
from dlkit.course.check.lab02 import conv_output_shape, global_pooling_head
from dlkit.course.check.lab03 import augmentation, overfitting_epoch
from dlkit.course.check.lab04 import feature_shape, fine_tune_deeper
from dlkit.course.check.lab05 import entropy, quantize_int8
from dlkit.course.check.lab06 import gru_parameter_count, lstm_step
from dlkit.course.check.lab07 import batch_norm_weights, residual_block
from dlkit.course.check.verdict import Verdict

__all__ = [
    "Verdict",
    "augmentation",
    "batch_norm_weights",
    "conv2d_valid",
    "conv_output_shape",
    "deeper_network",
    "entropy",
    "feature_shape",
    "fine_tune_deeper",
    "global_pooling_head",
    "gru_parameter_count",
    "lstm_step",
    "max_pool",
    "overfitting_epoch",
    "parameter_count",
    "quantize_int8",
    "residual_block",
]
