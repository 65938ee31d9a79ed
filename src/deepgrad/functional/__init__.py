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
    clip,
    div,
    exp,
    log,
    maximum,
    minimum,
    mul,
    neg,
    pow,
    sqrt,
    sub,
    where,
)
from .linalg import linear, matmul
from .reduce import logsumexp, max, mean, min, std, sum, var
from .shape import (
    broadcast_to,
    concat,
    expand,
    flatten,
    getitem,
    pad,
    permute,
    reshape,
    split,
    squeeze,
    stack,
    sum_to,
    swapaxes,
    transpose,
    unsqueeze,
)

__all__ = [
    "abs", "add", "astype", "broadcast_to", "clip", "concat", "div", "elu", "erf", "exp",
    "expand", "flatten", "gelu", "getitem", "leaky_relu", "linear", "log", "log_softmax",
    "logsumexp", "matmul", "max", "maximum", "mean", "min", "minimum", "mul", "neg", "pad",
    "permute", "pow", "relu", "reshape", "sigmoid", "softmax", "softplus", "split", "sqrt",
    "squeeze", "stack", "std", "sub", "sum", "sum_to", "swapaxes", "tanh", "transpose",
    "unsqueeze", "var", "where",
]  # fmt: skip
