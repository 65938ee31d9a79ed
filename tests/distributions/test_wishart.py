"""Wishart against torch.distributions: log_prob, entropy and the moments (values and
gradients to df and to each matrix parameterization) on batched, broadcast and number df;
validation; Bartlett rsample's moments, its gradient to scale_tril gradchecked in float64 at a
fixed seed and to df unbiased (through Chi2's implicit gradient)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import distributions as D
from deepgrad.gradcheck import gradcheck

R = np.random.default_rng(3)


def _spd(*batch, p=3):
    a = R.standard_normal(batch + (p, p))
    return a @ np.swapaxes(a, -1, -2) + np.eye(p)


COV = _spd(2)
DF = np.array([4.5, 7.0])
CASES = {
    "covariance": (lambda m, df, c: m.distributions.Wishart(df, covariance_matrix=c), (DF, COV)),
    "precision": (lambda m, df, c: m.distributions.Wishart(df, precision_matrix=c), (DF, COV)),
    "scale_tril": (lambda m, df, c: m.distributions.Wishart(df, scale_tril=c),
                   (DF, np.linalg.cholesky(COV))),
    "broadcast": (lambda m, df, c: m.distributions.Wishart(df, covariance_matrix=c),
                  (np.array([[3.5], [9.0]]), _spd(3))),
    "number_df": (lambda m, c: m.distributions.Wishart(5.0, covariance_matrix=c), (_spd(p=2),)),
}  # fmt: skip


def _values(torch, make, params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns 'Singular sample detected.' on every draw
        return make(torch, *map(torch.tensor, params)).sample((4,)).numpy()


@pytest.mark.parametrize("name", list(CASES))
def test_wishart_as_torch(torch, twins, name):
    make, params = CASES[name]
    values = _values(torch, make, params)
    tw = twins(*params)
    tw.check(lambda m, *p: make(m, *p).log_prob(m.tensor(values)), rtol=1e-9)
    tw.check(lambda m, *p: make(m, *p).entropy(), rtol=1e-9)
    for moment in ("mean", "mode", "variance", "covariance_matrix", "precision_matrix",
                   "scale_tril"):  # fmt: skip
        tw.check(lambda m, *p, k=moment: getattr(make(m, *p), k), rtol=1e-9)
    ours, theirs = make(dg, *map(dg.tensor, params)), make(torch, *map(torch.tensor, params))
    assert ours.batch_shape == tuple(theirs.batch_shape)
    assert ours.event_shape == tuple(theirs.event_shape)
    big = (2,) + tuple(theirs.batch_shape)
    assert ours.expand(big).batch_shape == tuple(theirs.expand(big).batch_shape)
    np.testing.assert_allclose(
        ours.expand(big).log_prob(dg.tensor(values[:1])).numpy(),
        theirs.expand(big).log_prob(torch.tensor(values[:1])).numpy(),
        rtol=1e-9,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a valid draw warns of nothing here
        s = ours.rsample((3,))
    assert s.shape == (3,) + tuple(theirs.batch_shape + theirs.event_shape)
    assert bool(ours.support.check(s).all())


def test_draws_have_the_moments():
    dg.manual_seed(0)
    d = D.Wishart(dg.tensor(DF), covariance_matrix=dg.tensor(COV))
    s = d.sample((40000,)).numpy()
    np.testing.assert_allclose(s.mean(0), d.mean.numpy(), rtol=0.03, atol=0.05 * COV.max())
    np.testing.assert_allclose(s.var(0), d.variance.numpy(), rtol=0.08, atol=0.5)


def test_rsample_gradients():
    chol = np.linalg.cholesky(COV)

    def draw(lt):
        dg.manual_seed(7)  # the same Bartlett noise at every evaluation
        return D.Wishart(dg.tensor(DF), scale_tril=lt.tril()).rsample((2,))

    assert gradcheck(draw, dg.tensor(chol, requires_grad=True))
    df = dg.tensor(DF, requires_grad=True)
    dg.manual_seed(1)
    w = np.random.default_rng(0).standard_normal((2, 3, 3))
    (D.Wishart(df, covariance_matrix=dg.tensor(COV)).rsample((100000,)).mean(0)
     * dg.tensor(w)).sum().backward()  # fmt: skip
    np.testing.assert_allclose(df.grad.numpy(), (COV * w).sum((-1, -2)), rtol=0.03)


def test_validation_as_torch(torch):
    for m in (dg, torch):
        W = m.distributions.Wishart  # noqa: N806
        with pytest.raises(ValueError):  # df not above p - 1
            W(m.tensor(1.5), m.eye(3))
        with pytest.raises(AssertionError):
            W(m.tensor(5.0))
        with pytest.raises(AssertionError):
            W(m.tensor(5.0), m.eye(2), scale_tril=m.eye(2))
        with pytest.raises(ValueError):
            W(m.tensor(5.0), m.ones(3))
        with pytest.raises(ValueError):  # not positive definite
            W(m.tensor(5.0), m.tensor([[1.0, 2.0], [2.0, 1.0]]))
        with pytest.raises(ValueError):  # a value outside the support
            W(m.tensor(5.0), m.eye(2)).log_prob(m.tensor([[1.0, 2.0], [2.0, 1.0]]))
        with pytest.warns(UserWarning, match="Low df"):
            W(m.tensor(2.5), m.eye(3))
