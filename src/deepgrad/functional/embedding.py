"""Embedding lookup: rows of a weight table selected by integer indices.

``y[..., :] = weight[indices[...], :]``; the gradient of the table is the scatter-add of the
output gradient rows, ``dW[v] = Σ_{positions p with indices[p] = v} dy[p]``, and the row
``padding_idx`` (if given) gets no gradient, as in PyTorch. On NumPy the scatter-add is one
sparse-matrix product (a one-hot ``(V, N)`` CSR matrix times ``dy (N, D)``), much faster than
``np.add.at``. Indices get no gradient.

>>> import deepgrad as dg
>>> w = dg.tensor([[0.0, 0.0], [1.0, 2.0], [3.0, 4.0]], requires_grad=True)
>>> y = dg.functional.embedding([[1, 2], [2, 2]], w, padding_idx=0)
>>> y.shape
(2, 2, 2)
>>> y.sum().backward()
>>> w.grad
tensor([[0., 0.],
        [1., 1.],
        [3., 3.]])
"""

from __future__ import annotations

from typing import Any

import numpy

from .. import backend
from ..autograd import Function
from ..tensor import Tensor


def _scatter_rows(idx: Any, rows: Any, n: int) -> Any:
    """``out (n, D)`` with ``out[v] = Σ rows[p] over idx[p] = v``."""
    xp = backend.xp
    if backend.name() == "numpy" and idx.size:
        import scipy.sparse as sp

        N = idx.size
        onehot = sp.csr_matrix((numpy.ones(N, rows.dtype), (idx, numpy.arange(N))), shape=(n, N))
        return numpy.asarray(onehot @ rows)
    out = xp.zeros((n,) + rows.shape[1:], rows.dtype)
    xp.add.at(out, idx, rows)
    return out


class Embedding(Function):
    def __init__(self, indices: Any, padding_idx: int | None) -> None:
        self.indices, self.padding_idx = indices, padding_idx

    def forward(self, weight: Any) -> Any:
        return weight[self.indices]

    def backward(self, gy: Tensor) -> Tensor:
        return EmbeddingGrad(self.indices, self.padding_idx, self.inputs[0].shape[0])(gy)


class EmbeddingGrad(Function):
    """The scatter-add of ``gy`` rows into a ``(num_embeddings, D)`` table (padding row 0);
    its own backward is the lookup again, so double backward works."""

    def __init__(self, indices: Any, padding_idx: int | None, n: int) -> None:
        self.indices, self.padding_idx, self.n = indices, padding_idx, n

    def forward(self, gy: Any) -> Any:
        D = gy.shape[-1]
        gw = _scatter_rows(self.indices.reshape(-1), gy.reshape(-1, D), self.n)
        if self.padding_idx is not None:
            gw[self.padding_idx] = 0
        return gw

    def backward(self, ggw: Tensor) -> Tensor:
        if self.padding_idx is not None:
            ggw = ggw * _row_mask(ggw, self.padding_idx)
        return Embedding(self.indices, None)(ggw)


def _row_mask(t: Tensor, row: int) -> Tensor:
    m = backend.xp.ones((t.shape[0], 1), t.dtype)
    m[row] = 0
    return Tensor._from_op(m, None, 0)


def embedding(indices: Any, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """Look up rows: ``indices (*)`` integers in ``[0, num_embeddings)`` and
    ``weight (num_embeddings, D)`` give ``(*, D)``. ``padding_idx`` (may be negative) names a
    row that receives no gradient."""
    xp = backend.xp
    idx = indices.data if isinstance(indices, Tensor) else xp.asarray(indices)
    V = weight.shape[0]
    if weight.ndim != 2:
        raise ValueError(f"embedding: weight must be 2-d (num_embeddings, dim), got {weight.shape}")
    if idx.dtype.kind not in "iu":
        raise TypeError(
            f"embedding: indices must be integers, got dtype {idx.dtype} (use x.long())"
        )
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= V):
        bad = int(idx.min()) if int(idx.min()) < 0 else int(idx.max())
        raise IndexError(
            f"embedding: index {bad} is out of range for a table of {V} rows "
            f"(expected 0 <= index < {V})"
        )
    if padding_idx is not None:
        if not -V <= padding_idx < V:
            raise ValueError(f"embedding: padding_idx {padding_idx} is out of range for {V} rows")
        padding_idx %= V
    return Embedding(idx, padding_idx)(weight)
