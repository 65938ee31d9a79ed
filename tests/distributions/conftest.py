"""Helpers for the distributions tests: the same float64 parameters as deepgrad and PyTorch
leaves, and a comparison of values and of the gradients they send back to the parameters."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.distributions import Distribution


@pytest.fixture(autouse=True)
def _restore_default_validation():
    before = Distribution._validate_args
    yield
    Distribution._validate_args = before


class Twins:
    """``dg`` and ``torch`` leaves made from the same arrays."""

    def __init__(self, torch, *arrays, grad=True):
        self.torch = torch
        self.d = [dg.tensor(np.asarray(a), requires_grad=grad) for a in arrays]
        self.t = [torch.tensor(np.asarray(a), requires_grad=grad) for a in arrays]

    def check(self, f, rtol=1e-7, atol=1e-9):
        """``f(module, *params)`` (a tensor) on both sides: values, and the gradient of the sum
        of ``output * weights`` with respect to every parameter (when PyTorch's output has a
        graph)."""
        out_d = f(dg, *self.d)
        out_t = f(self.torch, *self.t)
        assert tuple(out_d.shape) == tuple(out_t.shape)
        np.testing.assert_allclose(out_d.detach().numpy(), out_t.detach().numpy(), rtol, atol)
        if not out_t.requires_grad:  # PyTorch's value is a constant (a mode of zeros): no graph
            return out_d
        w = np.random.default_rng(1).standard_normal(tuple(out_t.shape))
        (out_d * dg.tensor(w)).sum().backward()
        (out_t * self.torch.tensor(w)).sum().backward()
        for a, b in zip(self.d, self.t):
            ga = np.zeros(a.shape) if a.grad is None else a.grad.numpy()
            gb = np.zeros(tuple(b.shape)) if b.grad is None else b.grad.numpy()
            np.testing.assert_allclose(ga, gb, rtol, atol)
        return out_d


@pytest.fixture
def twins(torch):
    """``twins(*arrays)`` -> :class:`Twins`."""
    return lambda *arrays, grad=True: Twins(torch, *arrays, grad=grad)


def lib(mod):
    """``torch.distributions`` or ``deepgrad.distributions`` for the module ``f`` was given."""
    return mod.distributions
