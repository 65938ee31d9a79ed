"""``deepgrad.nn.common_types``: PyTorch's type aliases at PyTorch's path."""

from __future__ import annotations


def test_nn_common_types_at_torchs_path(torch):
    from deepgrad.nn import common_types

    theirs = {n for n in dir(torch.nn.common_types) if n.startswith("_") and n.endswith("_t")}
    assert theirs <= set(dir(common_types))
    assert common_types._size_2_t == (int | tuple[int, int])
