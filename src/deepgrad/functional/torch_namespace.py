"""PyTorch's top-level names that are other names' thin forms.

Functions that are Tensor methods: PyTorch offers most methods twice, ``x.argmax(1)`` and
``torch.argmax(x, 1)``; here every method listed in :data:`METHOD_FUNCTIONS` gets its
function form, which calls the method and so keeps its contract (arguments, results, errors)
exactly — one implementation, two spellings::

    torch.name(input, *args, **kwargs)  ==  input.name(*args, **kwargs)

The legacy typed constructors (``torch.FloatTensor``, ``torch.LongTensor``, …): called with
sizes they make a zero tensor of that shape (PyTorch's is uninitialised), called with data a
tensor of their dtype; ``isinstance(x, torch.FloatTensor)`` asks for a float32 tensor.
``finfo`` / ``iinfo`` are PyTorch's: Python numbers, its default dtype for ``finfo()``.

>>> import deepgrad as dg
>>> x = dg.tensor([[1.0, 5.0], [7.0, 2.0]])
>>> dg.argmax(x, 1).tolist(), dg.numel(x), isinstance(x, dg.FloatTensor)
([1, 0], 4, True)
>>> dg.LongTensor(2, 3).shape, dg.FloatTensor([1, 2]).dtype
((2, 3), dtype('float32'))
"""

from __future__ import annotations

import functools
import inspect
from typing import Any

import numpy

from .. import backend
from .._absent import AbsentDtype
from .._names import torch_names
from ..tensor import _NO_ALPHA, Tensor, _mark_views
from .reduce import _unbiased_positional

#: Tensor methods that PyTorch also has as ``torch.<name>(input, ...)`` and that deepgrad's
#: top level does not define otherwise.
METHOD_FUNCTIONS: tuple[str, ...] = (
    "add",
    "adjoint",
    "argmax",
    "argmin",
    "clip",
    "clone",
    "div",
    "eq",
    "equal",
    "ge",
    "get_device",
    "gt",
    "is_conj",
    "is_distributed",
    "is_floating_point",
    "is_inference",
    "is_neg",
    "is_nonzero",
    "is_same_size",
    "is_signed",
    "le",
    "lt",
    "mm",
    "mul",
    "ne",
    "neg",
    "numel",
    "positive",
    "pow",
    "resolve_conj",
    "resize_as_",
    "resolve_neg",
    "squeeze",
    "std",
    "sub",
    "t",
    "unsqueeze",
    "var",
)


def _method_function(name: str) -> Any:
    method = getattr(Tensor, name)

    @functools.wraps(method)
    def fn(input: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: A002 - PyTorch's name
        if not isinstance(input, Tensor):
            if name == "pow" and isinstance(input, (int, float)):  # torch.pow(2, x)
                from .elementwise import pow as pow_

                return pow_(input, *args, **kwargs)
            raise TypeError(
                f"{name}(): argument 'input' (position 1) must be a Tensor, not "
                f"{type(input).__name__}; wrap it with deepgrad.tensor(...)"
            )
        return getattr(input, name)(*args, **kwargs)

    fn.__qualname__ = name
    fn.__module__ = __name__
    fn.__doc__ = f"``deepgrad.{name}(input, ...)`` is ``input.{name}(...)``.\n\n" + (
        method.__doc__ or ""
    )
    try:
        sig = inspect.signature(method)
        params = list(sig.parameters.values())
        if params and params[0].name == "self":
            params[0] = params[0].replace(name="input")
        fn.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
    except (TypeError, ValueError):  # pragma: no cover - builtins without a signature
        pass
    return fn


def _one_dim_argument(fn: Any) -> Any:
    """The function form of a method that takes PyTorch's varargs dims (``x.squeeze(0, 2)``):
    PyTorch's function takes one ``dim`` (an int or a tuple), so ``torch.squeeze(x, 0, 2)`` is
    its ``TypeError``, not the method's varargs."""
    name = fn.__name__

    @functools.wraps(fn)
    def wrapper(input: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: A002 - PyTorch's name
        if len(args) > 1:
            raise TypeError(
                f"{name}() takes from 1 to 2 positional arguments but {len(args) + 1} were "
                f"given: the function takes one dim, an int or a tuple (pass "
                f"{name}(input, {tuple(args)!r}); the varargs form is the method's, "
                f"input.{name}({', '.join(map(repr, args))}))"
            )
        return fn(input, *args, **kwargs)

    return wrapper


def _view_function(fn: Any, shared: bool = False) -> Any:
    """PyTorch's function form of a view (``torch.narrow(x, ...)``): ``fn`` (the
    ``deepgrad.functional`` function, whose arguments are PyTorch's), its result(s) marked as
    views exactly as the method forms mark theirs (:func:`~deepgrad.tensor._mark_views`), so
    ``detach_`` refuses them as PyTorch does."""

    @functools.wraps(fn)
    def view(input: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: A002 - PyTorch's name
        return _mark_views(fn(input, *args, **kwargs), input, shared)

    view.__module__ = __name__
    return view


def method_functions() -> dict[str, Any]:
    """``{name: function}`` for :data:`METHOD_FUNCTIONS`."""
    return {name: globals()[name] for name in METHOD_FUNCTIONS}


add = _method_function("add")
adjoint = _method_function("adjoint")
argmax = _method_function("argmax")
argmin = _method_function("argmin")
clip = _method_function("clip")
clone = _method_function("clone")
div = _method_function("div")
eq = _method_function("eq")
equal = _method_function("equal")
ge = _method_function("ge")
get_device = _method_function("get_device")
gt = _method_function("gt")
is_conj = _method_function("is_conj")
is_distributed = _method_function("is_distributed")
is_floating_point = _method_function("is_floating_point")
is_inference = _method_function("is_inference")
is_neg = _method_function("is_neg")
is_nonzero = _method_function("is_nonzero")
is_same_size = _method_function("is_same_size")
is_signed = _method_function("is_signed")
le = _method_function("le")
lt = _method_function("lt")
mm = _method_function("mm")
mul = _method_function("mul")
ne = _method_function("ne")
neg = _method_function("neg")
numel = _method_function("numel")
positive = _method_function("positive")
pow = _method_function("pow")
resolve_conj = _method_function("resolve_conj")
resolve_neg = _method_function("resolve_neg")
squeeze = _one_dim_argument(_method_function("squeeze"))  # torch.squeeze(x, 0, 2): TypeError
std = _unbiased_positional(_method_function("std"))  # torch.std(x, dim=True): TypeError
sub = _method_function("sub")
t = _method_function("t")
unsqueeze = _method_function("unsqueeze")
var = _unbiased_positional(_method_function("var"))
# in-place forms PyTorch also has at the top level (``torch.gcd_(x, y)`` is ``x.gcd_(y)``)
gcd_ = _method_function("gcd_")
i0_ = _method_function("i0_")
lcm_ = _method_function("lcm_")
ldexp_ = _method_function("ldexp_")


#: PyTorch's top-level in-place forms ``torch.name_(input, ...)`` of Tensor methods, and
#: the top-level forms of method aliases: each is ``input.name_(...)`` (the method's
#: contract: it writes into ``input`` and returns it)
IN_PLACE_FUNCTIONS: tuple[str, ...] = (
    "abs_", "acos_", "acosh_", "addmv_", "arccos_", "arccosh_", "arcsin_", "arcsinh_",
    "arctan_", "arctanh_", "as_strided_", "asin_", "asinh_", "atan_", "atanh_", "ceil_",
    "clamp_", "clamp_max_", "clamp_min_", "clip_", "conj_physical_", "cos_", "cosh_",
    "deg2rad_", "detach_", "erf_", "erfc_", "exp2_", "exp_", "expm1_", "fill_", "fix_",
    "floor_", "frac_", "index_put_", "log10_", "log1p_", "log2_", "log_", "logit_",
    "nan_to_num_", "neg_", "negative_", "rad2deg_", "reciprocal_", "resize_as_", "round_",
    "rsqrt_", "sigmoid_", "sin_", "sinc_", "sinh_", "sqrt_", "square_", "tan_", "tanh_",
    "trunc_", "xlogy_", "zero_",
    # out of place: method aliases and split forms
    "detach", "greater", "greater_equal", "less", "less_equal", "not_equal", "swapdims",
    "conj_physical", "split_with_sizes", "unsafe_split", "unsafe_split_with_sizes",
    "unsafe_chunk",
)  # fmt: skip


def in_place_functions() -> dict[str, Any]:
    """``{name: function}`` for :data:`IN_PLACE_FUNCTIONS`."""
    return {name: globals()[name] for name in IN_PLACE_FUNCTIONS}


abs_ = _method_function("abs_")
acos_ = _method_function("acos_")
acosh_ = _method_function("acosh_")
addmv_ = _method_function("addmv_")
arccos_ = _method_function("arccos_")
arccosh_ = _method_function("arccosh_")
arcsin_ = _method_function("arcsin_")
arcsinh_ = _method_function("arcsinh_")
arctan_ = _method_function("arctan_")
arctanh_ = _method_function("arctanh_")
as_strided_ = _method_function("as_strided_")
asin_ = _method_function("asin_")
asinh_ = _method_function("asinh_")
atan_ = _method_function("atan_")
atanh_ = _method_function("atanh_")
ceil_ = _method_function("ceil_")
clamp_ = _method_function("clamp_")
clamp_max_ = _method_function("clamp_max_")
clamp_min_ = _method_function("clamp_min_")
clip_ = _method_function("clip_")
conj_physical_ = _method_function("conj_physical_")
cos_ = _method_function("cos_")
cosh_ = _method_function("cosh_")
deg2rad_ = _method_function("deg2rad_")
detach_ = _method_function("detach_")
erf_ = _method_function("erf_")
erfc_ = _method_function("erfc_")
exp2_ = _method_function("exp2_")
exp_ = _method_function("exp_")
expm1_ = _method_function("expm1_")
fill_ = _method_function("fill_")
fix_ = _method_function("fix_")
floor_ = _method_function("floor_")
frac_ = _method_function("frac_")
index_put_ = _method_function("index_put_")
log10_ = _method_function("log10_")
log1p_ = _method_function("log1p_")
log2_ = _method_function("log2_")
log_ = _method_function("log_")
logit_ = _method_function("logit_")
nan_to_num_ = _method_function("nan_to_num_")
neg_ = _method_function("neg_")
negative_ = _method_function("negative_")
rad2deg_ = _method_function("rad2deg_")
reciprocal_ = _method_function("reciprocal_")
resize_as_ = _method_function("resize_as_")
round_ = _method_function("round_")
rsqrt_ = _method_function("rsqrt_")
sigmoid_ = _method_function("sigmoid_")
sin_ = _method_function("sin_")
sinc_ = _method_function("sinc_")
sinh_ = _method_function("sinh_")
sqrt_ = _method_function("sqrt_")
square_ = _method_function("square_")
tan_ = _method_function("tan_")
tanh_ = _method_function("tanh_")
trunc_ = _method_function("trunc_")
xlogy_ = _method_function("xlogy_")
zero_ = _method_function("zero_")
detach = _method_function("detach")
greater = _method_function("greater")
greater_equal = _method_function("greater_equal")
less = _method_function("less")
less_equal = _method_function("less_equal")
not_equal = _method_function("not_equal")
swapdims = _method_function("swapdims")
conj_physical = _method_function("conj_physical")
split_with_sizes = _method_function("split_with_sizes")
unsafe_split = _method_function("unsafe_split")
unsafe_split_with_sizes = _method_function("unsafe_split_with_sizes")
unsafe_chunk = _method_function("unsafe_chunk")


def fill(input: Tensor, value: Any) -> Tensor:  # noqa: A002 - PyTorch's name
    """PyTorch's ``torch.fill(input, value)``: a new tensor of ``input``'s shape and dtype
    with every element ``value`` (a number or a 0-d tensor, which gets the gradient's sum);
    ``input.clone().fill_(value)``."""
    if not isinstance(input, Tensor):
        raise TypeError(
            f"fill(): argument 'input' (position 1) must be a Tensor, not {type(input).__name__}"
        )
    return input.clone().fill_(value)


def rsub(input: Any, other: Any, *args: Any, alpha: Any = _NO_ALPHA) -> Tensor:  # noqa: A002
    """``other - alpha · input``: :func:`sub` with its operands swapped (PyTorch's
    ``rsub``; numbers for either operand, broadcasting, differentiable). ``alpha`` is
    keyword-only with a tensor ``other``; with a number ``other`` it may follow it
    (``rsub(x, 2, 3)``), as PyTorch's ``(Tensor input, Number other, Number alpha)``.

    >>> import deepgrad as dg
    >>> dg.rsub(dg.tensor([1.0, 2.0]), 3.0, alpha=2).tolist()
    [1.0, -1.0]
    """
    from .elementwise import add_scaled, positional_alpha, sub

    other, alpha = positional_alpha("rsub", other, args, alpha, deprecated=False, first=2)

    if isinstance(alpha, bool) or not isinstance(alpha, (int, float, complex, numpy.number)):
        raise TypeError(f"rsub(): alpha must be a number, got {type(alpha).__name__}")
    if type(alpha) is int and alpha == 1:
        return sub(other, input)
    return add_scaled(other, input, alpha, "rsub", negate=True)


@torch_names
def softmax(input: Tensor, dim: int, dtype: Any = None) -> Tensor:  # noqa: A002 - PyTorch's name
    """``torch.softmax``: :func:`deepgrad.nn.functional.softmax` with ``dim`` required, as
    PyTorch's top-level function requires it (only ``F.softmax`` has the deprecated
    implicit dim).

    >>> import deepgrad as dg
    >>> dg.softmax(dg.tensor([0.0, 0.0]), 0).tolist()
    [0.5, 0.5]
    """
    from .activation import softmax as f

    return f(input, dim, dtype=dtype)


@torch_names
def log_softmax(input: Tensor, dim: int, dtype: Any = None) -> Tensor:  # noqa: A002
    """``torch.log_softmax``: :func:`deepgrad.nn.functional.log_softmax` with ``dim``
    required, as PyTorch's top-level function requires it.

    >>> import deepgrad as dg
    >>> dg.log_softmax(dg.tensor([0.0, 0.0]), 0).exp().tolist()
    [0.5, 0.5]
    """
    from .activation import log_softmax as f

    return f(input, dim, dtype=dtype)


class _TypedTensorMeta(type):
    dtype: numpy.dtype

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype

    def __call__(cls, *args: Any, device: Any = None) -> Tensor:  # noqa: N805
        if not args:
            return Tensor._wrap(numpy.zeros((0,), dtype=cls.dtype))
        if all(isinstance(a, (int, numpy.integer)) and not isinstance(a, bool) for a in args):
            if any(a < 0 for a in args):
                raise ValueError(f"{cls.__name__}: negative size in {args}")
            return Tensor._wrap(numpy.zeros(tuple(int(a) for a in args), dtype=cls.dtype))
        if len(args) == 1 and not isinstance(args[0], (int, float, bool, complex)):
            data = args[0]
            if isinstance(data, Tensor):
                return data.to(cls.dtype)
            return Tensor._wrap(numpy.array(data, dtype=cls.dtype))
        raise TypeError(
            f"{cls.__name__}(*sizes) or {cls.__name__}(data): expected ints (a shape) or one "
            f"sequence/array of data; got {args!r}"
        )


def _typed(name: str, dtype: Any) -> type:
    doc = (
        f"PyTorch's legacy ``torch.{name}``: ``{name}(2, 3)`` is a {numpy.dtype(dtype)} zero "
        f"tensor of shape (2, 3), ``{name}(data)`` a {numpy.dtype(dtype)} tensor of the data; "
        f"``isinstance(x, {name})`` tells whether ``x`` is a {numpy.dtype(dtype)} tensor."
    )
    return _TypedTensorMeta(name, (), {"dtype": numpy.dtype(dtype), "__doc__": doc})


FloatTensor = _typed("FloatTensor", numpy.float32)
DoubleTensor = _typed("DoubleTensor", numpy.float64)
HalfTensor = _typed("HalfTensor", numpy.float16)
LongTensor = _typed("LongTensor", numpy.int64)
IntTensor = _typed("IntTensor", numpy.int32)
ShortTensor = _typed("ShortTensor", numpy.int16)
CharTensor = _typed("CharTensor", numpy.int8)
ByteTensor = _typed("ByteTensor", numpy.uint8)
BoolTensor = _typed("BoolTensor", numpy.bool_)


def set_default_tensor_type(t: Any) -> None:
    """PyTorch's deprecated ``torch.set_default_tensor_type``: a warning, then the default
    dtype of a floating type given as a typed constructor (``dg.DoubleTensor``) or its name
    (``'torch.DoubleTensor'``, ``'torch.FloatTensor'``; older PINN and GAN code calls it
    first). Other types raise PyTorch's ``TypeError`` (an unknown name its ``AttributeError``);
    a CUDA name raises ``TypeError`` while CUDA is not available (``dg.cuda.is_available()``),
    and sets the dtype when it is. PyTorch warns once a process, deepgrad as Python's warning
    filters say (once a call site by default).

    >>> import deepgrad as dg, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     dg.set_default_tensor_type("torch.DoubleTensor")
    >>> dg.zeros(1).dtype
    dtype('float64')
    >>> dg.set_default_dtype(dg.float32)
    """
    import warnings

    warnings.warn(
        "torch.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use "
        "torch.set_default_dtype() and torch.set_default_device() as alternatives.",
        UserWarning,
        stacklevel=2,
    )
    typed = {c.__name__: c for c in (FloatTensor, DoubleTensor, HalfTensor, LongTensor,
                                       IntTensor, ShortTensor, CharTensor, ByteTensor,
                                       BoolTensor)}  # fmt: skip
    if isinstance(t, str):
        prefix, _, short = t.rpartition(".")
        if prefix not in ("torch", "torch.cuda", "deepgrad", "deepgrad.cuda"):
            raise TypeError(f"invalid type: '{t}'")
        if short not in typed and short != "BFloat16Tensor":
            raise AttributeError(f"module '{prefix}' has no attribute '{short}'")
        if prefix.endswith("cuda"):
            if backend.name() != "cupy":  # dg.cuda.is_available()
                raise TypeError(
                    f"type {t} not available. deepgrad computes on the GPU only after "
                    'dg.set_backend("cupy") (dg.cuda.is_available() is False)'
                )
        if short == "BFloat16Tensor":
            raise TypeError("bfloat16: NumPy has no bfloat16; use torch.DoubleTensor or FloatTensor")  # fmt: skip
        cls = typed[short]
    elif isinstance(t, _TypedTensorMeta):
        cls = t
    else:
        raise TypeError(
            "invalid type object: only floating-point types are supported as the default type"
        )
    if cls.dtype.kind != "f":
        raise TypeError("only floating-point types are supported as the default type")
    backend.set_default_dtype(cls.dtype)


class finfo:  # noqa: N801 - PyTorch's name
    """Machine limits of a floating dtype, PyTorch's ``torch.finfo``: ``bits`` (int), ``eps``,
    ``max``, ``min``, ``tiny`` (= ``smallest_normal``), ``resolution`` (Python floats, as
    PyTorch's: ``finfo(float16).max * 2`` is 131008.0, not a float16 overflow) and ``dtype``
    (its name). The default dtype when none is given; a complex dtype gives its parts'
    limits; ``bfloat16`` its own, though deepgrad makes no bfloat16 arrays.

    >>> import deepgrad as dg
    >>> f = dg.finfo(dg.float16)
    >>> f.max, f.eps, f.bits, f.dtype
    (65504.0, 0.0009765625, 16, 'float16')
    """

    bits: int
    eps: float
    max: float
    min: float
    tiny: float
    smallest_normal: float
    resolution: float
    dtype: str

    def __init__(self, type: Any = None) -> None:  # noqa: A002 - PyTorch's name
        if isinstance(type, AbsentDtype) and repr(type) == "bfloat16":
            # 8 exponent bits as float32, 7 stored mantissa bits
            big = (2.0 - 2.0**-7) * 2.0**127
            self._set(16, 2.0**-7, big, 2.0**-126, 0.01, "bfloat16")
            return
        dt = numpy.dtype(backend.get_default_dtype() if type is None else type)
        if dt.kind not in "fc":
            raise TypeError(
                f"finfo() requires a floating point input type; got {dt.name}"
                + (": use iinfo for an integer dtype" if dt.kind in "iu" else "")
            )
        np_info = numpy.finfo(dt)  # a complex dtype's parts
        self._set(
            int(np_info.bits),
            float(np_info.eps),
            float(np_info.max),
            float(np_info.smallest_normal),
            10.0**-np_info.precision,  # PyTorch's, in double (NumPy's is in the dtype)
            np_info.dtype.name,
        )

    def _set(self, bits: int, eps: float, big: float, tiny: float, res: float, name: str) -> None:
        self.bits, self.eps, self.max, self.min = bits, eps, big, -big
        self.tiny = self.smallest_normal = tiny
        self.resolution, self.dtype = res, name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, finfo) and vars(self) == vars(other)

    __hash__ = None  # type: ignore[assignment] - unhashable, as PyTorch's

    def __repr__(self) -> str:
        return (
            f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
            f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, "
            f"dtype={self.dtype})"
        )


class iinfo:  # noqa: N801 - PyTorch's name
    """Machine limits of an integer dtype, PyTorch's ``torch.iinfo``: ``bits``, ``min``,
    ``max`` (Python ints) and ``dtype`` (its name).

    >>> import deepgrad as dg
    >>> dg.iinfo(dg.uint8).max, dg.iinfo(dg.int64).min
    (255, -9223372036854775808)
    """

    bits: int
    min: int
    max: int
    dtype: str

    def __init__(self, type: Any) -> None:  # noqa: A002 - PyTorch's name
        dt = numpy.dtype(type)
        if dt.kind not in "iu":
            kind = "a bool" if dt.kind == "b" else "a floating point or complex"
            raise TypeError(
                f"iinfo() requires an integer input type; got {dt.name}, {kind} dtype"
                + ("" if dt.kind == "b" else ": use finfo")
            )
        np_info = numpy.iinfo(dt)
        self.bits, self.min, self.max = int(np_info.bits), int(np_info.min), int(np_info.max)
        self.dtype = dt.name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, iinfo) and vars(self) == vars(other)

    __hash__ = None  # type: ignore[assignment] - unhashable, as PyTorch's

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"


# ---- the function forms of views: marked as views like the methods' results -------------------
def _views() -> dict[str, Any]:
    from .complex import view_as_complex, view_as_real
    from .diagonal import diagonal
    from .joining import dsplit, hsplit, tensor_split, vsplit
    from .orientation import moveaxis, ravel
    from .selection import select
    from .shape import (
        chunk,
        flatten,
        movedim,
        narrow,
        permute,
        reshape,
        split,
        swapaxes,
        transpose,
        unbind,
        unflatten,
    )
    from .strided import as_strided

    always = (
        narrow, select, diagonal, transpose, swapaxes, movedim, moveaxis, unbind, split, chunk,
        tensor_split, hsplit, vsplit, dsplit, permute, unflatten, as_strided, view_as_real,
        view_as_complex, ravel,
    )  # fmt: skip
    out = {fn.__name__: _view_function(fn) for fn in always}
    out.update({fn.__name__: _view_function(fn, shared=True) for fn in (reshape, flatten)})
    return out


#: ``{name: function form}`` of PyTorch's view functions (``deepgrad.narrow`` ...).
VIEW_FUNCTIONS: dict[str, Any] = _views()


def linalg_diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:  # noqa: N803
    """``torch.linalg.diagonal``: :func:`diagonal` over the last two dims by default (a view)."""
    return VIEW_FUNCTIONS["diagonal"](A, offset, dim1, dim2)


def typename(obj: Any) -> str:
    """PyTorch's ``torch.typename``: a tensor's ``x.type()`` (``'deepgrad.FloatTensor'``
    here, ``'torch.FloatTensor'`` in PyTorch), else the object's qualified class name (a class
    itself: ``'deepgrad.nn.linear.Linear'``; ``'int'`` for a builtin)."""
    if isinstance(obj, Tensor):
        return obj.type()
    module = getattr(obj, "__module__", "") or ""
    qual = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    if not isinstance(qual, str):  # an instance: its class's name
        module, qual = type(obj).__module__ or "", type(obj).__qualname__
    return qual if module in ("builtins", "") else f"{module}.{qual}"


def is_storage(obj: Any) -> bool:
    """False: deepgrad has no storage objects (a tensor's memory is its NumPy array)."""
    return False


def compiled_with_cxx11_abi() -> bool:
    """True, as PyTorch's builds since 2.x (deepgrad has no C++ extension ABI of its own)."""
    return True


class _DtypeMeta(type):
    """``isinstance(d, dg.dtype)`` for what deepgrad uses as dtypes (NumPy's)."""

    def __instancecheck__(cls, obj: Any) -> bool:
        from .._absent import AbsentDtype

        if isinstance(obj, (numpy.dtype, AbsentDtype)):
            return True
        return isinstance(obj, type) and issubclass(obj, numpy.generic) and obj not in _ABSTRACT


_ABSTRACT = {numpy.generic, numpy.number, numpy.integer, numpy.signedinteger,
             numpy.unsignedinteger, numpy.inexact, numpy.floating, numpy.complexfloating,
             numpy.flexible, numpy.character}  # fmt: skip


class dtype(metaclass=_DtypeMeta):  # noqa: N801 - PyTorch's name
    """PyTorch's ``torch.dtype``, for ``isinstance`` checks: deepgrad's dtypes are NumPy's,
    so a ``numpy.dtype`` (``x.dtype``), a NumPy scalar type (``dg.float32``, ``dg.int64``) and
    the names NumPy lacks (``dg.bfloat16``) are instances; Python's ``float``/``int`` are not,
    as in PyTorch. Not constructible, as PyTorch's."""

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("cannot create 'deepgrad.dtype' instances")
