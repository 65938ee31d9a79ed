"""Numerical differentiation and gradient checking.

The central difference ``(f(x + ε) - f(x - ε)) / 2ε`` approximates ``∂f/∂x`` with error
``O(ε²)``; backpropagation gives the exact derivative in one backward pass. Comparing the two
is how every differentiable function of deepgrad is tested, and how a learner checks their own.

>>> import deepgrad as dg
>>> x = dg.randn(3, 4, dtype="float64", requires_grad=True)
>>> bool(dg.gradcheck(lambda t: (t.tanh() * t).sum(), x))
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy

from . import backend
from .autograd import grad
from .tensor import Tensor


def _scalar(out: Any, proj: list) -> Tensor | None:
    """Reduce a function's output(s) to one number ``Σ out ⊙ v`` with fixed random ``v``.

    The first call fixes which outputs take part (``proj`` keeps their positions and ``v``s):
    the floating outputs that require grad, as PyTorch's gradcheck checks only its
    differentiable outputs — or, where none does, every floating output (whose numerical
    gradient must then be 0)."""
    outs = out if isinstance(out, (tuple, list)) else (out,)
    if not proj:
        floats = [k for k, o in enumerate(outs) if isinstance(o, Tensor) and o.dtype.kind in "fc"]
        keep = [k for k in floats if outs[k].requires_grad] or floats
        rng = numpy.random.default_rng(0)
        for k in keep:
            v = backend.xp.asarray(rng.standard_normal(outs[k].shape))
            proj.append((k, Tensor._wrap(v, dtype=outs[k].dtype)))
    total = None
    for k, v in proj:
        s = (outs[k] * v).sum()
        total = s if total is None else total + s
    return total


def numerical_grad(f: Callable[..., Any], *inputs: Tensor, eps: float = 1e-6) -> list[Any]:
    """Central-difference gradient of ``f`` at ``inputs``, one array per input.

    ``f`` must return a scalar tensor; for a non-scalar output this is the gradient of its
    sum. Each element costs two evaluations of ``f``, so keep inputs small (and float64).
    The inputs may also come as one tuple or list (PyTorch's ``gradcheck(f, (x, w))``).
    """
    inputs = _as_inputs(inputs, "numerical_grad")

    def total(*xs: Tensor) -> float:
        out = f(*xs)
        outs = out if isinstance(out, (tuple, list)) else (out,)
        return float(sum(float(o._data.sum()) for o in outs))

    return _numerical(total, inputs, eps)


def _as_inputs(inputs: tuple[Any, ...], fn: str) -> tuple[Tensor, ...]:
    """``(x, w)`` given as ``f, x, w`` or, PyTorch's way, as ``f, (x, w)``."""
    if len(inputs) == 1 and isinstance(inputs[0], (tuple, list)):
        inputs = tuple(inputs[0])
    return inputs


def _numerical(total: Callable[..., float], inputs: tuple[Tensor, ...], eps: float) -> list:
    # grad mode stays on: ``f`` may itself differentiate (``dg.grad`` inside ``f``)
    grads = []
    for x in inputs:
        g = numpy.zeros(x.shape, dtype=numpy.float64)
        if not x._data.flags.c_contiguous:  # so that ``flat`` is a view
            x._data = x._data.copy()  # (not ascontiguousarray: it makes 0-d arrays 1-d)
        flat = x._data.reshape(-1)
        for i in range(flat.size):
            old = flat[i].item()
            flat[i] = old + eps
            fp = total(*inputs)
            flat[i] = old - eps
            fm = total(*inputs)
            flat[i] = old
            g.reshape(-1)[i] = (fp - fm) / (2 * eps)
        grads.append(g)
    return grads


@dataclass
class GradcheckResult:
    """Outcome of :func:`gradcheck`: the worst disagreement between backprop and numerics."""

    ok: bool
    max_abs_error: float
    max_rel_error: float
    input_index: int
    element_index: tuple[int, ...]
    analytic: float
    numerical: float

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        return (
            f"gradcheck {'passed' if self.ok else 'FAILED'}: worst at input {self.input_index}, "
            f"element {self.element_index}: backprop {self.analytic:.8g} vs numerical "
            f"{self.numerical:.8g} (abs error {self.max_abs_error:.3g}, "
            f"rel error {self.max_rel_error:.3g})"
        )


class GradcheckError(AssertionError, RuntimeError):
    """Raised by :func:`gradcheck` when backprop and numerical gradients disagree: a
    ``RuntimeError`` as PyTorch's ``torch.autograd.GradcheckError`` is (``except
    RuntimeError`` around ``torch.autograd.gradcheck`` catches it), and an
    ``AssertionError`` as deepgrad's was."""


def gradcheck(
    f: Callable[..., Any],
    *inputs: Tensor,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> GradcheckResult:
    """Compare backpropagated and central-difference gradients of ``f`` at ``inputs``.

    Non-scalar outputs are reduced with a fixed random projection ``Σ f(x) ⊙ v``, so every
    element of the Jacobian takes part. Only inputs with ``requires_grad`` are checked (they
    may come as separate arguments or, PyTorch's way, as one tuple/list). An element passes when ``|backprop - numerical| <= atol + rtol |numerical|``. Use float64
    inputs (float32 rounding swamps the differences).

    An output that does not require grad (computed without a graph to the inputs, e.g.
    through ``detach()``) has backprop's Jacobian 0, as in PyTorch: it passes only if the
    numerical gradient is 0 too.

    Returns a :class:`GradcheckResult` (truthy when it passed) naming the worst input and
    element; raises :class:`GradcheckError` with that report on failure unless
    ``raise_exception=False``.
    """
    inputs = _as_inputs(inputs, "gradcheck")
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        kinds = ", ".join(type(x).__name__ for x in inputs)
        raise ValueError(
            f"gradcheck: no input requires grad (got {kinds}); inputs to check are tensors made "
            "with dg.tensor(..., dtype=dg.float64, requires_grad=True)"
        )
    proj: list = []
    out = _scalar(f(*inputs), proj)
    detached = out is None or not out.requires_grad
    if detached:  # no graph to the inputs: the Jacobian backprop gives is 0, as in PyTorch
        analytic: Any = [None] * len(checked)
    else:
        analytic = grad(out, [inputs[i] for i in checked], allow_unused=True)

    def total(*xs: Tensor) -> float:
        s = _scalar(f(*xs), proj)
        return 0.0 if s is None else float(s.item())

    numeric = _numerical(total, tuple(inputs[i] for i in checked), eps)
    worst = GradcheckResult(True, 0.0, 0.0, -1, (), 0.0, 0.0)
    worst_excess = -numpy.inf
    for i, a, n in zip(checked, analytic, numeric):
        a_arr = (
            numpy.zeros_like(n) if a is None else backend.to_numpy(a._data).astype(numpy.float64)
        )
        if a_arr.size == 0:
            continue
        err = numpy.abs(a_arr - n)
        excess = err - (atol + rtol * numpy.abs(n))
        j = int(numpy.argmax(excess))
        if excess.flat[j] > worst_excess:
            worst_excess = float(excess.flat[j])
            idx = numpy.unravel_index(j, n.shape) if n.ndim else ()
            worst = GradcheckResult(
                ok=bool(worst_excess <= 0),
                max_abs_error=float(err.max()),
                max_rel_error=float((err / numpy.maximum(numpy.abs(n), 1e-12)).flat[j]),
                input_index=i,
                element_index=tuple(int(k) for k in idx),
                analytic=float(a_arr.flat[j]),
                numerical=float(n.flat[j]),
            )
    if not worst.ok and raise_exception:
        raise GradcheckError(
            "Numerical gradient for function expected to be zero (its output does not "
            f"require grad: no graph reaches the inputs; {worst})"
            if detached
            else str(worst)
        )
    return worst
