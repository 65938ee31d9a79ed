"""``deepgrad.autograd.functional``: PyTorch's ``torch.autograd.functional`` — ``vjp``,
``jvp``, ``jacobian``, ``hessian``, ``vhp`` and ``hvp`` of a function of tensors, built on
:func:`deepgrad.grad` (the package root installs this module as
``deepgrad.autograd.functional``; the engine's ``autograd.py`` stays below the functional
floor these need).

As in PyTorch: ``inputs`` is a tensor or a tuple of tensors, and each result has the
structure of what it belongs to (a tensor for a tensor, a tuple for a tuple; a Jacobian is
indexed ``[output][input]`` and has shape ``output.shape + input.shape``). The inputs are
used detached (a copy that requires grad), so the function's outputs and the results carry no
graph unless ``create_graph=True``. An output that does not depend on an input gives zeros,
or ``RuntimeError`` with ``strict=True``. ``jvp`` and ``hvp`` use the double-backward trick,
as PyTorch's do. ``vectorize=True`` gives the same numbers (row by row here: there is no
``vmap``).

>>> import deepgrad as dg
>>> from deepgrad.autograd.functional import jacobian, hessian
>>> jacobian(lambda x: x ** 2, dg.tensor([1.0, 2.0]))
tensor([[2., 0.],
        [0., 4.]])
>>> hessian(lambda x: (x ** 3).sum(), dg.tensor([1.0, 2.0]))
tensor([[ 6.,  0.],
        [ 0., 12.]])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .autograd import enable_grad, grad
from .functional import stack
from .tensor import Tensor, zeros, zeros_like

__all__ = ["hessian", "hvp", "jacobian", "jvp", "vhp", "vjp"]


def _as_tuple(x: Any, arg_name: str, fn_name: str) -> tuple[bool, tuple]:
    is_tuple = isinstance(x, tuple)
    items = x if is_tuple else (x,)
    for i, el in enumerate(items):
        if not isinstance(el, Tensor):
            if is_tuple:
                raise TypeError(
                    f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of "
                    f"Tensors but the value at index {i} has type {type(el)}."
                )
            raise TypeError(
                f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of "
                f"Tensors but the given {arg_name} has type {type(el)}."
            )
    return is_tuple, tuple(items)


def _tuple_back(is_tuple: bool, items: Any) -> Any:
    return tuple(items) if is_tuple else items[0]


def _nested_back(is_tuple: tuple[bool, bool], items: Any) -> Any:
    """A ``[output][input]`` nest back to PyTorch's structure."""
    out_tuple, in_tuple = is_tuple
    if not out_tuple:
        items = items[0]
        return tuple(items) if in_tuple else items[0]
    return tuple(tuple(row) if in_tuple else row[0] for row in items)


def _prepare(inputs: tuple, create_graph: bool, need_graph: bool) -> tuple:
    """Fresh inputs that require grad: a view keeping the graph where ``create_graph`` and
    the input already requires grad (so higher derivatives reach it), a detached copy else."""
    out = []
    for x in inputs:
        if create_graph and x.requires_grad:
            out.append(x.view_as(x))
        else:
            out.append(x.detach().requires_grad_(need_graph))
    return tuple(out)


def _finish(items: Any, create_graph: bool) -> Any:
    if isinstance(items, tuple):
        return tuple(_finish(i, create_graph) for i in items)
    if isinstance(items, Tensor) and not create_graph:
        return items.detach()
    return items


def _check_outputs(outputs: Any, fn_name: str) -> tuple[bool, tuple]:
    is_tuple = isinstance(outputs, tuple)
    items = outputs if is_tuple else (outputs,)
    for i, el in enumerate(items):
        if not isinstance(el, Tensor):
            where = f"the value at index {i}" if is_tuple else "the given outputs"
            raise TypeError(
                f"The outputs of the user-provided function given to {fn_name} must be either a "
                f"Tensor or a tuple of Tensors but {where} of the user-provided function has "
                f"type {type(el)}."
            )
    return is_tuple, tuple(items)


def _validate_v(v: tuple, other: tuple, is_other_tuple: bool) -> None:
    if len(other) != len(v):
        if is_other_tuple:
            raise RuntimeError(
                f"v is a tuple of invalid length: should be {len(other)} but got {len(v)}."
            )
        raise RuntimeError("The given v should contain a single Tensor.")
    for i, (el_v, el_o) in enumerate(zip(v, other)):
        if el_v.shape != el_o.shape:
            prepend = f"Entry {i} in " if is_other_tuple else ""
            raise RuntimeError(
                f"{prepend}v has invalid size: should be {el_o.shape} but got {el_v.shape}."
            )


def _grad(outputs: tuple, inputs: tuple, grad_outputs: Any, create_graph: bool) -> tuple:
    """``grad`` over the outputs that require it; None for inputs nothing reaches."""
    pairs = [
        (o, g)
        for o, g in zip(outputs, grad_outputs or [None] * len(outputs))
        if o is not None and o.requires_grad
    ]
    need = [x for x in inputs if x.requires_grad]
    if not pairs or not need:
        return (None,) * len(inputs)
    outs = [o for o, _ in pairs]
    seeds = None if grad_outputs is None else [g for _, g in pairs]
    got = iter(
        grad(outs, need, seeds, retain_graph=True, create_graph=create_graph, allow_unused=True)
    )
    return tuple(next(got) if x.requires_grad else None for x in inputs)


def _fill(grads: tuple, refs: tuple, strict: bool, create_graph: bool, stage: str) -> tuple:
    out = []
    for i, (g, ref) in enumerate(zip(grads, refs)):
        if g is None:
            if strict:
                raise RuntimeError(_STRICT[stage].format(i=i))
            g = zeros_like(ref)
        elif strict and create_graph and not g.requires_grad:
            raise RuntimeError(_STRICT[stage + "_graph"].format(i=i))
        out.append(g)
    return tuple(out)


_STRICT = {
    "back": "The output of the user-provided function is independent of input {i}. This is not "
    "allowed in strict mode.",
    "back_graph": "The jacobian of the user-provided function is independent of input {i}. "
    "This is not allowed in strict mode when create_graph=True.",
    "double_back": "The jacobian of the user-provided function is independent of input {i}. "
    "This is not allowed in strict mode.",
    "double_back_graph": "The hessian of the user-provided function is independent of input "
    "{i}. This is not allowed in strict mode when create_graph=True.",
    "double_back_trick": "The gradient with respect to the input is independent of entry {i} in "
    "the grad_outputs when using the double backward trick to compute forward mode gradients. "
    "This is not allowed in strict mode.",
    "double_back_trick_graph": "The jacobian of the user-provided function is independent of "
    "input {i}. This is not allowed in strict mode for create_graph=True.",
}


def _single_element(outputs: tuple, is_tuple: bool) -> None:
    if is_tuple or outputs[0].numel() != 1:
        raise RuntimeError(
            "The vector v can only be None if the user-provided function returns a single "
            "Tensor with a single element."
        )


def vjp(
    func: Callable, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False
) -> tuple[Any, Any]:
    """``(func(inputs), vᵀ·J)``: the vector-Jacobian product, the gradient of ``Σ v ⊙
    func(inputs)`` with respect to the inputs (``v`` may be None for a one-element output).

    >>> import deepgrad as dg
    >>> from deepgrad.autograd.functional import vjp
    >>> vjp(lambda x: x.sum(), dg.tensor([1.0, 2.0]))
    (tensor(3.), tensor([1., 1.]))
    """
    with enable_grad():
        is_in_tuple, ins = _as_tuple(inputs, "inputs", "vjp")
        ins = _prepare(ins, create_graph, need_graph=True)
        is_out_tuple, outs = _check_outputs(func(*ins), "vjp")
        if v is not None:
            _, vs = _as_tuple(v, "v", "vjp")
            vs = _prepare(vs, create_graph, need_graph=False)
            _validate_v(vs, outs, is_out_tuple)
        else:
            _single_element(outs, is_out_tuple)
            vs = None
        grads = _grad(outs, ins, vs, create_graph)
        grads = _fill(grads, ins, strict, create_graph, "back")
    return (
        _tuple_back(is_out_tuple, _finish(outs, create_graph)),
        _tuple_back(is_in_tuple, _finish(grads, create_graph)),
    )


def jvp(
    func: Callable, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False
) -> tuple[Any, Any]:
    """``(func(inputs), J·v)``: the Jacobian-vector product (``v`` may be None for a
    one-element input), by the double-backward trick.

    >>> import deepgrad as dg
    >>> from deepgrad.autograd.functional import jvp
    >>> jvp(lambda x: x ** 2, dg.tensor([1.0, 2.0]), dg.tensor([1.0, 1.0]))[1]
    tensor([2., 4.])
    """
    with enable_grad():
        is_in_tuple, ins = _as_tuple(inputs, "inputs", "jvp")
        ins = _prepare(ins, create_graph, need_graph=True)
        if v is not None:
            _, vs = _as_tuple(v, "v", "jvp")
            vs = _prepare(vs, create_graph, need_graph=False)
            _validate_v(vs, ins, is_in_tuple)
        else:
            if len(ins) != 1 or ins[0].numel() != 1:
                raise RuntimeError(
                    "The vector v can only be None if the input to the user-provided function "
                    "is a single Tensor with a single element."
                )
            vs = None
        is_out_tuple, outs = _check_outputs(func(*ins), "jvp")
        # u ↦ uᵀJ is linear in u: its gradient along v is J·v
        us = tuple(zeros_like(o).requires_grad_(True) for o in outs)
        grad_res = _grad(outs, ins, us, create_graph=True)
        grad_res = _fill(grad_res, ins, strict, create_graph, "back")
        jv = _grad(grad_res, us, vs, create_graph)
        jv = _fill(jv, outs, strict, create_graph, "double_back_trick")
    return (
        _tuple_back(is_out_tuple, _finish(outs, create_graph)),
        _tuple_back(is_out_tuple, _finish(jv, create_graph)),
    )


def jacobian(
    func: Callable,
    inputs: Any,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    strategy: str = "reverse-mode",
) -> Any:
    """The Jacobian of ``func`` at ``inputs``: ``J[i][j]`` of shape ``outputs[i].shape +
    inputs[j].shape`` (a tensor for one output and one input, a tuple where either is a
    tuple). Computed one output element at a time by reverse mode; ``strategy="forward-mode"``
    (which PyTorch allows only with ``vectorize=True``) gives the same numbers.

    >>> import deepgrad as dg
    >>> from deepgrad.autograd.functional import jacobian
    >>> jacobian(lambda a, b: a * b, (dg.tensor([1.0, 2.0]), dg.tensor([3.0, 4.0])))[1]
    tensor([[1., 0.],
            [0., 2.]])
    """
    if strategy not in ("forward-mode", "reverse-mode"):
        raise ValueError(
            'Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your '
            'function has more outputs than inputs, "forward-mode" tends to be more performant. '
            'Otherwise, prefer to use "reverse-mode".'
        )
    if strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError(
                "torch.autograd.functional.jacobian: `create_graph=True` and "
                "`strategy='forward-mode'` are not supported together (yet). Please either set "
                "`create_graph=False` or `strategy='reverse-mode'`."
            )
        if not vectorize:
            raise NotImplementedError(
                "Computing Jacobian using forward-AD or forward-over-reverse Hessian is only "
                "implemented for `vectorize=True`."
            )
    if vectorize and strict:
        raise RuntimeError(
            "torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are not "
            "supported together. Please either set `strict=False` or `vectorize=False`."
        )
    with enable_grad():
        is_in_tuple, ins = _as_tuple(inputs, "inputs", "jacobian")
        ins = _prepare(ins, create_graph, need_graph=True)
        is_out_tuple, outs = _check_outputs(func(*ins), "jacobian")
        rows = []
        for i, out in enumerate(outs):
            flat = out.reshape(-1)
            per_input: list[list] = [[] for _ in ins]
            for k in range(flat.numel()):
                grads = _grad((flat[k],), ins, None, create_graph)
                for j, (g, x) in enumerate(zip(grads, ins)):
                    if g is None:
                        if strict:
                            raise RuntimeError(
                                f"Output {i} of the user-provided function is independent of "
                                f"input {j}. This is not allowed in strict mode."
                            )
                        g = zeros_like(x)
                    per_input[j].append(g)
            row = []
            for j, x in enumerate(ins):
                if per_input[j]:
                    jac = stack(per_input[j]).reshape(tuple(out.shape) + tuple(x.shape))
                else:
                    jac = zeros(tuple(out.shape) + tuple(x.shape), dtype=x.dtype)
                row.append(jac)
            rows.append(tuple(row))
    return _nested_back((is_out_tuple, is_in_tuple), _finish(tuple(rows), create_graph))


def hessian(
    func: Callable,
    inputs: Any,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    outer_jacobian_strategy: str = "reverse-mode",
) -> Any:
    """The Hessian of a scalar ``func`` at ``inputs``: ``H[i][j]`` of shape ``inputs[i].shape
    + inputs[j].shape`` (a tensor for one input, a tuple of tuples for a tuple).

    >>> import deepgrad as dg
    >>> from deepgrad.autograd.functional import hessian
    >>> hessian(lambda a, b: (a * b).sum(), (dg.tensor([1.0]), dg.tensor([2.0])))[0][1]
    tensor([[1.]])
    """
    is_in_tuple, ins = _as_tuple(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise ValueError('Expected strategy to be either "forward-mode" or "reverse-mode".')

    def single_output(*inp: Tensor) -> Tensor:
        out = func(*inp)
        is_out_tuple, t_out = _check_outputs(out, "hessian")
        if is_out_tuple or not isinstance(out, Tensor):
            raise RuntimeError("The function given to hessian should return a single Tensor")
        if out.numel() != 1:
            raise RuntimeError(
                "The Tensor returned by the function given to hessian should contain a single "
                "element"
            )
        return out.squeeze()

    def jac_func(*inp: Tensor) -> tuple:
        if outer_jacobian_strategy == "forward-mode":
            inp = tuple(t.requires_grad_(True) for t in inp)
        return jacobian(single_output, inp, create_graph=True)

    res = jacobian(
        jac_func,
        ins,
        create_graph=create_graph,
        strict=strict,
        vectorize=vectorize,
        strategy=outer_jacobian_strategy,
    )
    return _nested_back((is_in_tuple, is_in_tuple), res)


def _scalar_output(func: Callable, ins: tuple, fn_name: str) -> Tensor:
    is_out_tuple, outs = _check_outputs(func(*ins), fn_name)
    if is_out_tuple or outs[0].numel() != 1:
        raise RuntimeError(
            f"The function given to {fn_name} should return a single Tensor"
            if is_out_tuple
            else f"The Tensor returned by the function given to {fn_name} should contain a "
            "single element"
        )
    return outs[0]


def vhp(
    func: Callable, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False
) -> tuple[Any, Any]:
    """``(func(inputs), vᵀ·H)`` for a scalar ``func``: the gradient of ``vᵀ∇f``.

    >>> import deepgrad as dg
    >>> from deepgrad.autograd.functional import vhp
    >>> vhp(lambda x: (x ** 3).sum(), dg.tensor([1.0, 2.0]), dg.tensor([1.0, 1.0]))[1]
    tensor([ 6., 12.])
    """
    return _hessian_product(func, inputs, v, create_graph, strict, "vhp")


def hvp(
    func: Callable, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False
) -> tuple[Any, Any]:
    """``(func(inputs), H·v)`` for a scalar ``func``, by the double-backward trick (equal to
    :func:`vhp` where the Hessian is symmetric).

    >>> import deepgrad as dg
    >>> from deepgrad.autograd.functional import hvp
    >>> hvp(lambda x: (x ** 3).sum(), dg.tensor([1.0, 2.0]), dg.tensor([1.0, 0.0]))[1]
    tensor([6., 0.])
    """
    return _hessian_product(func, inputs, v, create_graph, strict, "hvp")


def _hessian_product(
    func: Callable, inputs: Any, v: Any, create_graph: bool, strict: bool, fn_name: str
) -> tuple[Any, Any]:
    with enable_grad():
        is_in_tuple, ins = _as_tuple(inputs, "inputs", fn_name)
        ins = _prepare(ins, create_graph, need_graph=True)
        if v is not None:
            _, vs = _as_tuple(v, "v", fn_name)
            vs = _prepare(vs, create_graph, need_graph=False)
            _validate_v(vs, ins, is_in_tuple)
        else:
            if len(ins) != 1 or ins[0].numel() != 1:
                raise RuntimeError(
                    "The vector v can only be None if the input to the user-provided function "
                    "is a single Tensor with a single element."
                )
            vs = None
        out = _scalar_output(func, ins, fn_name)
        jac = _grad((out,), ins, None, create_graph=True)
        jac = _fill(jac, ins, strict, create_graph, "back")
        if fn_name == "vhp":
            res = _grad(jac, ins, vs, create_graph)
            res = _fill(res, ins, strict, create_graph, "double_back")
        else:
            us = tuple(zeros_like(x).requires_grad_(True) for x in ins)
            double_back = _grad(jac, ins, us, create_graph=True)
            double_back = _fill(double_back, ins, strict, create_graph, "double_back")
            res = _grad(double_back, us, vs, create_graph)
            res = _fill(res, ins, strict, create_graph, "double_back_trick")
    return (
        _finish(out, create_graph),
        _tuple_back(is_in_tuple, _finish(res, create_graph)),
    )
