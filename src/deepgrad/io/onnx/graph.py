"""The graph builder: walks the two recorded traces and writes one ONNX graph."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy

from ... import backend
from ...autograd import Function
from ...tensor import Tensor
from .common import held_indices, onnx_dtype, same_values, version
from .rules import RULES


class _Sym:
    """A dimension ``k · batch``."""

    __slots__ = ("k",)

    def __init__(self, k: int) -> None:
        self.k = k

    def __repr__(self) -> str:
        return f"{self.k}*batch"


class Exporter:
    """Builds the ONNX graph from two traces (``a``: batch ``N``, ``b``: batch ``N + 1``, or the
    same trace twice for a static batch)."""

    def __init__(
        self, onnx: Any, opset: int, dynamic: bool, names: dict[int, str], model_name: str
    ) -> None:
        self.onnx, self.helper = onnx, onnx.helper
        self.opset, self.dynamic, self.param_names = opset, dynamic, names
        self.model_name = model_name
        self.nodes: list[Any] = []
        self.inits: list[Any] = []
        self.used: set[str] = set()
        self.values: dict[tuple[int, int], str] = {}  # (id(fn), output index) -> name
        self.consts: dict[int, str] = {}  # id(tensor or array) -> initializer name
        self.casts: dict[str, str] = {}
        self.small: dict[tuple, str] = {}
        self.input_ids: dict[int, str] = {}
        self.batch_name: str | None = None
        self.n_a = self.n_b = 0
        self.scope = ""
        self.rules = RULES

    # ---- names, nodes, initializers
    def fresh(self, hint: str) -> str:
        base = hint.replace("/", ".") or "v"
        name, i = base, 1
        while name in self.used:
            i += 1
            name = f"{base}_{i}"
        self.used.add(name)
        return name

    def node(self, op: str, inputs: Sequence[str], n_out: int = 1, **attrs: Any) -> Any:
        """Append a node; returns its output name (or the list of names when ``n_out > 1``)."""
        stem = f"{self.scope}.{op}" if self.scope else op
        outs = [self.fresh(stem if n_out == 1 else f"{stem}.{i}") for i in range(n_out)]
        attrs = {k: v for k, v in attrs.items() if v is not None}
        self.nodes.append(
            self.helper.make_node(op, list(inputs), outs, name=self.fresh(f"node.{stem}"), **attrs)
        )
        return outs[0] if n_out == 1 else outs

    def init(self, array: Any, hint: str) -> str:
        arr = backend.to_numpy(array)
        arr = numpy.require(arr, requirements="C") if arr.ndim else numpy.asarray(arr)
        name = self.fresh(hint)
        self.inits.append(self.onnx.numpy_helper.from_array(arr, name))
        return name

    def const(self, value: Any, dtype: Any = numpy.int64, hint: str = "const") -> str:
        """A small constant initializer (shapes, axes, scalars), one per distinct value."""
        arr = numpy.asarray(value, dtype=dtype)
        key = (hint, arr.dtype.str, arr.shape, arr.tobytes())
        name = self.small.get(key)
        if name is None:
            name = self.small[key] = self.init(arr, hint)
        return name

    def ints(self, values: Sequence[int]) -> str:
        return self.const(list(values), numpy.int64, "ints")

    # ---- dimensions that may be k · batch
    def dims(self, da: Sequence[int], db: Sequence[int], what: str) -> list[int | _Sym]:
        """Match a shape recorded in trace a with trace b: equal entries are static, entries
        ``k·N`` / ``k·(N+1)`` are ``_Sym(k)``; anything else cannot be exported."""
        da, db = tuple(int(d) for d in da), tuple(int(d) for d in db)
        if len(da) != len(db):
            raise self.batch_error(
                f"{what} has {len(da)} dims for one batch size, {len(db)} for another"
            )
        out: list[int | _Sym] = []
        for a, b in zip(da, db):
            if a == b:
                out.append(a)
                continue
            k = b - a
            if k > 0 and a == k * self.n_a and b == k * self.n_b:
                out.append(_Sym(k))
            else:
                if not self.dynamic:
                    raise self.data_error(f"{what} {da}")
                raise self.batch_error(f"{what} {da} depends on the batch size non-linearly")
        return out

    def bool_input(self, a: Any, b: Any) -> str | None:
        """A boolean graph input whose values a mask ``a`` (twin ``b``) holds in their order,
        dims of size 1 added or removed (``m.unsqueeze(-1)``, ``m[:, None, None, :]``): its
        ONNX name, reshaped where the shapes differ; None where no input does. A mask built
        in ``forward`` from a mask input is computed outside the graph (no node records a
        boolean tensor's reshape), so the exporter finds its source by value, in both
        traces, as :meth:`int_input` finds an index's."""
        a, b = backend.to_numpy(a), backend.to_numpy(b)
        if a.dtype != numpy.bool_ or b.dtype != numpy.bool_:
            return None
        for xa, xb in zip(self.inputs_a, self.inputs_b):
            da, db = backend.to_numpy(xa._data), backend.to_numpy(xb._data)
            if da.dtype != numpy.bool_ or da.size != a.size or db.size != b.size:
                continue
            if not (same_values(a.reshape(-1), da.reshape(-1))
                    and same_values(b.reshape(-1), db.reshape(-1))):  # fmt: skip
                continue
            name = self.input_ids[id(xa)]
            if a.shape == da.shape and b.shape == db.shape:
                return name
            dims = self.dims(a.shape, b.shape, "a boolean mask's shape")
            return self.node("Reshape", [name, self.shape_value(dims, reshape=True)])
        return None

    def int_input(self, a: Any, b: Any) -> Tensor | None:
        """The integer graph input whose values an index array ``a`` (twin ``b``) holds."""
        for xa, xb in zip(self.inputs_a, self.inputs_b):
            if (
                xa.dtype.kind in "iu"
                and numpy.shape(a) == xa.shape
                and numpy.shape(b) == xb.shape
                and (a is xa._data or same_values(a, xa._data))
                and (b is xb._data or same_values(b, xb._data))
            ):
                return xa
        return None

    def batch_error(self, msg: str) -> NotImplementedError:
        """Something that depends on the batch size in a way the exporter cannot express."""
        return NotImplementedError(
            f"export_onnx: {self.model_name}: {msg}; export with dynamic_batch=False to fix "
            "the batch size"
        )

    def data_error(self, msg: str) -> NotImplementedError:
        """Something computed from the input's values outside the recorded graph."""
        why = "the input's values or the batch size" if self.dynamic else "the input's values"
        return NotImplementedError(
            f"export_onnx: {self.model_name}: {msg} depends on {why} but is computed outside "
            "the recorded graph (from .data or NumPy), so it cannot be exported"
        )

    def batch(self) -> str:
        """The 1-D ``[N]`` of the first input, computed at run time (once)."""
        if self.batch_name is None:
            shape = self.node("Shape", [self.first_input], start=0, end=1)
            self.batch_name = shape
        return self.batch_name

    def shape_value(self, dims: list[int | _Sym], reshape: bool) -> str:
        """A 1-D int64 shape: a constant (``-1`` for one symbolic entry of a reshape), or
        computed from the batch size."""
        syms = [d for d in dims if isinstance(d, _Sym)]
        if not syms:
            return self.ints(dims)  # type: ignore[arg-type]
        if reshape and len(syms) == 1:
            return self.ints([-1 if isinstance(d, _Sym) else d for d in dims])
        parts, run = [], []
        for d in dims:
            if isinstance(d, _Sym):
                if run:
                    parts.append(self.ints(run))
                    run = []
                n = self.batch()
                parts.append(n if d.k == 1 else self.node("Mul", [n, self.ints([d.k])]))
            else:
                run.append(d)
        if run:
            parts.append(self.ints(run))
        return self.node("Concat", parts, axis=0)

    # ---- values
    def value(self, ta: Tensor, tb: Tensor) -> str:
        """The ONNX name of the value of tensor ``ta`` (with its twin ``tb`` of trace b)."""
        key = self.input_ids.get(id(ta))
        if key is not None:
            return key
        fn = ta._creator
        if fn is not None and self.depends.get(id(fn)):
            return self.values[(id(fn), ta._index)]
        return self.constant(ta, tb)

    def constant(self, ta: Tensor, tb: Tensor) -> str:
        name = self.consts.get(id(ta))
        if name is not None:
            return name
        a, b = ta._data, tb._data
        if tb is not ta and not (a.shape == b.shape and same_values(a, b)):
            name = self.dynamic_fill(a, b)
        else:
            name = self.init(a, self.const_name(ta))
        self.consts[id(ta)] = name
        return name

    def const_name(self, t: Tensor) -> str:
        """A parameter's or buffer's name; for a value computed from parameters only (a
        reshaped weight), the first parameter's name and the operation; else ``const``."""
        name = self.param_names.get(id(t)) or self.param_names.get(id(t._data))
        if name is not None:
            return name
        fn = t._creator
        if fn is not None and fn.inputs:
            for x in fn.inputs:
                n = self.param_names.get(id(x))
                if n is not None:
                    return f"{n}.{type(fn).__name__.lower()}"
        return "const"

    def dynamic_fill(self, a: Any, b: Any) -> str:
        """A constant whose shape follows the batch size: allowed when it holds one value."""
        a_np, b_np = backend.to_numpy(a), backend.to_numpy(b)
        flat_a, flat_b = a_np.reshape(-1), b_np.reshape(-1)
        if (
            flat_a.size
            and flat_b.size
            and (flat_a == flat_a[0]).all()
            and (flat_b == flat_a[0]).all()
        ):
            dims = self.dims(a_np.shape, b_np.shape, "a constant of shape")
            shape = self.shape_value(dims, reshape=False)
            return self.node("Expand", [self.init(flat_a[:1].reshape(()), "fill"), shape])
        raise self.data_error(f"a constant of shape {a_np.shape} made in forward")

    def array_const(self, a: Any, b: Any, what: str, hint: str) -> str:
        """An array held by a Function (a mask, an index) as an initializer; it must not
        depend on the batch size."""
        if a is None:
            return ""
        if b is not a and not (numpy.shape(a) == numpy.shape(b) and same_values(a, b)):
            raise self.data_error(f"the {what}")
        if id(a) in self.consts:
            return self.consts[id(a)]
        out = self.init(a, self.param_names.get(id(a)) or hint)
        self.consts[id(a)] = out
        return out

    # ---- the walk
    def build(
        self,
        ins_a: list[Tensor],
        ins_b: list[Tensor],
        input_names: list[str],
        ys_a: list[Tensor],
        ys_b: list[Tensor],
        output_names: list[str],
    ) -> Any:
        helper = self.helper
        self.n_a, self.n_b = (
            ins_a[0].shape[0] if ins_a[0].ndim else 0,
            (ins_b[0].shape[0] if ins_b[0].ndim else 0),
        )
        for n in (*input_names, *output_names):
            self.used.add(n)
        self.first_input = input_names[0]
        self.input_ids = {id(t): n for t, n in zip(ins_a, input_names)}
        self.input_ids_b = {id(t): n for t, n in zip(ins_b, input_names)}
        self.inputs_a, self.inputs_b = ins_a, ins_b
        order, twin = self.pair(ys_a, ys_b)
        self.twin = twin
        self.depends = {}
        for fa in order:
            self.depends[id(fa)] = any(
                id(x) in self.input_ids or (x._creator is not None and self.depends[id(x._creator)])
                for x in fa.inputs
            ) or any(  # a lookup by the indices of an integer input (not a graph input)
                self.int_input(a, b) is not None for a, b in held_indices(fa, twin[id(fa)])
            )
        for fa in order:
            if self.depends[id(fa)]:
                self.translate(fa, twin[id(fa)])
        # outputs
        out_vals = []
        renames: dict[str, str] = {}
        produced = {o for nd in self.nodes for o in nd.output}
        for ya, yb, name in zip(ys_a, ys_b, output_names):
            v = self.value(ya, yb)
            if v in produced and v not in renames:
                renames[v] = name
            else:
                v = self.node("Identity", [renames.get(v, v)])
                renames[v] = name
            out_vals.append((ya, yb, name))
        for nd in self.nodes:
            for i, o in enumerate(nd.output):
                if o in renames:
                    nd.output[i] = renames[o]
            for i, o in enumerate(nd.input):
                if o in renames:
                    nd.input[i] = renames[o]
        self.prune([name for _, _, name in out_vals])
        graph_inputs = [
            helper.make_tensor_value_info(n, onnx_dtype(helper, ta.dtype), self.shape_info(ta, tb))
            for ta, tb, n in zip(ins_a, ins_b, input_names)
        ]
        graph_outputs = [
            helper.make_tensor_value_info(n, onnx_dtype(helper, ya.dtype), self.shape_info(ya, yb))
            for ya, yb, n in out_vals
        ]
        graph = helper.make_graph(self.nodes, self.model_name, graph_inputs, graph_outputs,
                                  initializer=self.inits)  # fmt: skip
        model = helper.make_model(
            graph,
            opset_imports=[helper.make_opsetid("", self.opset)],
            producer_name="deepgrad",
            producer_version=version(),
        )
        return model

    def prune(self, outputs: list[str]) -> None:
        """Drop the nodes and initializers no output needs (e.g. a zero initial state that the
        recurrent operator's default replaces)."""
        live = set(outputs)
        kept = []
        for nd in reversed(self.nodes):
            if any(o in live for o in nd.output):
                kept.append(nd)
                live.update(i for i in nd.input if i)
        self.nodes = kept[::-1]
        self.inits = [t for t in self.inits if t.name in live]

    def shape_info(self, ta: Tensor, tb: Tensor) -> list[Any]:
        """The dims of a graph input/output: an int, ``"batch"``, ``"batch*k"`` or unknown."""
        out: list[Any] = []
        for a, b in zip(ta.shape, tb.shape):
            k = b - a
            if not k:
                out.append(int(a))
            elif k > 0 and a == k * self.n_a:
                out.append("batch" if k == 1 else f"batch*{k}")
            else:
                out.append(None)
        return out

    def pair(
        self, ys_a: list[Tensor], ys_b: list[Tensor]
    ) -> tuple[list[Function], dict[int, Function]]:
        """The Functions of trace a in dependency order (producers first), each matched with
        its twin in trace b."""
        twin: dict[int, Function] = {}
        order: list[Function] = []
        seen: set[int] = set()
        stack: list[tuple[Tensor, Tensor, bool]] = [
            (ya, yb, False) for ya, yb in zip(reversed(ys_a), reversed(ys_b))
        ]
        while stack:
            ta, tb, done = stack.pop()
            fa, fb = ta._creator, tb._creator
            if done:
                order.append(fa)
                continue
            if id(ta) in self.input_ids:
                if id(tb) not in self.input_ids_b:
                    raise self.data_error("the graph")
                continue
            if fa is None or id(fa) in seen:
                continue
            if (
                fb is None
                or type(fb) is not type(fa)
                or len(fb.inputs) != len(fa.inputs)
                or (ta._index != tb._index)
            ):
                raise self.data_error(f"the graph (at {type(fa).__name__})")
            seen.add(id(fa))
            twin[id(fa)] = fb
            stack.append((ta, tb, True))
            for xa, xb in zip(reversed(fa.inputs), reversed(fb.inputs)):
                stack.append((xa, xb, False))
        return order, twin

    def translate(self, fa: Function, fb: Function) -> None:
        rule = self.rules.get(type(fa))
        name = type(fa).__name__
        if rule is None:
            raise NotImplementedError(
                f"export_onnx: {self.model_name}: the operation {name} "
                f"({type(fa).__module__}.{name}) has no ONNX translation"
            )
        ins = [self.value(xa, xb) for xa, xb in zip(fa.inputs, fb.inputs)]
        self.scope = self.scope_of(fa)
        outs = rule(self, fa, fb, ins)
        self.scope = ""
        if isinstance(outs, str):
            outs = [outs]
        for i, o in enumerate(outs):
            self.values[(id(fa), i)] = o

    def scope_of(self, fa: Function) -> str:
        """A readable prefix for node names: the module of the first parameter used."""
        for x in fa.inputs:
            n = self.param_names.get(id(x))
            if n is not None:
                return n.rsplit(".", 1)[0] if "." in n else n
        return ""

    # ---- helpers used by the rules
    def shapes(self, fa: Function, fb: Function, i: int = 0) -> tuple[tuple, tuple]:
        return tuple(fa.inputs[i].shape), tuple(fb.inputs[i].shape)

    def reduce(self, op: str, x: str, axes: Sequence[int] | None, keepdims: bool) -> str:
        """``op`` (ReduceSum, ReduceMean, ...) over ``axes`` (all when None), handling the
        move of ``axes`` from attribute to input (opset 13 for ReduceSum, 18 for the rest)."""
        as_input = self.opset >= (13 if op == "ReduceSum" else 18)
        kd = 1 if keepdims else 0
        if axes is None:
            return self.node(op, [x], keepdims=kd)
        axes = [int(a) for a in axes]
        if not axes:  # reduce nothing: the identity
            return self.node("Identity", [x])
        if as_input:
            return self.node(op, [x, self.ints(axes)], keepdims=kd)
        return self.node(op, [x], axes=axes, keepdims=kd)

    def scalar(self, v: float, dtype: Any) -> str:
        return self.const(v, numpy.dtype(dtype), "scalar")

    def unsqueeze(self, x: str, axes: Sequence[int]) -> str:
        return self.node("Unsqueeze", [x, self.ints(axes)])

    def squeeze(self, x: str, axes: Sequence[int]) -> str:
        return self.node("Squeeze", [x, self.ints(axes)])
