"""deepgrad: a complete deep learning system written from scratch on NumPy.

>>> import deepgrad as dg
>>> x = dg.tensor([[1.0, 2.0]], requires_grad=True)
>>> (x ** 2).sum().backward()
>>> x.grad
tensor([[2., 4.]])
"""

from . import _blas_env  # noqa: F401, I001 - first: before NumPy loads OpenBLAS
from numpy import bool_, float16, float32, float64, int8, int16, int32, int64, uint8  # noqa: F401
from numpy import complex64, complex128  # noqa: F401
from numpy import uint16, uint32, uint64  # noqa: F401  (PyTorch's limited-support dtypes)
from numpy import complex64 as cfloat, complex128 as cdouble  # noqa: F401

from . import accelerator, backend, cuda
from .cuda import OutOfMemoryError
import math as _math

pi: float = _math.pi  #: PyTorch's ``torch.pi`` (Python floats, as PyTorch's constants are)
e: float = _math.e  #: ``torch.e``
inf: float = _math.inf  #: ``torch.inf``: ``x.masked_fill(mask, -dg.inf)``
nan: float = _math.nan  #: ``torch.nan``
newaxis = None  #: ``torch.newaxis`` (NumPy's): ``x[:, dg.newaxis]`` adds an axis
from .devices import device, get_default_device, set_default_device
from .autograd import (
    Function,
    enable_grad,
    grad,
    inference_mode,
    is_anomaly_check_nan_enabled,
    is_anomaly_enabled,
    is_grad_enabled,
    is_inference_mode_enabled,
    set_anomaly_enabled,
    no_grad,
    set_grad_enabled,
)
from .backend import (
    Generator,
    can_cast,
    default_generator,
    get_default_dtype,
    manual_seed,
    promote_types,
    result_type,
    set_backend,
    set_default_dtype,
)
from .functional.complex import (  # noqa: A004 - PyTorch's names (complex)
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
from .functional import (  # noqa: I001
    abs,
    absolute,
    acos,
    acosh,
    addbmm,
    addcdiv,
    addcmul,
    addmm,
    addmv,
    all,
    allclose,
    amax,
    amin,
    aminmax,
    any,
    arccos,
    arccosh,
    arcsin,
    arcsinh,
    arctan,
    arctan2,
    arctanh,
    argsort,
    argwhere,
    asin,
    asinh,
    atan,
    atan2,
    atanh,
    atleast_1d,
    atleast_2d,
    atleast_3d,
    baddbmm,
    bernoulli,
    bincount,
    bitwise_and,
    bitwise_left_shift,
    bitwise_not,
    bitwise_or,
    bitwise_right_shift,
    bitwise_xor,
    block_diag,
    bmm,
    broadcast_shapes,
    broadcast_tensors,
    broadcast_to,
    bucketize,
    cartesian_prod,
    cat,
    cat as concatenate,
    cdist,
    ceil,
    chunk,
    clamp,
    clamp_max,
    clamp_min,
    column_stack,
    combinations,
    concat,
    corrcoef,
    cos,
    cosh,
    cov,
    count_nonzero,
    cross,
    cummax,
    cummin,
    cumprod,
    cumsum,
    cumulative_trapezoid,
    deg2rad,
    cholesky_solve,
    det,
    diag,
    diag_embed,
    diagonal,
    diff,
    digamma,
    dist,
    divide,
    dot,
    dsplit,
    dstack,
    einsum,
    erf,
    erfc,
    erfinv,
    exp,
    exp2,
    expm1,
    fix,
    flatten,
    flip,
    fliplr,
    flipud,
    float_power,
    floor,
    floor_divide,
    fmax,
    fmin,
    fmod,
    frac,
    gather,
    heaviside,
    histc,
    hsplit,
    hstack,
    hypot,
    index_add,
    index_reduce,
    index_copy,
    index_fill,
    index_put,
    index_select,
    inner,
    inverse,
    isclose,
    isin,
    isfinite,
    isinf,
    isnan,
    isneginf,
    isposinf,
    isreal,
    kron,
    kthvalue,
    lerp,
    lgamma,
    log,
    log10,
    log1p,
    log2,
    logaddexp,
    logaddexp2,
    logcumsumexp,
    logdet,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    logit,
    logsumexp,
    masked_fill,
    masked_scatter,
    masked_select,
    matmul,
    matrix_exp,
    matrix_power,
    max,
    maximum,
    mean,
    median,
    meshgrid,
    min,
    minimum,
    mode,
    moveaxis,
    movedim,
    multiply,
    mv,
    nan_to_num,
    nanmean,
    nanmedian,
    nanquantile,
    nansum,
    narrow,
    narrow_copy,
    negative,
    nonzero,
    norm,
    normal,
    outer,
    pad,
    pdist,
    permute,
    poisson,
    polygamma,
    prod,
    put,
    quantile,
    rad2deg,
    ravel,
    reciprocal,
    remainder,
    renorm,
    repeat_interleave,
    reshape,
    roll,
    rot90,
    round,
    row_stack,
    rsqrt,
    scatter,
    scatter_add,
    scatter_reduce,
    searchsorted,
    select,
    select_scatter,
    sigmoid,
    sign,
    signbit,
    sin,
    sinc,
    sinh,
    slice_scatter,
    slogdet,
    sort,
    split,
    sqrt,
    square,
    stack,
    std_mean,
    subtract,
    sum,
    swapaxes,
    take,
    take_along_dim,
    tan,
    tanh,
    tensor_split,
    tensordot,
    tile,
    topk,
    trace,
    transpose,
    trapezoid,
    trapz,
    tril,
    tril_indices,
    triu,
    triu_indices,
    true_divide,
    trunc,
    unbind,
    unflatten,
    unique,
    unique_consecutive,
    triangular_solve,
    vander,
    var_mean,
    vsplit,
    vstack,
    where,
    xlogy,
)
from .functional.torch_namespace import (
    log_softmax,
    softmax,
    BoolTensor,
    ByteTensor,
    compiled_with_cxx11_abi,
    is_storage,
    typename,
    CharTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
    ShortTensor,
    finfo,
    iinfo,
    set_default_tensor_type,
)
from .functional.strided import as_strided
from .functional.view_copies import *  # noqa: F403 - PyTorch's *_copy functions (its __all__)
from .functional.torch_namespace import (  # function forms of Tensor methods
    add,
    adjoint,
    argmax,
    argmin,
    clip,
    clone,
    div,
    eq,
    equal,
    ge,
    gt,
    get_device,
    is_conj,
    is_distributed,
    is_floating_point,
    is_inference,
    is_neg,
    is_nonzero,
    is_same_size,
    is_signed,
    le,
    lt,
    mm,
    mul,
    ne,
    neg,
    numel,
    positive,
    pow,
    resolve_conj,
    resolve_neg,
    squeeze,
    std,
    sub,
    t,
    unsqueeze,
    var,
)
from .functional.torch_namespace import VIEW_FUNCTIONS as _VIEW_FUNCTIONS

globals().update(_VIEW_FUNCTIONS)  # the function forms of views mark them as the methods do
from .functional import (
    cholesky,
    cholesky_inverse,
    lu,
    lu_solve,
    lu_unpack,
    orgqr,
    pinverse,
    qr,
    svd,
)

from .functional import (  # noqa: E402 - math under PyTorch's top-level names
    addr,
    as_strided_scatter,
    bartlett_window,
    blackman_window,
    chain_matmul,
    copysign,
    diagflat,
    diagonal_scatter,
    frexp,
    gcd,
    ger,
    gradient,
    hamming_window,
    hann_window,
    histogram,
    histogramdd,
    i0,
    igamma,
    igammac,
    istft,
    kaiser_window,
    lcm,
    ldexp,
    msort,
    mvlgamma,
    nextafter,
    sgn,
    stft,
    unravel_index,
    vdot,
)
from .functional.torch_namespace import gcd_, i0_, lcm_, ldexp_, rsub  # noqa: E402

# PyTorch's top-level forms of nn functions: the F function itself where torch's is F's,
# else the ATen signature (weight-first embedding, int reductions, ...) over F's implementation
from .functional import (  # noqa: E402
    adaptive_avg_pool1d,
    bilinear,
    channel_shuffle,
    conv1d,
    conv2d,
    conv3d,
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose3d,
    cosine_similarity,
    hardshrink,
    pairwise_distance,
    pixel_shuffle,
    pixel_unshuffle,
    prelu,
)
from .functional.torch_nn_forms import (  # noqa: E402
    adaptive_max_pool1d,
    affine_grid_generator,
    alpha_dropout,
    avg_pool1d,
    batch_norm,
    binary_cross_entropy_with_logits,
    celu,
    constant_pad_nd,
    convolution,
    cosine_embedding_loss,
    ctc_loss,
    dropout,
    embedding,
    embedding_bag,
    feature_alpha_dropout,
    feature_dropout,
    grid_sampler,
    grid_sampler_2d,
    grid_sampler_3d,
    group_norm,
    hinge_embedding_loss,
    instance_norm,
    kl_div,
    layer_norm,
    margin_ranking_loss,
    max_pool1d,
    max_pool1d_with_indices,
    max_pool2d,
    max_pool3d,
    poisson_nll_loss,
    relu,
    rms_norm,
    rrelu,
    selu,
    threshold,
    triplet_margin_loss,
)

# PyTorch's top-level in-place activations (torch.relu_(x) is F.relu_(x))
from .functional import celu_, relu_, rrelu_, selu_, threshold_  # noqa: E402
from .functional.dropout import (  # noqa: E402 - PyTorch's top-level in-place dropouts
    alpha_dropout_,
    dropout_,
    feature_alpha_dropout_,
    feature_dropout_,
)
from .functional.embedding import embedding_renorm_  # noqa: E402
from .functional.torch_namespace import (  # noqa: E402 - torch.exp_(x), torch.greater(x, y)...
    abs_,
    acos_,
    acosh_,
    addmv_,
    arccos_,
    arccosh_,
    arcsin_,
    arcsinh_,
    arctan_,
    arctanh_,
    as_strided_,
    asin_,
    asinh_,
    atan_,
    atanh_,
    ceil_,
    clamp_,
    clamp_max_,
    clamp_min_,
    clip_,
    conj_physical,
    conj_physical_,
    cos_,
    cosh_,
    deg2rad_,
    detach,
    detach_,
    erf_,
    erfc_,
    exp2_,
    exp_,
    expm1_,
    fill,
    fill_,
    fix_,
    floor_,
    frac_,
    greater,
    greater_equal,
    index_put_,
    less,
    less_equal,
    log10_,
    log1p_,
    log2_,
    log_,
    logit_,
    nan_to_num_,
    neg_,
    negative_,
    not_equal,
    rad2deg_,
    reciprocal_,
    resize_as_,
    round_,
    rsqrt_,
    sigmoid_,
    sin_,
    sinc_,
    sinh_,
    split_with_sizes,
    sqrt_,
    square_,
    swapdims,
    tan_,
    tanh_,
    trunc_,
    unsafe_chunk,
    unsafe_split,
    unsafe_split_with_sizes,
    xlogy_,
    zero_,
)
from .functional.out_argument import OUT_FUNCTIONS as _OUT_FUNCTIONS, with_out as _with_out

_wrapped: dict = {}  # one wrapper per function, so aliases stay one object (cat is concat)
for _name, _rule in _OUT_FUNCTIONS.items():  # PyTorch's out= on the top-level forms
    _fn = globals()[_name]
    if id(_fn) not in _wrapped:
        _wrapped[id(_fn)] = _with_out(_fn, _name, _rule)
    globals()[_name] = _wrapped[id(_fn)]
del _name, _rule, _fn, _wrapped
from .functional import input_keyword as _input_keyword  # noqa: E402

_input_keyword.accept_input_keyword(globals())  # PyTorch's input=: torch.sort(input=x, dim=1)
_input_keyword.tensor_only(globals())  # torch.exp(2.0) raises TypeError
from . import linalg, nn, special

_input_keyword.tensor_only(vars(special))  # its aliases of those: special.gammaln is lgamma
from . import optim
from .gradcheck import GradcheckError, GradcheckResult, gradcheck, numerical_grad
from .tensor import (
    Size,
    Tensor,
    channels_last,
    channels_last_3d,
    contiguous_format,
    layout,
    memory_format,
    preserve_format,
    strided,
    arange,
    as_tensor,
    asarray,
    empty,
    empty_like,
    empty_strided,
    eye,
    from_dlpack,
    from_numpy,
    frombuffer,
    full,
    full_like,
    linspace,
    logspace,
    multinomial,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    scalar_tensor,
    tensor,
    zeros,
    zeros_like,
)
from . import functional  # noqa: E402,I001

from .version import __version__  # noqa: E402

from . import io, train  # noqa: E402
from .io import register  # noqa: E402
from .io.checkpoint import load, save  # noqa: E402
from . import hub, serialization  # noqa: E402
from . import amp, backends, onnx  # noqa: E402
from .amp import (  # noqa: E402
    autocast,
    clear_autocast_cache,
    get_autocast_cpu_dtype,
    get_autocast_dtype,
    get_autocast_gpu_dtype,
    is_autocast_cache_enabled,
    is_autocast_cpu_enabled,
    is_autocast_enabled,
    set_autocast_cache_enabled,
    set_autocast_cpu_dtype,
    set_autocast_cpu_enabled,
    set_autocast_dtype,
    set_autocast_enabled,
    set_autocast_gpu_dtype,
)
import sys as _sys  # noqa: E402

cuda.amp = amp.cuda_amp  # type: ignore[attr-defined]
from . import cpu  # noqa: E402

_sys.modules[__name__ + ".cpu.amp"] = amp.cpu_amp  # `from deepgrad.cpu.amp import autocast`
_sys.modules[__name__ + ".cuda.amp"] = amp.cuda_amp  # `from deepgrad.cuda.amp import GradScaler`
del _sys
from .backends import (  # noqa: E402
    are_deterministic_algorithms_enabled,
    get_deterministic_debug_mode,
    get_float32_matmul_precision,
    is_deterministic_algorithms_warn_only_enabled,
    is_warn_always_enabled,
    set_deterministic_debug_mode,
    set_float32_matmul_precision,
    set_flush_denormal,
    set_warn_always,
    use_deterministic_algorithms,
)
from .compiler import compile  # noqa: E402
from . import autograd, autograd_functional as _autograd_functional  # noqa: E402
import sys as _sys  # noqa: E402

from . import multiprocessing, profiler, version, autograd_profiler as _autograd_profiler  # noqa: E402
from . import autograd_forward_ad as _forward_ad  # noqa: E402
from .storage import TypedStorage, UntypedStorage  # noqa: E402
from .amp import GradScaler  # noqa: E402 - torch.GradScaler
from .functional import (  # noqa: E402 - PyTorch's top-level names for these
    binomial,
    cond,
    frobenius_norm,
    nonzero_static,
    nuclear_norm,
    pca_lowrank,
    svd_lowrank,
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
from .functional.torch_namespace import dtype  # noqa: E402
from .tensor import to_dlpack  # noqa: E402

from . import autograd_graph as _autograd_graph  # noqa: E402
from . import autograd_function as _autograd_function  # noqa: E402

# torch.autograd's submodules, at PyTorch's paths (deepgrad keeps them beside autograd.py)
for _name, _module in (
    ("functional", _autograd_functional),
    ("profiler", _autograd_profiler),
    ("forward_ad", _forward_ad),
    ("graph", _autograd_graph),
    ("function", _autograd_function),
    ("grad_mode", _autograd_function.grad_mode),
):
    setattr(autograd, _name, _module)
    _sys.modules[f"{__name__}.autograd.{_name}"] = _module
del _sys, _name, _module, _autograd_functional, _autograd_profiler, _forward_ad, _autograd_graph
del _autograd_function
from .printing import set_printoptions  # noqa: E402
from .threads import (  # noqa: E402
    get_num_interop_threads,
    get_num_threads,
    init_num_threads,
    set_num_interop_threads,
    set_num_threads,
)
from . import random  # noqa: E402
from .random import get_rng_state, initial_seed, seed, set_rng_state  # noqa: E402
from .func import vmap  # noqa: E402
from .train import History, callbacks, load_model  # noqa: E402
import sys as _sys  # noqa: E402

_sys.modules[__name__ + ".callbacks"] = callbacks  # `from deepgrad.callbacks import ...` works
del _sys

#: subpackages imported on first use (``dg.data.load_digits()`` after ``import deepgrad as dg``)
#: rather than at ``import deepgrad``: plotting pulls in matplotlib, the lab its experiments
_LAZY = (
    "data", "metrics", "models", "viz", "lab", "integrations", "distributed", "cli", "utils",
    "distributions", "testing", "func", "jit", "fft",
)  # fmt: skip


#: PyTorch's dtype names that are also Python builtins' names (``dg.float``, ``dg.int``...):
#: served here rather than bound at import, so ``from deepgrad import *`` cannot shadow the
#: builtins
_DTYPES = {
    "float": float32,
    "double": float64,
    "half": float16,
    "long": int64,
    "int": int32,
    "short": int16,
    "bool": bool_,
}


def is_tensor(obj: object) -> bool:
    """Whether ``obj`` is a deepgrad tensor."""
    return isinstance(obj, Tensor)


def __getattr__(name: str) -> object:
    if name in _DTYPES:
        return _DTYPES[name]
    if name == "bfloat16":  # named, not computed: NumPy has no bfloat16
        from ._absent import bfloat16

        return bfloat16
    if name == "range":  # PyTorch's deprecated inclusive range, served like the dtype names
        from .tensor import tensor_range

        return tensor_range
    if name in _LAZY:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    if name in _SPARSE:
        raise AttributeError(
            f"deepgrad has no sparse tensors: torch.{name} is not provided (README, "
            "deliberate differences); build the dense tensor instead (e.g. "
            "zeros(n, n).index_put_((rows, cols), values, accumulate=True)) and use "
            "@ / matmul where torch.sparse.mm would multiply: the same numbers"
        )
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: PyTorch's sparse-tensor names, refused with a pointer to the dense form
_SPARSE = (
    "sparse", "sparse_coo_tensor", "sparse_csr_tensor", "sparse_csc_tensor",
    "sparse_bsr_tensor", "sparse_bsc_tensor", "sparse_compressed_tensor", "sparse_coo",
    "sparse_csr",
)  # fmt: skip


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | set(_DTYPES) | {"range"})


def _moved(module: object, names: dict[str, str]) -> None:
    """Deprecated aliases for names that moved to a higher floor: ``module.name`` still works,
    with a ``DeprecationWarning`` naming the new home (the lower floor cannot import it
    itself; the package root, which assembles the public API, wires the alias)."""

    def __getattr__(name: str) -> object:
        if name in names:
            import importlib
            import warnings

            home = names[name]
            warnings.warn(
                f"{module.__name__}.{name} moved to {home}.{name}; import it from there",
                DeprecationWarning,
                stacklevel=2,
            )
            new = importlib.import_module(home)
            if not hasattr(new, name):  # a submodule of the new home
                importlib.import_module(f"{home}.{name}")
            return getattr(new, name)
        raise AttributeError(f"module {module.__name__!r} has no attribute {name!r}")

    module.__getattr__ = __getattr__  # type: ignore[attr-defined]


_moved(
    train,
    {
        "DeepgradClassifier": "deepgrad.integrations",
        "DeepgradRegressor": "deepgrad.integrations",
        "recipe": "deepgrad.app",
        "recipe_schema": "deepgrad.app",
    },
)
