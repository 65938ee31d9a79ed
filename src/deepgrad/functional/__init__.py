"""Differentiable functions on tensors, one family per module.

``deepgrad.functional`` (imported as ``F``) is what layers call and what the tensor's
operators dispatch to.
"""

from .activation import (
    elu,
    erf,
    gelu,
    leaky_relu,
    log_softmax,
    relu,
    sigmoid,
    softmax,
    softplus,
    tanh,
)
from .elementwise import (
    abs,
    add,
    astype,
    ceil,
    clamp,
    clip,
    cos,
    div,
    exp,
    expm1,
    floor,
    log,
    log1p,
    masked_fill,
    maximum,
    minimum,
    mul,
    neg,
    pow,
    reciprocal,
    round,
    rsqrt,
    sign,
    sin,
    sqrt,
    square,
    sub,
    where,
)
from .linalg import bmm, dot, einsum, linear, matmul, outer
from .loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber_loss,
    kl_div,
    l1_loss,
    mse_loss,
    nll_loss,
)
from .reduce import (
    all,
    amax,
    amin,
    any,
    cumprod,
    cumsum,
    logsumexp,
    max,
    mean,
    min,
    norm,
    prod,
    std,
    sum,
    var,
)
from .shape import (
    broadcast_to,
    cat,
    chunk,
    concat,
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
    sum_to,
    swapaxes,
    take_along_dim,
    tile,
    transpose,
    unflatten,
    unsqueeze,
)
from .attention import multi_head_attention_forward, scaled_dot_product_attention
from .conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d
from .dropout import dropout, dropout2d
from .embedding import embedding
from .normalization import batch_norm, layer_norm
from .pooling import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    avg_pool1d,
    avg_pool2d,
    max_pool1d,
    max_pool2d,
)
from .recurrent import gru, gru_cell, lstm, lstm_cell, rnn, rnn_cell
from .upsample import interpolate
