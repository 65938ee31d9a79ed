"""Matrix products: ``matmul`` (batched, broadcasting), the fused affine map ``linear``,
``einsum`` and PyTorch's fixed-rank ``outer``, ``bmm``, ``dot``.

For ``Y = A @ B``: ``dL/dA = dL/dY @ Bᵀ`` and ``dL/dB = Aᵀ @ dL/dY`` (summed over broadcast
batch axes). ``linear(x, W, b) = x @ Wᵀ + b`` is one node whose backward is three products:
``dx = dy @ W``, ``dW = dyᵀ @ x``, ``db = Σ_rows dy``.
"""

from __future__ import annotations

import math
import string
import warnings
from typing import Any

import numpy

from .. import backend, kernels, threads
from .._errors import (
    DimError,
    DtypeError,
    IntArgumentError,
    MatrixShapeError,
    ShapeMismatchError,
    ValueRangeError,
    _type_words,
    broadcast_words,
    dim_error,
    int_arg,
    refuse_mixed_dtypes,
    tensor_needed,
)
from .._names import torch_names
from ..autograd import Function, _GradMode
from ..tensor import Tensor, as_tensor
from ..threads import parallel_chunks
from .activation import relu_grad_array
from .complex import conj, conjugate_adjoint
from .elementwise import _pair, where
from .half_math import float32_forward
from .reduce import sum as _sum
from .shape import _expand_words, broadcast_to, concat, permute, reshape, sum_to, swapaxes


class MatMul(Function):
    reads_when = ((1,), (0,))  # each factor read for the other's gradient only

    def forward(self, a: Any, b: Any) -> Any:
        return a @ b

    def backward(self, gy: Tensor) -> tuple:
        a, b = self.inputs
        na, nb = self.needs_input_grad
        # conjugate transposes for complex operands (PyTorch's convention; a no-op on reals)
        ga = sum_to(matmul(gy, conj(swapaxes(b, -1, -2))), a.shape) if na else None
        gb = sum_to(matmul(conj(swapaxes(a, -1, -2)), gy), b.shape) if nb else None
        return ga, gb


def product_mismatch_words(sa: tuple[int, ...], sb: tuple[int, ...]) -> str:
    """PyTorch's words for a matrix product whose inner sizes differ: two vectors ("inconsistent
    tensor size"), else the matrices as ``n x k`` and ``k' x m``."""
    if len(sa) == 1 and len(sb) == 1:
        return (
            f"inconsistent tensor size, expected tensor [{sa[0]}] and src [{sb[0]}] to have the "
            f"same number of elements, but got {sa[0]} and {sb[0]} elements respectively"
        )
    rows = math.prod(sa[:-1]) if len(sa) > 1 else 1
    sb2 = sb if len(sb) > 1 else (sb[0], 1)
    return f"mat1 and mat2 shapes cannot be multiplied ({rows}x{sa[-1]} and {sb2[-2]}x{sb2[-1]})"


def matmul(a: Any, other: Any) -> Tensor:
    """Matrix product ``a @ b`` with NumPy's rules: 1-D operands are promoted to a row
    (``a``) or a column (``b``) and the added axis removed; leading axes broadcast.

    >>> import deepgrad as dg
    >>> dg.matmul(dg.ones(2, 3), dg.ones(4, 5))
    Traceback (most recent call last):
    ...
    deepgrad._errors.MatrixShapeError: mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5) (matmul: shapes (2, 3) and (4, 5) are not aligned: 3 (last axis of a) != 4 (second-to-last axis of b))
    """
    a, b = _pair(a, other)
    if a.ndim == 0 or b.ndim == 0:
        raise MatrixShapeError(
            f"both arguments to matmul need to be at least 1D, but they are {a.ndim}D and "
            f"{b.ndim}D (matmul: both operands need at least 1 dim, got {a.shape} and {b.shape})"
        )
    sa, sb = a.shape, b.shape
    k_b = sb[-2] if len(sb) > 1 else sb[0]
    if sa[-1] != k_b:
        raise MatrixShapeError(
            f"{product_mismatch_words(sa, sb)} (matmul: shapes {sa} and {sb} are not aligned: "
            f"{sa[-1]} (last axis of a) != {k_b} "
            f"({'second-to-last' if len(sb) > 1 else 'only'} axis of b))"
        )
    if len(sa) > 2 or len(sb) > 2:
        try:
            numpy.broadcast_shapes(sa[:-2], sb[:-2])
        except ValueError:
            raise MatrixShapeError(
                f"{broadcast_words(sa[:-2], sb[:-2])} (matmul: shapes {sa} and {sb} have "
                f"batch axes {sa[:-2]} and {sb[:-2]} that do not broadcast)"
            ) from None
    if len(sa) > 1 and len(sb) > 1:
        return MatMul()(a, b)
    # 1-D operands: a row (a) or a column (b), the added axis removed from the result
    a2 = reshape(a, (1, sa[0])) if len(sa) == 1 else a
    b2 = reshape(b, (sb[0], 1)) if len(sb) == 1 else b
    y = MatMul()(a2, b2)
    shape = list(y.shape)
    if len(sb) == 1:
        del shape[-1]
    if len(sa) == 1:
        del shape[-1 if len(sb) == 1 else -2]
    return reshape(y, tuple(shape))


def _rows(shape: tuple) -> int:
    """The leading axes' product: a (*, n) array's row count as a 2-D matrix."""
    return math.prod(shape[:-1])


#: output size from which :class:`Linear` adds its bias with :func:`deepgrad.kernels.add_cols`
#: (Intel Xeon, one thread: 1.7 against 0.9 µs at ``(32, 32)``, 4.0 against 6.2 µs at
#: ``(128, 256)``)
_KERNEL_BIAS_FROM = 4096


@float32_forward  # float16: x @ wᵀ + b in float32, rounded once (PyTorch's addmm)
class Linear(Function):
    reads_when = ((1,), (0,), ())  # x for w's gradient, w for x's; the bias never

    def forward(self, x: Any, w: Any, b: Any = None) -> Any:
        lead = x.shape[:-1]
        if x.ndim != 2:  # one 2-D GEMM over all leading axes, not a batched loop of small ones
            x = x.reshape(_rows(x.shape), x.shape[-1])  # not -1: ambiguous for a 0-size axis
        y = x @ w.T
        # the bias: one compiled pass over the rows, where that beats NumPy's broadcast add
        # (from ~4k values: below, the kernel's call costs more than NumPy's loop)
        if b is not None and (y.size < _KERNEL_BIAS_FROM or not kernels.add_cols(y, b)):
            y += b
        return y.reshape(*lead, w.shape[0]) if len(lead) != 1 else y

    @conjugate_adjoint
    def backward(self, gy: Tensor) -> tuple:
        if not _GradMode.enabled:
            return self._backward_arrays(gy)
        x, w = self.inputs[0], self.inputs[1]
        need = self.needs_input_grad
        gx = None
        if need[0]:
            gx = (
                matmul(gy, w)
                if gy.ndim == 2
                else reshape(matmul(reshape(gy, (_rows(gy.shape), gy.shape[-1])), w), x.shape)
            )
        gw = gb = None
        if need[1] or (len(need) > 2 and need[2]):
            gy2 = reshape(gy, (_rows(gy.shape), gy.shape[-1])) if gy.ndim != 2 else gy
            if need[1]:
                x2 = reshape(x, (_rows(x.shape), x.shape[-1])) if x.ndim != 2 else x
                gw = matmul(swapaxes(gy2, 0, 1), x2)
            if len(need) > 2 and need[2]:
                gb = matmul(_ones_row(gy2._data), gy2)  # see _backward_arrays
        return (gx, gw, gb) if len(need) > 2 else (gx, gw)

    def _backward_arrays(self, gy: Tensor) -> tuple:
        """The same three products on plain arrays, for a first-order backward (no graph
        to record): small models spend most of a step in per-node overhead, and this skips
        the ``matmul``/``swapaxes`` nodes. The numbers are those of :meth:`backward`."""
        inputs = self.inputs
        x, w = inputs[0]._data, inputs[1]._data
        need = self.needs_input_grad
        g2 = gy._data
        if g2.ndim != 2:
            g2 = g2.reshape(_rows(g2.shape), g2.shape[-1])
        make = Tensor._from_op
        gx = None
        if need[0]:
            gx = g2 @ w
            gx = make(gx if x.ndim == 2 else gx.reshape(x.shape), None, 0)
        gw = None
        if need[1]:
            x2 = x.reshape(_rows(x.shape), x.shape[-1]) if x.ndim != 2 else x
            gw = make(g2.T @ x2, None, 0)
        if len(need) == 2:
            return gx, gw
        # the bias gradient Σ_rows dL/dy as a GEMV, ones(M) @ g: ~3x faster than
        # sum(axis=0) (which adds one row at a time) and no less exact
        return gx, gw, make(_ones_row(g2) @ g2, None, 0) if need[2] else None


@float32_forward
class LinearReLU(Linear):
    """``y = relu(x @ wᵀ + b)`` as one node: :class:`Linear` then
    :class:`deepgrad.functional.activation.ReLU`, the same numbers forward and backward, with
    one node and one pass fewer (the bias and the ReLU in one compiled pass,
    :func:`deepgrad.kernels.add_cols_relu`; backward: ``g ← 0 if y ≤ 0 else dL/dy``, ReLU's,
    then :class:`Linear`'s products ``gᵀ x``, ``g w`` and ``Σ_rows g``).
    :class:`deepgrad.nn.Sequential` runs a ``Linear`` followed by a ``ReLU`` this way where
    neither has hooks (``nn.Linear._forward_relu``), as does the Transformer layers'
    feed-forward block: the tiny MLP's training step 1.09x, the Transformer's 1.03x (Intel
    Xeon, two threads; benchmarks/PERF-LOG.md). The graph shows the one node:
    ``grad_fn.name()`` is ``LinearReLUBackward`` and its ``next_functions`` are the linear
    map's inputs (the profiler counts its products' FLOPs as ``Linear``'s).

    Shapes: ``x (*, in)``, ``w (out, in)``, ``b (out,)`` → ``(*, out)``; ``b`` is required.

    >>> import deepgrad as dg
    >>> x = dg.tensor([[1.0, -2.0]])
    >>> w, b = dg.tensor([[1.0, 1.0], [2.0, 0.0]]), dg.tensor([0.5, -3.0])
    >>> LinearReLU()(x, w, b).tolist()
    [[0.0, 0.0]]
    >>> LinearReLU()(x, w, dg.tensor([1.5, 0.0])).tolist()
    [[0.5, 2.0]]
    """

    keep_output = True

    def forward(self, x: Any, w: Any, b: Any) -> Any:  # type: ignore[override]
        y = Linear.forward(self, x, w)  # the product, without the bias
        y2 = y.reshape(_rows(y.shape), y.shape[-1])  # its rows: a view (y is contiguous)
        if y.size < 2 * threads.MIN_CHUNK:  # one chunk (parallel_chunks' rule): no closure
            _bias_relu(y2, b)
        else:
            parallel_chunks(lambda a, c: _bias_relu(y2[a:c], b), y2.shape[0], work=y.size)
        return y

    def backward(self, gy: Tensor) -> tuple:
        y = self.output()._data
        if _GradMode.enabled:  # create_graph: ReLU's graph form, then Linear's
            zero = Tensor._from_op(backend.xp.zeros((), gy.dtype), None, 0)
            g = where(Tensor._from_op(y <= 0, None, 0), zero, gy)
            return Linear.backward(self, g)
        return self._backward_arrays(Tensor._from_op(relu_grad_array(y, gy._data), None, 0))


def _bias_relu(y: Any, b: Any) -> None:
    """``y ← relu(y + b)`` in place over ``(M, n)`` rows: one compiled pass, else Linear's
    bias add and ReLU's NumPy form (the same numbers)."""
    if not kernels.add_cols_relu(y, b):
        y += b
        yf = y.reshape(-1)
        backend.xp.maximum(yf, backend.xp.zeros(yf.size, y.dtype), out=yf)


#: read-only ``ones(M)`` NumPy vectors by ``(M, dtype)``, for :func:`_ones_row`
_ONES: dict[tuple[int, Any], Any] = {}


def _ones_row(g: Any) -> Any:
    """``ones(M)`` in ``g``'s dtype and array module, for a ``(M, n)`` matrix ``g``: its column
    sums are ``ones(M) @ g``. NumPy's are kept, read-only, for the next call."""
    m, dt = g.shape[0], g.dtype
    return backend.cached_constant(_ONES, (m, dt), lambda xp: xp.ones((m,), dt))


def _broadcasts_to(shape: tuple[int, ...], target: tuple[int, ...]) -> bool:
    """Whether ``shape`` broadcasts to ``target`` (as ``expand``: ``target`` unchanged)."""
    try:
        return tuple(numpy.broadcast_shapes(shape, target)) == tuple(target)
    except ValueError:
        return False


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """Affine map ``y = x @ weightᵀ + bias``.

    Shapes: ``x (*, in)``, ``weight (out, in)``, ``bias (out,)`` → ``y (*, out)``. A 1-D
    ``weight (in,)`` gives ``x @ weight`` of shape ``(*)`` (PyTorch's form), its bias 0-d.
    """
    if not isinstance(x, Tensor):  # PyTorch's TypeError (nn.Linear's forward takes arrays)
        raise tensor_needed("linear", "input", x)
    if weight.ndim == 1:
        if x.ndim == 0 or x.shape[-1] != weight.shape[0]:
            raise ValueError(
                f"linear: input of shape {x.shape} does not fit a 1-D weight of shape "
                f"{weight.shape}: expected last axis {weight.shape[0]}"
            )
        if bias is not None and bias.ndim != 0:
            raise ValueError(
                f"linear: with a 1-D weight the bias must be 0-d, got shape {bias.shape}"
            )
        y = matmul(x, weight)
        return y if bias is None else y + bias
    if x.ndim == 0 or x.shape[-1] != weight.shape[1]:
        raise MatrixShapeError(
            f"{product_mismatch_words(x.shape or (1,), weight.shape[::-1])} (linear: input of shape "
            f"{x.shape} does not fit a weight of shape {weight.shape}: expected last axis "
            f"{weight.shape[1]}, got {x.shape[-1] if x.ndim else 'a scalar'})"
        )
    refuse_mixed_dtypes("linear", x, weight=weight, bias=bias)
    out_shape = x.shape[:-1] + (weight.shape[0],)
    if bias is not None and not _broadcasts_to(bias.shape, out_shape):
        raise ShapeMismatchError(
            f"{_expand_words(bias.shape, out_shape)} (linear: a bias of shape {bias.shape} does "
            f"not broadcast to the output's shape {out_shape}; expected ({weight.shape[0]},))"
        )
    if bias is None:
        return Linear()(x, weight)
    return Linear()(x, weight, bias)


# ---- einsum and PyTorch's fixed-rank products -------------------------------------------------
def _parse_einsum(subscripts: str, shapes: list[tuple[int, ...]]) -> tuple[list[str], str]:
    """Explicit per-operand terms and output term of ``subscripts``, with each ``...`` spelt
    out in fresh letters (broadcast right-aligned) and the implicit output (``...`` then the
    letters seen once, sorted) made explicit. Checks counts, ranks and letter sizes."""
    eq = subscripts.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(
            f"einsum: {subscripts!r} names {len(terms)} operands but {len(shapes)} were given"
        )
    for t in [*terms, rhs]:
        bad = set(t.replace("...", "")) - set(string.ascii_letters)
        if bad or t.count("...") > 1:
            raise ValueError(f"einsum: invalid subscripts {subscripts!r} (term {t!r})")
    n_ell = []  # the number of dims each operand's "..." stands for
    for t, shape in zip(terms, shapes):
        n_named = len(t.replace("...", ""))
        if ("..." in t and len(shape) < n_named) or ("..." not in t and len(shape) != n_named):
            raise ValueError(
                f"einsum: operand of shape {shape} has {len(shape)} dims but term {t!r} of "
                f"{subscripts!r} names {n_named}"
            )
        n_ell.append(len(shape) - n_named)
    free = [c for c in string.ascii_letters if c not in eq]
    ell = "".join(free[: max(n_ell)])
    terms = [t.replace("...", ell[len(ell) - e :]) for t, e in zip(terms, n_ell)]
    if arrow:  # an explicit output without "..." sums the broadcast dims away
        rhs = rhs.replace("...", ell)
    else:
        joined = lhs.replace("...", "").replace(",", "")
        rhs = ell + "".join(sorted(c for c in set(joined) if joined.count(c) == 1))
    sizes: dict[str, int] = {}
    for t, shape in zip(terms, shapes):
        for c, s in zip(t, shape):
            if sizes.get(c, 1) != 1 and s not in (1, sizes[c]):
                raise MatrixShapeError(
                    f"einsum(): subscript {c} has size {s} which does not broadcast with "
                    f"previously seen size {sizes[c]} (einsum: subscript {c!r} has size {s} in "
                    f"an operand of shape {shape} but size {sizes[c]} elsewhere in "
                    f"{subscripts!r})"
                )
            if s != 1 or c not in sizes:
                sizes[c] = s
    for c in rhs:
        if c not in sizes:
            raise ValueError(
                f"einsum: output subscript {c!r} of {subscripts!r} appears in no operand"
            )
        if rhs.count(c) > 1:
            raise ValueError(f"einsum: output subscript {c!r} of {subscripts!r} is repeated")
    return terms, rhs


class Einsum(Function):
    def __init__(self, terms: list[str], out: str) -> None:
        self.terms, self.out = terms, out

    def forward(self, *xs: Any) -> Any:
        eq = ",".join(self.terms) + "->" + self.out
        return backend.xp.einsum(eq, *xs, optimize=len(xs) > 1)

    def backward(self, gy: Tensor) -> tuple:
        return tuple(
            self._grad(k, gy) if need else None for k, need in enumerate(self.needs_input_grad)
        )

    def _grad(self, k: int, gy: Tensor) -> Tensor:
        """``dL/dx_k``: the einsum of ``gy`` with the other operands onto ``x_k``'s term.

        Letters only ``x_k`` has (summed within it) are broadcast back afterwards; a letter
        repeated in ``x_k``'s term (a diagonal) is put back on the diagonal with identity
        matrices; dims of ``x_k`` broadcast from size 1 are summed back (``sum_to``)."""
        x = self.inputs[k]
        term = self.terms[k]
        others = [(t, v) for j, (t, v) in enumerate(zip(self.terms, self.inputs)) if j != k]
        seen = set(self.out).union(*[set(t) for t, _ in others])
        unique = "".join(dict.fromkeys(term))
        kept = "".join(c for c in unique if c in seen)
        operands = [gy] + [conj(v) for _, v in others]  # conj: complex operands (PyTorch's)
        eq = ",".join([self.out] + [t for t, _ in others]) + "->" + kept
        g = einsum(eq, *operands)
        size = {c: s for c, s in zip(term, x.shape)}
        dims = {c: s for c, s in zip(kept, g.shape)}
        if kept != unique:  # letters summed inside x_k alone: size 1 here, broadcast below
            g = reshape(g, tuple(dims.get(c, 1) for c in unique))
        # x_k's sizes where g has 1 (those letters summed in x_k alone, or broadcast from 1)
        g = broadcast_to(
            g, tuple(dims.get(c, 1) if dims.get(c, 1) != 1 else size[c] for c in unique)
        )
        if len(unique) != len(term):  # repeated letters: g onto the diagonal(s)
            free = [c for c in string.ascii_letters if c not in set(self.out).union(*self.terms)]
            spelt, deltas, ops = "", [], []
            dim = {c: s for c, s in zip(unique, g.shape)}
            for c in term:
                if c in spelt:
                    f = free.pop(0)
                    deltas.append(c + f)
                    eye = backend.xp.eye(dim[c], dtype=g._data.dtype)
                    ops.append(Tensor._from_op(eye, None, 0))
                    spelt += f
                else:
                    spelt += c
            g = einsum(",".join([unique, *deltas]) + "->" + spelt, g, *ops)
        return sum_to(g, x.shape)


def _sublist_term(sublist: Any) -> str:
    """The letters of one of einsum's sublists (PyTorch's mapping: 0–25 ``A``–``Z``, 26–51
    ``a``–``z``, so an implicit output orders them as PyTorch does)."""
    if not isinstance(sublist, (list, tuple)):
        raise TypeError(
            f"einsum: in the sublist form each operand is followed by a list of ints, got "
            f"{type(sublist).__name__}"
        )
    out = ""
    for s in sublist:
        if s is Ellipsis:
            out += "..."
        elif isinstance(s, (int, numpy.integer)) and not isinstance(s, bool) and 0 <= s < 52:
            out += (string.ascii_uppercase + string.ascii_lowercase)[int(s)]
        else:
            raise ValueError(
                f"einsum: subscript in a sublist must be an int in [0, 52) or Ellipsis, got {s!r}"
            )
    return out


def _sublist_equation(args: tuple) -> tuple[str, tuple]:
    """``(equation, operands)`` of einsum's sublist form ``(op0, sub0, op1, sub1, ..., [out])``."""
    n = len(args) // 2
    eq = ",".join(_sublist_term(t) for t in args[1 : 2 * n : 2])
    if len(args) % 2:
        eq += "->" + _sublist_term(args[-1])
    return eq, tuple(args[0 : 2 * n : 2])


def einsum(subscripts: str, *operands: Any) -> Tensor:
    """Einstein summation (NumPy's / PyTorch's ``einsum``): ``einsum("ij,jk->ik", a, b)`` is
    ``a @ b``; letters absent from the output are summed, ``...`` stands for broadcast dims,
    a letter repeated in one operand takes its diagonal, and without ``->`` the output is
    ``...`` then the letters seen once, in alphabetical order.

    The gradient for operand ``k`` is again an einsum: of the output gradient with the other
    operands, onto ``k``'s subscripts (so higher-order gradients work).

    PyTorch's sublist form is taken too: ``einsum(a, [0, 1], b, [1, 2], [0, 2])`` — each
    operand followed by a list of ints in ``[0, 52)`` (0–25 are ``A``–``Z``, 26–51 ``a``–``z``,
    as PyTorch)
    and ``Ellipsis``, then optionally the output's list."""
    if not isinstance(subscripts, str):
        subscripts, operands = _sublist_equation((subscripts, *operands))
    elif len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    ts = [o if isinstance(o, Tensor) else Tensor(o) for o in operands]
    if not ts:
        raise ValueError("einsum: expected at least one operand")
    terms, out = _parse_einsum(subscripts, [t.shape for t in ts])
    return Einsum(terms, out)(*ts)


def outer(a: Tensor, vec2: Tensor) -> Tensor:
    """Outer product of two vectors: ``y[i, j] = a[i] b[j]``, shape ``(n,), (m,) → (n, m)``."""
    a, b = _pair(a, vec2)
    if a.ndim != 1 or b.ndim != 1:
        which, t = ("self", a) if a.ndim != 1 else ("vec2", b)
        raise MatrixShapeError(
            f"outer: Expected 1-D argument {which}, but got {t.ndim}-D (outer: expected two 1-D "
            f"tensors, got shapes {a.shape} and {b.shape})"
        )
    return reshape(a, (a.shape[0], 1)) * reshape(b, (1, b.shape[0]))


def bmm(a: Tensor, mat2: Tensor) -> Tensor:
    """Batched matrix product without broadcasting: ``(B, n, k) @ (B, k, m) → (B, n, m)``."""
    a, b = _pair(a, mat2)
    if a.ndim != 3 or b.ndim != 3:
        which = "batch1" if a.ndim != 3 else "batch2"
        raise MatrixShapeError(
            f"{which} must be a 3D tensor (bmm: expected two 3-D tensors, got shapes {a.shape} "
            f"and {b.shape})"
        )
    if a.shape[0] != b.shape[0] or a.shape[2] != b.shape[1]:
        raise MatrixShapeError(
            f"Expected size for first two dimensions of batch2 tensor to be: "
            f"[{a.shape[0]}, {a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}]. (bmm: shapes "
            f"{a.shape} and {b.shape} do not fit (B, n, k) @ (B, k, m))"
        )
    return matmul(a, b)


def dot(a: Tensor, tensor: Tensor) -> Tensor:
    """Inner product of two vectors of one length: ``Σ_i a_i b_i`` (a 0-d tensor)."""
    a, b = _pair(a, tensor)
    if a.ndim != 1 or b.ndim != 1 or a.shape != b.shape:
        words = (
            product_mismatch_words(a.shape, b.shape)
            if a.ndim == b.ndim == 1
            else f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors"
        )
        raise MatrixShapeError(
            f"{words} (dot: expected two 1-D tensors of one length, got shapes {a.shape} and "
            f"{b.shape})"
        )
    return matmul(a, b)


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """Bilinear map ``y[..., o] = Σ_{i,j} x1[..., i] · W[o, i, j] · x2[..., j] + b[o]``
    (PyTorch's ``F.bilinear``).

    Shapes: ``x1 (*, in1)``, ``x2 (*, in2)`` with the same leading dims, ``weight
    (out, in1, in2)``, ``bias (out,)`` → ``(*, out)``. Computed as one GEMM,
    ``x1 @ W'`` with ``W' (in1, out·in2)``, then a product with ``x2`` summed over ``in2``.
    """
    fn = "bilinear"
    if input1.ndim == 0 or input2.ndim == 0:
        raise ValueError(
            f"{fn}: inputs must have at least 1 dim, got {input1.shape}, {input2.shape}"
        )
    if weight.ndim != 3:
        raise ValueError(f"{fn}: expected a 3-D weight (out, in1, in2), got {weight.shape}")
    if input1.shape[:-1] != input2.shape[:-1]:
        raise ValueError(
            f"{fn}: input batch dimensions do not match: got {input1.shape[:-1]} and "
            f"{input2.shape[:-1]}"
        )
    refuse_mixed_dtypes(fn, input1, input2=input2, weight=weight, bias=bias)
    O, I, J = weight.shape
    if input1.shape[-1] != I or input2.shape[-1] != J:
        which, got, want = (
            ("input1", input1.shape[-1], I)
            if input1.shape[-1] != I
            else ("input2", input2.shape[-1], J)
        )
        raise MatrixShapeError(
            f"bilinear(): {which} size does not match weight size: got {got} but expected "
            f"{want} ({fn}: input sizes {input1.shape[-1]}, {input2.shape[-1]} do not match the "
            f"weight of shape {weight.shape} (expected in1={I}, in2={J}))"
        )
    if bias is not None and bias.shape != (O,):
        raise ValueError(f"{fn}: expected a bias of shape ({O},), got {bias.shape}")
    t = matmul(input1, reshape(permute(weight, (1, 0, 2)), (I, O * J)))
    t = reshape(t, (*input1.shape[:-1], O, J))
    y = (t * reshape(input2, (*input2.shape[:-1], 1, J))).sum(-1)
    return y if bias is None else y + bias


# ---- PyTorch's fused forms: beta·input + alpha·(product); tensordot; kron ------------------
def _scaled_sum(input: Any, product: Tensor, beta: Any, alpha: Any) -> Tensor:
    """``beta · input + alpha · product``; with ``beta = 0`` the input is ignored (NaN in it
    does not propagate), as in PyTorch."""
    p = product if alpha == 1 else product * alpha
    if beta == 0:
        return p
    return (input if beta == 1 else input * beta) + p


def _need_tensors(fn: str, args: tuple[tuple[str, int, Any], ...]) -> None:
    """PyTorch's ``TypeError`` for an argument that must be a tensor (``(name, position,
    value)`` each), before an attribute of it is read."""
    for name, pos, v in args:
        if not isinstance(v, Tensor):
            raise TypeError(
                f"{fn}(): argument '{name}' (position {pos}) must be Tensor, not {type(v).__name__}"
            )


def addmm(input: Any, mat1: Tensor, mat2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:  # noqa: A002 - PyTorch's name
    """``beta · input + alpha · (mat1 @ mat2)``: ``(n, k) @ (k, m)``, ``input`` broadcasting
    to ``(n, m)``.

    >>> import deepgrad as dg
    >>> dg.addmm(dg.ones(2, 2), dg.eye(2), dg.eye(2)).tolist()
    [[2.0, 1.0], [1.0, 2.0]]
    """
    _need_tensors("addmm", (("mat1", 2, mat1), ("mat2", 3, mat2)))
    if mat1.ndim != 2 or mat2.ndim != 2:
        raise MatrixShapeError(
            f"addmm: mat1 and mat2 must be 2-D, got {mat1.shape} and {mat2.shape}"
        )
    return _scaled_sum(input, matmul(mat1, mat2), beta, alpha)


def addmv(input: Any, mat: Tensor, vec: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:  # noqa: A002
    """``beta · input + alpha · (mat @ vec)``: ``(n, m) @ (m,)``."""
    _need_tensors("addmv", (("mat", 2, mat), ("vec", 3, vec)))
    if mat.ndim != 2 or vec.ndim != 1:
        raise MatrixShapeError(
            f"addmv: expects a 2-D mat and a 1-D vec, got {mat.shape} and {vec.shape}"
        )
    return _scaled_sum(input, matmul(mat, vec), beta, alpha)


def baddbmm(
    input: Any,
    batch1: Tensor,
    batch2: Tensor,
    *,
    beta: Any = 1,
    alpha: Any = 1,  # noqa: A002
) -> Tensor:
    """``beta · input + alpha · bmm(batch1, batch2)``: ``(B, n, k) @ (B, k, m)``."""
    return _scaled_sum(input, bmm(batch1, batch2), beta, alpha)


def addbmm(
    input: Any,
    batch1: Tensor,
    batch2: Tensor,
    *,
    beta: Any = 1,
    alpha: Any = 1,  # noqa: A002
) -> Tensor:
    """``beta · input + alpha · Σ_b batch1[b] @ batch2[b]``: the batch of products summed,
    ``(n, m)``."""
    return _scaled_sum(input, _sum(bmm(batch1, batch2), 0), beta, alpha)


class _DimsFormError(RuntimeError, TypeError):
    """``tensordot``'s dims of none of its forms (a float, a str, None): torch 2.13 raises
    ``RuntimeError`` ("tensordot expects dims to be int or ..."); deepgrad raised
    ``TypeError`` before, so it is both."""


class _DimsCountError(ValueError, TypeError):
    """``tensordot``'s dims as a tuple or list of other than two lists: torch 2.13's unpacking
    raises ``ValueError``; deepgrad raised ``TypeError`` before, so it is both."""


class _DimsTensorError(AssertionError, TypeError):
    """A tensor of dims for ``tensordot`` of more than one element whose first dim is not 2:
    torch 2.13 asserts ("dims tensor must have size 2 in first dimension"); deepgrad raised
    ``TypeError`` before, so it is both."""


_TENSORDOT_FORMS = (
    "int or tuple[list[int], list[int]] or list[list[int]] containing two lists, e.g. 2 "
    "or ([1, 2], [0, 1])"
)


def _tensordot_side(side: Any, name: str, position: int) -> tuple[int, ...]:
    """One side of ``tensordot``'s dims as torch's parser takes an ``int[]``: a tuple or list
    (``torch.Size`` too) of ints (a NumPy integer, an integer or bool tensor of one element);
    a bare int, a tensor, a range or a set, a float or bool element: ``TypeError`` in torch's
    words ("tensordot(): argument 'dims_self' (position 3) must be tuple of ints, not int")."""
    if not isinstance(side, (tuple, list)):
        raise IntArgumentError(
            f"tensordot(): argument '{name}' (position {position}) must be tuple of ints, not "
            f"{_type_words(side)} (dims=([1, 2], [0, 1]) names a's dims, then b's; an int d "
            "alone contracts a's last d dims with b's first d)"
        )
    out = []
    for i, v in enumerate(side):
        ok = type(v) is int or isinstance(v, numpy.integer) and not isinstance(v, numpy.bool_)
        if isinstance(v, Tensor) and v.numel() == 1 and numpy.dtype(v.dtype).kind in "biu":
            v, ok = int(v.item()), True  # torch's parser takes an integer or bool tensor
        if not ok:
            raise IntArgumentError(
                f"tensordot(): argument '{name}' (position {position}) must be tuple of ints, "
                f"but found element of type {_type_words(v)} at pos {i} (a dim is an int, "
                f"e.g. {name}=[1])"
            )
        out.append(int(v))
    return tuple(out)


def _tensordot_axes(dims: tuple[int, ...], ndim: int, fn: str) -> list[int]:
    """``dims`` in ``[-ndim, ndim)`` as non-negative axes, each once (torch: ``IndexError``
    "Dimension out of range", ``RuntimeError`` "dim 1 appears multiple times")."""
    out: list[int] = []
    for d in dims:
        if ndim == 0:
            raise DimError(
                f"Dimension specified as {d} but tensor has no dimensions ({fn}: a 0-d "
                "tensor has no dim to contract; use dims=0 or ([], []))"
            )
        if not -ndim <= d < ndim:
            raise dim_error(fn, d, ndim)
        if d % ndim in out:
            raise ShapeMismatchError(
                f"dim {d % ndim} appears multiple times in the list of dims ({fn}: dims "
                f"{list(dims)} name dim {d % ndim} twice; each dim is contracted once)"
            )
        out.append(d % ndim)
    return out


def _tensordot_dims(dims: Any, na: int, nb: int) -> tuple[list[int], list[int]]:
    """``tensordot``'s ``dims`` as torch 2.13's ``torch.functional.tensordot`` reads it: an int
    ``d`` in ``[0, min(na, nb)]`` (a bool is an int; a NumPy integer is taken too); a tensor of
    one element (``int(dims.item())``, so ``tensor(2.7)`` is 2) or of two rows (a's dims, b's);
    a pair (tuple or list) of dim lists. Anything else is a ``RuntimeError`` naming the forms;
    each dim must be in range (``IndexError``), once per side."""
    if isinstance(dims, Tensor):
        if dims.numel() == 0:
            raise ValueRangeError(
                "a Tensor with 0 elements cannot be converted to Scalar (tensordot: a tensor "
                "of dims holds one int, e.g. tensor(2), or two rows, e.g. tensor([[1], [0]]))"
            )
        if dims.numel() == 1:
            dims = int(dims.item())
            if dims < 0:
                raise ValueRangeError(f"tensordot expects dims >= 0, but got dims={dims}")
            da, db = tuple(range(-dims, 0)), tuple(range(dims))
            return _tensordot_axes(da, na, "tensordot"), _tensordot_axes(db, nb, "tensordot")
        if dims.ndim == 0 or dims.shape[0] != 2:
            got = dims.shape[0] if dims.ndim else dims.numel()
            raise _DimsTensorError(
                f"dims tensor must have size 2 in first dimension, got {got} (tensordot: a "
                "tensor of dims holds a's dims in row 0 and b's in row 1, e.g. "
                "tensor([[1, 2], [0, 1]]))"
            )
        dims = [dims[0].tolist(), dims[1].tolist()]
    elif isinstance(dims, (int, numpy.integer)) and not isinstance(dims, numpy.bool_):
        if dims < 0:
            raise ValueRangeError(
                f"tensordot expects dims >= 0, but got dims={dims} (the number of dims to "
                "contract, 0 for the outer product)"
            )
        if dims > min(na, nb):
            raise ValueRangeError(
                f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims} (at most "
                f"{min(na, nb)} for tensors of {na} and {nb} dims)"
            )
        return list(range(na - dims, na)), list(range(dims))
    if not isinstance(dims, (tuple, list)):
        raise _DimsFormError(
            f"tensordot expects dims to be {_TENSORDOT_FORMS}, but got dims={dims}"
        )
    if len(dims) != 2:
        raise _DimsCountError(
            f"tensordot: dims must hold two lists (a's dims, b's), got {len(dims)}: {dims!r} "
            "(too many or not enough values to unpack (expected 2))"
        )
    sa = _tensordot_side(dims[0], "dims_self", 3)
    sb = _tensordot_side(dims[1], "dims_other", 4)
    if len(sa) != len(sb):
        raise MatrixShapeError(
            "both dimension lists should have same length; "
            f"tensordot: both sides need as many dims, got {list(sa)} and {list(sb)}"
        )
    return _tensordot_axes(sa, na, "tensordot"), _tensordot_axes(sb, nb, "tensordot")


@torch_names
def tensordot(a: Tensor, b: Tensor, dims: Any = 2) -> Tensor:
    """Sum of products over ``dims`` of ``a`` and of ``b``: an int ``d`` contracts ``a``'s
    last ``d`` dims with ``b``'s first ``d``; a pair ``([…], […])`` names them. The output
    has ``a``'s free dims, then ``b``'s (a permute, a reshape and one matrix product).

    >>> import deepgrad as dg
    >>> dg.tensordot(dg.ones(2, 3), dg.ones(3, 4), dims=1).shape
    (2, 4)
    """
    a, b = _pair(a, b)
    da, db = _tensordot_dims(dims, a.ndim, b.ndim)
    for i, j in zip(da, db):
        if a.shape[i] != b.shape[j]:
            raise MatrixShapeError(
                f"contracted dimensions need to match, but first has size {a.shape[i]} in dim "
                f"{i} and second has size {b.shape[j]} in dim {j} (tensordot: dim {i} of a "
                f"(size {a.shape[i]}) and dim {j} of b (size {b.shape[j]}) must match)"
            )
    fa = [d for d in range(a.ndim) if d not in da]
    fb = [d for d in range(b.ndim) if d not in db]
    k = int(numpy.prod([a.shape[d] for d in da], dtype=numpy.int64))
    am = reshape(permute(a, fa + da), (-1, k)) if a.ndim else reshape(a, (1, 1))
    bm = reshape(permute(b, db + fb), (k, -1)) if b.ndim else reshape(b, (1, 1))
    out = matmul(am, bm)
    return reshape(out, tuple(a.shape[d] for d in fa) + tuple(b.shape[d] for d in fb))


def kron(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """The Kronecker product: ``y[i·p + k, j·q + l] = a[i, j] b[k, l]`` (any number of dims,
    the fewer padded with leading 1s).

    >>> import deepgrad as dg
    >>> dg.kron(dg.tensor([1, 2]), dg.tensor([1, 10])).tolist()
    [1, 10, 2, 20]
    """
    a, b = _pair(input, other)
    n = max(a.ndim, b.ndim)
    sa, sb = (1,) * (n - a.ndim) + a.shape, (1,) * (n - b.ndim) + b.shape
    ia = reshape(a, tuple(x for s in sa for x in (s, 1)))
    ib = reshape(b, tuple(x for s in sb for x in (1, s)))
    return reshape(ia * ib, tuple(p * q for p, q in zip(sa, sb)))


def inner(input: Any, other: Any) -> Tensor:  # noqa: A002 - PyTorch's name
    """Inner product over the last dim: ``y[i…, j…] = Σ_k a[i…, k] b[j…, k]``, shape
    ``a.shape[:-1] + b.shape[:-1]``; a 0-d operand multiplies the other.

    >>> import deepgrad as dg
    >>> dg.inner(dg.ones(2, 3), dg.ones(4, 3)).shape
    (2, 4)
    """
    a, b = _pair(input, other)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if a.shape[-1] != b.shape[-1]:
        raise MatrixShapeError(
            f"inner() the last dimension must match on both input tensors but got shapes "
            f"{list(a.shape)} and {list(b.shape)} (inner: the last dims must match, got shapes "
            f"{a.shape} and {b.shape})"
        )
    k = a.shape[-1]
    y = matmul(reshape(a, (-1, k)), swapaxes(reshape(b, (-1, k)), 0, 1))
    return reshape(y, a.shape[:-1] + b.shape[:-1])


def mv(input: Any, vec: Any) -> Tensor:  # noqa: A002
    """Matrix-vector product: ``(n, m) @ (m,) → (n,)``."""
    a, v = _pair(input, vec)
    if a.ndim != 2 or v.ndim != 1 or a.shape[1] != v.shape[0]:
        words = (
            f"size mismatch, got input ({a.shape[0]}), mat ({a.shape[0]}x{a.shape[1]}), vec "
            f"({v.shape[0]})"
            if a.ndim == 2 and v.ndim == 1
            else f"vector + matrix @ vector expected, got 1, {a.ndim}, {v.ndim}"
        )
        raise MatrixShapeError(
            f"{words} (mv: expected (n, m) and (m,) tensors, got shapes {a.shape} and {v.shape})"
        )
    return matmul(a, v)


def _same_dtype(input: Any, other: Any) -> None:  # noqa: A002
    if isinstance(input, Tensor) and isinstance(other, Tensor) and input.dtype != other.dtype:
        raise DtypeError(  # PyTorch's cross does not promote: its RuntimeError (and TypeError)
            f"cross: input and other must have the same dtype, got {input.dtype} and "
            f"{other.dtype} (cast one with .to(other.dtype))"
        )


@torch_names
def cross(input: Any, other: Any, dim: int | None = None) -> Tensor:  # noqa: A002
    """Cross product of 3-vectors along ``dim`` (operands broadcast): ``torch.cross``. With
    ``dim=None`` PyTorch's deprecated default is kept, with its warning: the first dim of
    size 3. :func:`linalg_cross` (``deepgrad.linalg.cross``) takes ``dim=-1``."""
    _same_dtype(input, other)
    a, b = _pair(input, other)
    if dim is None:
        warnings.warn(
            "cross: using it without specifying the dim arg is deprecated (as torch.cross); "
            "pass dim explicitly or use deepgrad.linalg.cross",
            UserWarning,
            stacklevel=2,
        )
        shape = numpy.broadcast_shapes(a.shape, b.shape)
        dim = next((i for i, s in enumerate(shape) if s == 3), None)
        if dim is None:
            raise ValueError(f"cross: no dim of size 3 in shapes {a.shape} and {b.shape}")
    return linalg_cross(a, b, dim=dim)


@torch_names
def linalg_cross(input: Any, other: Any, *, dim: int = -1) -> Tensor:  # noqa: A002
    """``torch.linalg.cross``: ``a × b`` along ``dim`` (size 3), broadcasting the operands
    (of one dtype, not bool, as PyTorch's): ``(a₁b₂ - a₂b₁, a₂b₀ - a₀b₂, a₀b₁ - a₁b₀)``."""
    _same_dtype(input, other)
    a, b = _pair(input, other)
    if a.dtype.kind == "b":
        raise TypeError("cross: not implemented for bool tensors (as PyTorch's)")
    try:
        shape = numpy.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise MatrixShapeError(f"cross: shapes {a.shape} and {b.shape} do not broadcast") from None
    if a.ndim != b.ndim:
        raise MatrixShapeError(
            f"cross: input and other need the same number of dims, got {a.shape} and {b.shape}"
        )
    dim = int_arg(dim, "linalg_cross", "dim")
    if not -len(shape) <= dim < len(shape):  # PyTorch's IndexError
        raise dim_error("cross", dim, len(shape))
    if a.shape[dim] != 3 or b.shape[dim] != 3:
        got = f"{a.shape[dim]} and {b.shape[dim]}"
        raise MatrixShapeError(
            f"linalg.cross: inputs dimension {dim} must have length 3. Got {got} (cross: dim "
            f"{dim} must have size 3 in both operands, got shapes {a.shape} and {b.shape})"
        )
    axis = dim % len(shape)
    a, b = broadcast_to(a, shape), broadcast_to(b, shape)

    def c(t: Tensor, i: int) -> Tensor:
        return t[(slice(None),) * axis + (slice(i, i + 1),)]

    parts = [c(a, 1) * c(b, 2) - c(a, 2) * c(b, 1), c(a, 2) * c(b, 0) - c(a, 0) * c(b, 2),
             c(a, 0) * c(b, 1) - c(a, 1) * c(b, 0)]  # fmt: skip
    return concat(parts, axis)


def vecdot(x: Any, y: Any, *, dim: int = -1) -> Tensor:
    """``torch.linalg.vecdot``: ``Σ conj(x) · y`` over ``dim`` (the inputs broadcast); floating
    point or complex inputs only, as PyTorch's.

    >>> import deepgrad as dg
    >>> dg.linalg.vecdot(dg.tensor([[1.0, 2.0], [3.0, 4.0]]), dg.tensor([1.0, 1.0])).tolist()
    [3.0, 7.0]
    """
    x, y = as_tensor(x), as_tensor(y)
    for t in (x, y):
        if t.dtype.kind not in "fc":
            raise DtypeError(
                f"linalg.vecdot: expected floating point or complex tensors, got {t.dtype}"
            )
    return _sum(conj(x) * y, dim=dim)


def _chain_order(dims: list[int]) -> list[list[int]]:
    """The cheapest parenthesisation of a chain of matrices ``dims[i] × dims[i+1]`` (the
    classic dynamic programme, as PyTorch's ``multi_dot``): ``split[i][j]`` for ``i < j``."""
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = -1
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if cost[i][j] < 0 or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def multi_dot(tensors: Any) -> Tensor:
    """``torch.linalg.multi_dot``: the product of two or more matrices, multiplied in the
    cheapest order; the first may be a 1-D row vector and the last a 1-D column vector (the
    result then loses that dim), the others are 2-D.

    >>> import deepgrad as dg
    >>> dg.linalg.multi_dot([dg.ones(3), dg.ones(3, 2), dg.ones(2)]).item()
    6.0
    """
    ts = [as_tensor(t) for t in tensors]
    if len(ts) < 2:
        raise MatrixShapeError(f"multi_dot(): expected at least 2 tensors but got {len(ts)}")
    for i, t in enumerate(ts):
        where = "first" if i == 0 else "last" if i == len(ts) - 1 else ""
        if t.ndim != 2 and not (where and t.ndim == 1):
            need = f"the {where} tensor must be 1D or 2D" if where else f"tensor {i} must be 2D"
            raise MatrixShapeError(f"multi_dot(): {need} but got {t.ndim}D")
    first_vec, last_vec = ts[0].ndim == 1, ts[-1].ndim == 1
    mats = [reshape(ts[0], (1, -1))] if first_vec else [ts[0]]
    mats += ts[1:-1] + [reshape(ts[-1], (-1, 1)) if last_vec else ts[-1]]
    for i in range(len(mats) - 1):
        if mats[i].shape[1] != mats[i + 1].shape[0]:
            raise MatrixShapeError(
                f"multi_dot(): tensors {i} and {i + 1} with shapes {ts[i].shape} and "
                f"{ts[i + 1].shape} cannot be multiplied"
            )
    split = _chain_order([m.shape[0] for m in mats] + [mats[-1].shape[1]])

    def product(i: int, j: int) -> Tensor:
        return mats[i] if i == j else matmul(product(i, split[i][j]), product(split[i][j] + 1, j))

    out = product(0, len(mats) - 1)
    if first_vec:
        out = out[0]
    return out[..., 0] if last_vec else out


def vdot(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
    """``Σᵢ conj(input)ᵢ · otherᵢ`` of two 1-D tensors of one length and dtype (the first
    conjugated: PyTorch's ``vdot``; for real tensors it is :func:`dot`).

    >>> import deepgrad as dg
    >>> dg.vdot(dg.tensor([1 + 1j]), dg.tensor([1 + 1j])).item()
    (2+0j)
    """
    a, b = as_tensor(input), as_tensor(other)
    if a.ndim != 1 or b.ndim != 1 or a.shape != b.shape:
        raise RuntimeError(
            f"vdot: expected two 1-D tensors of one length, got shapes {tuple(a.shape)} and "
            f"{tuple(b.shape)}"
        )
    if a.dtype != b.dtype:
        raise RuntimeError(
            f"vdot: expected both vectors to have the same dtype, but found {a.dtype} and {b.dtype}"
        )
    return dot(conj(a) if a.dtype.kind == "c" else a, b)


def ger(input: Tensor, vec2: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
    """PyTorch's deprecated alias of :func:`outer`."""
    return outer(input, vec2)


def addr(input: Any, vec1: Tensor, vec2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:  # noqa: A002
    """``beta · input + alpha · outer(vec1, vec2)``, ``input`` broadcasting to ``(n, m)``
    (``beta = 0`` ignores ``input``, NaN included, as PyTorch).

    >>> import deepgrad as dg
    >>> dg.addr(dg.zeros(2, 2), dg.tensor([1.0, 2.0]), dg.tensor([3.0, 4.0])).tolist()
    [[3.0, 4.0], [6.0, 8.0]]
    """
    _need_tensors("addr", (("vec1", 2, vec1), ("vec2", 3, vec2)))
    if vec1.ndim != 1 or vec2.ndim != 1:
        raise RuntimeError(
            f"addr: Expected 1-D argument vec1 and vec2, but got {vec1.ndim}-D and {vec2.ndim}-D"
        )
    out = _scaled_sum(input, outer(vec1, vec2), beta, alpha)
    if out.shape != (vec1.shape[0], vec2.shape[0]):
        raise RuntimeError(
            f"addr: input of shape {tuple(as_tensor(input).shape)} does not broadcast to the "
            f"outer product's shape ({vec1.shape[0]}, {vec2.shape[0]})"
        )
    return out


def chain_matmul(*matrices: Tensor) -> Tensor:
    """PyTorch's deprecated ``chain_matmul``: the product of 2-D matrices in the cheapest
    order (:func:`deepgrad.linalg.multi_dot` of 2-D ones); one matrix is returned as a copy."""
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    for i, m in enumerate(matrices):
        if as_tensor(m).ndim != 2:
            raise RuntimeError(
                f"chain_matmul(): Tensor dimension is {as_tensor(m).ndim}, expected 2 instead "
                f"(matrix {i})"
            )
    if len(matrices) == 1:
        return as_tensor(matrices[0]).clone()
    return multi_dot(list(matrices))
