"""``linalg.eig`` and ``linalg.eigvals``: eigenvalues and eigenvectors of general square
matrices (``(*, n, n)``), always complex (complex64 for float32 input, complex128 for float64),
as PyTorch's: LAPACK's ``geev`` through NumPy, each eigenvector of unit 2-norm with its largest
component real (so the vectors are PyTorch's, up to rounding).

Gradient (PyTorch's ``linalg_eig_backward``), for ``A = V diag(λ) V⁻¹`` and upstream
``G_λ``, ``G_V``::

    G_A = V⁻ᴴ (diag(G_λ) + (Vᴴ G_V - Vᴴ V diag(Re diag(Vᴴ G_V))) / Ē) Vᴴ,
    E_ij = λ_j - λ_i (i ≠ j; its diagonal is replaced by G_λ)

and its real part for a real ``A``. Eigenvectors are defined up to a phase ``e^{iφ}``: a loss
that depends on the phase has no gradient, and is refused as PyTorch refuses it.
"""

from __future__ import annotations

from typing import Any

from .. import backend
from ..autograd import Function
from ..tensor import Tensor
from .complex import _complex_dtype, conj, real
from .decompositions import EigResult, _mH, _output, _square, solve
from .diagonal import diag_embed, diagonal
from .elementwise import where
from .linalg import matmul
from .shape import unsqueeze


def _geev(a: Any) -> tuple[Any, Any]:
    """``geev``'s values and vectors (unit 2-norm, largest component real), as complex."""
    w, v = backend.xp.linalg.eig(a)
    dt = _complex_dtype(a.dtype)
    return w.astype(dt, copy=False), v.astype(dt, copy=False)


class Eig(Function):
    keep_output = True

    def forward(self, a: Any) -> Any:
        self.arrays = _geev(a)
        return self.arrays

    def backward(self, gw: Tensor | None, gv: Tensor | None) -> Tensor:
        w, v = _output(self, 0, self.arrays), _output(self, 1, self.arrays)
        vh = _mH(v)
        if gv is None:
            ga = solve(vh, unsqueeze(gw, -1) * vh)
        else:
            vhgv = matmul(vh, gv)
            d = diagonal(vhgv, 0, -2, -1)
            if bool(backend.xp.any(backend.xp.abs(d._data.imag) > 1e-2)):
                raise RuntimeError(
                    "linalg.eig backward: the eigenvectors in the complex case are specified up "
                    "to multiplication by e^{i phi}; the loss depends on this phase, so it is "
                    "ill-defined (PyTorch refuses it too)"
                )
            ret = vhgv - matmul(vh, v * unsqueeze(real(d), -2))
            wc = conj(w)
            eye = backend.xp.eye(w.shape[-1], dtype=bool)
            ret = ret / where(eye, 1.0, unsqueeze(wc, -2) - unsqueeze(wc, -1))
            if gw is not None:
                ret = where(eye, diag_embed(gw), ret)
            ga = solve(vh, matmul(ret, vh))
        return real(ga) if self.inputs[0].dtype.kind != "c" else ga


def eig(A: Tensor) -> EigResult:  # noqa: N803 - PyTorch's name
    """Eigenvalues and eigenvectors (columns) of each square matrix, complex even for a real
    ``A`` (``A V = V diag(λ)``); not ordered. Differentiable as PyTorch's (see above).

    >>> import deepgrad as dg
    >>> dg.linalg.eig(dg.tensor([[2.0, 0.0], [0.0, 3.0]])).eigenvalues.tolist()
    [(2+0j), (3+0j)]
    """
    w, v = Eig()(_square(A, "linalg.eig"))
    return EigResult(w, v)


def eigvals(A: Tensor) -> Tensor:  # noqa: N803
    """The (complex) eigenvalues of each square matrix: :func:`eig`'s first output."""
    return eig(A).eigenvalues


__all__ = ["eig", "eigvals"]
