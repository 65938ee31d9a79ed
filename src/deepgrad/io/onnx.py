"""ONNX export: ``deepgrad.io.export_onnx(model, "net.onnx", example_input)``.

The exporter traces: it runs the model once in eval mode on ``example_input`` with the graph
recorded, walks the recorded graph back from the output (each tensor's creator
:class:`~deepgrad.autograd.Function` and its inputs) and writes one or a few ONNX nodes per
Function. Whatever Python the ``forward`` runs (residual adds, concatenations, reshapes,
elementwise math) is therefore exported as computed; a Function without a translation raises
:class:`NotImplementedError` naming it.

* The graph input is ``example_input``; parameters and buffers become initializers under their
  ``state_dict`` names; any other value that does not depend on the input (constants, and
  results computed from parameters alone, such as a reshaped weight) is folded into an
  initializer.
* Fused layer Functions hold their hyperparameters and map to one ONNX operator each:
  convolution → ``Conv``/``ConvTranspose``, pooling → ``MaxPool``/``AveragePool``,
  ``BatchNorm`` → ``BatchNormalization``, ``LayerNorm`` → ``LayerNormalization``, ``Linear`` →
  ``Gemm`` (or ``MatMul`` + ``Add``), embedding → ``Gather``, the fused recurrent layers →
  ``LSTM``/``GRU``/``RNN`` (gates reordered: PyTorch's ``i f g o`` is ONNX's ``i o f c``,
  ``r z n`` is ``z r h`` with ``linear_before_reset=1``), attention → ``MatMul``/``Softmax``.
* The second trace also tells what the recorded graph does not hold: with batch ``N + 1``
  (``dynamic_batch=True``; the first sample repeated) or with the samples rotated (a fixed
  batch), every shape recorded in the graph (a ``reshape`` target, a ``broadcast_to`` shape)
  that differs between the traces is ``k · N`` and is written as ``-1`` or computed from the
  input's shape at run time; a constant that differs (a number read with ``.data`` or
  ``item()``, a mask made with NumPy from the input's values) is refused, unless it is one
  value repeated over a batch-sized shape (``zeros(N, H)``, written as ``Expand``), or the
  condition of a ``where`` that is a comparison of its operands (``x > 0`` as in ``prelu``).
  Control flow that changes the graph is refused too.

Not exported (each raises :class:`NotImplementedError` saying what): operations without a
rule below, training-mode randomness (the model runs in eval mode), recurrent layers with
per-sample lengths or ``proj_size``, a per-sample attention mask (``key_padding_mask``).
Every input has its batch on axis 0. A row of attention scores that is masked out entirely
gives 0 in deepgrad and NaN in ONNX's ``Softmax``.

ONNX runtimes are not needed: :func:`export_onnx` checks the model with
``onnx.checker.check_model``; the tests run it with ``onnx.reference.ReferenceEvaluator``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy

from .. import backend
from ..autograd import Function, enable_grad
from ..tensor import Tensor
from .serialization import atomic_write, input_spec

#: the opset the exporter writes by default; ``Gelu`` needs 20 (below it, GELU is decomposed)
DEFAULT_OPSET = 17
#: the lowest opset supported (``LayerNormalization`` is 17)
MIN_OPSET = 17

_INT64_MAX = 2**63 - 1
_INT64_MIN = -(2**63)


def export_onnx(
    model: Any,
    path: str | os.PathLike,
    example_input: Any,
    *,
    opset: int = DEFAULT_OPSET,
    input_names: Sequence[str] = ("input",),
    output_names: Sequence[str] = ("output",),
    dynamic_batch: bool = True,
) -> Path:
    """Write ``model`` as an ONNX file at ``path`` (atomically) and return the path.

    Parameters
    ----------
    model : Module
        Run once in eval mode (its training mode is restored afterwards).
    example_input : Tensor or array, or a tuple of them (one per ``forward`` argument)
        A batch ``(N, *)`` of the data the model takes; its shape (and, for the batch axis 0,
        only its meaning) is what the exported graph accepts.
    opset : int
        The ``ai.onnx`` opset version (17 or newer).
    input_names, output_names : one name per input / per output tensor
        A model may return a tensor or a (nested) tuple of tensors.
    dynamic_batch : bool
        Make axis 0 of every input (and whatever follows from it) a symbolic ``"batch"``
        dimension; otherwise the graph takes exactly ``example_input``'s shape.

    Raises
    ------
    NotImplementedError
        for an operation the exporter does not translate (named in the message), or for a
        value computed from the input outside the recorded graph (see the module docstring).
    ImportError
        when the ``onnx`` package is missing (``pip install 'deepgrad[onnx]'``).

    Example (then ``onnxruntime.InferenceSession("lenet.onnx").run(None, {"input": x})``)::

        model = dg.models.LeNet5()
        model.fit(X, y, epochs=5)
        dg.io.export_onnx(model, "lenet.onnx", X[:1])
    """
    try:
        import onnx
    except ImportError as e:
        raise ImportError("export_onnx needs the onnx package: pip install 'deepgrad[onnx]'") from e
    from ..nn.module import Module

    if not isinstance(model, Module):
        raise TypeError(f"export_onnx: model must be a deepgrad Module, got {type(model).__name__}")
    max_opset = onnx.defs.onnx_opset_version()
    if (
        isinstance(opset, bool)
        or not isinstance(opset, int)
        or not (MIN_OPSET <= opset <= max_opset)
    ):
        raise ValueError(
            f"export_onnx: opset must be an int in [{MIN_OPSET}, {max_opset}] (the installed "
            f"onnx {onnx.__version__} supports up to {max_opset}), got {opset!r}"
        )
    inputs = _as_inputs(example_input, _model_dtype(model))
    input_names = _names(input_names, "input_names")
    output_names = _names(output_names, "output_names")
    if len(input_names) != len(inputs):
        raise ValueError(
            f"export_onnx: got {len(inputs)} example input(s) but {len(input_names)} "
            f"input_names {list(input_names)}"
        )
    if dynamic_batch:
        for name, x in zip(input_names, inputs):
            if x.ndim == 0 or x.shape[0] == 0:
                raise ValueError(
                    f"export_onnx: with dynamic_batch=True every input needs a non-empty batch "
                    f"axis 0; input {name!r} has shape {x.shape}"
                )
    spec = input_spec(model)
    if spec is not None and len(inputs) == 1:
        want = tuple(int(s) for s in spec["shape"])
        got = tuple(inputs[0].shape[1:])
        if got != want:
            raise ValueError(
                f"export_onnx: {type(model).__name__} was built/trained on samples of shape "
                f"{want} (inputs (N, {', '.join(map(str, want))})), got example_input of shape "
                f"{inputs[0].shape}"
            )

    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        outs_a = _run(model, inputs, "example_input")
        # the twin trace: one more sample (dynamic batch) or the samples in another order;
        # what differs between the traces is what depends on the batch size or on the data
        twin = "example_input with one more sample" if dynamic_batch else "example_input rotated"
        outs_b = _run(model, [_twin_input(x, dynamic_batch) for x in inputs], twin)
    finally:  # each module's own mode back (a frozen batch norm stays in eval)
        for m, mode in modes:
            m.__dict__["training"] = mode
    ins_a, ys_a = outs_a
    ins_b, ys_b = outs_b
    if len(output_names) != len(ys_a):
        raise ValueError(
            f"export_onnx: {type(model).__name__} returns {len(ys_a)} tensor(s) but "
            f"{len(output_names)} output_names {list(output_names)} were given"
        )
    if len(ys_b) != len(ys_a):
        raise NotImplementedError(
            f"export_onnx: {type(model).__name__} returns a different number of tensors for "
            "another input (control flow that depends on the data or the batch size)"
        )

    names: dict[int, str] = {}
    for n, p in model.named_parameters():
        names.setdefault(id(p), n)
        names.setdefault(id(p.data), n)
    for n, b in model.named_buffers():
        names.setdefault(id(b), n)
        names.setdefault(id(b.data), n)

    ex = _Exporter(onnx, opset, dynamic_batch, names, type(model).__name__)
    proto = ex.build(ins_a, ins_b, list(input_names), ys_a, ys_b, list(output_names))
    onnx.checker.check_model(proto, full_check=True)
    data = proto.SerializeToString()
    atomic_write(path, lambda f: f.write(data))
    return Path(path)


# ---- arguments and tracing ------------------------------------------------------------------
def _names(names: Any, what: str) -> tuple[str, ...]:
    if isinstance(names, str):
        names = (names,)
    out = tuple(names)
    if not out or not all(isinstance(n, str) and n for n in out):
        raise ValueError(f"export_onnx: {what} must be non-empty strings, got {names!r}")
    if len(set(out)) != len(out):
        raise ValueError(f"export_onnx: {what} must be distinct, got {list(out)}")
    return out


def _model_dtype(model: Any) -> numpy.dtype:
    """The floating dtype the model computes in (its first floating parameter's, else the
    default), as ``fit``/``predict`` use it."""
    for p in model.parameters():
        if p.dtype.kind == "f":
            return numpy.dtype(p.dtype)
    return numpy.dtype(backend.get_default_dtype())


def _as_inputs(example_input: Any, dtype: numpy.dtype) -> list[Tensor]:
    """The example inputs as tensors; floating ones in the model's dtype (a float64 NumPy
    batch for a float32 model is exported as float32, as ``predict`` would cast it)."""
    items = list(example_input) if isinstance(example_input, (tuple, list)) else [example_input]
    if not items:
        raise ValueError("export_onnx: example_input is empty")
    out = []
    for x in items:
        if not isinstance(x, Tensor):
            try:
                x = Tensor(x)
            except (TypeError, ValueError) as e:
                raise TypeError(
                    f"export_onnx: example_input must be a Tensor or an array, got "
                    f"{type(x).__name__} ({e})"
                ) from None
        if x.dtype.kind not in "fiub":
            raise TypeError(f"export_onnx: unsupported example_input dtype {x.dtype}")
        if x.dtype.kind == "f" and x.dtype != dtype:
            x = Tensor(x.data.astype(dtype))
        out.append(x)
    return out


def _twin_input(x: Tensor, dynamic: bool) -> Tensor:
    """The second trace's input: ``x`` with its first sample repeated at the end (dynamic
    batch), or with its samples rotated by one (its values along the last axis, for a single
    sample), so that the same shape holds other data."""
    xp = backend.xp
    if dynamic:
        idx = numpy.concatenate([numpy.arange(x.shape[0]), [0]])
        return Tensor(x.data[xp.asarray(idx)])
    if x.ndim == 0:
        return x
    axis = 0 if x.shape[0] > 1 else x.ndim - 1
    return Tensor(xp.roll(x.data, 1, axis=axis))


def _run(model: Any, inputs: list[Tensor], what: str) -> tuple[list[Tensor], list[Tensor]]:
    """Run ``model`` with the graph recorded; float inputs require grad so that every
    operation on them is recorded."""
    ins = [
        Tensor(x.data, requires_grad=x.dtype.kind == "f") if x.dtype.kind == "f" else x.detach()
        for x in inputs
    ]
    try:
        with enable_grad():
            y = model(*ins)
    except (ValueError, TypeError, IndexError) as e:
        shapes = ", ".join(str(tuple(x.shape)) for x in inputs)
        raise ValueError(
            f"export_onnx: running {type(model).__name__} on {what} of shape {shapes} failed: {e}"
            + (
                " (with dynamic_batch=True every input has its batch on axis 0)"
                if "one more sample" in what
                else ""
            )
        ) from e
    outs: list[Tensor] = []

    def flat(v: Any) -> None:
        if isinstance(v, Tensor):
            outs.append(v)
        elif isinstance(v, (tuple, list)):
            for u in v:
                flat(u)
        elif v is not None:
            raise TypeError(
                f"export_onnx: {type(model).__name__} returned a {type(v).__name__}; only "
                "tensors and (nested) tuples of tensors can be exported"
            )

    flat(y)
    if not outs:
        raise ValueError(f"export_onnx: {type(model).__name__} returned no tensor")
    return ins, outs


class _Sym:
    """A dimension ``k · batch``."""

    __slots__ = ("k",)

    def __init__(self, k: int) -> None:
        self.k = k

    def __repr__(self) -> str:
        return f"{self.k}*batch"


# ---- the exporter ------------------------------------------------------------------------------
class _Exporter:
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
        self.rules = _rules()

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

    def int_input(self, a: Any, b: Any) -> Tensor | None:
        """The integer graph input whose values an index array ``a`` (twin ``b``) holds."""
        for xa, xb in zip(self.inputs_a, self.inputs_b):
            if (
                xa.dtype.kind in "iu"
                and numpy.shape(a) == xa.shape
                and numpy.shape(b) == xb.shape
                and (a is xa.data or _same(a, xa.data))
                and (b is xb.data or _same(b, xb.data))
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
        a, b = ta.data, tb.data
        if tb is not ta and not (a.shape == b.shape and _same(a, b)):
            name = self.dynamic_fill(a, b)
        else:
            name = self.init(a, self.const_name(ta))
        self.consts[id(ta)] = name
        return name

    def const_name(self, t: Tensor) -> str:
        """A parameter's or buffer's name; for a value computed from parameters only (a
        reshaped weight), the first parameter's name and the operation; else ``const``."""
        name = self.param_names.get(id(t)) or self.param_names.get(id(t.data))
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
        if b is not a and not (numpy.shape(a) == numpy.shape(b) and _same(a, b)):
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
                self.int_input(a, b) is not None for a, b in _held_indices(fa, twin[id(fa)])
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
            helper.make_tensor_value_info(n, _onnx_dtype(helper, ta.dtype), self.shape_info(ta, tb))
            for ta, tb, n in zip(ins_a, ins_b, input_names)
        ]
        graph_outputs = [
            helper.make_tensor_value_info(n, _onnx_dtype(helper, ya.dtype), self.shape_info(ya, yb))
            for ya, yb, n in out_vals
        ]
        graph = helper.make_graph(self.nodes, self.model_name, graph_inputs, graph_outputs,
                                  initializer=self.inits)  # fmt: skip
        model = helper.make_model(
            graph,
            opset_imports=[helper.make_opsetid("", self.opset)],
            producer_name="deepgrad",
            producer_version=_version(),
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


def _resolve(shape: Sequence[int], target: Sequence[int]) -> tuple[int, ...]:
    """``target`` with its ``-1`` (if any) replaced by the size that keeps ``prod(shape)``."""
    target = tuple(int(t) for t in target)
    if -1 not in target:
        return target
    known = math.prod(t for t in target if t != -1)
    rest = math.prod(shape) // known if known else 0
    return tuple(rest if t == -1 else t for t in target)


def _same(a: Any, b: Any) -> bool:
    a, b = backend.to_numpy(a), backend.to_numpy(b)
    if a.dtype.kind == "f":
        return bool(numpy.array_equal(a, b, equal_nan=True))
    return bool(numpy.array_equal(a, b))


def _onnx_dtype(helper: Any, dtype: Any) -> int:
    return helper.np_dtype_to_tensor_dtype(numpy.dtype(dtype))


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("deepgrad")
    except Exception:  # pragma: no cover - not installed as a distribution
        return "0"


# ---- translation rules: Function class -> ONNX nodes --------------------------------------------
Rule = Callable[[_Exporter, Any, Any, list[str]], Any]


def _rules() -> dict[type, Rule]:
    """For each Function class, how its forward is written in ONNX: a rule gets the exporter,
    the Function of each trace (``fa``, ``fb``: their hyperparameters and input shapes) and the
    ONNX names of its inputs, adds nodes and returns the name(s) of the output(s)."""
    from importlib import import_module

    def mod(name: str) -> Any:  # the submodule (the package exports functions of these names)
        return import_module(f"{__package__.rsplit('.', 1)[0]}.functional.{name}")

    A = mod("activation")
    At = mod("attention")
    C = mod("conv")
    D = mod("dropout")
    E = mod("elementwise")
    Em = mod("embedding")
    L = mod("linalg")
    N = mod("normalization")
    P = mod("pooling")
    R = mod("recurrent")
    Re = mod("reduce")
    S = mod("shape")

    def same(op: str, **attrs: Any) -> Rule:
        return lambda ex, fa, fb, ins: ex.node(op, ins, **attrs)

    def binary(op: str) -> Rule:
        def rule(ex: _Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
            da, db = fa.inputs[0].dtype, fa.inputs[1].dtype
            if da != db:  # NumPy promotes; ONNX wants one type
                to = numpy.result_type(da, db)
                ins = [
                    ex.node("Cast", [n], to=_onnx_dtype(ex.helper, to)) if d != to else n
                    for n, d in zip(ins, (da, db))
                ]
            return ex.node(op, ins)

        return rule

    def dt(fa: Any) -> Any:
        return fa.inputs[0].dtype

    rules: dict[type, Rule] = {
        E.Add: binary("Add"),
        E.Sub: binary("Sub"),
        E.Mul: binary("Mul"),
        E.Div: binary("Div"),
        E.Pow: binary("Pow"),
        E.Neg: same("Neg"),
        E.Exp: same("Exp"),
        E.Log: same("Log"),
        E.Sqrt: same("Sqrt"),
        E.Abs: same("Abs"),
        E.Sin: same("Sin"),
        E.Cos: same("Cos"),
        E.Reciprocal: same("Reciprocal"),
        A.Erf: same("Erf"),
        A.ReLU: same("Relu"),
        A.Sigmoid: same("Sigmoid"),
        A.Tanh: same("Tanh"),
        A.Hardswish: same("HardSwish"),
        A.Hardsigmoid: same("HardSigmoid", alpha=1.0 / 6.0, beta=0.5),
        L.MatMul: same("MatMul"),
        S.Concat: lambda ex, fa, fb, ins: ex.node("Concat", ins, axis=int(fa.axis)),
    }

    rules[E.Log1p] = lambda ex, fa, fb, ins: ex.node(
        "Log", [ex.node("Add", [ins[0], ex.scalar(1.0, dt(fa))])]
    )
    rules[E.Expm1] = lambda ex, fa, fb, ins: ex.node(
        "Sub", [ex.node("Exp", ins), ex.scalar(1.0, dt(fa))]
    )
    rules[E.Rsqrt] = lambda ex, fa, fb, ins: ex.node("Reciprocal", [ex.node("Sqrt", ins)])

    def pow_scalar(ex: _Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
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

    rules[E.PowScalar] = pow_scalar

    def maximum(ex: _Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
        return binary("Max" if fa.take_max else "Min")(ex, fa, fb, ins)

    rules[E.Maximum] = maximum

    def clip(ex: _Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
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

    rules[E.Clip] = clip
    rules[A.Hardtanh] = clip

    def where(ex: _Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
        cond = _where_condition(ex, fa, fb, ins)
        return binary_where(ex, fa, cond, ins)

    def binary_where(ex: _Exporter, fa: Any, cond: str, ins: list[str]) -> str:
        da, db = fa.inputs[0].dtype, fa.inputs[1].dtype
        if da != db:
            to = numpy.result_type(da, db)
            ins = [
                ex.node("Cast", [n], to=_onnx_dtype(ex.helper, to)) if d != to else n
                for n, d in zip(ins, (da, db))
            ]
        return ex.node("Where", [cond, *ins])

    rules[E.Where] = where

    def astype(ex: _Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
        return ex.node("Cast", ins, to=_onnx_dtype(ex.helper, fa.dtype))

    rules[E.AsType] = astype

    def piecewise(ex: _Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
        f = fa.fn
        xp = backend.xp
        for ref, op in ((xp.sign, "Sign"), (xp.floor, "Floor"), (xp.ceil, "Ceil")):
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

    rules[E.PiecewiseConstant] = piecewise

    # ---- activations
    rules[A.LeakyReLU] = lambda ex, fa, fb, ins: ex.node("LeakyRelu", ins, alpha=float(fa.slope))
    rules[A.ELU] = lambda ex, fa, fb, ins: ex.node("Elu", ins, alpha=float(fa.alpha))
    rules[A.CELU] = lambda ex, fa, fb, ins: ex.node("Celu", ins, alpha=float(fa.alpha))
    rules[A.Softmax] = lambda ex, fa, fb, ins: ex.node("Softmax", ins, axis=int(fa.axis))
    rules[A.LogSoftmax] = lambda ex, fa, fb, ins: ex.node("LogSoftmax", ins, axis=int(fa.axis))

    def gelu(ex: _Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
        if ex.opset >= 20:
            return ex.node("Gelu", ins)
        d = dt(fa)  # x · ½ (1 + erf(x / √2))
        e = ex.node("Erf", [ex.node("Mul", [ins[0], ex.scalar(1 / math.sqrt(2.0), d)])])
        cdf = ex.node("Mul", [ex.node("Add", [e, ex.scalar(1.0, d)]), ex.scalar(0.5, d)])
        return ex.node("Mul", [ins[0], cdf])

    rules[A.GELU] = gelu
    rules[A.SiLU] = lambda ex, fa, fb, ins: ex.node("Mul", [ins[0], ex.node("Sigmoid", ins)])

    def mish(ex: _Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
        if ex.opset >= 18:
            return ex.node("Mish", ins)
        return ex.node("Mul", [ins[0], ex.node("Tanh", [ex.node("Softplus", ins)])])

    rules[A.Mish] = mish

    def softplus(ex: _Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
        d = dt(fa)
        if fa.beta == 1.0 and fa.threshold == math.inf:
            return ex.node("Softplus", ins)
        z = ins[0] if fa.beta == 1.0 else ex.node("Mul", [ins[0], ex.scalar(fa.beta, d)])
        y = ex.node("Softplus", [z])
        if fa.beta != 1.0:
            y = ex.node("Div", [y, ex.scalar(fa.beta, d)])
        if fa.threshold == math.inf:
            return y
        big = ex.node("Greater", [z, ex.scalar(fa.threshold, d)])
        return ex.node("Where", [big, ins[0], y])

    rules[A.Softplus] = softplus

    def threshold(ex: _Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
        d = dt(fa)
        above = ex.node("Greater", [ins[0], ex.scalar(fa.threshold, d)])
        return ex.node("Where", [above, ins[0], ex.scalar(fa.value, d)])

    rules[A.Threshold] = threshold

    # ---- reductions
    def reduction(op: str) -> Rule:
        return lambda ex, fa, fb, ins: ex.reduce(op, ins[0], fa.axes, fa.keepdims)

    rules[Re.Sum] = reduction("ReduceSum")

    def mean(ex: _Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
        x = fa.inputs[0]
        if (
            x.ndim >= 3
            and fa.keepdims
            and fa.axes is not None
            and sorted(fa.axes) == list(range(2, x.ndim))
        ):
            return ex.node("GlobalAveragePool", ins)
        return ex.reduce("ReduceMean", ins[0], fa.axes, fa.keepdims)

    rules[Re.Mean] = mean
    rules[Re.Max] = lambda ex, fa, fb, ins: ex.reduce(
        "ReduceMax" if fa.take_max else "ReduceMin", ins[0], fa.axes, fa.keepdims
    )

    def logsumexp(ex: _Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
        m = ex.reduce("ReduceMax", ins[0], fa.axes, True)  # stable: m + log Σ e^(x - m)
        s = ex.reduce("ReduceSum", ex.node("Exp", [ex.node("Sub", [ins[0], m])]), fa.axes, True)
        y = ex.node("Add", [ex.node("Log", [s]), m])
        if fa.keepdims:
            return y
        axes = fa.axes if fa.axes is not None else range(fa.inputs[0].ndim)
        return ex.squeeze(y, list(axes)) if fa.inputs[0].ndim else y

    rules[Re.LogSumExp] = logsumexp
    rules[Re.CumSum] = lambda ex, fa, fb, ins: ex.node(
        "CumSum", [ins[0], ex.const(int(fa.axis), numpy.int64, "axis")]
    )
    rules[Re.Prod] = lambda ex, fa, fb, ins: ex.reduce(
        "ReduceProd", ins[0], None if fa.axis is None else [fa.axis], fa.keepdims
    )

    def vector_norm(ex: _Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
        p = fa.p
        if p == 2:
            return ex.reduce("ReduceL2", ins[0], fa.axes, fa.keepdims)
        if p == 1:
            return ex.reduce("ReduceL1", ins[0], fa.axes, fa.keepdims)
        d = dt(fa)
        s = ex.reduce(
            "ReduceSum", ex.node("Pow", [ex.node("Abs", ins), ex.scalar(p, d)]), fa.axes,
            fa.keepdims,
        )  # fmt: skip
        return ex.node("Pow", [s, ex.scalar(1.0 / p, d)])

    rules[Re.VectorNorm] = vector_norm

    # ---- shapes
    def reshape(ex: _Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
        out_a = _resolve(fa.inputs[0].shape, fa.shape)
        out_b = _resolve(fb.inputs[0].shape, fb.shape)
        dims = ex.dims(out_a, out_b, "a reshape target")
        return ex.node("Reshape", [ins[0], ex.shape_value(dims, reshape=True)])

    rules[S.Reshape] = reshape

    def transpose(ex: _Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
        n = fa.inputs[0].ndim
        perm = list(range(n))[::-1] if fa.axes is None else [int(a) % n for a in fa.axes]
        return ex.node("Transpose", ins, perm=perm)

    rules[S.Transpose] = transpose

    def swapaxes(ex: _Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
        n = fa.inputs[0].ndim
        perm = list(range(n))
        a, b = fa.a % n, fa.b % n
        perm[a], perm[b] = perm[b], perm[a]
        return ex.node("Transpose", ins, perm=perm)

    rules[S.SwapAxes] = swapaxes

    def broadcast(ex: _Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
        dims = ex.dims(fa.shape, fb.shape, "a broadcast_to shape")
        return ex.node("Expand", [ins[0], ex.shape_value(dims, reshape=False)])

    rules[S.BroadcastTo] = broadcast

    def sum_to(ex: _Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
        src = fa.inputs[0].shape
        shape = tuple(fa.shape)
        lead = len(src) - len(shape)
        axes = list(range(lead)) + [
            i + lead for i, s in enumerate(shape) if s == 1 and src[i + lead] != 1
        ]
        y = ex.reduce("ReduceSum", ins[0], axes, True)
        return ex.squeeze(y, list(range(lead))) if lead else y

    rules[S.SumTo] = sum_to

    def split(ex: _Exporter, fa: Any, fb: Any, ins: list[str]) -> list[str]:
        n = fa.inputs[0].shape[fa.axis]
        edges = [0, *fa.bounds, n]
        if list(fa.bounds) != list(fb.bounds) or fb.inputs[0].shape[fb.axis] != n:
            raise ex.batch_error("a split along the batch axis")
        sizes = [b - a for a, b in zip(edges[:-1], edges[1:])]
        return ex.node("Split", [ins[0], ex.ints(sizes)], n_out=len(sizes), axis=int(fa.axis))

    rules[S.Split] = split
    rules[S.GetItem] = _getitem

    def pad(ex: _Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
        pw = [(int(b), int(a)) for b, a in fa.pad_width]
        pads = ex.ints([b for b, _ in pw] + [a for _, a in pw])
        mode = getattr(fa, "mode", None)
        if mode is None:
            return ex.node("Pad", [ins[0], pads, ex.scalar(fa.value, dt(fa))], mode="constant")
        onnx_mode = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode]
        if onnx_mode == "wrap" and ex.opset < 19:
            raise NotImplementedError(
                f"export_onnx: {ex.model_name}: circular padding needs opset 19 or newer"
            )
        return ex.node("Pad", [ins[0], pads], mode=onnx_mode)

    rules[S.Pad] = pad
    rules[S.PadMode] = pad

    def flip(ex: _Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
        k = len(fa.axes)
        return ex.node(
            "Slice",
            [ins[0], ex.ints([-1] * k), ex.ints([_INT64_MIN] * k), ex.ints(fa.axes),
             ex.ints([-1] * k)],
        )  # fmt: skip

    rules[S.Flip] = flip

    def roll(ex: _Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
        y = ins[0]
        for s, axis in zip(fa.shifts, fa.axes):
            n = fa.inputs[0].shape[axis]
            if fb.inputs[0].shape[axis] != n:
                raise ex.batch_error("a roll along the batch axis")
            s %= n
            if not s:
                continue
            a = ex.node("Slice", [y, ex.ints([n - s]), ex.ints([n]), ex.ints([axis])])
            b = ex.node("Slice", [y, ex.ints([0]), ex.ints([n - s]), ex.ints([axis])])
            y = ex.node("Concat", [a, b], axis=int(axis))
        return y

    rules[S.Roll] = roll

    # ---- linear algebra
    def linear(ex: _Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
        if fa.inputs[0].ndim == 2:
            return ex.node("Gemm", ins, transB=1)
        wt = ex.node("Transpose", [ins[1]], perm=[1, 0])
        y = ex.node("MatMul", [ins[0], wt])
        return ex.node("Add", [y, ins[2]]) if len(ins) > 2 else y

    rules[L.Linear] = linear

    def einsum(ex: _Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
        return ex.node("Einsum", ins, equation=",".join(fa.terms) + "->" + fa.out)

    rules[L.Einsum] = einsum

    # ---- convolution and pooling
    def conv(ex: _Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
        g = fa.g
        return ex.node(
            "Conv", ins, kernel_shape=[g.kh, g.kw], strides=[g.sh, g.sw],
            pads=[g.pt, g.pl, g.pb, g.pr], dilations=[g.dh, g.dw], group=g.G,
        )  # fmt: skip

    rules[C.Conv2dFunction] = conv

    def conv_t(ex: _Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
        g = fa.g  # the geometry of the conv2d this is the adjoint of: (H, W) is the output
        oph = g.H - (g.sh * (g.Ho - 1) + g.dh * (g.kh - 1) + 1 - g.pt - g.pb)
        opw = g.W - (g.sw * (g.Wo - 1) + g.dw * (g.kw - 1) + 1 - g.pl - g.pr)
        return ex.node(
            "ConvTranspose", ins, kernel_shape=[g.kh, g.kw], strides=[g.sh, g.sw],
            pads=[g.pt, g.pl, g.pb, g.pr], dilations=[g.dh, g.dw], group=g.G,
            output_padding=[oph, opw],
        )  # fmt: skip

    rules[C.ConvTranspose2dFunction] = conv_t

    def ceil_mode(g: Any) -> int:
        floor = [(n + 2 * p - d * (k - 1) - 1) // s + 1
                 for n, p, d, k, s in ((g.H, g.ph, g.dh, g.kh, g.sh), (g.W, g.pw, g.dw, g.kw, g.sw))]  # fmt: skip
        return 0 if floor == [g.Ho, g.Wo] else 1

    def max_pool(ex: _Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
        g = fa.g
        return ex.node(
            "MaxPool", ins, kernel_shape=[g.kh, g.kw], strides=[g.sh, g.sw],
            pads=[g.ph, g.pw, g.ph, g.pw], dilations=[g.dh, g.dw], ceil_mode=ceil_mode(g),
        )  # fmt: skip

    rules[P.MaxPool2dFunction] = max_pool

    def avg_pool(ex: _Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
        g = fa.g
        attrs = dict(kernel_shape=[g.kh, g.kw], strides=[g.sh, g.sw],
                     pads=[g.ph, g.pw, g.ph, g.pw], ceil_mode=ceil_mode(g))  # fmt: skip
        scale = fa.scale
        full = 1.0 / (g.kh * g.kw)
        if isinstance(scale, float):
            y = ex.node("AveragePool", ins, count_include_pad=1, **attrs)
            if scale != full:  # divisor_override
                y = ex.node("Mul", [y, ex.scalar(scale / full, dt(fa))])
            return y
        exclude = P._avg_scale(g, False, None, numpy.float64)
        if not isinstance(exclude, float) and numpy.allclose(backend.to_numpy(scale), exclude):
            return ex.node("AveragePool", ins, count_include_pad=0, **attrs)
        # windows clipped at the padded border (ceil mode): sum, then PyTorch's divisors
        y = ex.node("AveragePool", ins, count_include_pad=1, **attrs)
        return ex.node("Mul", [y, ex.init(backend.to_numpy(scale) / full, "avg_pool_scale")])

    rules[P.AvgPool2dFunction] = avg_pool

    def adaptive_max(ex: _Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
        H, W = fa.inputs[0].shape[2:]
        Ho, Wo = fa.out_hw
        if (Ho, Wo) == (1, 1):
            return ex.node("GlobalMaxPool", ins)
        if H % Ho == 0 and W % Wo == 0:
            k = [H // Ho, W // Wo]
            return ex.node("MaxPool", ins, kernel_shape=k, strides=k)
        # PyTorch's windows [⌊i·n/m⌋, ⌈(i+1)·n/m⌉) differ in size: the maximum over a
        # rectangle is the maximum over its rows of the maxima over its columns
        y = ins[0]
        for axis, n, m in ((2, H, Ho), (3, W, Wo)):
            if n == m:
                continue
            parts = []
            for i in range(m):
                a, b = (i * n) // m, -((-(i + 1) * n) // m)
                window = ex.node("Slice", [y, ex.ints([a]), ex.ints([b]), ex.ints([axis])])
                parts.append(ex.reduce("ReduceMax", window, [axis], True))
            y = ex.node("Concat", parts, axis=axis)
        return y

    rules[P.AdaptiveMaxPool2dFunction] = adaptive_max

    # ---- normalization, dropout, embedding
    def batch_norm(ex: _Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
        if fa.training:
            raise NotImplementedError(
                f"export_onnx: {ex.model_name}: BatchNorm with batch statistics (training "
                "mode) has no ONNX translation; the exporter runs the model in eval mode"
            )
        C = fa.inputs[0].shape[1]
        d = dt(fa)
        rest = list(ins[1:])
        scale = rest.pop(0) if fa.has_w else ex.init(numpy.ones(C, d), "bn_scale")
        bias = rest.pop(0) if fa.has_b else ex.init(numpy.zeros(C, d), "bn_bias")
        mean = ex.array_const(fa.mean, fb.mean, "running mean", "running_mean")
        var = ex.array_const(fa.var, fb.var, "running variance", "running_var")
        return ex.node("BatchNormalization", [ins[0], scale, bias, mean, var],
                       epsilon=float(fa.eps))  # fmt: skip

    rules[N.BatchNorm] = batch_norm

    def layer_norm(ex: _Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
        shape = fa.inputs[0].shape
        axis, size = len(shape), 1
        while size < fa.n and axis > 0:
            axis -= 1
            size *= shape[axis]
        rest = list(ins[1:])
        ns = shape[axis:]
        scale = rest.pop(0) if fa.has_w else ex.init(numpy.ones(ns, dt(fa)), "ln_scale")
        ins2 = [ins[0], scale] + ([rest.pop(0)] if fa.has_b else [])
        if fa.has_w and tuple(fa.inputs[1].shape) != tuple(ns):
            ins2[1] = ex.node("Reshape", [scale, ex.ints(ns)])
        if fa.has_b and tuple(fa.inputs[-1].shape) != tuple(ns):
            ins2[2] = ex.node("Reshape", [ins2[2], ex.ints(ns)])
        return ex.node("LayerNormalization", ins2, axis=axis - len(shape),
                       epsilon=float(fa.eps))  # fmt: skip

    rules[N.LayerNorm] = layer_norm

    def dropout(ex: _Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
        raise NotImplementedError(
            f"export_onnx: {ex.model_name}: Dropout in training mode (a random mask) has no "
            "ONNX translation; call F.dropout with training=self.training"
        )

    rules[D.Dropout] = dropout

    def embedding(ex: _Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
        idx = _index_source(ex, fa.indices, fb.indices)
        return ex.node("Gather", [ins[0], idx], axis=0)

    rules[Em.Embedding] = embedding

    # ---- recurrent layers
    rules[R.LSTMSequence] = _recurrent("LSTM", [0, 3, 1, 2])
    rules[R.GRUSequence] = _recurrent("GRU", [1, 0, 2])
    rules[R.RNNSequence] = _recurrent("RNN", [0])

    # ---- attention
    rules[At.Attention] = _attention
    rules[At.MultiHeadAttentionCore] = _mha
    return rules


def _held_indices(fa: Any, fb: Any) -> list[tuple[Any, Any]]:
    """The integer index arrays a Function holds (an embedding's indices, the array of an
    indexing ``x[ids]``), paired with their twins."""
    name = type(fa).__name__
    if name == "Embedding":
        return [(fa.indices, fb.indices)]
    if name == "GetItem":
        items = fa.index if isinstance(fa.index, tuple) else (fa.index,)
        items_b = fb.index if isinstance(fb.index, tuple) else (fb.index,)
        return [(a, b) for a, b in zip(items, items_b) if _is_array(a) and _is_array(b)]
    return []


def _index_source(ex: _Exporter, a: Any, b: Any) -> str:
    """An integer index array held by a Function: an integer graph input (compared by value:
    the model may have cast it) or a constant."""
    x = ex.int_input(a, b)
    if x is None:
        return ex.array_const(a, b, "index array", "indices")
    name = ex.input_ids[id(x)]
    if x.dtype == numpy.int64:
        return name
    key = f"cast:{name}"
    if key not in ex.casts:
        ex.casts[key] = ex.node("Cast", [name], to=_onnx_dtype(ex.helper, numpy.int64))
    return ex.casts[key]


def _where_condition(ex: _Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
    """The boolean condition of a ``where``: a comparison of the operands recognized from the
    data (``x > 0``, ``a < b``, as in ``prelu`` or a tensor ``clamp``), or a constant mask (a
    causal mask); anything else computed from the data outside the graph is unsupported."""
    ca, cb = backend.to_numpy(fa.cond), backend.to_numpy(fb.cond)
    if ca.any() and not ca.all():  # both values occur: try the comparisons of the operands
        found = _comparison(ex, fa, fb, ca, cb, ins)
        if found is not None:
            return found
    if numpy.shape(ca) == numpy.shape(cb) and _same(ca, cb):
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


def _comparison(ex: _Exporter, fa: Any, fb: Any, ca: Any, cb: Any, ins: list[str]) -> str | None:
    """``op(operand_i, 0)`` or ``op(operand_i, operand_j)`` that reproduces the condition in
    both traces, as an ONNX node; None when none does."""
    xs_a = [backend.to_numpy(x.data) for x in fa.inputs]
    xs_b = [backend.to_numpy(x.data) for x in fb.inputs]
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


def _getitem(ex: _Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
    """``x[index]`` for ints, slices, None, Ellipsis and one integer array."""
    index, index_b = fa.index, fb.index
    items = index if isinstance(index, tuple) else (index,)
    items_b = index_b if isinstance(index_b, tuple) else (index_b,)
    ndim = fa.inputs[0].ndim
    arrays = [i for i, it in enumerate(items) if _is_array(it)]
    if arrays:
        it = items[arrays[0]]
        if (
            len(arrays) > 1
            or numpy.asarray(it).dtype == bool
            or any(isinstance(x, (int, numpy.integer)) for x in items)
        ):
            raise NotImplementedError(
                f"export_onnx: {ex.model_name}: GetItem with index {_show(index)} (boolean "
                "masks or several index arrays) has no ONNX translation"
            )
    consuming = sum(1 for it in items if it is not None and it is not Ellipsis)
    y, pos = ins[0], 0
    for k, it in enumerate(items):
        if it is Ellipsis:
            pos += ndim - consuming
            continue
        if it is None:
            y = ex.unsqueeze(y, [pos])
            pos += 1
            continue
        if isinstance(it, slice):
            if it != slice(None):
                step = 1 if it.step is None else int(it.step)
                start = it.start if it.start is not None else (0 if step > 0 else _INT64_MAX)
                stop = it.stop if it.stop is not None else (_INT64_MAX if step > 0 else _INT64_MIN)
                y = ex.node("Slice", [y, ex.ints([int(start)]), ex.ints([int(stop)]),
                                      ex.ints([pos]), ex.ints([step])])  # fmt: skip
            pos += 1
            continue
        if isinstance(it, (int, numpy.integer)):
            y = ex.node("Gather", [y, ex.const(int(it), numpy.int64, "index")], axis=pos)
            continue
        # one integer array: its dims replace the axis
        idx = _index_source(ex, it, items_b[k])
        y = ex.node("Gather", [y, idx], axis=pos)
        pos += numpy.ndim(it)
    return y


def _is_array(it: Any) -> bool:
    return not (it is None or it is Ellipsis or isinstance(it, (int, numpy.integer, slice)))


def _show(index: Any) -> str:
    items = index if isinstance(index, tuple) else (index,)
    return "[" + ", ".join(f"<array {numpy.shape(i)}>" if _is_array(i) else repr(i)
                           for i in items) + "]"  # fmt: skip


def _recurrent(op: str, gate_order: list[int]) -> Rule:
    """LSTM / GRU / RNN sequence Functions → the ONNX operator of one direction, with the
    gate blocks of the weights and biases reordered from PyTorch's layout to ONNX's."""

    def rule(ex: _Exporter, fa: Any, fb: Any, ins: list[str]) -> list[str]:
        name = type(fa).__name__
        if fa.batch_sizes is not None or fb.batch_sizes is not None:
            raise NotImplementedError(
                f"export_onnx: {ex.model_name}: {name} with per-sample lengths has no ONNX "
                "translation"
            )
        k = 2 if op == "LSTM" else 1  # number of states
        ws = fa.inputs[k + 1 :]
        if op == "LSTM" and len(ws) % 2 == 1:
            raise NotImplementedError(
                f"export_onnx: {ex.model_name}: LSTM with proj_size has no ONNX translation"
            )
        for w in ws:
            if w._creator is not None and ex.depends.get(id(w._creator)):
                raise NotImplementedError(
                    f"export_onnx: {ex.model_name}: {name} with weights computed from the input"
                )
        w_ih, w_hh = (backend.to_numpy(w.data) for w in ws[:2])
        H = w_hh.shape[1] if op != "LSTM" else w_hh.shape[0] // 4
        n_gates = len(gate_order)

        def reorder(a: Any) -> Any:
            blocks = [a[i * H : (i + 1) * H] for i in range(n_gates)]
            return numpy.concatenate([blocks[i] for i in gate_order], axis=0)

        stem = ex.param_names.get(id(ws[0]), op.lower())
        W = ex.init(reorder(w_ih)[None], f"{stem}.onnx")
        Rw = ex.init(reorder(w_hh)[None], f"{ex.param_names.get(id(ws[1]), op.lower())}.onnx")
        B = ""
        if len(ws) >= 4:
            b = numpy.concatenate([reorder(backend.to_numpy(ws[2].data)),
                                   reorder(backend.to_numpy(ws[3].data))])  # fmt: skip
            B = ex.init(b[None], f"{ex.param_names.get(id(ws[2]), op.lower() + '.bias')}.onnx")
        states = []
        for i in range(1, k + 1):
            s = fa.inputs[i]
            const = s._creator is None or not ex.depends.get(id(s._creator))
            if const and id(s) not in ex.input_ids and not backend.to_numpy(s.data).any():
                states.append("")  # zeros: ONNX's default initial state
            else:
                states.append(ex.unsqueeze(ins[i], [0]))
        attrs: dict[str, Any] = {"hidden_size": int(H)}
        if fa.reverse:
            attrs["direction"] = "reverse"
        if op == "GRU":
            attrs["linear_before_reset"] = 1
        if op == "RNN":
            attrs["activations"] = ["Relu" if fa.relu else "Tanh"]
        onnx_ins = [ins[0], W, Rw, B, "", *states]
        while onnx_ins[-1] == "":
            onnx_ins.pop()
        outs = ex.node(op, onnx_ins, n_out=1 + k, **attrs)
        y = ex.squeeze(outs[0], [1])  # (T, 1, B, H) -> (T, B, H)
        return [y] + [ex.squeeze(o, [0]) for o in outs[1:]]

    return rule


def _scores(ex: _Exporter, q: str, kt: str, scale: float, mask: str, dtype: Any) -> str:
    s = ex.node("MatMul", [q, kt])
    if scale != 1.0:
        s = ex.node("Mul", [s, ex.scalar(scale, dtype)])
    if mask:
        s = ex.node("Add", [s, mask])
    return ex.node("Softmax", [s], axis=-1)


def _attention(ex: _Exporter, fa: Any, fb: Any, ins: list[str]) -> list[str]:
    if fa.drop is not None:
        raise NotImplementedError(
            f"export_onnx: {ex.model_name}: attention dropout in training mode has no ONNX "
            "translation"
        )
    d = fa.inputs[0].dtype
    kd = fa.inputs[1].ndim
    perm = list(range(kd))
    perm[-1], perm[-2] = perm[-2], perm[-1]
    kt = ex.node("Transpose", [ins[1]], perm=perm)
    mask = ex.array_const(fa.mask, fb.mask, "attention mask", "attn_mask")
    p = _scores(ex, ins[0], kt, fa.scale, mask, d)
    return [ex.node("MatMul", [p, ins[2]]), p]


def _mha(ex: _Exporter, fa: Any, fb: Any, ins: list[str]) -> list[str]:
    if fa.drop is not None:
        raise NotImplementedError(
            f"export_onnx: {ex.model_name}: attention dropout in training mode has no ONNX "
            "translation"
        )
    h, bf = fa.h, fa.bf
    d = fa.inputs[0].dtype
    perm = [0, 2, 1, 3] if bf else [1, 2, 0, 3]
    if len(ins) == 1:  # packed (a, b, 3E)
        e3 = fa.inputs[0].shape[-1]
        x5 = ex.node("Reshape", [ins[0], ex.ints([0, 0, 3, h, e3 // (3 * h)])])
        parts = ex.node("Split", [x5, ex.ints([1, 1, 1])], n_out=3, axis=2)
        heads = [
            ex.node("Transpose", [ex.squeeze(p, [2])], perm=perm) for p in parts
        ]  # fmt: skip
    else:
        heads = []
        for x, t in zip(ins, fa.inputs):
            e = t.shape[-1]
            x4 = ex.node("Reshape", [x, ex.ints([0, 0, h, e // h])])
            heads.append(ex.node("Transpose", [x4], perm=perm))
    qh, kh, vh = heads
    kt = ex.node("Transpose", [kh], perm=[0, 1, 3, 2])
    m = fa.mask
    L = fa.inputs[0].shape[1 if bf else 0]
    if m is not None and (m.shape[0] != 1 or (m.shape[2] == 1 and L > 1)):
        raise ex.data_error(f"a per-sample attention mask of shape {m.shape} (key_padding_mask)")
    mask = ex.array_const(fa.mask, fb.mask, "attention mask", "attn_mask")
    p = _scores(ex, qh, kt, fa.scale, mask, d)
    yh = ex.node("MatMul", [p, vh])  # (N, H, L, D)
    y = ex.node("Transpose", [yh], perm=[0, 2, 1, 3] if bf else [2, 0, 1, 3])
    y = ex.node("Reshape", [y, ex.ints([0, 0, -1])])
    return [y, p]
