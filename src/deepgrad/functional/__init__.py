"""Differentiable functions on tensors, one family per module.

``deepgrad.functional`` (imported as ``F``) is what layers call and what the tensor's
operators dispatch to.
"""

from .activation import (
    celu,
    elu,
    erf,
    gelu,
    glu,
    hardshrink,
    hardsigmoid,
    hardswish,
    hardtanh,
    leaky_relu,
    log_softmax,
    logsigmoid,
    mish,
    prelu,
    relu,
    relu6,
    rrelu,
    selu,
    sigmoid,
    silu,
    softmax,
    softmin,
    softplus,
    softshrink,
    softsign,
    tanh,
    tanhshrink,
    threshold,
)
from .elementwise import (
    abs,
    add,
    astype,
    ceil,
    clamp,
    clip,
    cos,
    addcdiv,
    addcmul,
    clamp_max,
    clamp_min,
    div,
    exp,
    expm1,
    floor,
    floor_divide,
    fmod,
    lerp,
    log,
    log1p,
    masked_fill,
    maximum,
    minimum,
    mul,
    nan_to_num,
    neg,
    pow,
    reciprocal,
    remainder,
    round,
    rsqrt,
    sign,
    sin,
    sqrt,
    square,
    sub,
    where,
)
from .linalg import (
    addbmm,
    addmm,
    addmv,
    baddbmm,
    bilinear,
    bmm,
    dot,
    einsum,
    kron,
    linear,
    matmul,
    outer,
    tensordot,
)
from .loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cosine_embedding_loss,
    cross_entropy,
    gaussian_nll_loss,
    hinge_embedding_loss,
    huber_loss,
    kl_div,
    l1_loss,
    margin_ranking_loss,
    mse_loss,
    multi_margin_loss,
    multilabel_soft_margin_loss,
    nll_loss,
    poisson_nll_loss,
    smooth_l1_loss,
    soft_margin_loss,
    triplet_margin_loss,
)
from .reduce import (
    all,
    amax,
    amin,
    aminmax,
    any,
    cummax,
    cummin,
    cumprod,
    cumsum,
    diff,
    logcumsumexp,
    logsumexp,
    max,
    mean,
    min,
    nanmean,
    nansum,
    norm,
    prod,
    std,
    std_mean,
    sum,
    var,
    var_mean,
)
from .shape import (
    ValuesIndices,
    argsort,
    broadcast_to,
    cat,
    chunk,
    concat,
    contiguous,
    expand,
    flatten,
    flip,
    gather,
    getitem,
    index_select,
    movedim,
    narrow,
    pad,
    permute,
    repeat,
    reshape,
    roll,
    split,
    squeeze,
    stack,
    sort,
    sum_to,
    swapaxes,
    take_along_dim,
    tile,
    topk,
    tril,
    triu,
    transpose,
    unbind,
    unflatten,
    unsqueeze,
)
from .comparison import allclose, equal, isclose
from .diagonal import diag, diag_embed, diagonal, trace, tril_indices, triu_indices
from .distance import cdist, dist
from .order import kthvalue, median, mode, nanmedian, nanquantile, quantile
from .scatter import index_add, index_fill, scatter, scatter_add, scatter_reduce
from .search import argwhere, bucketize, count_nonzero, histc, nonzero, searchsorted, unique
from .special import erfc, erfinv, xlogy
from .attention import (
    attention_with_weights,
    multi_head_attention_forward,
    scaled_dot_product_attention,
)
from .conv import (
    conv1d,
    conv2d,
    conv3d,
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose3d,
)
from .dropout import (
    alpha_dropout,
    dropout,
    dropout1d,
    dropout2d,
    dropout3d,
    feature_alpha_dropout,
)
from .embedding import embedding, embedding_bag, one_hot
from .fold import fold, unfold
from .normalization import (
    batch_norm,
    cosine_similarity,
    group_norm,
    instance_norm,
    layer_norm,
    local_response_norm,
    normalize,
    pairwise_distance,
)
from .pooling import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    avg_pool1d,
    avg_pool2d,
    avg_pool3d,
    max_pool1d,
    max_pool2d,
    max_pool3d,
)
from .recurrent import gru, gru_cell, lstm, lstm_cell, rnn, rnn_cell
from .shuffle import channel_shuffle, pixel_shuffle, pixel_unshuffle
from .upsample import interpolate

# the Tensor's methods call the functions of this package: give them to the engine (which
# sits below and does not import it; see deepgrad.tensor.F)
import sys as _sys  # noqa: E402

from .. import tensor as _tensor  # noqa: E402

_tensor.F = _sys.modules[__name__]
del _sys, _tensor
