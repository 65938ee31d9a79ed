"""Matrix functions and factorizations, batched over leading dims (``(*, n, n)``), with the
standard derivative formulas (each written in differentiable operations, so higher-order
gradients work):

=========  ===============================  ===============================================
function   forward                          gradient of the input(s) for upstream ``G``
=========  ===============================  ===============================================
inv        Y = A⁻¹                          -Yᴴ G Yᴴ
det        d = det A                        g · conj(adj A)ᵀ  (= g d̄ A⁻ᴴ when A is
                                            invertible; through the SVD when it is not)
slogdet    (sign, ln |det A|)               (g + i Im(G_sign conj(sign))) A⁻ᴴ (the sign's
                                            term for complex A; a real sign has none)
logdet     ln det A (NaN if det < 0;        g A⁻ᴴ (through slogdet)
           complex A: log sign + ln |det|)
solve      X = A⁻¹ B                        G_B = A⁻ᴴ G,  G_A = -G_B Xᴴ
cholesky   A = L Lᴴ (L lower)               L⁻ᴴ Φ(Lᴴ G) L⁻¹, Φ: lower part with halved
                                            diagonal plus its strict part's ᴴ (Murray 2016;
                                            PyTorch's)
eigh       A = V diag(λ) Vᴴ (A Hermitian)   V (diag(G_λ) + ½(Vᴴ G_V - G_Vᴴ V) / E) Vᴴ,
                                            E_ij = λ_j - λ_i (its diagonal replaced by G_λ)
svdvals    s (singular values)              U diag(g) Vᴴ
svd        A = U diag(s) Vᴴ (reduced)       PyTorch's svd_backward: U [(skew(UᴴG_U) S +
                                            S skew(VᴴG_V)) / E + diag(G_s)] Vᴴ plus the
                                            parts outside U's / V's span; E_jk = s_k² - s_j²;
                                            complex: + diag(diag(skew(UᴴG_U)) / 2s)
qr         A = Q R (m ≥ n for gradients)    (G_Q + Q copyltu(M)) R⁻ᴴ, M = R G_Rᴴ - G_Qᴴ Q,
                                            copyltu(M) = tril(M,-1) + tril(M,-1)ᴴ + Re diag M
=========  ===============================  ===============================================

Only the lower triangle of ``A`` is read by ``cholesky`` and ``eigh`` (as PyTorch with its
defaults; their gradients are PyTorch's); complex eigenvectors and singular vectors are
defined up to a phase ``e^{iφ}``: a loss that depends on it is refused, as PyTorch refuses
it; a singular matrix in ``inv``/``solve`` and a matrix that is not positive-definite
in ``cholesky`` are refused with an error naming the function (PyTorch raises too).
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator
from typing import Any, NamedTuple

import numpy

from .. import backend
from .._errors import (
    DtypeError,
    LinAlgError,
    MatrixShapeError,
    bool_arg,
    int_arg,
    refuse_integer,
    refuse_unequal_dtypes,
)
from ..autograd import Function
from ..tensor import Tensor, as_tensor
from .complex import conj, imag, real
from .diagonal import diag_embed, diagonal
from .elementwise import astype, log, where
from .linalg import matmul
from .shape import sum_to, swapaxes, tril, unsqueeze


def _mT(x: Tensor) -> Tensor:  # noqa: N802 - PyTorch's name for the batched transpose
    return swapaxes(x, -1, -2)


def _mH(x: Tensor) -> Tensor:  # noqa: N802 - PyTorch's name for the conjugate transpose
    return conj(swapaxes(x, -1, -2))


def _square(a: Any, fn: str, not_implemented: bool = False) -> Tensor:
    x = as_tensor(a)
    refuse_integer(fn, x, not_implemented=not_implemented)
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        raise MatrixShapeError(f"{fn}: expected square matrices (*, n, n), got shape {x.shape}")
    return x


#: > 0 inside :func:`_nan_where_singular`: CuPy's calls return NaNs for a singular matrix
#: there, as NumPy's ``inv`` of a matrix holding inf or NaN does
_QUIET_LAPACK = 0


@contextlib.contextmanager
def _nan_where_singular() -> Iterator[None]:
    """A block whose CuPy linear algebra does not raise (``det``'s and ``slogdet``'s
    backward invert a matrix that may be singular or not finite: NaN, as in PyTorch)."""
    global _QUIET_LAPACK
    _QUIET_LAPACK += 1
    try:
        yield
    finally:
        _QUIET_LAPACK -= 1


def raising() -> Any:
    """A block in which the backend's linear algebra raises ``numpy.linalg.LinAlgError`` for
    a singular or not positive-definite matrix: NumPy's always does; CuPy's returns NaNs
    unless ``cupyx.errstate(linalg="raise")`` asks it to raise."""
    if not backend.gpu:
        return contextlib.nullcontext()
    return importlib.import_module("cupyx").errstate(linalg="raise")


def _lapack(fn: str, call: Any, *args: Any) -> Any:
    """Run a NumPy linear-algebra call, its ``LinAlgError`` re-raised naming ``fn``. On CuPy
    the call runs under ``cupyx.errstate(linalg="raise")``: CuPy returns NaNs for a singular
    matrix unless asked, where NumPy (and PyTorch, CUDA too) raise."""
    try:
        if _QUIET_LAPACK:
            return call(*args)
        with raising():
            return call(*args)
    except numpy.linalg.LinAlgError as err:
        raise LinAlgError(
            f"{fn}: {err} (the matrix is singular or not positive-definite)"
        ) from None


def _output(fn: Function, i: int, arrays: tuple) -> Tensor:
    """Output ``i`` of a multi-output node: the tensor while the caller holds it (so that
    higher-order gradients see it), else its values as a constant (an output that was
    dropped had no gradient to pass on)."""
    try:
        return fn.output(i)
    except RuntimeError:
        return Tensor._from_op(arrays[i], None, 0)


class Inv(Function):
    keep_output = True

    def forward(self, a: Any) -> Any:
        return _lapack("inv", backend.xp.linalg.inv, a)

    def backward(self, gy: Tensor) -> Tensor:
        yh = _mH(self.output())
        return -matmul(matmul(yh, gy), yh)


def inv(A: Tensor) -> Tensor:  # noqa: N803 - PyTorch's name
    """The inverse of each square matrix ``A`` (``(*, n, n)``); a singular one is refused.

    >>> import deepgrad as dg
    >>> dg.linalg.inv(dg.tensor([[2.0, 0.0], [0.0, 4.0]])).tolist()
    [[0.5, 0.0], [0.0, 0.25]]
    """
    return Inv()(_square(A, "inv"))


def inverse(input: Tensor) -> Tensor:  # noqa: A002
    """``torch.inverse``: :func:`inv`."""
    return inv(input)


def matrix_power(A: Tensor, n: int) -> Tensor:  # noqa: N803
    """``A`` to the integer power ``n`` (PyTorch's ``torch.linalg.matrix_power``, also
    ``torch.matrix_power`` and ``Tensor.matrix_power``), for a batch of square matrices
    ``(*, m, m)``: ``n > 0`` by repeated squaring (PyTorch's order of products), ``n < 0``
    as the power ``-n`` of ``inv(A)``, ``n = 0`` the identity (whose gradient is zero). Built
    from ``matmul`` and ``inv``, so its gradient is theirs.

    >>> import deepgrad as dg
    >>> dg.linalg.matrix_power(dg.tensor([[1, 1], [1, 0]]), 5).tolist()
    [[8, 5], [5, 3]]
    """
    A = as_tensor(A)  # noqa: N806
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise MatrixShapeError(
            f"linalg.matrix_power: A must be batches of square matrices, got shape {A.shape}"
        )
    n = int_arg(n, "linalg_matrix_power", "n", 2)
    n = int(n)
    if n == 0:  # the identity, still recorded (a zero gradient), as PyTorch's copy_
        eye = backend.xp.broadcast_to(backend.xp.eye(A.shape[-1], dtype=A.dtype), A.shape)
        return where(backend.xp.ones(A.shape, bool), Tensor._wrap(eye.copy()), A)
    if n < 0:
        if A.dtype.kind not in "fc":
            raise DtypeError(
                f"linalg.matrix_power: a negative power needs a floating point or complex A (it inverts "
                f"it), got {A.dtype}"
            )
        A, n = inv(A), -n  # noqa: N806
    if n <= 3:
        return A.clone() if n == 1 else matmul(A, A) if n == 2 else matmul(matmul(A, A), A)
    z: Tensor | None = None
    result: Tensor | None = None
    while n > 0:  # the binary digits of n, lowest first
        bit, n = n % 2, n // 2
        z = A if z is None else matmul(z, z)
        if bit:
            result = z if result is None else matmul(result, z)
    assert result is not None
    return result


def _adjugate_h(a: Any) -> Any:
    """``adj(A)ᴴ`` for every matrix, singular ones included, through the SVD
    ``A = U S Vᴴ``: ``adj(A) = det(U) det(Vᴴ) · V diag(Π_{j≠i} s_j) Uᴴ``."""
    xp = backend.xp
    u, s, vh = xp.linalg.svd(a)
    n = s.shape[-1]
    ones = xp.ones(s.shape[:-1] + (1,), s.dtype)
    before = xp.cumprod(xp.concatenate([ones, s[..., :-1]], -1), -1)
    after = xp.flip(xp.cumprod(xp.concatenate([ones, xp.flip(s, -1)[..., :-1]], -1), -1), -1)
    p = before * after if n else s
    sign = xp.conj(xp.linalg.det(u) * xp.linalg.det(vh))
    return (u * p[..., None, :]) @ vh * sign[..., None, None]


class Det(Function):
    keep_output = True

    def forward(self, a: Any) -> Any:
        return backend.xp.linalg.det(a)

    def backward(self, gy: Tensor) -> Tensor:
        a, d = self.inputs[0], self.output()
        g = unsqueeze(unsqueeze(gy, -1), -1)
        if bool((d._data != 0).all()):
            with _nan_where_singular():
                a_inv = inv(a)
            return g * unsqueeze(unsqueeze(conj(d), -1), -1) * _mH(a_inv)
        return g * Tensor._from_op(_adjugate_h(a._data), None, 0)  # first order only


def det(A: Tensor) -> Tensor:  # noqa: N803
    """The determinant of each square matrix (``(*, n, n)`` → ``(*)``); differentiable also
    at singular matrices (through the adjugate).

    >>> import deepgrad as dg
    >>> dg.det(dg.tensor([[1.0, 2.0], [3.0, 4.0]])).item()
    -2.0
    """
    return Det()(_square(A, "det"))


class SignLogAbsDet(NamedTuple):
    """``(sign, logabsdet)`` of :func:`slogdet` (PyTorch's field names)."""

    sign: Tensor
    logabsdet: Tensor


class SLogDet(Function):
    # the backward reads memory of the output (the sign): a write into the
    # output afterwards is refused at backward, as PyTorch refuses one
    keep_output = True

    def forward(self, a: Any) -> Any:
        self.sign, logabs = backend.xp.linalg.slogdet(a)
        return self.sign, logabs

    def backward(self, gsign: Tensor | None, glogabs: Tensor | None) -> Tensor | None:
        a = self.inputs[0]
        g: Any = glogabs
        if a.dtype.kind == "c" and gsign is not None:  # sign = det/|det| moves with the phase
            sign = _output(self, 0, (self.sign,))  # the output: a second derivative sees it
            g = (0.0 if g is None else g) + 1j * imag(gsign * conj(sign))
        if g is None:  # a real sign is piecewise constant
            return None
        with _nan_where_singular():
            a_inv = inv(a)
        return unsqueeze(unsqueeze(g, -1), -1) * _mH(a_inv)


def slogdet(A: Tensor) -> SignLogAbsDet:  # noqa: N803
    """``(sign, ln |det A|)``: the determinant's sign (``det/|det|`` for complex ``A``; 0
    for a singular matrix, whose ``logabsdet`` is ``-inf``) and the log of its magnitude,
    without overflow. Gradients as PyTorch's: ``g A⁻ᴴ`` with ``g = G_logabsdet + i Im(G_sign
    conj(sign))`` (the sign's term for complex ``A`` only)."""
    return SignLogAbsDet(*SLogDet()(_square(A, "slogdet")))


def logdet(input: Tensor) -> Tensor:  # noqa: A002
    """``ln det A``: NaN where the determinant is negative, ``-inf`` where it is 0; complex
    ``A``: ``log(sign) + logabsdet`` (complex), as PyTorch."""
    sign, logabs = slogdet(input)
    if sign.dtype.kind == "c":
        return log(sign) + logabs
    return where(sign._data < 0, float("nan"), logabs)


def _solve(a: Any, b: Any) -> Any:
    """``A⁻¹ B`` with the batch dims broadcast (NumPy broadcasts them; CuPy needs them equal)."""
    xp = backend.xp
    if backend.gpu:
        batch = xp.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        a = xp.broadcast_to(a, batch + a.shape[-2:])
        b = xp.broadcast_to(b, batch + b.shape[-2:])
    return _lapack("solve", xp.linalg.solve, a, b)


class Solve(Function):
    def __init__(self, vector: bool) -> None:
        self.vector = vector

    def forward(self, a: Any, b: Any) -> Any:
        if self.vector:
            return _solve(a, b[..., None])[..., 0]
        return _solve(a, b)

    def backward(self, gx: Tensor) -> tuple:
        a, b = self.inputs
        na, nb = self.needs_input_grad
        gb = Solve(self.vector)(_mH(a), gx)
        ga = None
        if na:
            x = solve(a, b)
            gb2, x2 = (unsqueeze(gb, -1), unsqueeze(x, -1)) if self.vector else (gb, x)
            ga = sum_to(-matmul(gb2, _mH(x2)), a.shape)
        return ga, (sum_to(gb, b.shape) if nb else None)


def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:  # noqa: N803
    """The solution ``X`` of ``A X = B`` (``left=False``: ``X A = B``); ``B`` is a batch of
    vectors when it is 1-D or has ``A``'s batch shape plus ``n`` (PyTorch's rule); batch dims
    broadcast. A singular ``A`` is refused.

    >>> import deepgrad as dg
    >>> dg.linalg.solve(dg.tensor([[2.0, 0.0], [0.0, 4.0]]), dg.tensor([2.0, 2.0])).tolist()
    [1.0, 0.5]
    """
    a = _square(A, "solve")
    b = as_tensor(B)
    refuse_integer("solve", b)
    refuse_unequal_dtypes("linalg.solve: ", a, b)  # PyTorch's RuntimeError: no promotion
    dt = backend.result_type(a._data, b._data)
    a, b = astype(a, dt), astype(b, dt)
    if not left:
        return _mT(solve(_mT(a), _mT(b)))
    vector = b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1])
    n = a.shape[-1]
    if (b.shape[-1] if vector else b.shape[-2] if b.ndim >= 2 else -1) != n:
        raise MatrixShapeError(f"solve: A of shape {a.shape} and B of shape {b.shape} do not fit")
    return Solve(vector)(a, b)


class Cholesky(Function):
    keep_output = True

    def forward(self, a: Any) -> Any:
        return _lapack("cholesky", backend.xp.linalg.cholesky, a)

    def backward(self, gl: Tensor) -> Tensor:
        ell = self.output()
        p = tril(matmul(_mH(ell), gl))
        phi = (p + _mH(tril(p, -1))) * 0.5  # PyTorch's (not Hermitian on the diagonal)
        li = inv(ell)
        return matmul(matmul(_mH(li), phi), li)


def cholesky(A: Tensor, *, upper: bool = False) -> Tensor:  # noqa: N803
    """The Cholesky factor of each Hermitian (real: symmetric) positive-definite matrix: lower
    ``L`` with ``A = L Lᴴ`` (``upper``: ``U = Lᴴ``, ``A = Uᴴ U``). Only the lower triangle is
    read."""
    a = _square(A, "cholesky")
    ell = Cholesky()(a)
    return _mH(ell) if upper else ell


def _refuse_phase(fn: str, a: Any, b: Any) -> None:
    """PyTorch's refusal of a loss that depends on the phase ``e^{iφ}`` of complex singular
    vectors or eigenvectors: ``Im diag(Uᴴ G_U)`` must match ``b`` (``allclose``, 1e-2)."""
    xp = backend.xp
    if bool(xp.any(xp.abs(a - b) > 1e-2 + 1e-2 * xp.abs(b))):
        raise RuntimeError(
            f"{fn} backward: the vectors in the complex case are specified up to "
            "multiplication by e^{i phi}; the loss depends on this phase, so it is ill-defined "
            "(PyTorch refuses it too)"
        )


class EigH(Function):
    keep_output = True

    def forward(self, a: Any) -> Any:
        w, v = backend.xp.linalg.eigh(a, UPLO="L")
        self.arrays = (w, v)
        return w, v

    def backward(self, gw: Tensor | None, gv: Tensor | None) -> Tensor:
        w, v = _output(self, 0, self.arrays), _output(self, 1, self.arrays)
        eye = backend.xp.eye(w.shape[-1], dtype=bool)
        if gv is None:
            return matmul(v * unsqueeze(gw, -2), _mH(v))
        vhgv = matmul(_mH(v), gv)
        _refuse_phase("linalg.eigh", diagonal(vhgv, 0, -2, -1)._data.imag, 0.0)
        diff = where(eye, 1.0, unsqueeze(w, -2) - unsqueeze(w, -1))  # λ_j - λ_i
        inner = (vhgv - _mH(vhgv)) * 0.5 / diff
        if gw is not None:
            inner = where(eye, diag_embed(gw), inner)
        return matmul(matmul(v, inner), _mH(v))


class EigResult(NamedTuple):
    """``(eigenvalues, eigenvectors)`` of :func:`eigh` (PyTorch's field names)."""

    eigenvalues: Tensor
    eigenvectors: Tensor


def eigh(A: Tensor, UPLO: str = "L") -> EigResult:  # noqa: N803
    """Eigenvalues (ascending) and orthonormal eigenvectors (columns) of each Hermitian
    (real: symmetric) matrix, read from its lower triangle (``UPLO="L"``, the only one supported). The
    gradient is the standard one (undefined for repeated eigenvalues, as in PyTorch)."""
    if UPLO != "L":
        raise ValueError(f'eigh: only UPLO="L" is supported, got {UPLO!r}')
    w, v = EigH()(_square(A, "eigh", not_implemented=True))
    return EigResult(w, v)


def eigvalsh(A: Tensor, UPLO: str = "L") -> Tensor:  # noqa: N803
    """The eigenvalues (ascending) of each Hermitian matrix: :func:`eigh`'s first output
    (gradient ``V diag(g) Vᴴ``)."""
    return eigh(A, UPLO).eigenvalues


class SVD(Function):
    keep_output = True

    def __init__(self, full_matrices: bool) -> None:
        self.full = full_matrices

    def forward(self, a: Any) -> Any:
        u, s, vh = _lapack("svd", backend.xp.linalg.svd, a, self.full)
        self.arrays = (u, s, vh)
        return u, s, vh

    def backward(self, gu: Tensor | None, gs: Tensor | None, gvh: Tensor | None) -> Tensor:
        u, s, vh = (_output(self, i, self.arrays) for i in range(3))
        m, n = self.inputs[0].shape[-2:]
        if gu is None and gvh is None:
            return matmul(u[..., : min(m, n)] * unsqueeze(gs, -2), vh[..., : min(m, n), :])
        if self.full and m != n:
            raise RuntimeError("svd: gradients of U and Vh need full_matrices=False (as PyTorch)")
        return _svd_grad(u, s, vh, gu, gs, gvh, m, n)


def _svd_grad(u: Tensor, s: Tensor, vh: Tensor, gu: Any, gs: Any, gvh: Any, m: int, n: int):
    """PyTorch's ``svd_backward`` for the reduced SVD (see the table above)."""
    xp = backend.xp
    k = s.shape[-1]
    s2 = s * s
    eye = xp.eye(k, dtype=bool)
    e = where(eye, 1.0, unsqueeze(s2, -2) - unsqueeze(s2, -1))
    ga: Any = 0.0
    skew_u = skew_v = None
    if gu is not None:
        uhgu = matmul(_mH(u), gu)
        skew_u = uhgu - _mH(uhgu)
        ga = skew_u * unsqueeze(s, -2)
    if gvh is not None:
        vhgv = matmul(vh, _mH(gvh))
        skew_v = vhgv - _mH(vhgv)
        ga = ga + unsqueeze(s, -1) * skew_v
    ga = ga / e
    if gs is not None:
        ga = ga + unsqueeze(gs, -1) * Tensor._from_op(xp.eye(k, dtype=s.dtype), None, 0)
    if u.dtype.kind == "c":
        im_u, im_v = (0.0 if t is None else diagonal(t, 0, -2, -1) for t in (skew_u, skew_v))
        _refuse_phase("svd", getattr(im_u, "_data", im_u).imag, -getattr(im_v, "_data", im_v).imag)
        if skew_u is not None:
            ga = ga + diag_embed(im_u / (2.0 * s))
    if m > n and gu is not None:
        gus = gu / unsqueeze(s, -2)
        ga = matmul(u, ga) + gus - matmul(u, matmul(_mH(u), gus))
        return matmul(ga, vh)
    if m < n and gvh is not None:
        sgvh = gvh / unsqueeze(s, -1)
        ga = matmul(ga, vh) + sgvh - matmul(matmul(sgvh, _mH(vh)), vh)
        return matmul(u, ga)
    return matmul(matmul(u, ga), vh)


class SVDResult(NamedTuple):
    """``(U, S, Vh)`` of :func:`svd` (PyTorch's field names)."""

    U: Tensor  # noqa: N815
    S: Tensor  # noqa: N815
    Vh: Tensor  # noqa: N815


def svd(A: Tensor, full_matrices: bool = True) -> SVDResult:  # noqa: N803
    """``A = U diag(S) Vh`` for each matrix (``(*, m, n)``), singular values descending.
    ``full_matrices=False`` gives the reduced factors (``k = min(m, n)`` columns), which the
    gradients of ``U``/``Vh`` need (as in PyTorch); the gradient of ``S`` alone needs neither.
    Singular vectors are defined up to sign, so compare products, not factors."""
    full_matrices = bool_arg(full_matrices, "linalg_svd", "full_matrices")
    a = as_tensor(A)
    refuse_integer("svd", a)
    if a.ndim < 2:
        raise MatrixShapeError(f"svd: expected matrices (*, m, n), got shape {a.shape}")
    return SVDResult(*SVD(full_matrices)(a))


def svdvals(A: Tensor) -> Tensor:  # noqa: N803
    """The singular values of each matrix, descending (gradient ``U diag(g) Vh``)."""
    return svd(A, full_matrices=False).S


class QR(Function):
    keep_output = True

    def __init__(self, mode: str) -> None:
        self.mode = mode

    def forward(self, a: Any) -> Any:
        q, r = backend.xp.linalg.qr(a, mode=self.mode)
        self.arrays = (q, r)
        return q, r

    def backward(self, gq: Tensor | None, gr: Tensor | None) -> Tensor:
        q, r = _output(self, 0, self.arrays), _output(self, 1, self.arrays)
        m, n = self.inputs[0].shape[-2:]
        if m < n or self.mode != "reduced":
            raise RuntimeError(
                "qr: gradients are implemented for mode='reduced' and m >= n; got mode="
                f"{self.mode!r} and a {m}x{n} input"
            )
        mm: Any = 0.0
        if gr is not None:
            mm = matmul(r, _mH(gr))
        if gq is not None:
            mm = mm - matmul(_mH(gq), q)
        low = tril(mm, -1)  # copyltu: Hermitian, real diagonal (R's diagonal is real)
        copyltu = low + _mH(low) + diag_embed(real(diagonal(mm, 0, -2, -1)))
        b = matmul(q, copyltu) if gq is None else gq + matmul(q, copyltu)
        return _mH(solve(r, _mH(b)))  # B R⁻ᴴ


class QRResult(NamedTuple):
    """``(Q, R)`` of :func:`qr` (PyTorch's field names)."""

    Q: Tensor  # noqa: N815
    R: Tensor  # noqa: N815


def qr(A: Tensor, mode: str = "reduced") -> QRResult:  # noqa: N803
    """``A = Q R`` with orthonormal columns ``Q`` and upper-triangular ``R`` (``mode``:
    ``"reduced"``, ``"complete"``, or ``"r"`` for ``R`` alone with an empty ``Q``)."""
    if mode not in ("reduced", "complete", "r"):
        raise ValueError(f'qr: mode must be "reduced", "complete" or "r", got {mode!r}')
    a = as_tensor(A)
    refuse_integer("qr", a)
    if a.ndim < 2:
        raise MatrixShapeError(f"qr: expected matrices (*, m, n), got shape {a.shape}")
    if mode == "r":
        r = Tensor._from_op(backend.xp.linalg.qr(a._data, mode="r"), None, 0)
        return QRResult(Tensor._from_op(backend.xp.zeros((0,), a.dtype), None, 0), r)
    return QRResult(*QR(mode)(a))
