"""nn.utils.parametrizations.orthogonal against PyTorch: the three maps with and without the
dynamic trivialization (``base``), square/tall/wide/batched weights in float32 and float64 —
orthogonality, the weight, the originals and their gradients, assignment (``right_inverse``),
SGD steps, the errors, and a gradient check of the maps."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn
from deepgrad.nn.utils import parametrizations

MAPS = ["matrix_exp", "cayley", "householder"]
SHAPES = [(4, 4), (5, 3), (3, 5), (2, 4, 3), (4, 3, 3)]
TOL = {"float32": {"rtol": 1e-4, "atol": 1e-5}, "float64": {"rtol": 1e-6, "atol": 1e-9}}


def _np(x):
    return x.detach().numpy()


def _holders(torch, shape, dtype, seed=0):
    """A deepgrad and a PyTorch module, each with the same ``weight`` parameter."""
    w = np.random.default_rng(seed).normal(size=shape).astype(dtype)
    m, t = nn.Module(), torch.nn.Module()
    m.weight = nn.Parameter(dg.tensor(w))
    t.weight = torch.nn.Parameter(torch.tensor(w))
    return m, t


def _orthogonal_both(torch, m, t, orthogonal_map, trivialization):
    parametrizations.orthogonal(m, orthogonal_map=orthogonal_map, use_trivialization=trivialization)
    torch.nn.utils.parametrizations.orthogonal(
        t, orthogonal_map=orthogonal_map, use_trivialization=trivialization
    )


def _gram_error(q, eps):
    """max |QᴴQ - I| (|QQᴴ - I| when wide) over the batch, in units of the dtype's eps · n."""
    n, k = q.shape[-2:]
    if n < k:
        q = np.swapaxes(q, -2, -1)
        n, k = k, n
    g = np.swapaxes(q, -2, -1).conj() @ q
    return np.abs(g - np.eye(k)).max() / (eps * n)


def _assert_orthogonal(q):
    q = np.asarray(q)
    assert _gram_error(q, np.finfo(q.dtype).eps) < 50


def _random_original(shape, dtype, orthogonal_map, seed=1):
    """A random original; for Householder its diagonal is ±1.5 (the map takes its integer part as
    the signs, so ±1, and finite differences do not cross an integer)."""
    rng = np.random.default_rng(seed)
    x = (0.5 * rng.normal(size=shape)).astype(dtype)
    if orthogonal_map == "householder":
        d = min(shape[-2:])
        x[..., np.arange(d), np.arange(d)] = rng.choice([-1.5, 1.5], size=(*shape[:-2], d))
    return x


def _every_case(test):
    """``test`` for every map, with and without trivialization, every shape and float dtype."""
    for mark in reversed(
        [
            pytest.mark.parametrize("dtype", ["float32", "float64"]),
            pytest.mark.parametrize("shape", SHAPES, ids=str),
            pytest.mark.parametrize("trivialization", [True, False]),
            pytest.mark.parametrize("orthogonal_map", MAPS),
        ]
    ):
        test = mark(test)
    return test


def _load(torch, m, t, original):
    """The same ``original`` in both, and PyTorch's ``base`` (where there is one) in deepgrad."""
    sd = {k: v.numpy().copy() for k, v in t.state_dict().items()}
    sd["parametrizations.weight.original"] = original
    t.load_state_dict({k: torch.tensor(v) for k, v in sd.items()})
    m.load_state_dict({k: dg.tensor(v) for k, v in sd.items()})


@_every_case
def test_orthogonal_matches_torch(torch, orthogonal_map, trivialization, shape, dtype):
    m, t = _holders(torch, shape, dtype)
    _orthogonal_both(torch, m, t, orthogonal_map, trivialization)
    assert type(m).__name__ == type(t).__name__
    assert list(m.state_dict()) == list(t.state_dict())
    assert m.weight.dtype == np.dtype(dtype) and tuple(m.weight.shape) == shape
    _assert_orthogonal(_np(m.weight))
    deterministic = not trivialization or shape[-1] == shape[-2]  # else base has randn columns
    if deterministic:
        for k, v in t.state_dict().items():
            np.testing.assert_allclose(m.state_dict()[k].numpy(), v.numpy(), **TOL[dtype])
    np.testing.assert_allclose(_np(m.weight), _np(t.weight), **TOL[dtype])

    original = _random_original(shape, dtype, orthogonal_map)
    _load(torch, m, t, original)
    _assert_orthogonal(_np(m.weight))
    np.testing.assert_allclose(_np(m.weight), _np(t.weight), **TOL[dtype])
    c = np.random.default_rng(2).normal(size=shape).astype(dtype)
    (m.weight * dg.tensor(c)).sum().backward()
    (t.weight * torch.tensor(c)).sum().backward()
    np.testing.assert_allclose(
        _np(m.parametrizations.weight.original.grad),
        t.parametrizations.weight.original.grad.numpy(),
        **TOL[dtype],
    )


@_every_case
def test_assign_matches_torch(torch, orthogonal_map, trivialization, shape, dtype):
    m, t = _holders(torch, shape, dtype)
    _orthogonal_both(torch, m, t, orthogonal_map, trivialization)
    rng = np.random.default_rng(3)
    a = rng.normal(size=shape).astype(dtype)
    q = torch.linalg.qr(torch.tensor(a).mT if shape[-2] < shape[-1] else torch.tensor(a))[0]
    q = (q.mT if shape[-2] < shape[-1] else q).numpy().copy()  # orthonormal columns/rows
    for value in (q, a):
        if orthogonal_map != "householder" and not trivialization:
            with pytest.raises(NotImplementedError, match="not possible to assign"):
                m.weight = dg.tensor(value)
            with pytest.raises(NotImplementedError):
                t.weight = torch.tensor(value)
            continue
        m.weight = dg.tensor(value)
        t.weight = torch.tensor(value)
        _assert_orthogonal(_np(m.weight))
        if value is q:  # an orthogonal value is stored as is
            np.testing.assert_allclose(_np(m.weight), q, **TOL[dtype])
        np.testing.assert_allclose(_np(m.weight), _np(t.weight), **TOL[dtype])
        tm, tt = m.state_dict(), t.state_dict()
        for k, v in tt.items():
            if k.endswith("base") and shape[-1] != shape[-2]:
                _assert_orthogonal(tm[k].numpy())  # completed with random columns
                continue
            np.testing.assert_allclose(tm[k].numpy(), v.numpy(), **TOL[dtype])


def test_base_buffer_and_default_maps(torch):
    cases = [((3, 5), "householder"), ((4, 4), "matrix_exp"), ((2, 5, 5), "matrix_exp")]
    for shape, expected in cases:
        m, t = _holders(torch, shape, "float32")
        parametrizations.orthogonal(m)
        torch.nn.utils.parametrizations.orthogonal(t)
        p = m.parametrizations.weight[0]
        assert p.orthogonal_map == expected == t.parametrizations.weight[0].orthogonal_map.name
        n = max(shape[-2:])
        assert tuple(p.base.shape) == (*shape[:-2], n, n)
        assert not p.base.requires_grad
        original = _np(m.parametrizations.weight.original)
        np.testing.assert_array_equal(original, _np(t.parametrizations.weight.original))
    m = parametrizations.orthogonal(nn.Linear(5, 3), use_trivialization=False)
    assert not hasattr(m.parametrizations.weight[0], "base")
    lin = parametrizations.orthogonal(nn.Linear(5, 3))
    assert type(lin).__name__ == "ParametrizedLinear"
    assert isinstance(lin.parametrizations.weight.original, nn.Parameter)
    w = _np(lin.weight)
    np.testing.assert_allclose(w @ w.T, np.eye(3), atol=1e-6)
    assert lin(dg.randn(2, 5)).shape == (2, 3)


def test_complex_matrix_exp_and_cayley_match_torch(torch):
    rng = np.random.default_rng(5)
    for shape in [(3, 3), (4, 2)]:
        w = (rng.normal(size=shape) + 1j * rng.normal(size=shape)).astype(np.complex128)
        for orthogonal_map in ("matrix_exp", "cayley"):
            m, t = nn.Module(), torch.nn.Module()
            m.weight = nn.Parameter(dg.tensor(w))
            t.weight = torch.nn.Parameter(torch.tensor(w))
            _orthogonal_both(torch, m, t, orthogonal_map, True)
            _assert_orthogonal(_np(m.weight))
            if shape[0] == shape[1]:
                np.testing.assert_allclose(_np(m.weight), _np(t.weight), rtol=1e-10, atol=1e-12)
            x = (0.3 * (rng.normal(size=shape) + 1j * rng.normal(size=shape))).astype(w.dtype)
            _load(torch, m, t, x)
            _assert_orthogonal(_np(m.weight))
            np.testing.assert_allclose(_np(m.weight), _np(t.weight), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("orthogonal_map", MAPS)
@pytest.mark.parametrize("trivialization", [True, False])
def test_sgd_steps_stay_orthogonal_and_match_torch(torch, orthogonal_map, trivialization):
    m, t = _holders(torch, (6, 3), "float64")
    _orthogonal_both(torch, m, t, orthogonal_map, trivialization)
    _load(torch, m, t, _random_original((6, 3), "float64", orthogonal_map))
    om = dg.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
    ot = torch.optim.SGD(t.parameters(), lr=0.1, momentum=0.9)
    c = np.random.default_rng(4).normal(size=(6, 3))
    for _ in range(5):
        om.zero_grad()
        ot.zero_grad()
        ((m.weight - dg.tensor(c)) ** 2).sum().backward()
        ((t.weight - torch.tensor(c)) ** 2).sum().backward()
        om.step()
        ot.step()
        _assert_orthogonal(_np(m.weight))
    np.testing.assert_allclose(_np(m.weight), _np(t.weight), rtol=1e-6, atol=1e-9)


def test_errors_match_torch(torch):
    def both(fn_dg, fn_torch, cls, match):
        with pytest.raises(cls, match=match):
            fn_dg()
        with pytest.raises(cls, match=match):
            fn_torch()

    orth, torth = parametrizations.orthogonal, torch.nn.utils.parametrizations.orthogonal
    both(
        lambda: orth(nn.Linear(3, 2), "bias"),
        lambda: torth(torch.nn.Linear(3, 2), "bias"),
        ValueError,
        "Expected a matrix or batch of matrices. Got a tensor of 1 dimensions.",
    )
    both(
        lambda: orth(nn.Linear(3, 2), orthogonal_map="qr"),
        lambda: torth(torch.nn.Linear(3, 2), orthogonal_map="qr"),
        ValueError,
        'orthogonal_map has to be one of "matrix_exp", "cayley", "householder". Got: qr',
    )
    both(
        lambda: orth(nn.Linear(3, 2), orthogonal_map=3),
        lambda: torth(torch.nn.Linear(3, 2), orthogonal_map=3),
        TypeError,
        "string",
    )
    both(
        lambda: orth(nn.Linear(3, 2), "nope"),
        lambda: torth(torch.nn.Linear(3, 2), "nope"),
        ValueError,
        "has no parameter or buffer with name 'nope'",
    )
    m, t = nn.Module(), torch.nn.Module()
    m.weight = nn.Parameter(dg.randn(3, 3, dtype=dg.complex128))
    t.weight = torch.nn.Parameter(torch.randn(3, 3, dtype=torch.complex128))
    both(
        lambda: orth(m, orthogonal_map="householder"),
        lambda: torth(t, orthogonal_map="householder"),
        ValueError,
        "householder parametrization does not support complex",
    )
    m, t = orth(nn.Linear(3, 2)), torth(torch.nn.Linear(3, 2))

    def assign_dg():
        m.weight = dg.randn(3, 2)

    def assign_torch():
        t.weight = torch.randn(3, 2)

    both(assign_dg, assign_torch, ValueError, "Expected a matrix or batch of matrices of shape")


@pytest.mark.parametrize("orthogonal_map", MAPS)
@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5), (2, 4, 3)], ids=str)
def test_gradcheck(orthogonal_map, shape):
    x = _random_original(shape, "float64", orthogonal_map, seed=6)
    for trivialization in (False, True):
        m = nn.Module()
        m.weight = nn.Parameter(dg.tensor(np.zeros(shape)))
        parametrizations.orthogonal(
            m, orthogonal_map=orthogonal_map, use_trivialization=trivialization
        )
        p = m.parametrizations.weight[0]
        if trivialization:  # a base that is not the identity
            p.right_inverse(dg.tensor(np.random.default_rng(7).normal(size=shape)))
        assert dg.gradcheck(p, dg.tensor(x, requires_grad=True))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_householder_assign_skipped_reflections_match_torch(torch, dtype):
    """Columns already zero below the diagonal: LAPACK returns tau == 0 there, and the sign on
    the diagonal is flipped so that the map (which always reflects) gives the value back."""
    values = [
        np.diag([1.0, -1.0, 1.0]),
        np.eye(4, 3),
        np.array([[-1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]),
        np.triu(np.random.default_rng(8).normal(size=(3, 3))),  # not orthogonal
    ]
    for value in values:
        value = value.astype(dtype)
        m, t = _holders(torch, value.shape, dtype)
        _orthogonal_both(torch, m, t, "householder", False)
        m.weight = dg.tensor(value)
        t.weight = torch.tensor(value)
        np.testing.assert_array_equal(
            _np(m.parametrizations.weight.original), _np(t.parametrizations.weight.original)
        )
        np.testing.assert_allclose(_np(m.weight), _np(t.weight), **TOL[dtype])
        _assert_orthogonal(_np(m.weight))
