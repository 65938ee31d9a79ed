"""Exception classes that keep PyTorch's and deepgrad's earlier contracts at once.

>>> import deepgrad as dg
>>> try:
...     dg.ones(2, 3).sum(dim=2)
... except IndexError as e:  # PyTorch's class; also a ValueError, deepgrad's earlier one
...     print(e)
Dimension out of range (expected to be in range of [-2, 1], but got 2) (sum: dim 2 is out of range for a tensor with 2 dims (expected a dim in [-2, 1]))
"""

from __future__ import annotations

import operator
import re
from typing import Any

import numpy

__all__ = [
    "AssertedValueError",
    "ChoiceError",
    "ChoiceNotImplementedError",
    "DimError",
    "DtypeError",
    "IndexDtypeError",
    "IndexRangeError",
    "IndexShapeError",
    "IntArgumentError",
    "LabelRangeError",
    "LinAlgError",
    "MatrixShapeError",
    "ValueRangeError",
    "bool_arg",
    "dim_error",
    "float_arg",
    "int_arg",
    "ints_arg",
    "kernel_dtype_name",
    "with_prefix",
]


class DimError(IndexError, ValueError):
    """A ``dim`` outside ``[-ndim, ndim)``: PyTorch raises ``IndexError`` ("Dimension out of
    range"); deepgrad raised ``ValueError`` before, so it is both."""


def dim_error(fn: str, dim: int, ndim: int, what: str = "a tensor", extra: int = 0) -> DimError:
    """The error for ``dim`` out of range in ``fn`` over an ``ndim``-dim input, naming the
    valid range (``extra = 1`` where one more position is valid, as in ``unsqueeze``; a 0-d
    input takes 0 and -1, as in PyTorch)."""
    n = max(ndim, 1) + extra
    return DimError(
        f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim}) "
        f"({fn}: dim {dim} is out of range for {what} with {ndim} dims "
        f"(expected a dim in [{-n}, {n - 1}]))"
    )


def _type_words(value: Any) -> str:
    """The type's name as PyTorch's argument errors write it (``float``, ``NoneType``,
    ``numpy.float64``, ``Tensor``)."""
    cls = type(value)
    return f"numpy.{cls.__name__}" if cls.__module__ == "numpy" else cls.__name__


class IntArgumentError(TypeError, ValueError):
    """A value of a type PyTorch's parser refuses for an int argument (a float, even ``1.0``;
    a bool; None; a str): PyTorch raises ``TypeError``; deepgrad raised ``ValueError`` for
    some before (``chunk``, ``topk``, ``histc``, ``linspace``), so it is both."""


def int_arg(value: Any, fn: str, name: str, position: int | None = None) -> int:
    """``value`` as an int where PyTorch's argument parser takes an int: a Python int, a
    NumPy integer, anything with ``__index__``, an integer tensor of one element; never a
    bool, a float (``1.0`` too), None or a str: ``TypeError`` in PyTorch's words
    ("tril(): argument 'diagonal' (position 1) must be int, not float"), never a silent
    ``int(0.5) == 0``.

    >>> int_arg(numpy.int64(2), "tril", "diagonal", 1)
    2
    >>> try:
    ...     int_arg(0.5, "tril", "diagonal", 1)
    ... except TypeError as e:
    ...     print(e)
    tril(): argument 'diagonal' (position 1) must be int, not float
    """
    if type(value) is int:
        return value
    if not isinstance(value, (bool, numpy.bool_)):
        try:
            return operator.index(value)
        except TypeError:
            pass
    where = "" if position is None else f" (position {position})"
    raise IntArgumentError(
        f"{fn}(): argument '{name}'{where} must be int, not {_type_words(value)}"
    )


def bool_arg(value: Any, fn: str, name: str, position: int | None = None) -> bool:
    """``value`` where PyTorch's argument parser takes a bool: a Python bool only (``1``,
    ``None``, a NumPy bool or a tensor is its ``TypeError``, in its words: "embedding():
    argument 'sparse' (position 5) must be bool, not int"), never a silent ``bool(1)``.

    >>> bool_arg(True, "copy_", "non_blocking", 2)
    True
    """
    if value is True or value is False:
        return value
    where = "" if position is None else f" (position {position})"
    raise TypeError(
        f"{fn}(): argument '{name}'{where} must be bool, not {_type_words(value)} (pass "
        f"{name}=True or {name}=False)"
    )


def float_arg(value: Any, fn: str, name: str, position: int | None = None) -> float:
    """``value`` as a float where PyTorch's argument parser takes a "float" (``eps``, ``p``,
    ``margin``): a real Python or NumPy number (a bool or an int too) or a real tensor of one
    element, as its number; a str, None, a complex number or a tensor of several elements is
    its ``TypeError``, in its words ("poisson_nll_loss(): argument 'eps' (position 5) must be
    float, not str").

    >>> float_arg(1, "poisson_nll_loss", "eps", 5)
    1.0
    """
    if isinstance(value, (int, float, numpy.integer, numpy.floating, numpy.bool_)):
        return float(value)
    data = getattr(value, "_data", None)
    if data is not None and data.size == 1 and data.dtype.kind in "biuf":
        return float(data.reshape(-1)[0])
    where = "" if position is None else f" (position {position})"
    raise TypeError(
        f"{fn}(): argument '{name}'{where} must be float, not {_type_words(value)} (pass a "
        f"number, e.g. {name}=1.0)"
    )


def ints_arg(values: Any, fn: str, name: str, position: int | None = None) -> tuple[int, ...]:
    """``values`` as a tuple of ints where PyTorch takes a "tuple of ints" (dims, sizes): a
    tuple or list of what :func:`int_arg` takes, or one such int alone; otherwise
    ``TypeError`` in PyTorch's words ("permute(): argument 'dims' (position 1) must be tuple
    of ints, but found element of type float at pos 0").

    >>> ints_arg((1, numpy.int32(0)), "permute", "dims", 1)
    (1, 0)
    """
    if isinstance(values, (tuple, list)):
        out = []
        for i, v in enumerate(values):
            if type(v) is not int:
                try:
                    v = int_arg(v, fn, name, position)
                except TypeError:
                    where = "" if position is None else f" (position {position})"
                    raise IntArgumentError(
                        f"{fn}(): argument '{name}'{where} must be tuple of ints, but found "
                        f"element of type {_type_words(v)} at pos {i}"
                    ) from None
            out.append(v)
        return tuple(out)
    try:
        return (int_arg(values, fn, name, position),)
    except TypeError:
        if hasattr(values, "__iter__") and not isinstance(values, (str, bytes, dict)):
            return ints_arg(tuple(values), fn, name, position)  # a range, a generator
        where = "" if position is None else f" (position {position})"
        raise IntArgumentError(
            f"{fn}(): argument '{name}'{where} must be tuple of ints, not {_type_words(values)}"
        ) from None


def with_prefix(error: BaseException, prefix: str) -> BaseException:
    """``error`` again, ``prefix`` (the layer that called) before its words, of its own class:
    a :class:`ShapeMismatchError` from a function stays one (PyTorch's ``RuntimeError`` and
    deepgrad's ``ValueError``) when a layer names itself in it; a class that cannot be built
    from a message alone gives a ``ValueError``.

    >>> with_prefix(ShapeMismatchError("bad"), "MaxPool2d(kernel_size=3)")
    ShapeMismatchError('MaxPool2d(kernel_size=3): bad')
    """
    try:
        return type(error)(f"{prefix}: {error}")
    except Exception:  # noqa: BLE001 - a constructor of other arguments
        return ValueError(f"{prefix}: {error}")


class DtypeError(RuntimeError, TypeError):
    """A dtype an operation does not take: an in-place result of a higher category than the
    tensor's dtype (a float result into an integer tensor), an integer input to ``quantile``.
    PyTorch raises ``RuntimeError`` ("result type Float can't be cast to the desired output
    type Long"); deepgrad raised ``TypeError`` before, so it is both."""


class DtypeNotImplementedError(DtypeError, NotImplementedError):
    """A dtype for which PyTorch has no kernel (``linalg.eigh`` or ``solve_triangular`` of an
    integer matrix): PyTorch raises ``NotImplementedError`` (a ``RuntimeError``)."""


class ChoiceError(RuntimeError, ValueError):
    """A named option a function does not have where PyTorch raises ``RuntimeError``
    (``scatter_reduce(reduce="max_")``, ``index_reduce(reduce="sum")``); deepgrad raised
    ``ValueError`` before, so it is both."""


class ChoiceNotImplementedError(ChoiceError, NotImplementedError):
    """A named option a function does not have where PyTorch raises ``NotImplementedError``
    (``F.pad(x, p, mode="foo")``: "Unrecognised padding mode foo"); deepgrad raised
    ``ValueError`` before, so it is both."""


class IndexRangeError(IndexError, RuntimeError):
    """An index out of range in the gather/scatter family: PyTorch raises ``RuntimeError``
    ("index 3 is out of bounds for dimension 0 with size 3": ``gather``, ``scatter``,
    ``index_add``) or ``IndexError`` (``index_select``, ``index_copy``, ``take``) by the
    function; deepgrad raised ``IndexError`` before, so it is both."""


class IndexDtypeError(IndexError, RuntimeError, TypeError):
    """An index of a dtype a function does not take (a float index; int32 where PyTorch wants
    int64): PyTorch raises ``RuntimeError`` or ``IndexError`` by the function; deepgrad raised
    ``TypeError`` before, so it is all three."""


class IndexShapeError(IndexError, RuntimeError, ValueError):
    """An index, source or value of a shape an indexing function cannot take (a value that
    does not broadcast to ``x[index]``, an index of other dims than the input): PyTorch raises
    ``RuntimeError`` or ``IndexError`` by the function; deepgrad raised ``ValueError`` before,
    so it is all three."""


def refuse_integer(fn: str, *xs: Any, not_implemented: bool = False) -> None:
    """PyTorch's refusal of an integer or bool tensor where a linear-algebra function needs a
    floating point or complex one ("linalg.inv: Expected a floating point or complex tensor as
    input. Got Long"); deepgrad does not convert it silently either."""
    for x in xs:
        dt = getattr(getattr(x, "_data", x), "dtype", None)
        if dt is not None and getattr(dt, "kind", "f") in "biu":
            error = DtypeNotImplementedError if not_implemented else DtypeError
            raise error(
                f"{fn}: expected a floating point or complex tensor as input (float32, float64, "
                f"complex64 or complex128), got {dt}; convert it first, e.g. A.double()"
            )


#: PyTorch's C++ names of the dtypes, as its "not implemented for 'Long'" errors write them
_KERNEL_DTYPE_NAMES = {
    "bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int",
    "int64": "Long", "float16": "Half", "float32": "Float", "float64": "Double",
    "complex64": "ComplexFloat", "complex128": "ComplexDouble", "uint16": "UInt16",
    "uint32": "UInt32", "uint64": "UInt64", "bfloat16": "BFloat16",
}  # fmt: skip


def kernel_dtype_name(dtype: Any) -> str:
    """PyTorch's C++ name of ``dtype`` (``Long`` for int64, ``Float`` for float32), as its
    dtype errors write it ("result type Float can't be cast to the desired output type Long").

    >>> kernel_dtype_name(numpy.int64), kernel_dtype_name("float32")
    ('Long', 'Float')
    """
    name = numpy.dtype(dtype).name
    return _KERNEL_DTYPE_NAMES.get(name, name)


def refuse_kernel_dtype(x: Any, fn: str, kinds: str, kernel: str | None = None) -> None:
    """PyTorch's refusal of a tensor whose dtype kind (NumPy's: ``b`` bool, ``u``/``i``
    integer, ``c`` complex) is in ``kinds``, where it has no kernel for it: ``abs`` of a bool
    tensor, ``F.gelu`` of an integer one ("\"abs_cpu\" not implemented for 'Bool'", a
    ``NotImplementedError``). deepgrad does not compute it in another dtype silently either.

    >>> import deepgrad as dg
    >>> refuse_kernel_dtype(dg.ones(2), "abs", "b")  # float32: nothing
    """
    dt = numpy.dtype(getattr(x, "dtype", numpy.float64))
    if dt.kind not in kinds:
        return
    name = kernel_dtype_name(dt)
    groups = (("iu", "integer"), ("b", "bool"), ("f", "floating point"), ("c", "complex"))
    valid = " or ".join(what for ks, what in groups if not set(ks) & set(kinds))
    hint = "x.float()" if "f" not in kinds else "x.long()"
    raise DtypeNotImplementedError(
        f"\"{kernel or fn}\" not implemented for '{name}' ({fn} takes {valid} tensors, "
        f"not {dt.name}; convert it first, e.g. {hint})"
    )


def tensor_needed(fn: str, name: str, value: Any) -> TypeError:
    """PyTorch's ``TypeError`` for a parameter argument (a weight, a bias, running statistics)
    that is not a tensor ("linear(): argument 'weight' must be Tensor, not numpy.ndarray"),
    naming the way to make one."""
    return TypeError(
        f"{fn}(): argument '{name}' must be Tensor, not {_type_words(value)}; wrap it with "
        f"deepgrad.tensor(...)"
    )


def refuse_mixed_dtypes(fn: str, x: Any, reduced_ok: bool = False, **params: Any) -> None:
    """PyTorch's refusal of an input whose dtype differs from its parameters' where its kernel
    takes one dtype (``linear``: "mat1 and mat2 must have the same dtype"; the batch, layer and
    group norms: "mixed dtype (CPU): all inputs must share same datatype"): deepgrad does not
    promote silently there (float64 data into a float32 model). With ``reduced_ok`` a float16
    or bfloat16 input takes float32 parameters, as those norms take them.

    >>> import deepgrad as dg
    >>> refuse_mixed_dtypes("linear", dg.ones(2, 3), weight=dg.ones(4, 3))  # same: nothing
    """
    xd = numpy.dtype(x.dtype)
    for name, t in params.items():
        if t is None:
            continue
        if not hasattr(t, "_data"):  # a NumPy array: PyTorch's TypeError, not AttributeError
            raise tensor_needed(fn, name, t)
        if numpy.dtype(t.dtype) == xd:
            continue
        td = numpy.dtype(t.dtype)
        if reduced_ok and xd.kind == "f" and xd.itemsize == 2 and td == numpy.float32:
            continue
        raise DtypeError(
            f"{fn}: the input's dtype {xd} differs from the {name}'s {td} (PyTorch refuses "
            f"mixed dtypes here too); cast the input, x.to({td.name}), or the module, "
            f"model.to({xd.name})"
        )


def refuse_unequal_dtypes(fn: str, a: Any, b: Any, names: tuple[str, str] = ("A", "B")) -> None:
    """PyTorch's refusal of two operands of different dtypes where its kernel takes one
    (``linalg.solve``, ``cholesky_solve``, ``linalg.lstsq``): "linalg.solve: Expected A and B
    to have the same dtype, but found A of type Float and B of type Double instead"
    (``fn`` ends with ": " or is empty); deepgrad does not promote silently there.

    >>> import deepgrad as dg
    >>> refuse_unequal_dtypes("linalg.solve: ", dg.ones(2, 2), dg.ones(2))  # same: nothing
    """
    da, db = numpy.dtype(a.dtype), numpy.dtype(b.dtype)
    if da != db:
        x, y = names
        raise DtypeError(
            f"{fn}Expected {x} and {y} to have the same dtype, but found {x} of type "
            f"{kernel_dtype_name(da)} and {y} of type {kernel_dtype_name(db)} instead (cast "
            f"one: {y}.to({x}.dtype))"
        )


class LinAlgError(RuntimeError, ValueError):
    """A matrix that a linear-algebra function cannot take: singular (``inv``, ``solve``),
    not positive-definite (``cholesky``). PyTorch raises ``torch.linalg.LinAlgError`` (a
    ``RuntimeError``); deepgrad raised ``ValueError`` before, so it is both."""


class MatrixShapeError(RuntimeError, ValueError):
    """Matrices of the wrong shape (not square, too few dims, sizes that do not fit):
    PyTorch raises ``RuntimeError``; deepgrad raised ``ValueError`` before, so it is both."""


class ShapeMismatchError(RuntimeError, ValueError):
    """Tensors whose shapes an operation cannot join (``stack`` of unequal shapes, ``cat``
    of shapes that differ outside its dim, ``stack`` of no tensors): PyTorch raises
    ``RuntimeError``; deepgrad raised ``ValueError`` before, so it is both."""


def broadcast_words(*shapes: tuple[int, ...]) -> str:
    """PyTorch's words for shapes that do not broadcast, naming the first pair and the last
    dim whose sizes differ with neither 1 ("The size of tensor a (3) must match the size of
    tensor b (4) at non-singleton dimension 1").

    >>> broadcast_words((2, 3), (4,))
    'The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1'
    """
    for i, sa in enumerate(shapes):
        for sb in shapes[i + 1 :]:
            n = max(len(sa), len(sb))
            pa, pb = (1,) * (n - len(sa)) + tuple(sa), (1,) * (n - len(sb)) + tuple(sb)
            for d in reversed(range(n)):
                if pa[d] != pb[d] and 1 not in (pa[d], pb[d]):
                    return (
                        f"The size of tensor a ({pa[d]}) must match the size of tensor b "
                        f"({pb[d]}) at non-singleton dimension {d}"
                    )
    return f"shapes {', '.join(str(list(s)) for s in shapes)} do not broadcast"


def refuse_unbroadcastable(error: BaseException) -> None:
    """Raise NumPy's "operands could not be broadcast together with shapes (2,3) (4,)"
    ``ValueError`` again as PyTorch's class (``RuntimeError``; a :class:`ShapeMismatchError`,
    so still a ``ValueError``) with PyTorch's words first and NumPy's after; any other error:
    return (it stands)."""
    text = str(error)
    if not isinstance(error, ValueError) or "could not be broadcast together" not in text:
        return
    shapes = [
        tuple(int(v) for v in m.split(",") if v.strip())
        for m in re.findall(r"\(([\d,\s]*)\)", text.split("shapes", 1)[-1])
    ]
    raise ShapeMismatchError(f"{broadcast_words(*shapes)} ({text.strip()})") from None


class AmbiguousTruthError(RuntimeError, ValueError):
    """``bool()`` of a tensor that has not exactly one value: PyTorch's ``RuntimeError``
    (NumPy's ``ValueError`` for the same question, which deepgrad raised before)."""


class AssertedValueError(AssertionError, ValueError):
    """An argument PyTorch checks with an ``assert`` (``MultiheadAttention``'s ``embed_dim``
    not divisible by ``num_heads``: ``AssertionError``); deepgrad raised ``ValueError``
    before, so it is both."""


class LabelRangeError(IndexError, RuntimeError, ValueError):
    """A class label outside ``[0, C)`` given to a classification loss: PyTorch raises
    ``IndexError`` ("Target 3 is out of bounds.": ``cross_entropy``, ``nll_loss``) or
    ``RuntimeError`` (the margin losses); deepgrad raised ``ValueError`` before, so it is all
    three."""


class ValueRangeError(RuntimeError, ValueError):
    """Values outside what a function takes (``binary_cross_entropy``'s probabilities and
    targets outside [0, 1], NaN included): PyTorch raises ``RuntimeError``; deepgrad raised
    ``ValueError`` before, so it is both."""


class IntegerZeroDivisionError(ZeroDivisionError, RuntimeError):
    """An integer division or remainder by zero: PyTorch raises a ``RuntimeError``
    ("ZeroDivisionError"); also Python's ``ZeroDivisionError``, the class deepgrad raised
    before."""


def _refuse_complex_order(fn: str, *xs: Any) -> None:
    """PyTorch does not order complex numbers: ``maximum``, ``minimum``, ``clamp``, the
    comparisons ``<``, ``<=``, ``>``, ``>=``, ``max``/``min``/``amax``/``amin``, ``sort`` (and
    ``argsort``, ``topk``), ``median``, ``kthvalue``, ``mode``, ``unique``, ``searchsorted``,
    ``cummax``/``cummin`` raise (NumPy would order them lexicographically)."""
    for x in xs:
        dt = getattr(x, "dtype", None)
        if isinstance(x, complex) or (dt is not None and numpy.dtype(dt).kind == "c"):
            raise NotImplementedError(
                f"{fn}: not implemented for complex tensors (PyTorch refuses it too); compare "
                "x.abs() or x.real instead"
            )
