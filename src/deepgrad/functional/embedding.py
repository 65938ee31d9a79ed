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
    def __init__(self, indices: Any, padding_idx: int | None, scale_grad: bool = False) -> None:
        self.indices, self.padding_idx, self.scale_grad = indices, padding_idx, scale_grad

    def forward(self, weight: Any) -> Any:
        return weight[self.indices]

    def backward(self, gy: Tensor) -> Tensor:
        n = self.inputs[0].shape[0]
        return EmbeddingGrad(self.indices, self.padding_idx, n, self.scale_grad)(gy)


class EmbeddingGrad(Function):
    """The scatter-add of ``gy`` rows into a ``(num_embeddings, D)`` table (padding row 0;
    with ``scale_grad`` each row divided by how often its index occurs in the batch); its
    own backward is the lookup again, so double backward works."""

    def __init__(self, indices: Any, padding_idx: int | None, n: int, scale_grad: bool) -> None:
        self.indices, self.padding_idx, self.n = indices, padding_idx, n
        self.scale_grad = scale_grad

    def _row_scale(self, dtype: Any) -> Any:
        """``(n, 1)``: 0 for the padding row, ``1 / count`` (or 1) for the others."""
        xp = backend.xp
        scale = xp.ones((self.n, 1), dtype)
        if self.scale_grad:
            counts = xp.bincount(self.indices.reshape(-1), minlength=self.n)
            scale[:, 0] = 1.0 / xp.maximum(counts, 1)
        if self.padding_idx is not None:
            scale[self.padding_idx] = 0
        return scale

    def forward(self, gy: Any) -> Any:
        D = gy.shape[-1]
        gw = _scatter_rows(self.indices.reshape(-1), gy.reshape(-1, D), self.n)
        if self.scale_grad:
            gw *= self._row_scale(gw.dtype)
        elif self.padding_idx is not None:
            gw[self.padding_idx] = 0
        return gw

    def backward(self, ggw: Tensor) -> Tensor:
        if self.padding_idx is not None or self.scale_grad:
            ggw = ggw * Tensor._from_op(self._row_scale(ggw.dtype), None, 0)
        return Embedding(self.indices, None)(ggw)


def embedding(
    indices: Any,
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
) -> Tensor:
    """Look up rows: ``indices (*)`` integers in ``[0, num_embeddings)`` and
    ``weight (num_embeddings, D)`` give ``(*, D)``. ``padding_idx`` (may be negative) names a
    row that receives no gradient. As PyTorch: ``max_norm`` first rescales, in place, each
    looked-up row whose ``norm_type``-norm exceeds it to that norm
    (``w_v ← w_v · max_norm / (‖w_v‖ + 1e-7)``); ``scale_grad_by_freq`` divides each row's
    gradient by how often its index occurs in ``indices``."""
    xp = backend.xp
    idx = indices._data if isinstance(indices, Tensor) else xp.asarray(indices)
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
    if max_norm is not None:
        if max_norm <= 0:
            raise ValueError(f"embedding: max_norm must be positive, got {max_norm}")
        rows = xp.unique(idx.reshape(-1))
        w = weight._data
        norms = xp.linalg.norm(w[rows].astype(numpy.float64), ord=norm_type, axis=1)
        big = norms > max_norm
        if big.any():  # in place, outside the graph (PyTorch's embedding_renorm_)
            scale = (max_norm / (norms[big] + 1e-7)).astype(w.dtype)
            w[rows[big]] *= scale[:, None]
    return Embedding(idx, padding_idx, bool(scale_grad_by_freq))(weight)
