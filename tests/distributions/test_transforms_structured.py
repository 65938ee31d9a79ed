"""PowerTransform, AbsTransform, SoftmaxTransform, StickBreakingTransform, CorrCholeskyTransform,
LowerCholeskyTransform, PositiveDefiniteTransform, IndependentTransform, ReshapeTransform,
CatTransform, StackTransform and CumulativeDistributionTransform against
torch.distributions.transforms: forward, inverse and log-Jacobian values (and gradients),
event dims, shapes; float64 gradchecks; and biject_to/transform_to (constraint_registry)
giving PyTorch's transform for every registered constraint."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import distributions as D
from deepgrad.gradcheck import gradcheck

R = np.random.default_rng(0)


def _tr(m):
    return m.distributions.transforms


# name -> (make(mod), x) with x in the domain
TRANSFORMS = {
    "Power": (lambda m: _tr(m).PowerTransform(m.tensor([0.5, 2.0, -1.5], dtype=m.float64)),
              R.uniform(0.2, 2.0, (4, 3))),
    "PowerScalar": (lambda m: _tr(m).PowerTransform(2.5), R.uniform(0.2, 2.0, (3,))),
    "Abs": (lambda m: _tr(m).AbsTransform(), R.standard_normal((2, 3))),
    "Softmax": (lambda m: _tr(m).SoftmaxTransform(), R.standard_normal((2, 4))),
    "StickBreaking": (lambda m: _tr(m).StickBreakingTransform(), R.standard_normal((2, 3))),
    "StickBreaking1d": (lambda m: _tr(m).StickBreakingTransform(), R.standard_normal(4)),
    "LowerCholesky": (lambda m: _tr(m).LowerCholeskyTransform(), R.standard_normal((2, 3, 3))),
    "PositiveDefinite": (lambda m: _tr(m).PositiveDefiniteTransform(),
                         R.standard_normal((3, 3))),
    "Independent": (lambda m: _tr(m).IndependentTransform(_tr(m).ExpTransform(), 1),
                    R.standard_normal((2, 3))),
    "Reshape": (lambda m: _tr(m).ReshapeTransform((2, 3), (3, 2)), R.standard_normal((4, 2, 3))),
    "CorrCholesky": (lambda m: _tr(m).CorrCholeskyTransform(), R.standard_normal((2, 6))),
    "CorrCholesky1d": (lambda m: _tr(m).CorrCholeskyTransform(), R.standard_normal(3)),
    "Cat": (lambda m: _tr(m).CatTransform(
        [_tr(m).ExpTransform(), _tr(m).identity_transform, _tr(m).SigmoidTransform()], 1,
        [1, 2, 1]), R.standard_normal((3, 4))),
    "CatVector": (lambda m: _tr(m).CatTransform(
        [_tr(m).IndependentTransform(_tr(m).ExpTransform(), 1), _tr(m).SigmoidTransform()], -1,
        [3, 1]),
        R.standard_normal((3, 4))),
    "Stack": (lambda m: _tr(m).StackTransform(
        [_tr(m).ExpTransform(), _tr(m).TanhTransform()], 1), R.standard_normal((3, 2))),
    "CDF": (lambda m: _tr(m).CumulativeDistributionTransform(
        m.distributions.Normal(m.tensor(0.5, dtype=m.float64), m.tensor(2.0, dtype=m.float64))),
        R.standard_normal((4,))),
}  # fmt: skip

JACOBIAN = {n for n in TRANSFORMS if n not in ("Abs", "Softmax", "LowerCholesky",
                                               "PositiveDefinite")}  # fmt: skip
BIJECTIVE_INVERSE = {n for n in TRANSFORMS if n not in ("Abs", "Softmax", "LowerCholesky",
                                                        "PositiveDefinite")}  # fmt: skip


@pytest.mark.parametrize("name", list(TRANSFORMS))
def test_transform_as_torch(torch, twins, name):
    make, x = TRANSFORMS[name]
    ours, theirs = make(dg), make(torch)
    tw = twins(x)
    tw.check(lambda m, v: make(m)(v))
    y = make(torch)(torch.tensor(x)).detach().numpy()
    if name in BIJECTIVE_INVERSE:
        tw.check(lambda m, v: make(m).inv(make(m)(v)))
        # (PowerTransform(2.5)'s exponent is a float32 tensor, as PyTorch's: 1/2.5 is inexact)
        np.testing.assert_allclose(ours.inv(ours(dg.tensor(x))).numpy(), x, rtol=1e-6, atol=1e-9)
    twins(y).check(lambda m, v: make(m).inv(v))
    if name in JACOBIAN:
        tw.check(lambda m, v: make(m).log_abs_det_jacobian(v, make(m)(v)))
        if name != "Reshape":  # a constant zero Jacobian term (no graph, as PyTorch's)
            assert gradcheck(lambda v: ours.log_abs_det_jacobian(v, ours(v)),
                             dg.tensor(x, requires_grad=True))  # fmt: skip
    else:
        with pytest.raises(NotImplementedError):
            theirs.log_abs_det_jacobian(torch.tensor(x), torch.tensor(y))
        with pytest.raises(NotImplementedError):
            ours.log_abs_det_jacobian(dg.tensor(x), dg.tensor(y))
    assert gradcheck(lambda v: ours(v), dg.tensor(x, requires_grad=True))
    assert ours.domain.event_dim == theirs.domain.event_dim
    assert ours.codomain.event_dim == theirs.codomain.event_dim
    assert ours.bijective == theirs.bijective
    assert tuple(ours.forward_shape(x.shape)) == tuple(theirs.forward_shape(torch.Size(x.shape)))
    assert tuple(ours.inverse_shape(y.shape)) == tuple(theirs.inverse_shape(torch.Size(y.shape)))
    if name == "CatVector":  # cat of checks with different event dims: PyTorch's error
        with pytest.raises(RuntimeError):
            theirs.codomain.check(theirs(torch.tensor(x)))
        with pytest.raises(RuntimeError):
            ours.codomain.check(ours(dg.tensor(x)))
    else:
        assert bool(ours.codomain.check(ours(dg.tensor(x))).all())
    cached = ours.with_cache(1)
    assert cached(dg.tensor(x)).shape == tuple(theirs.forward_shape(torch.Size(x.shape)))


def test_transform_equality_and_errors(torch):
    for m in (dg, torch):
        t = _tr(m)
        assert t.StickBreakingTransform() == t.StickBreakingTransform()
        assert t.PowerTransform(2.0) == t.PowerTransform(2.0)
        assert t.PowerTransform(2.0) != t.PowerTransform(3.0)
        assert t.AbsTransform() == t.AbsTransform()
        with pytest.raises(ValueError):
            t.ReshapeTransform((2, 3), (4,))
        with pytest.raises(ValueError):
            t.ReshapeTransform((2, 3), (3, 2)).forward_shape((4, 3, 2))
        with pytest.raises(ValueError):
            t.StickBreakingTransform().forward_shape(())
        with pytest.raises(AssertionError):
            t.CatTransform([t.ExpTransform()], 0, [1, 2])
        with pytest.raises(AssertionError):
            t.StackTransform([t.ExpTransform()], 0)(m.ones(2, 3))


def test_transformed_distribution_through_structured_transforms(torch, twins):
    """A logistic-normal (Normal through StickBreaking): log_prob and its gradients."""
    loc, scale = R.standard_normal(3), R.uniform(0.5, 2.0, 3)
    value = np.array([[0.1, 0.2, 0.3, 0.4], [0.4, 0.3, 0.2, 0.1]])

    def f(m, mu, s):
        base = m.distributions.Independent(m.distributions.Normal(mu, s), 1)
        t = m.distributions.transforms.StickBreakingTransform()
        return m.distributions.TransformedDistribution(base, t).log_prob(m.tensor(value))

    twins(loc, scale).check(f)


CONSTRAINTS = [
    lambda c: c.real, lambda c: c.real_vector, lambda c: c.positive, lambda c: c.nonnegative,
    lambda c: c.greater_than(-2.0), lambda c: c.greater_than_eq(1.5), lambda c: c.less_than(3.0),
    lambda c: c.unit_interval, lambda c: c.interval(-1.0, 4.0),
    lambda c: c.half_open_interval(0.0, 2.0), lambda c: c.simplex,
    lambda c: c.independent(c.positive, 1), lambda c: c.lower_cholesky,
    lambda c: c.positive_definite, lambda c: c.positive_semidefinite,
    lambda c: c.cat([c.positive, c.real], -1, [2, 1]),
    lambda c: c.stack([c.unit_interval, c.positive, c.real], -1),
    lambda c: c.corr_cholesky,
]  # fmt: skip


def _names(t):
    parts = t.parts if type(t).__name__ == "ComposeTransform" else [t]
    return [type(p).__name__ for p in parts]


@pytest.mark.parametrize("i", range(len(CONSTRAINTS)))
@pytest.mark.parametrize("registry", ["biject_to", "transform_to"])
def test_constraint_registry_as_torch(torch, registry, i):
    ours_c = CONSTRAINTS[i](D.constraints)
    theirs_c = CONSTRAINTS[i](torch.distributions.constraints)
    ours_reg = getattr(D, registry)
    theirs_reg = getattr(torch.distributions, registry)
    try:
        theirs = theirs_reg(theirs_c)
    except NotImplementedError:
        with pytest.raises(NotImplementedError):
            ours_reg(ours_c)
        return
    ours = ours_reg(ours_c)
    assert _names(ours) == _names(theirs)
    shape = (2, 3, 3) if ours.domain.event_dim == 2 else (2, 3)
    x = R.standard_normal(shape)
    y = ours(dg.tensor(x))
    np.testing.assert_allclose(y.numpy(), theirs(torch.tensor(x)).numpy(), rtol=1e-10)
    assert bool(ours_c.check(y).all())
    if registry == "biject_to":
        np.testing.assert_allclose(ours.inv(y).numpy(), x, rtol=1e-7, atol=1e-7)
        np.testing.assert_allclose(
            ours.log_abs_det_jacobian(dg.tensor(x), y).numpy(),
            theirs.log_abs_det_jacobian(torch.tensor(x), torch.tensor(y.numpy())).numpy(),
            rtol=1e-10,
        )


def test_registry_register_and_errors(torch):
    for m in (D, torch.distributions):
        with pytest.raises(NotImplementedError):
            m.biject_to(m.constraints.lower_cholesky)  # not bijective: transform_to only
        with pytest.raises(TypeError):
            m.constraint_registry.ConstraintRegistry().register(int, lambda c: None)
    reg = D.constraint_registry.ConstraintRegistry()
    reg.register(D.constraints.boolean, lambda c: D.transforms.identity_transform)
    assert reg(D.constraints.boolean) is D.transforms.identity_transform


def test_optimizing_through_transform_to():
    """A positive parameter fitted through its unconstrained twin stays positive."""
    u = dg.zeros(3, dtype=dg.float64, requires_grad=True)
    t = D.transform_to(D.Normal.arg_constraints["scale"])
    opt = dg.optim.SGD([u], lr=0.1)
    for _ in range(200):
        opt.zero_grad()
        loss = ((t(u) - dg.tensor([0.5, 2.0, 3.0], dtype=dg.float64)) ** 2).sum()
        loss.backward()
        opt.step()
    np.testing.assert_allclose(t(u).detach().numpy(), [0.5, 2.0, 3.0], rtol=1e-3)
