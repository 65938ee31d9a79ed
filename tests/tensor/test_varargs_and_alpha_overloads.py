"""PyTorch's positional overloads of ``add``/``sub``/``subtract``/``rsub`` (``alpha``
positional only after a number ``other``; the deprecated ``(alpha, Tensor other)`` of
``add``/``sub``) and the varargs dims/indices of the methods ``squeeze``, ``squeeze_``,
``count_nonzero``, ``hsplit``, ``vsplit``, ``dsplit`` (their function forms take one
argument): the same result as torch 2.13, or its ``TypeError``/``RuntimeError``."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deepgrad as dg

Y = np.array([1.0, 2.0])
W = np.array([10.0, 20.0])

ALPHA_CASES = {
    "add(y, w, 3)": lambda L, y, w: L.add(y, w, 3),
    "add(y, 2, 3)": lambda L, y, w: L.add(y, 2, 3),
    "add(y, 3, w)": lambda L, y, w: L.add(y, 3, w),
    "add(y, w, alpha=3)": lambda L, y, w: L.add(y, w, alpha=3),
    "y.add(w, 3)": lambda L, y, w: y.add(w, 3),
    "y.add(2, 3)": lambda L, y, w: y.add(2, 3),
    "y.add(3, w)": lambda L, y, w: y.add(3, w),
    "y.add_(w, 3)": lambda L, y, w: y.clone().add_(w, 3),
    "y.add_(2, 3)": lambda L, y, w: y.clone().add_(2, 3),
    "y.add_(3, w)": lambda L, y, w: y.clone().add_(3, w),
    "sub(y, w, 3)": lambda L, y, w: L.sub(y, w, 3),
    "sub(y, 2, 3)": lambda L, y, w: L.sub(y, 2, 3),
    "sub(y, 3, w)": lambda L, y, w: L.sub(y, 3, w),
    "y.sub(w, 3)": lambda L, y, w: y.sub(w, 3),
    "y.sub(2, 3)": lambda L, y, w: y.sub(2, 3),
    "y.sub_(w, 3)": lambda L, y, w: y.clone().sub_(w, 3),
    "y.sub_(3, w)": lambda L, y, w: y.clone().sub_(3, w),
    "subtract(y, w, 3)": lambda L, y, w: L.subtract(y, w, 3),
    "subtract(y, 2, 3)": lambda L, y, w: L.subtract(y, 2, 3),
    "subtract(y, 3, w)": lambda L, y, w: L.subtract(y, 3, w),
    "subtract(y, w, alpha=3)": lambda L, y, w: L.subtract(y, w, alpha=3),
    "y.subtract(2, 3)": lambda L, y, w: y.subtract(2, 3),
    "y.subtract(w, 3)": lambda L, y, w: y.subtract(w, 3),
    "y.subtract_(2, 3)": lambda L, y, w: y.clone().subtract_(2, 3),
    "rsub(y, w, 3)": lambda L, y, w: L.rsub(y, w, 3),
    "rsub(y, 2, 3)": lambda L, y, w: L.rsub(y, 2, 3),
    "rsub(y, 3, w)": lambda L, y, w: L.rsub(y, 3, w),
    "rsub(y, 2, alpha=3)": lambda L, y, w: L.rsub(y, 2, alpha=3),
}


@pytest.mark.parametrize("case", list(ALPHA_CASES))
def test_positional_alpha_as_torch(torch, case):
    """``x.add(y, 2)`` was ``x + 2·y`` in deepgrad, PyTorch's ``TypeError``; ``subtract(x, 2,
    3)`` and ``rsub(x, 2, 3)`` were refused where PyTorch computes them."""
    f = ALPHA_CASES[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's deprecated-overload warning
        try:
            want = f(torch, torch.tensor(Y), torch.tensor(W))
        except TypeError:
            with pytest.raises(TypeError, match="positional argument"):
                f(dg, dg.tensor(Y), dg.tensor(W))
            return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = f(dg, dg.tensor(Y), dg.tensor(W))
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    deprecated = ", 3, w)" in case or "(3, w)" in case
    assert any("deprecated" in str(w.message) for w in caught) == deprecated


OTHER_KEYWORD_CASES = {
    "add(y, 3, other=w)": lambda L, y, w: L.add(y, 3, other=w),
    "add(y, 3.5, other=w)": lambda L, y, w: L.add(y, 3.5, other=w),
    "add(y, 3, other=4)": lambda L, y, w: L.add(y, 3, other=4),
    "add(y, tensor(3.), other=w)": lambda L, y, w: L.add(y, L.tensor(3.0), other=w),
    "add(y, 3, other=w, out=o)": lambda L, y, w: L.add(y, 3, other=w, out=L.empty(2)),
    "sub(y, 3, other=w)": lambda L, y, w: L.sub(y, 3, other=w),
    "y.add(3, other=w)": lambda L, y, w: y.add(3, other=w),
    "y.sub(np.float64(3), other=w)": lambda L, y, w: y.sub(np.float64(3), other=w),
    "y.add_(3, other=w)": lambda L, y, w: y.clone().add_(3, other=w),
    "y.sub_(3, other=w)": lambda L, y, w: y.clone().sub_(3, other=w),
    "y.add(other=w, alpha=2)": lambda L, y, w: y.add(other=w, alpha=2),
    "y.add_(other=w)": lambda L, y, w: y.clone().add_(other=w),
}
OTHER_KEYWORD_REFUSED = {
    "add(y, 3, other=w, alpha=2)": lambda L, y, w: L.add(y, 3, other=w, alpha=2),
    "add(y, w, other=w)": lambda L, y, w: L.add(y, w, other=w),
    "y.add(3, w, other=w)": lambda L, y, w: y.add(3, w, other=w),
    "y.sub_(w, other=w)": lambda L, y, w: y.clone().sub_(w, other=w),
    "y.add(value=w)": lambda L, y, w: y.add(value=w),
    "subtract(y, 3, other=w)": lambda L, y, w: L.subtract(y, 3, other=w),
}


@pytest.mark.parametrize("case", list(OTHER_KEYWORD_CASES))
def test_alpha_then_other_keyword_as_torch(torch, case):
    """``torch.add(y, 3, other=w)``: PyTorch reads the number as the deprecated overload's
    ``alpha`` (``y + 3·w``, with its warning); deepgrad's methods refused ``other`` twice."""
    f = OTHER_KEYWORD_CASES[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = f(torch, torch.tensor(Y), torch.tensor(W))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = f(dg, dg.tensor(Y), dg.tensor(W))
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    deprecated = "other=" in case and "(other=" not in case
    assert any("deprecated" in str(w.message) for w in caught) == deprecated


@pytest.mark.parametrize("case", list(OTHER_KEYWORD_REFUSED))
def test_other_keyword_refusals_as_torch(torch, case):
    f = OTHER_KEYWORD_REFUSED[case]
    with pytest.raises(TypeError):
        f(torch, torch.tensor(Y), torch.tensor(W))
    with pytest.raises(TypeError, match="other|unexpected keyword"):
        f(dg, dg.tensor(Y), dg.tensor(W))


def test_alpha_twice_is_refused():
    with pytest.raises(TypeError, match="multiple values for argument 'alpha'"):
        dg.tensor(Y).add(2, 3, alpha=4)


VARARGS_CASES = {
    "z.squeeze(0, 2)": lambda L, z, x: z.squeeze(0, 2),
    "z.squeeze(0, -1)": lambda L, z, x: z.squeeze(0, -1),
    "z.squeeze(0, True)": lambda L, z, x: z.squeeze(0, True),
    "z.squeeze(0, 0)": lambda L, z, x: z.squeeze(0, 0),
    "z.squeeze(0, 1.0)": lambda L, z, x: z.squeeze(0, 1.0),
    "z.squeeze_(0, 2)": lambda L, z, x: z.clone().squeeze_(0, 2),
    "squeeze(z, 0, 2)": lambda L, z, x: L.squeeze(z, 0, 2),
    "squeeze(z, (0, 2))": lambda L, z, x: L.squeeze(z, (0, 2)),
    "x.count_nonzero(0, 1)": lambda L, z, x: x.count_nonzero(0, 1),
    "x.count_nonzero(0, True)": lambda L, z, x: x.count_nonzero(0, True),
    "x.count_nonzero(1, True)": lambda L, z, x: x.count_nonzero(1, True),
    "count_nonzero(x, 0, 1)": lambda L, z, x: L.count_nonzero(x, 0, 1),
    "x.hsplit(1, 2)": lambda L, z, x: x.hsplit(1, 2),
    "x.hsplit(1, True)": lambda L, z, x: x.hsplit(1, True),
    "x.hsplit(1.0, 2)": lambda L, z, x: x.hsplit(1.0, 2),
    "x.vsplit(1, 1)": lambda L, z, x: x.vsplit(1, 1),
    "x.dsplit(1, 3)": lambda L, z, x: x.dsplit(1, 3),
    "x.dsplit(2)": lambda L, z, x: x.dsplit(2),
    "hsplit(x, 1, True)": lambda L, z, x: L.hsplit(x, 1, True),
    "vsplit(x, 1, True)": lambda L, z, x: L.vsplit(x, 1, True),
    "dsplit(x, 1, 3)": lambda L, z, x: L.dsplit(x, 1, 3),
    "x.hsplit(indices=(1, 2))": lambda L, z, x: x.hsplit(indices=(1, 2)),
    "x.hsplit(sections=3)": lambda L, z, x: x.hsplit(sections=3),
    "hsplit(x, sections=[1])": lambda L, z, x: L.hsplit(x, sections=[1]),
    "hsplit(x, indices=3)": lambda L, z, x: L.hsplit(x, indices=3),
    "tensor_split(x, sections=2)": lambda L, z, x: L.tensor_split(x, sections=2),
    "x.tensor_split(indices=[1], dim=1)": lambda L, z, x: x.tensor_split(indices=[1], dim=1),
}


@pytest.mark.parametrize("case", list(VARARGS_CASES))
def test_varargs_dims_and_split_keywords_as_torch(torch, case):
    """The methods take PyTorch's varargs (a bool read as 0/1), the functions do not."""
    f = VARARGS_CASES[case]
    z = np.ones((1, 2, 1))
    x = np.arange(24.0).reshape(2, 3, 4) % 5
    try:
        want = f(torch, torch.tensor(z), torch.tensor(x))
    except (TypeError, RuntimeError) as e:
        with pytest.raises(type(e) if isinstance(e, TypeError) else RuntimeError):
            f(dg, dg.tensor(z), dg.tensor(x))
        return
    got = f(dg, dg.tensor(z), dg.tensor(x))
    if isinstance(want, tuple):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            np.testing.assert_array_equal(g.numpy(), w.numpy())
    else:
        assert tuple(got.shape) == tuple(want.shape)
        np.testing.assert_array_equal(got.numpy(), want.numpy())


@pytest.mark.parametrize(
    "call",
    [
        lambda L: L.ones(2).requires_grad_(1),
        lambda L: L.ones(2).requires_grad_(np.True_),
        lambda L: L.tensor([1.0], requires_grad=1),
        lambda L: L.zeros(2, requires_grad=1),
        lambda L: L.nn.Linear(2, 2).requires_grad_(0),
    ],
)
def test_requires_grad_must_be_a_bool_as_torch(torch, call):
    """PyTorch's parser takes a Python bool as ``requires_grad`` only (``TypeError``)."""
    with pytest.raises(TypeError):
        call(torch)
    with pytest.raises(TypeError, match="'requires_grad'.*must be bool"):
        call(dg)


TENSOR_ALPHA = {
    "y.add(w, alpha=tensor(2.))": lambda L, y, w: y.add(w, alpha=L.tensor(2.0)),
    "add(y, w, alpha=tensor(2.))": lambda L, y, w: L.add(y, w, alpha=L.tensor(2.0)),
    "y.sub(w, alpha=tensor(2))": lambda L, y, w: y.sub(w, alpha=L.tensor(2)),
    "y.add_(w, alpha=tensor(2.))": lambda L, y, w: y.clone().add_(w, alpha=L.tensor(2.0)),
    "int add(alpha=tensor(3))": lambda L, y, w: L.tensor([1, 2]).add(
        L.tensor([1, 2]), alpha=L.tensor(3)
    ),
    "subtract(y, w, alpha=tensor(2.))": lambda L, y, w: L.subtract(y, w, alpha=L.tensor(2.0)),
    "rsub(y, w, alpha=tensor(2.))": lambda L, y, w: L.rsub(y, w, alpha=L.tensor(2.0)),
}


@pytest.mark.parametrize("case", list(TENSOR_ALPHA))
def test_zero_dim_tensor_alpha_as_torch(torch, case):
    """PyTorch's parser takes a 0-d tensor as the Number ``alpha`` (deepgrad raised "alpha
    must not be a complex number"); a 1-element 1-d one is its ``TypeError``."""
    f = TENSOR_ALPHA[case]
    want = f(torch, torch.tensor(Y), torch.tensor(W))
    got = f(dg, dg.tensor(Y), dg.tensor(W))
    assert got.tolist() == want.tolist()
    for lib in (torch, dg):
        with pytest.raises(TypeError, match="alpha' must be Number, not Tensor"):
            lib.tensor(Y).add(lib.tensor(W), alpha=lib.tensor([2.0]))
