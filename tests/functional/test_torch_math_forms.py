"""PyTorch's math names added to existing homes: vdot/ger/addr/chain_matmul (linalg),
diagflat/diagonal_scatter (diagonal), as_strided_scatter (strided), msort (order),
isin/unravel_index (search), sgn (complex), i0/igamma/igammac/mvlgamma (special), rsub
(torch_namespace) — values and gradients against torch, float64 gradchecks."""

import numpy as np
import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")

R = np.random.default_rng(3)


def run(fn_d, fn_t, *arrays, grad=True, compare=None):
    """Values and (with ``grad``) the gradient of a random projection, against torch (for
    the inputs ``compare`` flags; all by default), and a float64 gradcheck."""
    ds = [dg.tensor(a, requires_grad=grad) for a in arrays]
    ts = [torch.tensor(a, requires_grad=grad) for a in arrays]
    y, ty = fn_d(*ds), fn_t(*ts)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    assert y.shape == tuple(ty.shape)
    if grad:
        w = R.normal(size=ty.shape)
        if np.iscomplexobj(ty.detach().numpy()):
            w = w + 1j * R.normal(size=ty.shape)
        (y * dg.tensor(w)).real.sum().backward() if np.iscomplexobj(w) else (
            y * dg.tensor(w)
        ).sum().backward()
        (ty * torch.tensor(w)).real.sum().backward() if np.iscomplexobj(w) else (
            ty * torch.tensor(w)
        ).sum().backward()
        for i, (d, t) in enumerate(zip(ds, ts)):
            if compare is not None and not compare[i]:
                continue
            want = np.zeros(t.shape) if t.grad is None else t.grad.numpy(force=True)
            got = np.zeros(want.shape) if d.grad is None else d.grad.numpy()
            np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
        if not any(np.iscomplexobj(a) for a in arrays):  # complex: gradcheck by parts below
            assert dg.gradcheck(fn_d, *[dg.tensor(a, requires_grad=True) for a in arrays])


# linalg ------------------------------------------------------------------------------------
def test_vdot_real_complex_and_empty():
    run(dg.vdot, torch.vdot, R.normal(size=4), R.normal(size=4))
    run(dg.vdot, torch.vdot, np.zeros(0), np.zeros(0), grad=False)
    a = R.normal(size=3) + 1j * R.normal(size=3)
    b = R.normal(size=3) + 1j * R.normal(size=3)
    got = dg.tensor(a).vdot(dg.tensor(b))
    assert np.allclose(got.item(), torch.vdot(torch.tensor(a), torch.tensor(b)).item())
    with pytest.raises(RuntimeError, match="same dtype"):
        dg.vdot(dg.ones(2), dg.tensor(np.ones(2)))
    with pytest.raises(RuntimeError, match="1-D"):
        dg.vdot(dg.ones(2, 2), dg.ones(2, 2))


def test_ger_addr_chain_matmul():
    run(dg.ger, torch.ger, R.normal(size=3), R.normal(size=4))
    run(dg.ger, torch.ger, np.zeros(0), R.normal(size=4))
    for inp in (R.normal(size=(3, 4)), R.normal(size=(4,)), R.normal(size=())):
        run(dg.addr, torch.addr, inp, R.normal(size=3), R.normal(size=4))
        run(
            lambda i, a, b: dg.addr(i, a, b, beta=0.5, alpha=2.0),
            lambda i, a, b: torch.addr(i, a, b, beta=0.5, alpha=2.0),
            inp,
            R.normal(size=3),
            R.normal(size=4),
        )
    nan = dg.addr(dg.tensor(np.full((2, 2), np.nan)), dg.ones(2), dg.ones(2), beta=0)
    assert nan.tolist() == [[1.0, 1.0], [1.0, 1.0]]
    x = dg.zeros(2, 2)
    x.addr_(dg.ones(2), dg.tensor([1.0, 2.0]))
    assert x.tolist() == [[1.0, 2.0], [1.0, 2.0]]
    mats = [R.normal(size=s) for s in ((2, 3), (3, 5), (5, 1))]
    run(dg.chain_matmul, torch.chain_matmul, *mats)
    run(dg.chain_matmul, torch.chain_matmul, mats[0])
    with pytest.raises(RuntimeError, match="expected 2"):
        dg.chain_matmul(dg.ones(2))


# diagonal ----------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(), (0,), (3,), (2, 2)])
@pytest.mark.parametrize("offset", [0, 1, -2])
def test_diagflat(shape, offset):
    run(lambda x: dg.diagflat(x, offset), lambda x: torch.diagflat(x, offset), R.normal(size=shape))
    assert dg.tensor(R.normal(size=shape)).diagflat(offset).ndim == 2


@pytest.mark.parametrize(
    "shape, offset, d1, d2",
    [
        ((3, 3), 0, 0, 1),
        ((3, 5), 1, 0, 1),
        ((4, 2), -1, 0, 1),
        ((2, 3, 4), 0, -1, 0),
        ((0, 3), 0, 0, 1),
    ],
)
def test_diagonal_scatter(shape, offset, d1, d2):
    x = R.normal(size=shape)
    src = R.normal(size=torch.diagonal(torch.tensor(x), offset, d1, d2).shape)
    run(
        lambda a, s: dg.diagonal_scatter(a, s, offset, d1, d2),
        lambda a, s: torch.diagonal_scatter(a, s, offset, d1, d2),
        x,
        src,
    )
    assert dg.tensor(x).diagonal_scatter(dg.tensor(src), offset, d1, d2).shape == shape


def test_diagonal_scatter_refusals():
    with pytest.raises(RuntimeError, match="size equal to the diagonal"):
        dg.diagonal_scatter(dg.zeros(3, 3), dg.zeros(2))
    with pytest.raises(RuntimeError, match="dtype"):
        dg.diagonal_scatter(dg.zeros(3, 3), dg.tensor(np.zeros(3)))


# strided -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "size, stride, offset", [((2,), (2,), None), ((2, 2), (1, 3), 1), ((0,), (1,), 0), ((), (), 5)]
)
def test_as_strided_scatter(size, stride, offset):
    """Values and src's gradient as torch's; input's gradient by gradcheck only: PyTorch
    2.13's is wrong (it fails torch.autograd.gradcheck: it sends g's view elements to
    input instead of the elements the view leaves), a row of the README's differences."""
    x = R.normal(size=(2, 3))
    src = R.normal(size=size)
    run(
        lambda a, s: dg.as_strided_scatter(a, s, size, stride, offset),
        lambda a, s: torch.as_strided_scatter(a, s, size, stride, offset),
        x,
        src,
        compare=(False, True),
    )
    xd = dg.tensor(x, requires_grad=True)
    (dg.as_strided_scatter(xd, dg.tensor(src), size, stride, offset) * 2.0).sum().backward()
    keep = 1.0 - torch.zeros(6).as_strided_scatter(torch.ones(size), size, stride, offset).numpy()
    np.testing.assert_array_equal(xd.grad.numpy().reshape(-1), 2.0 * keep)


def test_as_strided_scatter_of_a_transposed_input_writes_its_own_layout():
    base = np.arange(6.0).reshape(2, 3)
    got = dg.tensor(base).t().as_strided_scatter(dg.tensor(np.ones(2)), (2,), (2,))
    want = torch.tensor(base).t().as_strided_scatter(torch.ones(2, dtype=torch.float64), (2,), (2,))
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    with pytest.raises(RuntimeError, match="reach past"):
        dg.as_strided_scatter(dg.zeros(4), dg.ones(3), (3,), (2,))


# order, search -----------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(), (0, 2), (5,), (4, 3)])
def test_msort(shape):
    run(dg.msort, torch.msort, R.normal(size=shape))
    assert dg.tensor(R.normal(size=shape)).msort().shape == shape


def test_isin():
    e = np.array([[1.0, np.nan, 2.0], [3.0, 4.0, 2.0]])
    t = np.array([2.0, np.nan, 4.0])
    for inv in (False, True):
        got = dg.isin(dg.tensor(e), dg.tensor(t), invert=inv)
        want = torch.isin(torch.tensor(e), torch.tensor(t), invert=inv)
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    assert dg.isin(3, dg.tensor([3])).tolist() == torch.isin(3, torch.tensor([3])).tolist()
    assert dg.isin(dg.tensor([3, 4]), 3).tolist() == [True, False]
    assert dg.isin(dg.zeros(0), dg.ones(2)).shape == (0,)


def test_unravel_index():
    for idx in ([4, 0, 5], [-1, -6], 3, [6, 7, 100, -7]):
        got = dg.unravel_index(dg.tensor(idx), (2, 3))
        want = torch.unravel_index(torch.tensor(idx), (2, 3))
        assert [g.tolist() for g in got] == [w.tolist() for w in want]
        assert all(g.dtype == np.int64 for g in got)
    with pytest.raises(TypeError, match="integer"):
        dg.unravel_index(dg.tensor([1.5]), (2, 3))


# complex -----------------------------------------------------------------------------------
def test_sgn_complex_real_and_zero():
    z = R.normal(size=(2, 3)) + 1j * R.normal(size=(2, 3))
    z[0, 0] = 0
    run(dg.sgn, torch.sgn, z)
    run(dg.sgn, torch.sgn, R.normal(size=(3,)))
    run(dg.sgn, torch.sgn, np.zeros(0) + 0j)
    assert dg.gradcheck(
        lambda re, im: dg.view_as_real(dg.sgn(dg.complex(re, im))),
        dg.tensor(z.real.copy(), requires_grad=True),
        dg.tensor(z.imag.copy() + 0.1, requires_grad=True),
    )
    assert dg.tensor([3, -2, 0]).sgn().tolist() == [1, -1, 0]
    w = dg.tensor(np.array([3 + 4j, 0j]))
    w.sgn_()
    assert np.allclose(w.numpy(), [0.6 + 0.8j, 0])


# special aliases ---------------------------------------------------------------------------
def test_i0_igamma_igammac_mvlgamma():
    run(dg.i0, torch.i0, R.normal(size=(3,)))
    a, x = R.random((2, 3)) + 0.5, R.random((3,)) * 3 + 0.1
    for name in ("igamma", "igammac"):
        fd, ft = getattr(dg, name), getattr(torch, name)
        got = fd(dg.tensor(a), dg.tensor(x, requires_grad=True))
        want = ft(torch.tensor(a), torch.tensor(x, requires_grad=True))
        np.testing.assert_allclose(got.numpy(), want.detach().numpy(), rtol=1e-10)
        assert dg.gradcheck(lambda t, fd=fd: fd(dg.tensor(a), t), dg.tensor(x, requires_grad=True))
        with pytest.raises(NotImplementedError, match="not implemented"):
            fd(dg.tensor(a, requires_grad=True), dg.tensor(x)).sum().backward()
        y = dg.tensor(a)
        getattr(y, name + "_")(dg.tensor(x))
        np.testing.assert_allclose(y.numpy(), got.numpy())
    run(lambda t: dg.mvlgamma(t, 3), lambda t: torch.mvlgamma(t, 3), R.random(4) + 1.5)
    y = dg.tensor(np.array([2.5, 3.0]))
    y.mvlgamma_(2)
    np.testing.assert_allclose(
        y.numpy(), torch.mvlgamma(torch.tensor([2.5, 3.0], dtype=torch.float64), 2).numpy()
    )
    v = dg.tensor(np.array([0.5, 1.0]))
    v.i0_()
    np.testing.assert_allclose(
        v.numpy(), torch.i0(torch.tensor([0.5, 1.0], dtype=torch.float64)).numpy()
    )


# rsub --------------------------------------------------------------------------------------
def test_rsub():
    run(dg.rsub, torch.rsub, R.normal(size=(2, 3)), R.normal(size=(3,)))
    run(
        lambda a, b: dg.rsub(a, b, alpha=2.5),
        lambda a, b: torch.rsub(a, b, alpha=2.5),
        R.normal(size=()),
        R.normal(size=(0,)),
    )
    got = dg.rsub(dg.tensor([1, 2]), 2.5)
    want = torch.rsub(torch.tensor([1, 2]), 2.5)
    assert got.tolist() == want.tolist() and got.dtype == want.numpy().dtype


def test_top_level_in_place_forms():
    i = dg.tensor([4, 6])
    assert dg.gcd_(i, dg.tensor([2, 4])) is i and i.tolist() == [2, 2]
    j = dg.tensor([4, 6])
    assert dg.lcm_(j, dg.tensor([6, 4])) is j and j.tolist() == [12, 12]
    x = dg.tensor([1.0, 3.0])
    assert dg.ldexp_(x, dg.tensor([2.0, 1.0])) is x and x.tolist() == [4.0, 6.0]
    z = dg.zeros(2)
    assert dg.i0_(z) is z and z.tolist() == [1.0, 1.0]


@pytest.mark.parametrize(
    "layout",
    [
        lambda t: t.permute(2, 0, 1),
        lambda t: t[:, :, ::2],
        lambda t: t.transpose(0, 1),
        lambda t: t[:, :1].expand(2, 3, 4),
    ],
    ids=["permuted", "gapped", "transposed", "expanded"],
)
def test_as_strided_scatter_writes_through_the_inputs_strides(layout):
    """PyTorch's output keeps the input's strides from offset 0 (row-major when it overlaps
    itself): the view's positions are read in that layout."""
    base = np.arange(24.0).reshape(2, 3, 4)
    got = dg.as_strided_scatter(layout(dg.tensor(base)), dg.tensor(np.full(3, -1.0)), (3,), (5,), 1)
    want = torch.as_strided_scatter(
        layout(torch.tensor(base)), torch.full((3,), -1.0, dtype=torch.float64), (3,), (5,), 1
    )
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    x = dg.tensor(base, requires_grad=True)
    src = dg.tensor(np.zeros(3), requires_grad=True)
    assert dg.gradcheck(lambda a, s: dg.as_strided_scatter(layout(a), s, (3,), (5,), 1), x, src)
