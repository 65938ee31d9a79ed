"""The elementwise regression losses (mse, l1, smooth_l1, huber) on every bool / integer /
floating mix of input and target, against PyTorch: which mixes compute (with the result's
dtype and values) and which raise (with the error's kind)."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn

DTYPES = ["bool", "int32", "int64", "float16", "float32", "float64"]
LOSSES = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"]
X, Y = np.array([1, 0, 1, 1]), np.array([0, 1, 1, 0])


def _torch_result(torch, fn, a, b, reduction):
    x, y = (torch.tensor(v).to(getattr(torch, d)) for v, d in ((X, a), (Y, b)))
    try:
        return getattr(torch.nn.functional, fn)(x, y, reduction=reduction)
    except (RuntimeError, NotImplementedError) as e:
        return e


@pytest.mark.parametrize("fn", LOSSES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_dtype_mixes_compute_or_raise_as_torchs(torch, fn, reduction):
    for a in DTYPES:
        for b in DTYPES:
            ref = _torch_result(torch, fn, a, b, reduction)
            x, y = dg.tensor(X.astype(a)), dg.tensor(Y.astype(b))
            f = getattr(nn.functional, fn)
            if isinstance(ref, Exception):
                kind = NotImplementedError if isinstance(ref, NotImplementedError) else RuntimeError
                with pytest.raises(kind):
                    f(x, y, reduction=reduction)
                continue
            out = f(x, y, reduction=reduction)
            assert str(out.dtype) == str(ref.dtype).removeprefix("torch."), (a, b)
            np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-3, err_msg=f"{a} {b}")


def test_bool_input_against_a_floating_target(torch):
    """``F.mse_loss(mask, probs)``: PyTorch promotes the mask to the target's dtype, and the
    target's gradient is its own."""
    mask = np.array([True, False, True])
    p = np.array([0.2, 0.7, 0.9], np.float32)
    for fn in ("mse_loss", "smooth_l1_loss"):
        t = dg.tensor(p, requires_grad=True)
        tt = torch.tensor(p, requires_grad=True)
        out = getattr(nn.functional, fn)(dg.tensor(mask), t)
        ref = getattr(torch.nn.functional, fn)(torch.tensor(mask), tt)
        out.backward()
        ref.backward()
        assert out.dtype == np.float32
        np.testing.assert_allclose(out.item(), ref.item(), rtol=1e-6)
        np.testing.assert_allclose(t.grad.numpy(), tt.grad.numpy(), rtol=1e-6)
    with pytest.raises(RuntimeError, match="could not infer output dtype"):
        nn.functional.l1_loss(dg.tensor([1, 2]), dg.tensor([0, 0]))
