"""The one integer-tuple check shared by convolution, pooling and their layers."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn
from deepgrad.functional.arguments import int_tuple


@pytest.mark.parametrize(
    "value, n, expected",
    [(3, 2, (3, 3)), ((1, 2), 2, (1, 2)), ([4], 1, (4,)), (np.int64(2), 2, (2, 2))],
)
def test_int_tuple_accepts_ints_and_sequences_of_ints(value, n, expected):
    assert int_tuple(value, n, "kernel_size", "conv2d") == expected


@pytest.mark.parametrize("value", [2.5, 2.0, True, (2, 2.5), "3", None])
def test_int_tuple_refuses_what_is_not_an_int(value):
    with pytest.raises(TypeError, match=r"conv2d: kernel_size must be an int or a tuple of 2"):
        int_tuple(value, 2, "kernel_size", "conv2d")


def test_int_tuple_refuses_a_wrong_length():
    with pytest.raises(ValueError, match=r"got \(1, 2, 3\) \(3 entries\)"):
        int_tuple((1, 2, 3), 2, "stride", "max_pool2d")


def test_layers_and_functions_refuse_a_fractional_kernel_instead_of_truncating_it():
    with pytest.raises(TypeError, match="Conv2d: kernel_size"):
        nn.Conv2d(1, 2, 2.5)
    x = dg.tensor(np.zeros((1, 1, 4, 4), np.float32))
    with pytest.raises(TypeError, match="max_pool2d: kernel_size"):
        dg.functional.max_pool2d(x, 1.5)
    with pytest.raises(TypeError, match="conv2d: stride"):
        dg.functional.conv2d(x, dg.tensor(np.zeros((1, 1, 2, 2), np.float32)), stride=1.0)
