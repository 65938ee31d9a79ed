"""The computational graph of a tensor as Graphviz DOT, for learners.

>>> import deepgrad as dg
>>> w = dg.tensor([[1.0, 2.0]], requires_grad=True)
>>> y = (w * 3).sum()
>>> print(to_dot(y, params={"w": w}))  # doctest: +ELLIPSIS
digraph deepgrad {
...
}

Boxes are tensors (leaves: inputs and parameters, with their names when ``params`` is given;
the output), ellipses are operations (the :class:`~deepgrad.autograd.Function` class: ``Mul``,
``MatMul``, ``SoftmaxCrossEntropy``...). Edges run in the direction data flows and are labelled
with the shape of the tensor they carry. Render with ``dot -Tsvg graph.dot -o graph.svg``.

Draw the graph *before* ``backward()``: the backward pass frees it (or call
``backward(retain_graph=True)``).
"""

from __future__ import annotations

import os
from typing import Any

__all__ = ["to_dot", "write_dot"]


def _shape(t: Any) -> str:
    return str(tuple(int(d) for d in t.shape))


def _esc(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"')


def to_dot(output: Any, params: dict[str, Any] | None = None, rankdir: str = "LR") -> str:
    """DOT text of the graph that computed ``output`` (a Tensor, or a list of Tensors).

    Parameters
    ----------
    output : Tensor or list of Tensor
        Where the graph ends (a loss, a model's output).
    params : dict, optional
        Names for leaf tensors (``dict(model.named_parameters())``), shown in their boxes.
    rankdir : str
        Graphviz layout direction (``"LR"`` left to right, ``"TB"`` top to bottom).
    """
    outs = list(output) if isinstance(output, (list, tuple)) else [output]
    names = {id(t): n for n, t in (params or {}).items()}
    lines = [
        "digraph deepgrad {",
        f"  rankdir={rankdir};",
        '  node [fontname="Helvetica", fontsize=10];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    ids: dict[int, str] = {}

    def nid(obj: Any, prefix: str) -> str:
        key = id(obj)
        if key not in ids:
            ids[key] = f"{prefix}{len(ids)}"
        return ids[key]

    def leaf_node(t: Any) -> str:
        n = nid(t, "t")
        if n not in declared:
            declared.add(n)
            label = names.get(id(t), "param" if t.requires_grad else "input")
            style = "filled" if t.requires_grad else "solid"
            lines.append(
                f'  {n} [shape=box, style={style}, fillcolor="#dbe9f6", '
                f'label="{_esc(label)}\\n{_shape(t)} {t.dtype}"];'
            )
        return n

    declared: set[str] = set()
    stack = []
    for k, y in enumerate(outs):
        out_id = f"out{k}"
        lines.append(
            f'  {out_id} [shape=box, style=filled, fillcolor="#fde2c8", '
            f'label="output\\n{_shape(y)} {y.dtype}"];'
        )
        fn = y._creator
        if fn is None:
            lines.append(f'  {leaf_node(y)} -> {out_id} [label="{_shape(y)}"];')
            continue
        fid = nid(fn, "f")
        lines.append(f'  {fid} -> {out_id} [label="{_shape(y)}"];')
        stack.append(fn)
    seen: set[int] = set()
    while stack:
        fn = stack.pop()
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        fid = nid(fn, "f")
        inputs = fn.__dict__.get("inputs")
        freed = inputs is None
        label = type(fn).__name__ + ("\\n(freed by backward)" if freed else "")
        lines.append(f'  {fid} [shape=ellipse, label="{label}"];')
        for x in inputs or ():
            c = x._creator
            src = nid(c, "f") if c is not None else leaf_node(x)
            lines.append(f'  {src} -> {fid} [label="{_shape(x)}"];')
            if c is not None and id(c) not in seen:
                stack.append(c)
    lines.append("}")
    return "\n".join(lines)


def write_dot(output: Any, path: str | os.PathLike, params: dict[str, Any] | None = None) -> None:
    """Write :func:`to_dot` to ``path`` (atomically: a failure leaves the old file intact)."""
    from ..data.atomic import atomic_write_text

    atomic_write_text(path, to_dot(output, params) + "\n")
