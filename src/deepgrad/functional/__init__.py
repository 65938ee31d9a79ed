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
from .activation_inplace import (
    celu_,
    elu_,
    hardtanh_,
    leaky_relu_,
    relu_,
    rrelu_,
    selu_,
    threshold_,
)
from .complex import (
    angle,
    complex,
    conj,
    imag,
    is_complex,
    polar,
    real,
    view_as_complex,
    view_as_real,
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
from .elementwise_math import (
    absolute,
    acos,
    acosh,
    arccos,
    arccosh,
    arcsin,
    arcsinh,
    arctan,
    arctan2,
    arctanh,
    asin,
    asinh,
    atan,
    atan2,
    atanh,
    cosh,
    deg2rad,
    digamma,
    divide,
    exp2,
    fix,
    float_power,
    fmax,
    fmin,
    frac,
    heaviside,
    hypot,
    lgamma,
    log10,
    log2,
    logaddexp,
    logaddexp2,
    logit,
    multiply,
    negative,
    polygamma,
    rad2deg,
    sinc,
    sinh,
    subtract,
    tan,
    true_divide,
    trunc,
)
from .logical import (
    bitwise_and,
    bitwise_left_shift,
    bitwise_not,
    bitwise_or,
    bitwise_right_shift,
    bitwise_xor,
    isfinite,
    isinf,
    isnan,
    isneginf,
    isposinf,
    isreal,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    signbit,
)
from .grids import (
    broadcast_shapes,
    broadcast_tensors,
    cartesian_prod,
    combinations,
    meshgrid,
    vander,
)
from .integrate import (
    cumulative_trapezoid,
    trapezoid,
    trapz,
)
from .joining import (
    atleast_1d,
    atleast_2d,
    atleast_3d,
    block_diag,
    column_stack,
    dsplit,
    dstack,
    hsplit,
    hstack,
    row_stack,
    tensor_split,
    vsplit,
    vstack,
)
from .orientation import (
    fliplr,
    flipud,
    moveaxis,
    ravel,
    rot90,
)
from .selection import (
    masked_select,
    narrow_copy,
    repeat_interleave,
    select,
    select_scatter,
    slice_scatter,
    take,
)
from .covariance import corrcoef, cov
from .decompositions import det, inverse, logdet, matrix_power, slogdet
from .control_flow import (
    cond,
    sym_float,
    sym_int,
    sym_ite,
    sym_max,
    sym_min,
    sym_not,
    sym_sqrt,
    sym_sum,
    while_loop,
)
from .matrix_norms import frobenius_norm, matrix_norm, nuclear_norm, renorm, vector_norm
from .matrix_exp import matrix_exp
from .lowrank import pca_lowrank, svd_lowrank
from .triangular import cholesky_solve, triangular_solve
from .householder import orgqr
from .legacy_linalg import cholesky, cholesky_inverse, pinverse, qr, svd
from .lu import lu_legacy as lu
from .lu import lu_solve, lu_unpack
from .sampling import (
    bernoulli,
    bernoulli_,
    binomial,
    cauchy_,
    exponential_,
    geometric_,
    log_normal_,
    normal,
    poisson,
    random_,
)
from .linalg import (
    addbmm,
    addmm,
    addmv,
    baddbmm,
    bilinear,
    bmm,
    cross,
    dot,
    einsum,
    inner,
    kron,
    linalg_cross,
    linear,
    matmul,
    mv,
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
    multilabel_margin_loss,
    multilabel_soft_margin_loss,
    nll_loss,
    poisson_nll_loss,
    smooth_l1_loss,
    soft_margin_loss,
    triplet_margin_loss,
    triplet_margin_with_distance_loss,
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
from .distance import cdist, dist, pdist
from .order import kthvalue, median, mode, nanmedian, nanquantile, quantile
from .scatter import (
    index_add,
    index_reduce,
    index_copy,
    index_fill,
    index_put,
    masked_scatter,
    put,
    scatter,
    scatter_add,
    scatter_reduce,
)
from .search import (
    nonzero_static,
    argwhere,
    bincount,
    bucketize,
    count_nonzero,
    histc,
    isin,
    nonzero,
    searchsorted,
    unique,
    unique_consecutive,
)
from .special import erfc, erfinv, xlogy
from .strided import as_strided, storage_offset
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
from .ctc import ctc_loss
from .linear_cross_entropy import LinearCrossEntropyOptions, linear_cross_entropy
from .embedding import embedding, embedding_bag, one_hot
from .fold import fold, unfold
from .grid_sample import affine_grid, grid_sample
from .gumbel import gumbel_softmax
from .fractional_pool import (
    fractional_max_pool2d,
    fractional_max_pool2d_with_indices,
    fractional_max_pool3d,
    fractional_max_pool3d_with_indices,
)
from .lp_pool import lp_pool1d, lp_pool2d, lp_pool3d
from .normalization import (
    batch_norm,
    cosine_similarity,
    group_norm,
    instance_norm,
    layer_norm,
    local_response_norm,
    normalize,
    pairwise_distance,
    rms_norm,
)
from .pooling import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_avg_pool3d,
    adaptive_max_pool1d,
    adaptive_max_pool1d_with_indices,
    adaptive_max_pool2d,
    adaptive_max_pool2d_with_indices,
    adaptive_max_pool3d,
    adaptive_max_pool3d_with_indices,
    avg_pool1d,
    avg_pool2d,
    avg_pool3d,
    max_pool1d,
    max_pool1d_with_indices,
    max_pool2d,
    max_pool2d_with_indices,
    max_pool3d,
    max_pool3d_with_indices,
)
from .pool_indices import max_unpool1d, max_unpool2d, max_unpool3d
from .recurrent import gru, gru_cell, lstm, lstm_cell, rnn, rnn_cell
from .shuffle import channel_shuffle, pixel_shuffle, pixel_unshuffle
from .upsample import interpolate, upsample, upsample_bilinear, upsample_nearest
from .view_copies import (
    alias_copy,
    as_strided_copy,
    detach_copy,
    diagonal_copy,
    expand_copy,
    permute_copy,
    select_copy,
    slice_copy,
    split_copy,
    split_with_sizes_copy,
    squeeze_copy,
    t_copy,
    transpose_copy,
    unbind_copy,
    unfold_copy,
    unsqueeze_copy,
    view_as_complex_copy,
    view_as_real_copy,
    view_copy,
)

from .complex import sgn
from .diagonal import diagflat, diagonal_scatter
from .finite_differences import gradient
from .float_parts import copysign, frexp, ldexp, nextafter
from .histogram import histogram, histogramdd
from .linalg import addr, chain_matmul, ger, vdot
from .number_theory import gcd, lcm
from .order import msort
from .search import unravel_index
from .special import gammainc as igamma, gammaincc as igammac, i0, multigammaln as mvlgamma
from .stft import istft, stft
from .strided import as_strided_scatter
from .windows import (
    bartlett_window,
    blackman_window,
    hamming_window,
    hann_window,
    kaiser_window,
)

# the Tensor's methods call the functions of this package: give them to the engine (which
# sits below and does not import it; see deepgrad.tensor.F)
import sys as _sys  # noqa: E402

from .. import tensor as _tensor  # noqa: E402

_tensor.F = _sys.modules[__name__]
del _sys, _tensor

# the autograd layer (below) joins the rows of grad(..., is_grads_batched=True) with stack
from .. import autograd as _autograd  # noqa: E402

_autograd._STACK[0] = stack
