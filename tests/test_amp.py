"""``deepgrad.amp`` under PyTorch's names: the custom-Function decorators."""

from __future__ import annotations

import pytest

import deepgrad as dg


def test_custom_fwd_and_bwd_decorators_leave_the_function_as_written():
    """PyTorch's torch.amp.custom_fwd/custom_bwd (and the older torch.cuda.amp forms, bare
    or called): no autocast here, so forward and backward run as written."""
    for fwd, bwd in (
        (dg.amp.custom_fwd(device_type="cuda"), dg.amp.custom_bwd(device_type="cuda")),
        (dg.cuda.amp.custom_fwd, dg.cuda.amp.custom_bwd),
        (dg.cuda.amp.custom_fwd(cast_inputs=dg.float32), dg.cuda.amp.custom_bwd),
    ):

        class Triple(dg.autograd.Function):
            @staticmethod
            @fwd
            def forward(ctx, x):
                return x * 3

            @staticmethod
            @bwd
            def backward(ctx, g):
                return g * 3

        x = dg.ones(2, requires_grad=True)
        Triple.apply(x).sum().backward()
        assert x.grad.tolist() == [3.0, 3.0]
    with pytest.raises(TypeError):
        dg.amp.custom_fwd(lambda ctx, x: x)  # device_type is required, as PyTorch's
