"""PyTorch's top-level forms of ``nn.functional`` functions (``torch.batch_norm``, …).

PyTorch exposes many ``torch.nn.functional`` functions a second time at the top level, as the
ATen operators they call, and those have their own signatures: ``torch.embedding(weight,
indices)`` takes the table first, ``torch.dropout(input, p, train)`` has no defaults,
``torch.batch_norm`` takes ``weight, bias`` before the running statistics and the losses
take ``reduction`` as an int (0 ``'none'``, 1 ``'mean'``, 2 ``'sum'``) — and, called
without it, return the per-element losses (``torch.kl_div(x, t)`` is ``(N, C)``, though the
operator's schema reads ``reduction=Mean``: measured on torch 2.13), where their
``nn.functional`` namesakes take the mean; deepgrad's forms here do the same. Each function here
is that top-level signature over deepgrad's one implementation (``deepgrad.nn.functional``);
where PyTorch's top-level name *is* its ``F`` function (``torch.conv2d``, ``torch.prelu``,
…) ``deepgrad`` re-exports the ``F`` function itself instead.

>>> import deepgrad as dg
>>> w = dg.tensor([[0.0, 0.0], [1.0, 2.0]])
>>> dg.embedding(w, dg.tensor([1, 1])).tolist()
[[1.0, 2.0], [1.0, 2.0]]
>>> float(dg.kl_div(dg.tensor([0.0]), dg.tensor([1.0]), 2))
0.0
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy

from .. import backend
from .._errors import ChoiceError, IntArgumentError, ShapeMismatchError
from ..tensor import Tensor
from . import activation as _act
from . import conv as _conv
from . import ctc as _ctc
from . import loss as _loss
from . import normalization as _norm
from . import pooling as _pool
from . import shape as _shape
from .dropout import Dropout, _check_p, dropout_mask
from .dropout import alpha_dropout as _alpha_dropout
from .dropout import dropout as _dropout
from .dropout import feature_alpha_dropout as _feature_alpha_dropout
from .embedding import _refuse_index_dtype
from .embedding import embedding as _embedding
from .embedding import embedding_bag as _embedding_bag
from .grid_sample import affine_grid as _affine_grid
from .grid_sample import grid_sample as _grid_sample

#: PyTorch's ``Reduction`` enum (``at::Reduction``), the int the top-level losses take
_REDUCTIONS = {0: "none", 1: "mean", 2: "sum"}


def _reduction(value: Any, fn: str) -> str:
    if isinstance(value, (bool, numpy.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{fn}(): argument 'reduction' must be an int (0 'none', 1 'mean', 2 'sum') at the "
            f"top level, got {value!r}; the string form is nn.functional.{fn}"
        )
    if int(value) not in _REDUCTIONS:
        raise ValueError(
            f"{fn}(): reduction {value} is not a valid value: expected 0 ('none'), 1 ('mean') "
            f"or 2 ('sum')"
        )
    return _REDUCTIONS[int(value)]


def _stride(stride: Any) -> Any:
    """ATen's ``stride=[]`` (empty) means "the kernel size", as ``None`` in ``F``."""
    if stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0):
        return None
    return stride


# convolution ------------------------------------------------------------------------------
def convolution(
    input: Tensor,  # noqa: A002 - PyTorch's name
    weight: Tensor,
    bias: Tensor | None,
    stride: Any,
    padding: Any,
    dilation: Any,
    transposed: bool,
    output_padding: Any,
    groups: int,
) -> Tensor:
    """``torch.convolution``: the convolution (``transposed=False``) or transposed convolution
    of ``weight.ndim - 2`` spatial dims (1 to 3), :func:`conv2d` and its kin underneath."""
    nd = weight.ndim - 2
    if nd not in (1, 2, 3):
        raise RuntimeError(
            f"convolution(): expected a 3-, 4- or 5-d weight (1 to 3 spatial dims), got weight "
            f"of shape {tuple(weight.shape)}"
        )
    if transposed:
        fn = getattr(_conv, f"conv_transpose{nd}d")
        return fn(input, weight, bias, stride, padding, output_padding, groups, dilation)
    if any(int(v) != 0 for v in numpy.atleast_1d(output_padding)):
        raise RuntimeError(
            f"convolution(): output_padding {output_padding} is only for transposed=True; "
            f"pass 0 (or [0] * {nd}) for a plain convolution"
        )
    fn = getattr(_conv, f"conv{nd}d")
    return fn(input, weight, bias, stride, padding, dilation, groups)


# pooling ----------------------------------------------------------------------------------
def _max_pool(nd: int) -> Any:
    def fn(
        input: Tensor,  # noqa: A002 - PyTorch's name
        kernel_size: Any,
        stride: Any = (),
        padding: Any = 0,
        dilation: Any = 1,
        ceil_mode: bool = False,
    ) -> Tensor:
        f = getattr(_pool, f"max_pool{nd}d")
        return f(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)

    fn.__name__ = fn.__qualname__ = f"max_pool{nd}d"
    fn.__doc__ = (
        f"``torch.max_pool{nd}d(input, kernel_size, stride=[], padding=0, dilation=1, "
        f"ceil_mode=False)``: :func:`deepgrad.nn.functional.max_pool{nd}d` without "
        f"``return_indices`` (an empty ``stride`` is the kernel size)."
    )
    return fn


max_pool1d = _max_pool(1)
max_pool2d = _max_pool(2)
max_pool3d = _max_pool(3)


def max_pool1d_with_indices(
    input: Tensor,  # noqa: A002 - PyTorch's name
    kernel_size: Any,
    stride: Any = (),
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
) -> tuple[Tensor, Tensor]:
    """``torch.max_pool1d_with_indices``: the pooled values and their int64 positions."""
    return _pool.max_pool1d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode, True)


def avg_pool1d(
    input: Tensor,  # noqa: A002 - PyTorch's name
    kernel_size: Any,
    stride: Any = (),
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """``torch.avg_pool1d``: :func:`deepgrad.nn.functional.avg_pool1d` (an empty ``stride`` is
    the kernel size)."""
    return _pool.avg_pool1d(
        input, kernel_size, _stride(stride), padding, ceil_mode, count_include_pad
    )


def adaptive_max_pool1d(input: Tensor, output_size: Any) -> tuple[Tensor, Tensor]:  # noqa: A002
    """``torch.adaptive_max_pool1d``: always the ``(values, indices)`` pair."""
    return _pool.adaptive_max_pool1d(input, output_size, True)


# normalization ----------------------------------------------------------------------------
def batch_norm(
    input: Tensor,  # noqa: A002 - PyTorch's name
    weight: Tensor | None,
    bias: Tensor | None,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    training: bool,
    momentum: float,
    eps: float,
    cudnn_enabled: bool,
) -> Tensor:
    """``torch.batch_norm``: ``weight, bias`` come before the running statistics, every
    argument is required; ``cudnn_enabled`` is accepted and ignored."""
    return _norm.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def instance_norm(
    input: Tensor,  # noqa: A002 - PyTorch's name
    weight: Tensor | None,
    bias: Tensor | None,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    use_input_stats: bool,
    momentum: float,
    eps: float,
    cudnn_enabled: bool,
) -> Tensor:
    """``torch.instance_norm``: the order of ``torch.batch_norm``; ``cudnn_enabled`` is
    accepted and ignored."""
    return _norm.instance_norm(
        input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps
    )


def layer_norm(
    input: Tensor,  # noqa: A002 - PyTorch's name
    normalized_shape: Any,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
    cudnn_enable: bool = True,
) -> Tensor:
    """``torch.layer_norm``: ``F.layer_norm`` with ``cudnn_enable`` (ignored)."""
    return _norm.layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(
    input: Tensor,  # noqa: A002 - PyTorch's name
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
    cudnn_enabled: bool = True,
) -> Tensor:
    """``torch.group_norm``: ``F.group_norm`` with ``cudnn_enabled`` (ignored)."""
    return _norm.group_norm(input, num_groups, weight, bias, eps)


def rms_norm(
    input: Tensor,  # noqa: A002 - PyTorch's name
    normalized_shape: Any,
    weight: Tensor | None = None,
    eps: float | None = None,
) -> Tensor:
    """``torch.rms_norm``: ``F.rms_norm``."""
    return _norm.rms_norm(input, normalized_shape, weight, eps)


# embedding --------------------------------------------------------------------------------
def embedding(
    weight: Tensor,
    indices: Any,
    padding_idx: int = -1,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """``torch.embedding``: the **table first**; ``padding_idx`` is a row index whose
    gradient stays zero, and a negative one (the default ``-1``) means no padding row (ATen's
    convention; ``F.embedding`` counts a negative index from the end instead)."""
    pad = None if padding_idx is None or int(padding_idx) < 0 else int(padding_idx)
    return _embedding(indices, weight, pad, None, 2.0, scale_grad_by_freq, sparse)


_BAG_MODES = {0: "sum", 1: "mean", 2: "max"}


def embedding_bag(
    weight: Tensor,
    indices: Any,
    offsets: Any,
    scale_grad_by_freq: bool = False,
    mode: int = 0,
    sparse: bool = False,
    per_sample_weights: Tensor | None = None,
    include_last_offset: bool = False,
    padding_idx: int | None = None,
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """``torch.embedding_bag``: the table first, ``mode`` an int (0 sum, 1 mean, 2 max), and
    PyTorch's four results ``(output, offset2bag, bag_size, max_indices)``: ``output`` is
    ``F.embedding_bag``'s; ``offset2bag`` is each index's bag, ``bag_size`` each bag's
    count of non-padding indices (zeros in sum mode), ``max_indices`` the table row of each
    maximum in max mode (else ``bag_size``'s values), as PyTorch's CPU kernel returns them
    for float64 (its float32 sum-mode fast path returns an empty ``offset2bag``)."""
    if isinstance(mode, (bool, numpy.bool_)) or not isinstance(mode, numbers.Integral):
        raise IntArgumentError(
            f"embedding_bag(): argument 'mode' (position 5) must be int, not "
            f"{type(mode).__name__} (at the top level mode is the int 0 (sum), 1 (mean) or 2 "
            f"(max); the string form {mode!r} is nn.functional.embedding_bag's)"
        )
    if mode not in _BAG_MODES:
        raise ChoiceError(
            f"`mode` must be sum, mean, or max. (embedding_bag: got mode={mode}; expected the "
            "int 0 (sum), 1 (mean) or 2 (max))"
        )
    if getattr(weight, "ndim", 2) != 2:
        raise ShapeMismatchError(
            f"weight has to be a 2D Tensor, but got Tensor of dimension {weight.ndim} "
            "(torch.embedding_bag takes the table first: embedding_bag(weight, indices, "
            "offsets); nn.functional.embedding_bag takes the indices first)"
        )
    if isinstance(indices, Tensor):
        _refuse_index_dtype(indices._data, "embedding_bag")
    if padding_idx is not None and int(padding_idx) < 0:
        padding_idx = None
    name = _BAG_MODES[mode]
    out = _embedding_bag(
        indices,
        weight,
        offsets,
        None,
        2,
        scale_grad_by_freq,
        name,
        sparse,
        per_sample_weights,
        include_last_offset,
        padding_idx,
    )
    xp = backend.xp
    idx = xp.asarray(indices._data if isinstance(indices, Tensor) else indices).reshape(-1)
    off = xp.asarray(offsets._data if isinstance(offsets, Tensor) else offsets).reshape(-1)
    n = int(idx.shape[0])
    starts = off[:-1] if include_last_offset else off
    B = int(starts.shape[0])
    ends = xp.concatenate([starts[1:], xp.asarray([n])]) if not include_last_offset else off[1:]
    bag = (xp.searchsorted(starts, xp.arange(n), side="right") - 1).astype(xp.int64)
    counted = xp.ones(n, bool) if padding_idx is None else idx != padding_idx
    sizes = xp.bincount(bag[counted], minlength=B)[:B].astype(xp.int64)
    if name == "sum":
        m = int(off.shape[0])  # PyTorch's: one per offset, the last one included
        return (
            out,
            Tensor._wrap(bag),
            Tensor._wrap(xp.zeros(m, xp.int64)),
            Tensor._wrap(xp.zeros(m, xp.int64)),
        )
    if name == "mean":
        return out, Tensor._wrap(bag), Tensor._wrap(sizes), Tensor._wrap(sizes.copy())
    D = int(weight.shape[1])
    arg = xp.zeros((B, D), dtype=xp.int64)  # an empty bag: 0, as PyTorch
    w = weight._data
    for b in range(B):
        s, e = int(starts[b]), min(int(ends[b]), n)
        rows = idx[s:e] if padding_idx is None else idx[s:e][idx[s:e] != padding_idx]
        if rows.shape[0]:
            arg[b] = rows[xp.argmax(w[rows], axis=0)]
    return out, Tensor._wrap(bag), Tensor._wrap(sizes), Tensor._wrap(arg)


# dropout ----------------------------------------------------------------------------------
def dropout(input: Tensor, p: float, train: bool) -> Tensor:  # noqa: A002 - PyTorch's name
    """``torch.dropout(input, p, train)``: ``F.dropout`` with every argument required."""
    return _dropout(input, p, train)


def alpha_dropout(input: Tensor, p: float, train: bool) -> Tensor:  # noqa: A002
    """``torch.alpha_dropout(input, p, train)``: ``F.alpha_dropout``."""
    return _alpha_dropout(input, p, train)


def feature_alpha_dropout(input: Tensor, p: float, train: bool) -> Tensor:  # noqa: A002
    """``torch.feature_alpha_dropout(input, p, train)``: ``F.feature_alpha_dropout``."""
    return _feature_alpha_dropout(input, p, train)


def feature_dropout(input: Tensor, p: float, train: bool) -> Tensor:  # noqa: A002
    """``torch.feature_dropout(input, p, train)``: zero whole features ``input[n, c]`` (all
    dims after the second) with probability ``p``, scale the kept ones by ``1/(1 - p)``; a
    2-d input drops single elements, as PyTorch's."""
    _check_p(p, "feature_dropout")
    if input.ndim < 2:
        raise RuntimeError(
            f"feature_dropout(): expected an input of at least 2 dims (N, C, *), got shape "
            f"{tuple(input.shape)}"
        )
    if not train or p == 0.0:
        return input
    shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2)
    return Dropout(dropout_mask(shape, p, input.dtype))(input)


# losses with reduction as an int ----------------------------------------------------------
def binary_cross_entropy_with_logits(
    input: Tensor,  # noqa: A002 - PyTorch's name
    target: Any,
    weight: Any = None,
    pos_weight: Any = None,
    reduction: int = 0,
) -> Tensor:
    """``torch.binary_cross_entropy_with_logits``: ``reduction`` an int, ``pos_weight``
    fourth."""
    r = _reduction(reduction, "binary_cross_entropy_with_logits")
    return _loss.binary_cross_entropy_with_logits(
        input, target, weight, reduction=r, pos_weight=pos_weight
    )


def kl_div(
    input: Tensor,  # noqa: A002 - PyTorch's name
    target: Any,
    reduction: int = 0,
    *,
    log_target: bool = False,
) -> Tensor:
    """``torch.kl_div``: ``reduction`` an int (0, the default, gives the elementwise terms;
    1 is their mean, not ``'batchmean'``)."""
    r = _reduction(reduction, "kl_div")
    return _loss.kl_div(input, target, reduction=r, log_target=log_target)


def cosine_embedding_loss(
    input1: Tensor, input2: Tensor, target: Any, margin: float = 0.0, reduction: int = 0
) -> Tensor:
    """``torch.cosine_embedding_loss``: ``reduction`` an int."""
    r = _reduction(reduction, "cosine_embedding_loss")
    return _loss.cosine_embedding_loss(input1, input2, target, margin, reduction=r)


def hinge_embedding_loss(
    input: Tensor,  # noqa: A002 - PyTorch's name
    target: Any,
    margin: float = 1.0,
    reduction: int = 0,
) -> Tensor:
    """``torch.hinge_embedding_loss``: ``reduction`` an int."""
    r = _reduction(reduction, "hinge_embedding_loss")
    return _loss.hinge_embedding_loss(input, target, margin, reduction=r)


def margin_ranking_loss(
    input1: Tensor, input2: Tensor, target: Any, margin: float = 0.0, reduction: int = 0
) -> Tensor:
    """``torch.margin_ranking_loss``: ``reduction`` an int."""
    r = _reduction(reduction, "margin_ranking_loss")
    return _loss.margin_ranking_loss(input1, input2, target, margin, reduction=r)


def poisson_nll_loss(
    input: Tensor,  # noqa: A002 - PyTorch's name
    target: Any,
    log_input: bool,
    full: bool,
    eps: float,
    reduction: int,
) -> Tensor:
    """``torch.poisson_nll_loss``: every argument required, ``reduction`` an int."""
    r = _reduction(reduction, "poisson_nll_loss")
    return _loss.poisson_nll_loss(input, target, log_input, full, eps=eps, reduction=r)


def triplet_margin_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    margin: float = 1.0,
    p: float = 2.0,
    eps: float = 1e-6,
    swap: bool = False,
    reduction: int = 0,
) -> Tensor:
    """``torch.triplet_margin_loss``: ``reduction`` an int."""
    r = _reduction(reduction, "triplet_margin_loss")
    return _loss.triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap, reduction=r)


def ctc_loss(
    log_probs: Tensor,
    targets: Any,
    input_lengths: Any,
    target_lengths: Any,
    blank: int = 0,
    reduction: int = 0,
    zero_infinity: bool = False,
) -> Tensor:
    """``torch.ctc_loss``: ``reduction`` an int."""
    r = _reduction(reduction, "ctc_loss")
    return _ctc.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank, r, zero_infinity)


# activations ------------------------------------------------------------------------------
def celu(input: Tensor, alpha: float = 1.0) -> Tensor:  # noqa: A002 - PyTorch's name
    """``torch.celu``: ``F.celu`` (no ``inplace``; ``torch.celu_`` is the in-place form)."""
    return _act.celu(input, alpha)


def relu(input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
    """``torch.relu``: ``F.relu`` without ``inplace`` (``torch.relu(x, True)`` is a
    ``TypeError``: ``torch.relu_`` is the in-place form), so a second argument never writes
    into ``x`` silently."""
    return _act.relu(input)


def selu(input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
    """``torch.selu``: ``F.selu`` (no ``inplace``; ``torch.selu_`` is the in-place form)."""
    return _act.selu(input)


def rrelu(
    input: Tensor,  # noqa: A002 - PyTorch's name
    lower: float = 0.125,
    upper: float = 1.0 / 3.0,
    training: bool = False,
    generator: Any = None,
) -> Tensor:
    """``torch.rrelu``: ``F.rrelu``; a ``generator`` is refused (deepgrad draws from its
    global random state, :func:`deepgrad.manual_seed`)."""
    if generator is not None and not isinstance(generator, backend.Generator):
        raise TypeError(
            f"rrelu(): argument 'generator' (position 5) must be torch.Generator, not "
            f"{type(generator).__name__} (the fifth argument is the generator, after lower, "
            "upper and training; pass None)"
        )
    if generator is not None:
        raise NotImplementedError(
            "rrelu(): a generator is not supported; seed the global state with "
            "deepgrad.manual_seed(...) and pass generator=None"
        )
    return _act.rrelu(input, lower, upper, training)


def threshold(input: Tensor, threshold: float, value: float) -> Tensor:  # noqa: A002
    """``torch.threshold``: ``F.threshold`` (no ``inplace``; ``torch.threshold_`` is that)."""
    return _act.threshold(input, threshold, value)


# padding and grids ------------------------------------------------------------------------
def constant_pad_nd(input: Tensor, pad: Any, value: Any = 0) -> Tensor:  # noqa: A002
    """``torch.constant_pad_nd``: ``F.pad(input, pad, 'constant', value)`` (negative
    amounts crop)."""
    return _shape.pad(input, pad, "constant", value)


def affine_grid_generator(theta: Tensor, size: Any, align_corners: bool) -> Tensor:
    """``torch.affine_grid_generator``: ``F.affine_grid`` with ``align_corners`` required."""
    return _affine_grid(theta, size, align_corners)


_INTERPOLATION = {0: "bilinear", 1: "nearest", 2: "bicubic"}
_PADDING = {0: "zeros", 1: "border", 2: "reflection"}


def grid_sampler(
    input: Tensor,  # noqa: A002 - PyTorch's name
    grid: Tensor,
    interpolation_mode: int,
    padding_mode: int,
    align_corners: bool,
) -> Tensor:
    """``torch.grid_sampler``: ``F.grid_sample`` with the modes as PyTorch's ints
    (interpolation 0 bilinear, 1 nearest, 2 bicubic; padding 0 zeros, 1 border,
    2 reflection)."""
    for value, table, what in (
        (interpolation_mode, _INTERPOLATION, "interpolation_mode"),
        (padding_mode, _PADDING, "padding_mode"),
    ):
        if isinstance(value, bool) or value not in table:
            raise ValueError(
                f"grid_sampler(): {what} must be one of the ints "
                f"{', '.join(f'{k} ({v})' for k, v in table.items())}, got {value!r}"
            )
    return _grid_sample(
        input, grid, _INTERPOLATION[interpolation_mode], _PADDING[padding_mode], align_corners
    )


def _grid_sampler_nd(nd: int) -> Any:
    def fn(
        input: Tensor,  # noqa: A002 - PyTorch's name
        grid: Tensor,
        interpolation_mode: int,
        padding_mode: int,
        align_corners: bool,
    ) -> Tensor:
        if input.ndim != nd + 2:
            raise RuntimeError(
                f"grid_sampler_{nd}d(): expected {nd + 2}D input, but got input with sizes "
                f"{list(input.shape)}"
            )
        return grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners)

    fn.__name__ = fn.__qualname__ = f"grid_sampler_{nd}d"
    fn.__doc__ = f"``torch.grid_sampler_{nd}d``: :func:`grid_sampler` of a {nd + 2}-d input."
    return fn


grid_sampler_2d = _grid_sampler_nd(2)
grid_sampler_3d = _grid_sampler_nd(3)
