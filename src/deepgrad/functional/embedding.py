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
from .._errors import (
    IndexDtypeError,
    ShapeMismatchError,
    ValueRangeError,
    bool_arg,
    int_arg,
    tensor_needed,
)
from ..autograd import Function
from ..tensor import Tensor
from .elementwise import where
from .half_math import in_float32
from .shape import broadcast_to, cat, reshape


def _scatter_rows(idx: Any, rows: Any, n: int) -> Any:
    """``out (n, D)`` with ``out[v] = Σ rows[p] over idx[p] = v`` (float16 added row after
    row in float16, as PyTorch's ``index_add_``; SciPy's sparse product has no float16)."""
    xp = backend.xp
    if backend.name() == "numpy" and idx.size and rows.dtype != numpy.float16:
        import scipy.sparse as sp

        N = idx.size
        onehot = sp.csr_matrix((numpy.ones(N, rows.dtype), (idx, numpy.arange(N))), shape=(n, N))
        return numpy.asarray(onehot @ rows)
    out = xp.zeros((n,) + rows.shape[1:], rows.dtype)
    backend.ufunc_at("add", out, idx, rows)
    return out


class SparseGrad(Tensor):
    """The gradient of a ``sparse=True`` embedding's table: dense, with PyTorch's numbers
    (its sparse gradient's ``to_dense()``), marked ``is_sparse`` as PyTorch's is, which is
    what :class:`~deepgrad.optim.SparseAdam` takes. Two of them sum to one (gradients
    accumulated over lookups or ``backward`` calls stay sparse, as PyTorch's); a sum with a
    dense gradient (a table also used densely, as a tied output layer) is dense, as PyTorch's.
    The sparse layout's own methods (``_indices()``, ``_values()``) are not provided."""

    __slots__ = ()

    @property
    def is_sparse(self) -> bool:
        return True

    def __add__(self, other: Any) -> Tensor:
        out = Tensor.__add__(self, other)
        if isinstance(other, SparseGrad):
            out.__class__ = SparseGrad
        return out

    __radd__ = __add__

    def coalesce(self) -> SparseGrad:
        """PyTorch's ``coalesce()``: the gradient itself (one value per row already)."""
        return self

    def to_dense(self) -> Tensor:
        """PyTorch's ``to_dense()``: the same numbers as a plain tensor (a copy)."""
        return Tensor._from_op(self._data.copy(), None, 0)


class Embedding(Function):
    def __init__(
        self, indices: Any, padding_idx: int | None, scale_grad: bool = False, sparse: bool = False
    ) -> None:
        self.indices, self.padding_idx, self.scale_grad = indices, padding_idx, scale_grad
        self.sparse = sparse

    def forward(self, weight: Any) -> Any:
        return weight[self.indices]

    def backward(self, gy: Tensor) -> Tensor:
        n = self.inputs[0].shape[0]
        g = EmbeddingGrad(self.indices, self.padding_idx, n, self.scale_grad)(gy)
        if self.sparse:
            g.__class__ = SparseGrad
        return g


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


def _refuse_index_dtype(idx: Any, fn: str) -> None:
    """PyTorch's refusal of float or bool indices to ``embedding``/``embedding_bag``
    (``RuntimeError``: "Expected tensor for argument #1 'indices' to have one of the following
    scalar types: Long, Int"); deepgrad raised ``TypeError`` before, so it is both."""
    if idx.dtype.kind not in "iu":
        raise IndexDtypeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar "
            f"types: Long, Int; but got {idx.dtype} instead ({fn}: indices must be integers, "
            f"got dtype {idx.dtype}; convert them, e.g. x.long())"
        )


def embedding(
    indices: Any,
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """Look up rows: ``indices (*)`` integers in ``[0, num_embeddings)`` and
    ``weight (num_embeddings, D)`` give ``(*, D)``. ``padding_idx`` (may be negative) names a
    row that receives no gradient. As PyTorch: ``max_norm`` first rescales, in place, each
    looked-up row whose ``norm_type``-norm exceeds it to that norm
    (``w_v ← w_v · max_norm / (‖w_v‖ + 1e-7)``); ``scale_grad_by_freq`` divides each row's
    gradient by how often its index occurs in ``indices``. With ``sparse`` the table's
    gradient is a :class:`SparseGrad`: PyTorch's numbers, dense, marked ``is_sparse`` (what
    ``optim.SparseAdam`` takes)."""
    xp = backend.xp
    scale_grad_by_freq = bool_arg(scale_grad_by_freq, "embedding", "scale_grad_by_freq", 4)
    sparse = bool_arg(sparse, "embedding", "sparse", 5)
    if not isinstance(weight, Tensor):
        raise tensor_needed("embedding", "weight", weight)
    idx = indices._data if isinstance(indices, Tensor) else xp.asarray(indices)
    V = weight.shape[0]
    if weight.ndim != 2:
        raise ShapeMismatchError(
            "'weight' must be 2-D; "
            f"embedding: weight must be 2-d (num_embeddings, dim), got {weight.shape}"
        )
    _refuse_index_dtype(idx, "embedding")
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= V):
        bad = int(idx.min()) if int(idx.min()) < 0 else int(idx.max())
        raise IndexError(
            f"embedding: index {bad} is out of range for a table of {V} rows "
            f"(expected 0 <= index < {V})"
        )
    if padding_idx is not None:
        padding_idx = int_arg(padding_idx, "embedding", "padding_idx", 3)
        if not -V <= padding_idx < V:
            raise ValueError(f"embedding: padding_idx {padding_idx} is out of range for {V} rows")
        padding_idx %= V
    if max_norm is not None:
        if max_norm <= 0:
            raise ValueError(f"embedding: max_norm must be positive, got {max_norm}")
        _renorm_rows(weight, idx, max_norm, norm_type)
    return Embedding(idx, padding_idx, scale_grad_by_freq, sparse)(weight)


def _renorm_rows(weight: Tensor, idx: Any, max_norm: float, norm_type: float) -> None:
    """Rescale, in place and outside the graph, each row of ``weight`` that ``idx`` names and
    whose ``norm_type``-norm exceeds ``max_norm`` to norm ``max_norm`` (PyTorch's
    ``embedding_renorm_``: ``w_v ← w_v · max_norm / (‖w_v‖ + 1e-7)``)."""
    xp = backend.xp
    rows = xp.unique(idx.reshape(-1))
    w = weight._data
    norms = xp.linalg.norm(w[rows].astype(numpy.float64), ord=norm_type, axis=1)
    big = norms > max_norm
    if big.any():
        scale = (max_norm / (norms[big] + 1e-7)).astype(w.dtype)
        w[rows[big]] *= scale[:, None]


def embedding_renorm_(
    input: Tensor,  # noqa: A002 - PyTorch's name
    indices: Tensor,
    max_norm: float,
    norm_type: float,
) -> Tensor:
    """PyTorch's ``torch.embedding_renorm_``: the rows of the 2-D table ``input`` named by
    ``indices`` whose ``norm_type``-norm exceeds ``max_norm`` are rescaled in place to norm
    ``max_norm`` (what :func:`embedding` does with ``max_norm``); returns ``input``.

    >>> import deepgrad as dg
    >>> w = dg.tensor([[3.0, 4.0], [0.3, 0.4]])
    >>> dg.embedding_renorm_(w, dg.tensor([0, 1]), 1.0, 2.0) is w, w[:, 0].tolist()
    (True, [0.6000000238418579, 0.30000001192092896])
    """
    if input.ndim != 2:
        raise RuntimeError(
            f"embedding_renorm_: expected a 2-D table (rows, dim), got shape {input.shape}"
        )
    idx = indices._data if isinstance(indices, Tensor) else backend.xp.asarray(indices)
    if idx.dtype.kind not in "iu":
        raise RuntimeError(
            f"embedding_renorm_: expected integer indices (int64 or int32), got {idx.dtype}"
        )
    input._refuse_if_recorded(None, "embedding_renorm_")
    _renorm_rows(input, idx, max_norm, norm_type)
    input._note_write()
    return input


def _bags(idx: Any, offsets: Any, include_last_offset: bool, fn: str) -> tuple[Any, Any, int]:
    """The flat indices, each one's bag number, and the number of bags ``B``."""
    xp = backend.xp
    if idx.ndim == 2:
        if offsets is not None:
            raise ValueError(
                f"{fn}: if input is 2D, then offsets has to be None, as input is treated as a "
                f"mini-batch of fixed length sequences"
            )
        B, L = idx.shape
        return idx.reshape(-1), xp.repeat(xp.arange(B), L), B
    if idx.ndim != 1:
        raise ValueError(f"{fn}: input has to be 1D or 2D, got shape {tuple(idx.shape)}")
    if offsets is None:
        raise ValueError(f"{fn}: offsets has to be a 1D Tensor but got None")
    off = offsets._data if isinstance(offsets, Tensor) else xp.asarray(offsets)
    if off.ndim != 1 or off.dtype.kind not in "iu":
        raise ValueError(
            f"{fn}: offsets has to be a 1D integer Tensor, got {off.dtype} {off.shape}"
        )
    n = idx.shape[0]
    if off.size:
        if int(off[0]) != 0:
            raise ValueError(f"{fn}: offsets[0] has to be 0, got {int(off[0])}")
        if int(off[-1]) > n or (off.size > 1 and bool((xp.diff(off) < 0).any())):
            raise ValueError(
                f"{fn}: offsets must be non-decreasing and at most the input's length {n}, "
                f"got {off.tolist()}"
            )
    if include_last_offset and off.size and int(off[-1]) != n:
        # PyTorch sums such a last bag to offsets[-1] but counts its mean to the end
        raise ValueError(
            f"{fn}: with include_last_offset=True, offsets[-1] must be the input's length {n}, "
            f"got {int(off[-1])}"
        )
    B = max(off.size - 1, 0) if include_last_offset else off.size
    ends = off[1 : B + 1] if include_last_offset else xp.append(off[1:], n)
    bag = xp.repeat(xp.arange(B), ends - off[:B]) if B else xp.zeros(0, xp.int64)
    return idx[: len(bag)], bag, B


def embedding_bag(
    input: Any,  # noqa: A002 - PyTorch's name
    weight: Tensor,
    offsets: Any = None,
    max_norm: float | None = None,
    norm_type: float = 2,
    scale_grad_by_freq: bool = False,
    mode: str = "mean",
    sparse: bool = False,
    per_sample_weights: Tensor | None = None,
    include_last_offset: bool = False,
    padding_idx: int | None = None,
) -> Tensor:
    """Sums, means or maxima of bags of embeddings, without the ``(*, D)`` intermediate of
    :func:`embedding` (PyTorch's ``F.embedding_bag``).

    Bags: the rows of a 2-D ``input (B, L)``, or for a 1-D ``input (n,)`` the runs
    ``input[offsets[b] : offsets[b + 1]]`` (the last to the end; with
    ``include_last_offset`` ``offsets`` has ``B + 1`` entries, the last the end).

        sum:  y[b] = Σ_{i ∈ bag b} w_i · weight[input[i]]   (w_i = per_sample_weights, or 1)
        mean: y[b] = Σ_{i ∈ bag b} weight[input[i]] / |bag b|
        max:  y[b, d] = max_{i ∈ bag b} weight[input[i], d]

    Entries equal to ``padding_idx`` are left out (not counted by ``mean``); an empty bag
    gives zeros. ``max_norm`` renormalizes looked-up rows in place as :func:`embedding`;
    ``sparse`` gives the table a :class:`SparseGrad` gradient, as :func:`embedding` (not with
    ``mode="max"``: PyTorch's ``ValueError``).

    Shapes: ``weight (V, D)`` → ``(B, D)``. Gradients flow to ``weight`` (and to
    ``per_sample_weights``).
    """
    fn = "embedding_bag"
    xp = backend.xp
    scale_grad_by_freq = bool_arg(scale_grad_by_freq, fn, "scale_grad_by_freq", 4)
    sparse = bool_arg(sparse, fn, "sparse", 6)
    include_last_offset = bool_arg(include_last_offset, fn, "include_last_offset", 8)
    if not isinstance(weight, Tensor):
        raise tensor_needed(fn, "weight", weight)
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"{fn}: mode has to be one of 'sum', 'mean' or 'max', got {mode!r}")
    if per_sample_weights is not None and mode != "sum":
        raise ValueError(
            f"{fn}: per_sample_weights is only supported for mode='sum' (got mode={mode!r})"
        )
    if sparse and mode == "max":
        raise ValueError(
            f"{fn}: max mode does not support sparse weights (PyTorch's rule); use "
            "mode='sum' or 'mean', or sparse=False"
        )
    idx = input._data if isinstance(input, Tensor) else xp.asarray(input)
    if per_sample_weights is not None and not isinstance(per_sample_weights, Tensor):
        raise tensor_needed(fn, "per_sample_weights", per_sample_weights)
    if per_sample_weights is not None and tuple(per_sample_weights.shape) != tuple(idx.shape):
        raise ValueError(
            f"{fn}: per_sample_weights of shape {per_sample_weights.shape} must have the shape "
            f"of input {tuple(idx.shape)}"
        )
    flat, bag, B = _bags(idx, offsets, include_last_offset, fn)
    V, D = weight.shape if weight.ndim == 2 else (0, 0)
    if padding_idx is not None:
        padding_idx = int_arg(padding_idx, fn, "padding_idx")
        if not -V <= padding_idx < V:
            raise ValueError(f"{fn}: padding_idx {padding_idx} is out of range for {V} rows")
        padding_idx %= V
    keep = xp.ones(flat.shape, bool) if padding_idx is None else flat != padding_idx
    rows = embedding(flat[keep], weight, None, max_norm, norm_type, scale_grad_by_freq, sparse)
    bag = bag[keep]
    if per_sample_weights is not None:
        psw = reshape(per_sample_weights, (-1,))[: len(keep)]
        rows = rows * reshape(psw[xp.nonzero(keep)[0]], (-1, 1))
    if mode == "max":
        return _bag_max(rows, bag, B)
    bag_sums = EmbeddingGrad(bag, None, B, False)
    # PyTorch's bag sums of float16: in float32, rounded once
    total = in_float32(bag_sums, (rows,)) if rows._data.dtype == numpy.float16 else bag_sums(rows)
    if mode == "sum":
        return total
    counts = xp.bincount(bag, minlength=B).astype(total._data.dtype)
    # divided by the count, as PyTorch (not times 1/count: another last bit in half the bags)
    return total / Tensor._from_op(xp.maximum(counts, 1)[:, None], None, 0)


def _bag_max(rows: Tensor, bag: Any, B: int) -> Tensor:
    """``y[b, d] = max over the rows of bag b`` (0 for an empty bag): the rows are laid out
    in a ``(B, Lmax, D)`` block padded with -inf and the maximum is taken over axis 1 (the
    gradient goes to the first maximum)."""
    xp = backend.xp
    D = rows.shape[1]
    counts = xp.bincount(bag, minlength=B)[:B]
    Lmax = int(counts.max()) if B else 0
    if Lmax == 0:  # every bag empty: zeros, still attached to the table
        return broadcast_to(rows.sum(0, keepdim=True) * 0.0, (B, D))
    starts = xp.cumsum(counts) - counts
    src = xp.full((B, Lmax), len(bag), xp.int64)  # len(bag) points at the -inf row
    src[bag, xp.arange(len(bag)) - starts[bag]] = xp.arange(len(bag))
    neg = Tensor._from_op(xp.full((1, D), -xp.inf, rows._data.dtype), None, 0)
    y = cat([rows, neg], 0)[src].max(1)[0]
    return where((counts == 0)[:, None], 0.0, y)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """Class indices (int64) as one-hot rows: shape ``tensor.shape + (num_classes,)``, int64
    (``num_classes=-1``: one more than the largest index). Not differentiable.

    >>> import deepgrad as dg
    >>> dg.nn.functional.one_hot(dg.tensor([0, 2])).tolist()
    [[1, 0, 0], [0, 0, 1]]
    """
    idx = tensor._data if isinstance(tensor, Tensor) else backend.xp.asarray(tensor)
    num_classes = int_arg(num_classes, "one_hot", "num_classes", 2)
    if idx.dtype != numpy.int64:  # PyTorch: RuntimeError; deepgrad's TypeError before
        raise IndexDtypeError(
            "one_hot is only applicable to index tensor of type LongTensor. (one_hot: expects "
            f"an int64 index tensor (PyTorch's LongTensor), got dtype {idx.dtype})"
        )
    if idx.size == 0 and num_classes <= 0:  # PyTorch's rule: any num_classes < 1 is refused
        raise ValueRangeError(
            "Can not infer total number of classes from empty tensor. (one_hot: cannot infer "
            f"num_classes from an empty tensor (got num_classes={num_classes}); give a "
            "positive one)"
        )
    if num_classes == -1:
        num_classes = int(idx.max()) + 1
    if idx.size and int(idx.min()) < 0:
        raise ValueRangeError(f"Class values must be non-negative. (one_hot: got {int(idx.min())})")
    if idx.size and int(idx.max()) >= num_classes:
        raise ValueRangeError(
            f"Class values must be smaller than num_classes. (one_hot: num_classes="
            f"{num_classes}, got {int(idx.max())})"
        )
    out = (idx[..., None] == backend.xp.arange(num_classes)).astype(numpy.int64)
    return Tensor._from_op(out, None, 0)
