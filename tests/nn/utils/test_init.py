"""nn.utils.skip_init against PyTorch's: the module's structure without its initialization
(deepgrad: zeros, the global random stream untouched), and its errors."""

from __future__ import annotations

import pytest

import deepgrad as dg
from deepgrad import nn


def test_skip_init_builds_without_initializing(torch):
    m, t = (
        nn.utils.skip_init(nn.Linear, 4, 3, bias=False),
        torch.nn.utils.skip_init(torch.nn.Linear, 4, 3, bias=False),
    )
    assert {k: v.shape for k, v in m.state_dict().items()} == {
        k: tuple(v.shape) for k, v in t.state_dict().items()
    }
    assert repr(m) == repr(t) and m.weight.requires_grad and float(m.weight.abs().sum()) == 0
    bn = nn.utils.skip_init(nn.BatchNorm1d, 3, device="cpu")
    assert float(bn.running_var.sum()) == 0 and int(bn.num_batches_tracked) == 0
    dg.manual_seed(5)
    nn.utils.skip_init(nn.Conv2d, 3, 8, 3)
    after = dg.rand(3).tolist()
    dg.manual_seed(5)
    assert dg.rand(3).tolist() == after


def test_skip_init_errors_as_torch(torch):
    class NoDevice(nn.Module):
        def __init__(self, n):
            super().__init__()

    class TNoDevice(torch.nn.Module):
        def __init__(self, n):
            super().__init__()

    for lib, cls in ((dg, NoDevice), (torch, TNoDevice)):
        with pytest.raises(RuntimeError, match="Module must support a 'device' arg to skip"):
            lib.nn.utils.skip_init(cls, 2)
        with pytest.raises(RuntimeError, match="Expected a Module; got"):
            lib.nn.utils.skip_init(int, 2)
