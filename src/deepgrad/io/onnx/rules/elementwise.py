"""ONNX rules for elementwise Functions: arithmetic, powers, exp/log, clip, where, casts, rounding."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy

from .... import autograd, backend
from ....functional import activation as A
from ....functional import elementwise as E
from ..common import Rule, binary, dt, onnx_dtype, same, same_values

if TYPE_CHECKING:
    from ..graph import Exporter

RULES: dict[type, Rule] = {}

RULES[E.Add] = binary("Add")
RULES[E.Sub] = binary("Sub")
RULES[E.Mul] = binary("Mul")
RULES[E.Div] = binary("Div")
RULES[E.Pow] = binary("Pow")
RULES[E.Neg] = same("Neg")
RULES[E.Exp] = same("Exp")
RULES[E.Log] = same("Log")
RULES[E.Sqrt] = same("Sqrt")
RULES[E.Abs] = same("Abs")
RULES[E.Sin] = same("Sin")
RULES[E.Cos] = same("Cos")
RULES[E.Reciprocal] = same("Reciprocal")

RULES[E.Log1p] = lambda ex, fa, fb, ins: ex.node(
    "Log", [ex.node("Add", [ins[0], ex.scalar(1.0, dt(fa))])]
)
RULES[E.Expm1] = lambda ex, fa, fb, ins: ex.node(
    "Sub", [ex.node("Exp", ins), ex.scalar(1.0, dt(fa))]
)
RULES[E.Rsqrt] = lambda ex, fa, fb, ins: ex.node("Reciprocal", [ex.node("Sqrt", ins)])


def pow_scalar(ex: Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
    c = fa.c
    if c == 2:
        return ex.node("Mul", [ins[0], ins[0]])
    if c == 1:
        return ex.node("Identity", ins)
    if c == 0.5:
        return ex.node("Sqrt", ins)
    if c == -1:
        return ex.node("Reciprocal", ins)
    return ex.node("Pow", [ins[0], ex.scalar(c, dt(fa))])


RULES[E.PowScalar] = pow_scalar


def maximum(ex: Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
    return binary("Max" if fa.take_max else "Min")(ex, fa, fb, ins)


RULES[E.Maximum] = maximum


def clip(ex: Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
    d = dt(fa)
    if numpy.ndim(fa.lo) or numpy.ndim(fa.hi):  # array bounds: Clip takes scalars only
        y = ins[0]
        for v, op in ((fa.lo, "Max"), (fa.hi, "Min")):
            if v is not None:
                y = ex.node(op, [y, ex.init(numpy.asarray(backend.to_numpy(v), d), "bound")])
        return y
    bounds = [ex.scalar(v, d) if v is not None else "" for v in (fa.lo, fa.hi)]
    while bounds and bounds[-1] == "":
        bounds.pop()
    return ex.node("Clip", [ins[0], *bounds])


RULES[E.Clip] = clip
RULES[A.Hardtanh] = clip


def where(ex: Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
    cond = _where_condition(ex, fa, fb, ins)
    return binary_where(ex, fa, cond, ins)


def binary_where(ex: Exporter, fa: Any, cond: str, ins: list[str]) -> str:
    da, db = fa.inputs[0].dtype, fa.inputs[1].dtype
    if da != db:
        to = numpy.result_type(da, db)
        ins = [
            ex.node("Cast", [n], to=onnx_dtype(ex.helper, to)) if d != to else n
            for n, d in zip(ins, (da, db))
        ]
    return ex.node("Where", [cond, *ins])


RULES[E.Where] = where


def astype(ex: Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
    return ex.node("Cast", ins, to=onnx_dtype(ex.helper, fa.dtype))


RULES[E.AsType] = astype


def piecewise(ex: Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
    f = fa.fn
    xp = backend.xp
    for ref, op in ((E._sign, "Sign"), (xp.sign, "Sign"), (xp.floor, "Floor"), (xp.ceil, "Ceil")):
        if f is ref:
            return ex.node(op, ins)
    free = dict(zip(getattr(f, "__code__", None) and f.__code__.co_freevars or (),
                    [c.cell_contents for c in (getattr(f, "__closure__", None) or ())]))  # fmt: skip
    if "decimals" in free:
        d = int(free["decimals"])
        if d == 0:
            return ex.node("Round", ins)
        s = ex.scalar(10.0**d, dt(fa))
        return ex.node("Div", [ex.node("Round", [ex.node("Mul", [ins[0], s])]), s])
    raise NotImplementedError(
        f"export_onnx: {ex.model_name}: PiecewiseConstant({getattr(f, '__name__', f)!r}) "
        "has no ONNX translation"
    )


RULES[E.PiecewiseConstant] = piecewise


def _where_condition(ex: Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
    """The boolean condition of a ``where``: a comparison of the operands recognized from the
    data (``x > 0``, ``a < b``, as in ``prelu`` or a tensor ``clamp``), a boolean model input
    (reshaped: ``x.masked_fill(m.unsqueeze(-1), 0)``), or a constant mask (a causal mask);
    anything else computed from the data outside the graph is unsupported."""
    ca, cb = backend.to_numpy(fa.cond), backend.to_numpy(fb.cond)
    if ca.any() and not ca.all():  # both values occur: try the comparisons of the operands
        found = _comparison(ex, fa, fb, ca, cb, ins)
        if found is not None:
            return found
    found = ex.bool_input(ca, cb)  # a mask given as a model input (masked_fill(m, ...))
    if found is not None:
        return found
    if numpy.shape(ca) == numpy.shape(cb) and same_values(ca, cb):
        return ex.array_const(fa.cond, fb.cond, "where condition", "condition")
    raise NotImplementedError(
        f"export_onnx: {ex.model_name}: where() with a condition computed from the data outside "
        "the graph has no ONNX translation"
    )


_COMPARISONS = (
    ("Greater", numpy.greater),
    ("GreaterOrEqual", numpy.greater_equal),
    ("Less", numpy.less),
    ("LessOrEqual", numpy.less_equal),
)


def _comparison(ex: Exporter, fa: Any, fb: Any, ca: Any, cb: Any, ins: list[str]) -> str | None:
    """``op(operand_i, 0)`` or ``op(operand_i, operand_j)`` that reproduces the condition in
    both traces, as an ONNX node; None when none does."""
    xs_a = [backend.to_numpy(x._data) for x in fa.inputs]
    xs_b = [backend.to_numpy(x._data) for x in fb.inputs]
    zero = numpy.zeros((), dtype=fa.inputs[0].dtype)
    for i in range(2):
        for rhs in ("zero", 1 - i):
            ra = zero if rhs == "zero" else xs_a[rhs]
            rb = zero if rhs == "zero" else xs_b[rhs]
            for op, f in _COMPARISONS:
                try:
                    ok = numpy.array_equal(
                        numpy.broadcast_to(f(xs_a[i], ra), ca.shape), ca
                    ) and numpy.array_equal(numpy.broadcast_to(f(xs_b[i], rb), cb.shape), cb)
                except ValueError:
                    continue
                if ok:
                    r = ex.scalar(0, fa.inputs[0].dtype) if rhs == "zero" else ins[rhs]
                    return ex.node(op, [ins[i], r])
    return None


def backward_hook_identity(ex: Exporter, fa: Any, fb: Any, ins: list[str]) -> list[str]:
    """The identity node of a module's full backward hooks: each value passes through."""
    return [ex.node("Identity", [i]) for i in ins]


RULES[autograd.BackwardHookFunctionBackward] = backward_hook_identity
