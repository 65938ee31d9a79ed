"""LKJCholesky against torch.distributions: log_prob (values and gradients to the
concentration) over batches and dims, shapes, expand, validation; the onion-method draws are
Cholesky factors of correlation matrices whose off-diagonal correlations have the LKJ
marginal variance ``1 / (2β + 1)``, ``β = η - 1 + dim/2``; the tril/vector helpers of
``distributions.utils`` as torch's."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import distributions as D
from deepgrad.distributions.utils import tril_matrix_to_vec, vec_to_tril_matrix
from deepgrad.gradcheck import gradcheck


@pytest.mark.parametrize(("dim", "conc"), [(2, np.array(0.7)), (3, np.array([0.5, 1.0, 4.0])),
                                           (5, np.array([[1.5], [0.3]]))])  # fmt: skip
def test_log_prob_as_torch(torch, twins, dim, conc):
    values = torch.distributions.LKJCholesky(dim, torch.tensor(conc)).sample((4,)).numpy()
    twins(conc).check(
        lambda m, c: m.distributions.LKJCholesky(dim, c).log_prob(m.tensor(values)),
        rtol=1e-10,
    )
    ours = D.LKJCholesky(dim, dg.tensor(conc))
    theirs = torch.distributions.LKJCholesky(dim, torch.tensor(conc))
    assert ours.batch_shape == tuple(theirs.batch_shape)
    assert ours.event_shape == tuple(theirs.event_shape) == (dim, dim)
    big = (2,) + tuple(theirs.batch_shape)
    assert ours.expand(big).batch_shape == tuple(theirs.expand(big).batch_shape)
    assert ours.sample((3,)).shape == tuple(theirs.sample((3,)).shape)
    assert ours.expand(big).sample().shape == tuple(theirs.expand(big).sample().shape)
    assert ours.has_rsample is theirs.has_rsample is False
    assert gradcheck(
        lambda c: D.LKJCholesky(dim, c).log_prob(dg.tensor(values)),
        dg.tensor(conc, requires_grad=True),
    )


@pytest.mark.parametrize("eta", [0.5, 1.0, 3.0])
def test_draws_are_correlation_factors_with_the_lkj_marginal(eta):
    """Every off-diagonal correlation has the LKJ marginal variance (PyTorch 2.13's sampler
    does not: its rows k ≥ 2 draw Beta(k - 1/2, ·) where the onion method has Beta(k/2, ·),
    e.g. variance 0.25 instead of 0.2 for dim 4, η = 1: a README row)."""
    dg.manual_seed(0)
    dim = 4
    L = D.LKJCholesky(dim, dg.tensor(eta, dtype=dg.float64)).sample((20000,))
    assert bool(D.constraints.corr_cholesky.check(L).all())
    corr = (L @ L.mT).numpy()
    np.testing.assert_allclose(np.diagonal(corr, axis1=-2, axis2=-1), 1.0, rtol=1e-12)
    off = corr[:, np.tril_indices(dim, -1)[0], np.tril_indices(dim, -1)[1]]
    beta = eta - 1 + dim / 2
    np.testing.assert_allclose(off.mean(0), 0.0, atol=0.02)
    np.testing.assert_allclose(off.var(0), 1 / (2 * beta + 1), rtol=0.05)


def test_validation_as_torch(torch):
    for m in (dg, torch):
        with pytest.raises(ValueError):
            m.distributions.LKJCholesky(1)
        with pytest.raises(ValueError):
            m.distributions.LKJCholesky(3, m.tensor([-1.0]))
        with pytest.raises(ValueError):  # not a correlation Cholesky factor
            m.distributions.LKJCholesky(2).log_prob(m.tensor([[1.0, 0.0], [0.5, 0.5]]))


def test_tril_vector_helpers_as_torch(torch):
    from torch.distributions import utils as tu

    m = np.random.default_rng(0).standard_normal((2, 4, 4))
    for diag in (-2, -1, 0, 1):
        v = tril_matrix_to_vec(dg.tensor(m), diag).numpy()
        np.testing.assert_array_equal(v, tu.tril_matrix_to_vec(torch.tensor(m), diag).numpy())
        back = vec_to_tril_matrix(dg.tensor(v), diag).numpy()
        np.testing.assert_array_equal(back, tu.vec_to_tril_matrix(torch.tensor(v), diag).numpy())
    for f in (tril_matrix_to_vec, tu.tril_matrix_to_vec):
        with pytest.raises(ValueError):
            f((dg if f is tril_matrix_to_vec else torch).ones(3, 3), 5)
    for f, mod in ((vec_to_tril_matrix, dg), (tu.vec_to_tril_matrix, torch)):
        with pytest.raises(ValueError):  # 5 is no triangular number: D would round up
            f(mod.ones(5))
        with pytest.raises(RuntimeError):  # 4 rounds down to D = 2: torch's indexing refuses
            f(mod.ones(4))
    x = dg.tensor(np.random.default_rng(1).standard_normal((3, 6)), requires_grad=True)
    assert gradcheck(lambda v: vec_to_tril_matrix(v, -1), x)
