"""Matrix functions (``inv``/``inverse``, ``det``, ``slogdet``, ``logdet``, ``solve``,
``cholesky``, ``eigh``, ``svd``/``svdvals``, ``qr``, ``pinv``) and norms (``vector_norm``,
``matrix_norm``, ``linalg.norm``) under ``deepgrad.linalg`` and the top-level names, against
PyTorch in float64: values, gradients (batched, singular and empty cases), float64 gradient
checks and second-order gradients, errors."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg


def _check(torch, fd, ft, arrays, gradcheck=True, rtol=1e-12, atol=1e-14):
    # (atol: a near-zero entry of two LAPACKs' results differs in its last bits, and the
    # module's generator R gives each test other inputs depending on which ran before)
    xs = [dg.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    ts = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    y, ty = fd(*xs), ft(*ts)
    ys, tys = (y, ty) if isinstance(ty, tuple) else ((y,), (ty,))
    assert len(ys) == len(tys)
    for u, tu in zip(ys, tys, strict=True):
        assert u.shape == tuple(tu.shape) and str(u.dtype) == str(tu.dtype).removeprefix("torch.")
        np.testing.assert_allclose(u.numpy(), tu.detach().numpy(), rtol=rtol, atol=atol)
    if not any(t.requires_grad for t in ts) or not tys[0].requires_grad:
        return
    w = [np.random.default_rng(i).standard_normal(u.shape) for i, u in enumerate(ys)]
    sum((u * dg.tensor(v)).sum() for u, v in zip(ys, w)).backward()
    sum((tu * torch.tensor(v)).sum() for tu, v in zip(tys, w)).backward()
    for x, t in zip(xs, ts):
        if t.requires_grad:
            ref = np.zeros(t.shape) if t.grad is None else t.grad.numpy()
            np.testing.assert_allclose(x.grad.numpy(), ref, rtol=rtol, atol=atol)
    if gradcheck and all(a.size and a.dtype.kind == "f" for a in arrays):

        def first(*a):  # the first output that has a gradient
            out = fd(*a)
            return next(u for u in (out if isinstance(out, tuple) else (out,)) if u.requires_grad)

        assert dg.gradcheck(first, *[dg.tensor(a, requires_grad=True) for a in arrays])


R = np.random.default_rng(0)
SQ = R.standard_normal((2, 3, 3)) + 3 * np.eye(3)
SPD = SQ @ SQ.transpose(0, 2, 1) + np.eye(3)


@pytest.mark.parametrize(
    "a", [SQ, SQ[0], np.zeros((0, 2, 2)), np.array([[2.0]])], ids=["batch", "one", "empty", "1x1"]
)
def test_inv_det_slogdet_logdet_match_pytorch(torch, a):
    _check(torch, dg.linalg.inv, torch.linalg.inv, [a])
    _check(torch, dg.inverse, torch.inverse, [a])
    _check(torch, lambda x: x.inverse(), lambda x: x.inverse(), [a])
    _check(torch, dg.linalg.det, torch.linalg.det, [a])
    _check(torch, dg.det, torch.det, [a])
    _check(
        torch, lambda x: tuple(dg.linalg.slogdet(x)), lambda x: tuple(torch.linalg.slogdet(x)), [a]
    )
    _check(torch, dg.logdet, torch.logdet, [a @ a.swapaxes(-1, -2) + np.eye(a.shape[-1])])


def test_det_at_singular_matrices_and_refusals(torch):
    sing = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])
    # the gradient of det is the cofactor matrix, nonzero at a rank n-1 matrix; PyTorch 2.13
    # gives 0 there (its LU path multiplies by the computed det, 0): deepgrad gives the
    # cofactors, checked against numerical differentiation
    for m in (sing, np.zeros((3, 3)), np.diag([2.0, 0.0, 3.0])):
        x = dg.tensor(m, requires_grad=True)
        dg.det(x).backward()
        num = dg.numerical_grad(lambda t: dg.det(t), dg.tensor(m))
        np.testing.assert_allclose(x.grad.numpy(), num[0], atol=1e-6)
        assert dg.det(dg.tensor(m)).item() == pytest.approx(
            torch.det(torch.tensor(m)).item(), abs=1e-12
        )
    with pytest.raises(ValueError, match="inv"):
        dg.linalg.inv(dg.tensor(sing))
    with pytest.raises(ValueError, match="square"):
        dg.linalg.det(dg.ones(2, 3))
    neg = np.array([[0.0, 1.0], [1.0, 0.0]])  # det -1: logdet NaN, as PyTorch
    np.testing.assert_array_equal(
        dg.logdet(dg.tensor(neg)).numpy(), torch.logdet(torch.tensor(neg)).numpy()
    )
    s, la = dg.slogdet(dg.tensor(sing))
    ts, tla = torch.slogdet(torch.tensor(sing))
    # a zero determinant: sign 0 and log|det| -inf, as PyTorch documents; PyTorch on MKL's
    # LU (Intel) rounds the last pivot to ~1e-15 instead of 0 (sign -1, log|det| -34.9),
    # on OpenBLAS it gives 0 and -inf as deepgrad does
    assert s.item() == 0 and la.item() == -np.inf
    assert ts.item() == 0 and tla.item() == -np.inf or tla.item() < -30


def test_det_inv_second_order(torch):
    for f, tf in ((dg.det, torch.det), (dg.linalg.inv, torch.linalg.inv)):
        x, t = dg.tensor(SQ[0], requires_grad=True), torch.tensor(SQ[0], requires_grad=True)
        (g,) = dg.grad(f(x).sum(), x, create_graph=True)
        (tg,) = torch.autograd.grad(tf(t).sum(), t, create_graph=True)
        (gg,) = dg.grad((g * g).sum(), x)
        (tgg,) = torch.autograd.grad((tg * tg).sum(), t)
        np.testing.assert_allclose(gg.numpy(), tgg.numpy(), rtol=1e-9)


@pytest.mark.parametrize("bshape", [(3,), (2, 3), (3, 2), (2, 3, 4), (1, 3, 2)])
def test_solve_matches_pytorch(torch, bshape):
    b = R.standard_normal(bshape)
    _check(torch, dg.linalg.solve, torch.linalg.solve, [SQ, b])
    if len(bshape) >= 2 and bshape[-2] == 3:
        _check(torch, dg.linalg.solve, torch.linalg.solve, [SQ[0], b])
    bl = R.standard_normal((2, 4, 3))
    _check(torch, lambda x, y: dg.linalg.solve(x, y, left=False),
           lambda x, y: torch.linalg.solve(x, y, left=False), [SQ, bl])  # fmt: skip
    with pytest.raises(ValueError, match="fit"):
        dg.linalg.solve(dg.tensor(SQ), dg.ones(4, dtype=dg.float64))


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_matches_pytorch(torch, upper):
    _check(
        torch,
        lambda x, upper=upper: dg.linalg.cholesky(x, upper=upper),
        lambda x, upper=upper: torch.linalg.cholesky(x, upper=upper),
        [SPD],
        gradcheck=False,
    )
    sym = lambda x: (x + x.mT) / 2 if hasattr(x, "mT") else (x + x.transpose(-1, -2)) / 2  # noqa: E731
    assert dg.gradcheck(
        lambda x: dg.linalg.cholesky(sym(x) + dg.tensor(SPD)),
        dg.tensor(SQ * 0.1, requires_grad=True),
    )
    with pytest.raises(ValueError, match="cholesky"):
        dg.linalg.cholesky(dg.tensor(-SPD))


def test_eigh_matches_pytorch(torch):
    def ours(x):
        w, v = dg.linalg.eigh(x)
        return w, v * dg.sign(v[..., :1, :])  # eigenvectors up to sign: fix it

    def theirs(x):
        w, v = torch.linalg.eigh(x)
        return w, v * torch.sign(v[..., :1, :])

    _check(torch, ours, theirs, [SPD], gradcheck=False)
    _check(
        torch,
        lambda x: dg.linalg.eigh(x).eigenvalues,
        lambda x: torch.linalg.eigh(x).eigenvalues,
        [SPD],
        gradcheck=False,
    )
    assert dg.gradcheck(
        lambda x: dg.linalg.eigh(x + x.transpose(-1, -2)).eigenvalues,
        dg.tensor(SQ, requires_grad=True),
    )


def test_eigvalsh_matches_pytorch(torch):
    _check(torch, dg.linalg.eigvalsh, torch.linalg.eigvalsh, [SPD], gradcheck=False)
    _check(torch, dg.linalg.eigvalsh, torch.linalg.eigvalsh, [SPD[0]], gradcheck=False)
    assert dg.gradcheck(
        lambda x: dg.linalg.eigvalsh(x + x.transpose(-1, -2)), dg.tensor(SQ, requires_grad=True)
    )


@pytest.mark.parametrize("shape", [(4, 3), (3, 4), (2, 3, 3)])
def test_svd_qr_pinv_match_pytorch(torch, shape):
    a = R.standard_normal(shape)

    def ours(x):
        u, s, vh = dg.linalg.svd(x, full_matrices=False)
        sg = dg.sign(u[..., :1, :])
        return u * sg, s, vh * sg.transpose(-1, -2)

    def theirs(x):
        u, s, vh = torch.linalg.svd(x, full_matrices=False)
        sg = torch.sign(u[..., :1, :])
        return u * sg, s, vh * sg.mT

    _check(torch, ours, theirs, [a], gradcheck=False)
    _check(torch, dg.linalg.svdvals, torch.linalg.svdvals, [a])
    _check(torch, dg.linalg.pinv, torch.linalg.pinv, [a])
    full = dg.linalg.svd(dg.tensor(a))
    assert [t.shape for t in full] == [tuple(t.shape) for t in torch.linalg.svd(torch.tensor(a))]
    if shape[-2] >= shape[-1]:
        _check(torch, lambda x: tuple(dg.linalg.qr(x)), lambda x: tuple(torch.linalg.qr(x)), [a])
    for mode in ("complete", "r"):
        q, r = dg.linalg.qr(dg.tensor(a), mode=mode)
        tq, tr = torch.linalg.qr(torch.tensor(a), mode=mode)
        assert q.shape == tuple(tq.shape) and r.shape == tuple(tr.shape)
        np.testing.assert_allclose(np.abs(r.numpy()), np.abs(tr.numpy()), atol=1e-12)


def test_pinv_of_rank_deficient_matrix(torch):
    a = np.outer([1.0, 2.0, 3.0], [1.0, -1.0])
    _check(torch, dg.linalg.pinv, torch.linalg.pinv, [a], gradcheck=False)
    _check(
        torch,
        lambda x: dg.linalg.pinv(x, atol=0.5),
        lambda x: torch.linalg.pinv(x, atol=0.5),
        [SQ[0]],
    )


@pytest.mark.parametrize("ord", ["fro", "nuc", 2, -2, 1, -1, np.inf, -np.inf])
@pytest.mark.parametrize("keepdim", [False, True])
def test_matrix_norm_matches_pytorch(torch, ord, keepdim):
    a = R.standard_normal((2, 3, 4))
    _check(torch, lambda x: dg.linalg.matrix_norm(x, ord, keepdim=keepdim),
           lambda x: torch.linalg.matrix_norm(x, ord, keepdim=keepdim), [a])  # fmt: skip
    _check(torch, lambda x: dg.linalg.matrix_norm(x, ord, dim=(0, 2)),
           lambda x: torch.linalg.matrix_norm(x, ord, dim=(0, 2)), [a])  # fmt: skip
    _check(
        torch,
        lambda x: dg.linalg.norm(x, ord, dim=(-1, 1)),
        lambda x: torch.linalg.norm(x, ord, dim=(-1, 1)),
        [a],
    )


@pytest.mark.parametrize("ord", [None, 1, 2, 3, np.inf, -np.inf, 0])
def test_vector_and_linalg_norm_match_pytorch(torch, ord):
    a = R.standard_normal((2, 3, 4))
    v = 2 if ord is None else ord
    _check(
        torch,
        lambda x: dg.linalg.vector_norm(x, v, dim=1),
        lambda x: torch.linalg.vector_norm(x, v, dim=1),
        [a],
    )
    _check(
        torch, lambda x: dg.linalg.vector_norm(x, v), lambda x: torch.linalg.vector_norm(x, v), [a]
    )
    _check(torch, lambda x: dg.linalg.norm(x, ord, dim=-1, keepdim=True),
           lambda x: torch.linalg.norm(x, ord, dim=-1, keepdim=True), [a])  # fmt: skip
    _check(torch, lambda x: dg.linalg.norm(x, ord), lambda x: torch.linalg.norm(x, ord), [a[0, 0]])
    if ord is None:
        _check(torch, dg.linalg.norm, torch.linalg.norm, [a])
    if ord in (None, 1, 2, np.inf, -np.inf):
        _check(torch, lambda x: dg.linalg.norm(x, ord), lambda x: torch.linalg.norm(x, ord), [a[0]])
    _check(torch, lambda x: dg.linalg.vector_norm(x, v, dtype=dg.float32),
           lambda x: torch.linalg.vector_norm(x, v, dtype=torch.float32), [a.astype(np.float32)], gradcheck=False, rtol=1e-5)  # fmt: skip


def test_norm_refusals():
    with pytest.raises(ValueError, match="1-D or 2-D"):
        dg.linalg.norm(dg.ones(2, 2, 2), 2)
    with pytest.raises(ValueError, match="ord"):
        dg.linalg.matrix_norm(dg.ones(2, 2), 3)
    with pytest.raises(ValueError, match="matrices"):
        dg.linalg.matrix_norm(dg.ones(2))


def _complex(rng, shape):
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


def test_inv_and_solve_gradients_of_complex_matrices_match_pytorch(torch):
    # the backward uses the conjugate transpose (it used the transpose: wrong for complex A)
    rng = np.random.default_rng(3)
    a, b = _complex(rng, (2, 3, 3)) + 3 * np.eye(3), _complex(rng, (2, 3, 2))
    for fd, ft, args in [
        (dg.linalg.inv, torch.linalg.inv, [a]),
        (dg.linalg.solve, torch.linalg.solve, [a, b]),
    ]:
        xs = [dg.tensor(v, requires_grad=True) for v in args]
        ts = [torch.tensor(v, requires_grad=True) for v in args]
        y, ty = fd(*xs), ft(*ts)
        w = _complex(rng, y.shape)
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12)
        dg.real(y * dg.tensor(w)).sum().backward()
        torch.real(ty * torch.tensor(w)).sum().backward()
        for x, t in zip(xs, ts, strict=True):
            np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_linalg_errors_are_pytorch_runtime_errors_and_earlier_value_errors(torch):
    with pytest.raises(RuntimeError, match="square") as e:
        dg.linalg.inv(dg.ones(2, 3))
    assert isinstance(e.value, ValueError)
    with pytest.raises(dg.linalg.LinAlgError, match="inv") as e:
        dg.linalg.inv(dg.zeros(2, 2))
    assert isinstance(e.value, RuntimeError) and isinstance(e.value, ValueError)
    with pytest.raises(torch.linalg.LinAlgError):
        torch.linalg.inv(torch.zeros(2, 2))


def _check_complex(torch, fd, ft, arrays, rtol=1e-10, atol=1e-12):
    """Values and the gradient of ``Re Σ w·y`` (complex ``w`` for complex outputs) against
    PyTorch: its convention for complex inputs is ``∂L/∂Re + i ∂L/∂Im``."""
    rng = np.random.default_rng(7)
    xs = [dg.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, ty = fd(*xs), ft(*ts)
    ys, tys = (y, ty) if isinstance(ty, tuple) else ((y,), (ty,))
    loss, tloss = 0, 0
    for u, tu in zip(ys, tys, strict=True):
        assert u.shape == tuple(tu.shape) and str(u.dtype) == str(tu.dtype).removeprefix("torch.")
        np.testing.assert_allclose(u.numpy(), tu.detach().numpy(), rtol=rtol, atol=atol)
        w = rng.standard_normal(u.shape) + (
            1j * rng.standard_normal(u.shape) if u.dtype.kind == "c" else 0
        )
        loss = loss + dg.real(u * dg.tensor(w)).sum()
        tloss = tloss + torch.real(tu * torch.tensor(w)).sum()
    loss.backward()
    tloss.backward()
    for x, t in zip(xs, ts, strict=True):
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=rtol, atol=atol)


CSQ = _complex(np.random.default_rng(11), (2, 3, 3)) + 3 * np.eye(3)
CHPD = CSQ @ CSQ.conj().transpose(0, 2, 1) + np.eye(3)


def test_det_slogdet_logdet_of_complex_matrices_match_pytorch(torch):
    # the gradients used the transpose (not the conjugate transpose) and det itself, not its
    # conjugate; slogdet's complex sign had no gradient and logdet dropped log(sign)
    _check_complex(torch, dg.linalg.det, torch.linalg.det, [CSQ])
    _check_complex(
        torch,
        lambda x: tuple(dg.linalg.slogdet(x)),
        lambda x: tuple(torch.linalg.slogdet(x)),
        [CSQ],
    )
    _check_complex(
        torch, lambda x: dg.linalg.slogdet(x).sign, lambda x: torch.linalg.slogdet(x).sign, [CSQ]
    )
    _check_complex(torch, dg.logdet, torch.logdet, [CSQ])
    # at a singular matrix the cofactors, against numerical differentiation (PyTorch gives 0
    # there, README's row on det)
    a = CSQ[0].copy()
    a[2] = a[0] * (1 - 2j)  # rank 2
    w = 0.3 - 1.7j

    def loss(m):
        return float(np.real(w * np.linalg.det(m)))

    num = np.zeros(a.shape, complex)
    for idx in np.ndindex(a.shape):
        for step in (1e-6, 1e-6j):
            e = np.zeros(a.shape, complex)
            e[idx] = step
            num[idx] += (loss(a + e) - loss(a - e)) / 2e-6 * (step / abs(step))
    x = dg.tensor(a, requires_grad=True)
    dg.real(dg.linalg.det(x) * w).backward()
    np.testing.assert_allclose(x.grad.numpy(), num, atol=1e-7)


def _phase(x, mod):  # each column's phase fixed: its first entry real and positive
    first = x[..., :1, :]
    return mod.conj(first) / mod.abs(first)


def test_cholesky_eigh_svd_qr_of_complex_matrices_match_pytorch(torch):
    # their gradients used the transpose (not the conjugate transpose), and
    # cholesky(upper=True) returned Lᵀ, not Lᴴ
    for upper in (False, True):
        _check_complex(
            torch,
            lambda x, upper=upper: dg.linalg.cholesky(x, upper=upper),
            lambda x, upper=upper: torch.linalg.cholesky(x, upper=upper),
            [CHPD],
        )

    def eigh(mod):
        def f(x):
            w, v = mod.linalg.eigh(x)
            return w, v * _phase(v, mod)

        return f

    _check_complex(torch, eigh(dg), eigh(torch), [CHPD])
    _check_complex(torch, dg.linalg.eigvalsh, torch.linalg.eigvalsh, [CHPD])

    def svd(mod):
        def f(x):
            u, s, vh = mod.linalg.svd(x, full_matrices=False)
            p = _phase(u, mod)
            return u * p, s, vh * mod.conj(p).transpose(-1, -2)

        return f

    rng = np.random.default_rng(5)
    for shape in [(2, 3, 3), (4, 3), (3, 4)]:
        a = _complex(rng, shape)
        _check_complex(torch, svd(dg), svd(torch), [a])
        _check_complex(torch, dg.linalg.svdvals, torch.linalg.svdvals, [a])
        if shape[-2] >= shape[-1]:
            _check_complex(
                torch, lambda x: tuple(dg.linalg.qr(x)), lambda x: tuple(torch.linalg.qr(x)), [a]
            )


def test_complex_eigh_and_svd_refuse_a_phase_dependent_loss_as_pytorch(torch):
    # the eigenvectors / singular vectors are defined up to e^{iφ}: PyTorch raises
    for f in (lambda x: dg.linalg.eigh(x).eigenvectors, lambda x: dg.linalg.svd(x)[0]):
        x = dg.tensor(CHPD[0], requires_grad=True)
        with pytest.raises(RuntimeError, match=r"e\^\{i phi\}"):
            dg.real(f(x)).sum().backward()
    t = torch.tensor(CHPD[0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"e\^\{i phi\}"):
        torch.real(torch.linalg.eigh(t).eigenvectors).sum().backward()


@pytest.mark.parametrize(
    "a",
    [np.eye(3), np.diag([2.0, 2.0, 0.0]), np.outer([1.0, 2.0, 3.0], [1.0, -1.0]), SPD[0]],
    ids=["identity", "repeated-and-zero", "rank-1", "spd"],
)
def test_pinv_gradient_is_pytorchs_where_singular_values_repeat_or_vanish(torch, a):
    # pinv went through the SVD, whose gradient is NaN for repeated singular values (pinv(I)
    # had a NaN gradient); it is now PyTorch's pinv_backward
    _check(torch, dg.linalg.pinv, torch.linalg.pinv, [a], gradcheck=False)
    if a.shape[0] == a.shape[1]:
        for kw in ({"hermitian": True}, {"atol": 0.5}, {"rtol": 0.4}, {"atol": 0.1, "rtol": 0.4}):
            _check(
                torch,
                lambda x, kw=kw: dg.linalg.pinv(x, **kw),
                lambda x, kw=kw: torch.linalg.pinv(x, **kw),
                [a],
                gradcheck=False,
            )
    x = dg.tensor(np.eye(3), requires_grad=True)
    dg.linalg.pinv(x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), -np.ones((3, 3)))


def test_pinv_of_complex_batched_and_tolerance_tensors_match_pytorch(torch):
    rng = np.random.default_rng(2)
    for shape in [(2, 3, 3), (4, 3), (3, 4)]:
        _check_complex(torch, dg.linalg.pinv, torch.linalg.pinv, [_complex(rng, shape)])
    low = _complex(rng, (3, 2)) @ _complex(rng, (2, 3))  # rank 2
    _check_complex(torch, dg.linalg.pinv, torch.linalg.pinv, [low])
    herm = low @ low.conj().T
    _check_complex(
        torch,
        lambda x: dg.linalg.pinv(x, hermitian=True),
        lambda x: torch.linalg.pinv(x, hermitian=True),
        [herm],
    )
    a, tol = SQ, np.array([0.0, 10.0])  # a tolerance per matrix: the second is all cut
    _check(
        torch,
        lambda x: dg.linalg.pinv(x, atol=dg.tensor(tol)),
        lambda x: torch.linalg.pinv(x, atol=torch.tensor(tol)),
        [a],
    )
    _check(
        torch,
        lambda x: dg.linalg.pinv(x, rtol=dg.tensor(tol / 20), hermitian=True),
        lambda x: torch.linalg.pinv(x, rtol=torch.tensor(tol / 20), hermitian=True),
        [SPD],
        gradcheck=False,
    )


@pytest.mark.parametrize(
    "code",
    [
        "T.linalg.solve(T.eye(2), T.ones(2, dtype=T.float64))",
        "T.linalg.solve(T.eye(2, dtype=T.float64), T.ones(2, 1))",
        "T.linalg.solve_ex(T.eye(2), T.ones(2, dtype=T.float64))",
        "T.cholesky_solve(T.ones(2, 1, dtype=T.float64), T.eye(2))",
        "T.linalg.lstsq(T.eye(2), T.ones(2, 1, dtype=T.float64))",
        "T.triangular_solve(T.ones(2, 1, dtype=T.float64), T.eye(2))",
    ],
)
def test_solvers_refuse_operands_of_two_dtypes_as_pytorch(torch, code):
    """PyTorch's solvers take one dtype ("Expected A and B to have the same dtype"): no
    silent promotion (solve_triangular, which PyTorch promotes, promotes here too)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # triangular_solve's deprecation
        with pytest.raises(RuntimeError, match="to have the same dtype"):
            eval(code, {"T": torch})
        with pytest.raises(RuntimeError, match="to have the same dtype"):
            eval(code, {"T": dg})
    assert (
        dg.linalg.solve_triangular(dg.eye(2), dg.ones(2, 1, dtype=dg.float64), upper=True).dtype
        == dg.float64
    )


@pytest.mark.parametrize(
    "code",
    [
        "T.linalg.cross(a, b)",
        "T.heaviside(a, b)",
        "T.nn.functional.prelu(a[None], b[:1])",
        "T.nn.functional.grid_sample(a[None, None], b[None, None, :, :2])",
    ],
)
def test_same_dtype_refusals_are_pytorchs_runtime_error(torch, code):
    a32, b64 = np.ones((3, 3), np.float32), np.ones((3, 3))
    with pytest.raises(RuntimeError):
        eval(code, {"T": torch, "a": torch.tensor(a32), "b": torch.tensor(b64)})
    with pytest.raises(RuntimeError):
        eval(code, {"T": dg, "a": dg.tensor(a32), "b": dg.tensor(b64)})
