"""``linalg.matrix_exp`` (also ``torch.matrix_exp``, ``Tensor.matrix_exp``): ``exp(A) =
Σ Aᵏ/k!`` of each square matrix, real or complex, batched over leading dims.

Forward: scaling and squaring with the degree-13 Padé approximant (Higham 2005, as SciPy's
``expm``): each matrix is scaled by ``2⁻ˢ`` until its 1-norm is below θ₁₃ = 5.37, the
approximant ``(V - U)⁻¹ (V + U)`` is taken, and squared back ``s`` times. PyTorch uses
Taylor forms of degree 1 to 18 chosen by the norm; both are accurate to rounding (PyTorch's a
little less at small norms: ~5e-13 absolute in float64 near the identity), so the values agree
to that.

Gradient (PyTorch's): for upstream ``G``, ``G_A`` is the upper-right block of
``exp([[Aᴴ, G], [0, Aᴴ]])`` (the Fréchet derivative of ``exp`` at ``Aᴴ`` in the direction
``G``), computed by this same function, so higher-order gradients work.
"""

from __future__ import annotations

from typing import Any

import numpy

from .. import backend
from ..autograd import Function
from ..tensor import Tensor
from .decompositions import _mH, _square
from .shape import concat

_B13 = (
    64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
    129060195264000.0, 10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0,
    40840800.0, 960960.0, 16380.0, 182.0, 1.0,
)  # fmt: skip
_THETA13 = 5.371920351148152


def _expm(a: Any) -> Any:
    """``exp`` of each matrix of ``a`` (``(*, n, n)``) by Padé-13 scaling and squaring."""
    xp = backend.xp
    norm = xp.abs(a).sum(-2).max(-1) if a.shape[-1] else xp.zeros(a.shape[:-2])
    with backend.quiet():
        s = xp.maximum(0, xp.ceil(xp.log2(norm / _THETA13)))
    s = xp.where(xp.isfinite(s), s, 0).astype(numpy.int64)
    a = a / (2.0**s)[..., None, None].astype(a.real.dtype)
    eye = xp.broadcast_to(xp.eye(a.shape[-1], dtype=a.dtype), a.shape)
    a2 = a @ a
    a4 = a2 @ a2
    a6 = a2 @ a4
    b = _B13
    u = a @ (
        a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2) + b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * eye
    )
    v = a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2 + b[0] * eye
    r = xp.linalg.solve(v - u, v + u) if a.shape[-1] else v + u
    for k in range(int(s.max()) if s.size else 0):
        r = xp.where((s > k)[..., None, None], r @ r, r)
    return r


class MatrixExp(Function):
    def forward(self, a: Any) -> Any:
        return _expm(a)

    def backward(self, gy: Tensor) -> Tensor:
        ah = _mH(self.inputs[0])
        n = ah.shape[-1]
        top = concat([ah, gy], -1)
        bottom = concat([Tensor._from_op(backend.xp.zeros_like(ah._data), None, 0), ah], -1)
        return matrix_exp(concat([top, bottom], -2))[..., :n, n:]


def matrix_exp(A: Tensor) -> Tensor:  # noqa: N803 - PyTorch's name
    """The matrix exponential of each square matrix (``(*, n, n)``).

    >>> import deepgrad as dg
    >>> dg.linalg.matrix_exp(dg.tensor([[0.0, 1.0], [0.0, 0.0]])).tolist()
    [[1.0, 1.0], [0.0, 1.0]]
    """
    return MatrixExp()(_square(A, "linalg.matrix_exp"))


__all__ = ["matrix_exp"]
