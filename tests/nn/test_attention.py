"""nn.MultiheadAttention's helpers as PyTorch's."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg


def test_merge_masks_as_torch():
    torch = pytest.importorskip("torch")
    am = np.triu(np.full((3, 3), -np.inf), 1).astype(np.float32)
    kp = np.array([[0, 0, -np.inf], [0, 0, 0]], np.float32)
    got = []
    for m in (dg, torch):
        mha = m.nn.MultiheadAttention(4, 2, batch_first=True)
        q = m.zeros(2, 3, 4)
        out = []
        for a, k in ((am, kp), (None, kp), (am, None), (None, None)):
            merged, kind = mha.merge_masks(
                None if a is None else m.tensor(a), None if k is None else m.tensor(k), q
            )
            out.append((None if merged is None else merged.numpy().tolist(), kind))
        got.append(out)
    assert got[0] == got[1]
