"""``load_onnx``: an ONNX model as a deepgrad :class:`~deepgrad.nn.Module`.

The module keeps the ONNX graph's nodes in order and, in ``forward``, runs them one after
the other, each through its handler (see :mod:`.registry`). Floating-point initializers
become :class:`~deepgrad.nn.Parameter` s (trainable; ``state_dict`` keys are the ONNX names
with characters other than letters, digits and ``_`` replaced by ``_``), integer and boolean
ones become buffers. Every operator is checked when the model is loaded: a model that uses
an operator deepgrad has no handler for is refused with the whole list.
"""

from __future__ import annotations

import difflib
import math
import os
import re
from collections import Counter
from typing import Any

import numpy

from ...nn.module import Module
from ...nn.parameter import Parameter
from ...tensor import Tensor
from . import ops  # noqa: F401 - fills the handler table
from .registry import BROADCASTING, HANDLERS, Node, OnnxImportError, size_limit

_DOMAINS = ("", "ai.onnx")


def tensor_array(t: Any, where: str) -> numpy.ndarray:
    """The array of the ONNX ``TensorProto`` ``t``, checked first against what it holds: kept in
    the file (external data names paths the model chooses: never opened), non-negative dims
    declaring no more values than its bytes can hold (at least half a byte each), not strings;
    anything else is an :class:`OnnxImportError` naming ``where``."""
    from onnx import TensorProto, helper, numpy_helper

    what = f"load_onnx: {where} {t.name!r}"
    if t.data_location == TensorProto.EXTERNAL:
        raise OnnxImportError(
            f"{what} is kept in an external file; deepgrad does not open files a model names. "
            "Convert it to one file first, with onnx: "
            "onnx.save(onnx.load(path), 'one.onnx', save_as_external_data=False)"
        )
    dims = tuple(t.dims)
    if any(d < 0 for d in dims):
        raise OnnxImportError(f"{what} has dims {dims}; expected non-negative sizes")
    held = len(t.raw_data) if t.HasField("raw_data") else t.ByteSize()
    if math.prod(dims) > 2 * held:
        raise OnnxImportError(
            f"{what} declares dims {dims} ({math.prod(dims)} values) but holds {held} bytes"
        )
    try:
        kind = numpy.dtype(helper.tensor_dtype_to_np_dtype(t.data_type)).kind
    except (KeyError, TypeError, ValueError):
        kind = "?"
    if kind in "OSU?" or t.data_type == TensorProto.UNDEFINED:  # strings are Python objects
        name = TensorProto.DataType.Name(t.data_type) if t.data_type in TensorProto.DataType.values() else t.data_type  # fmt: skip
        raise OnnxImportError(
            f"{what} has data type {name}; deepgrad reads numbers and booleans, not strings"
        )
    try:
        return numpy_helper.to_array(t)
    except (ValueError, TypeError) as e:
        raise OnnxImportError(
            f"{what} does not hold the values its dims {dims} declare ({e})"
        ) from None


def _attr_value(a: Any, where: str = "a node") -> Any:
    from onnx import AttributeProto, helper

    if a.type == AttributeProto.TENSOR:
        return tensor_array(a.t, f"{where}, attribute {a.name!r}, tensor")
    if a.type in (AttributeProto.GRAPH, AttributeProto.GRAPHS):
        return a  # control flow: no handler reads it
    v = helper.get_attribute_value(a)
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, list) and v and isinstance(v[0], bytes):
        return [s.decode() for s in v]
    return v


def _safe(name: str) -> str:
    s = re.sub(r"\W", "_", name)
    return s if s and not s[0].isdigit() else "p_" + s


def check_supported(model: Any) -> None:
    """Raise :class:`OnnxImportError` listing every operator of ``model`` (an ONNX
    ``ModelProto``) that deepgrad cannot run, with the nearest supported names."""
    missing: Counter[str] = Counter()
    for node in model.graph.node:
        key = node.op_type if node.domain in _DOMAINS else f"{node.domain}.{node.op_type}"
        if node.domain not in _DOMAINS or node.op_type not in HANDLERS:
            missing[key] += 1
    if missing:
        parts = []
        for name, n in sorted(missing.items()):
            near = difflib.get_close_matches(name, HANDLERS, n=2)
            hint = f" (nearest supported: {', '.join(near)})" if near else ""
            parts.append(f"{name} ×{n}{hint}")
        raise OnnxImportError(
            f"load_onnx: the model uses {len(missing)} operator(s) deepgrad cannot import: "
            + "; ".join(parts)
            + f". Supported: {', '.join(sorted(HANDLERS))}"
        )


def _as_value(x: Any) -> Any:
    """A graph input as a tensor (a list of arrays, an ONNX sequence, as a list of tensors)."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (list, tuple)):
        return [_as_value(v) for v in x]
    return Tensor._wrap(numpy.asarray(x))


class OnnxModule(Module):
    """A deepgrad module that runs an ONNX graph (build it with :func:`load_onnx`).

    ``forward(*inputs)`` takes the graph's inputs in order (tensors or arrays) and returns its
    output (a tuple when the graph has several). ``input_names`` / ``output_names`` name them.
    """

    def __init__(self, model: Any, max_elements: int | None = None) -> None:
        super().__init__()
        check_supported(model)
        graph = model.graph
        if graph.sparse_initializer:
            names = [t.values.name or "?" for t in graph.sparse_initializer]
            shown = ", ".join(repr(n) for n in names[:5]) + (" ..." if len(names) > 5 else "")
            raise OnnxImportError(
                f"load_onnx: the model has {len(names)} sparse initializer(s) ({shown}); "
                "deepgrad reads dense initializers only (graph.initializer)"
            )
        #: the fixed limit on elements of an output sized by the model's values, or None for
        #: the default rule (see :func:`.registry.size_limit`)
        self.max_elements = None if max_elements is None else int(max_elements)
        opsets = {o.domain: o.version for o in model.opset_import}
        self.opset = int(opsets.get("", opsets.get("ai.onnx", 1)))
        self._names: dict[str, str] = {}
        inits = {t.name: tensor_array(t, "initializer") for t in graph.initializer}
        for name, arr in inits.items():
            attr = _safe(name)
            while attr in self._names.values():
                attr += "_"
            self._names[name] = attr
            if arr.dtype.kind == "f":
                self.register_parameter(attr, Parameter(numpy.array(arr)))
            else:
                self.register_buffer(attr, Tensor._wrap(numpy.array(arr)))
        self.input_names = [i.name for i in graph.input if i.name not in inits]
        self.output_names = [o.name for o in graph.output]
        self._nodes: list[tuple[Node, list[str], list[str]]] = []
        for k, n in enumerate(graph.node):
            where = f"node {n.name or n.op_type!r}"
            attrs = {a.name: _attr_value(a, where) for a in n.attribute}
            ctx = Node(n.op_type, n.name or f"{n.op_type}_{k}", attrs, self.opset, len(n.output))
            self._nodes.append((ctx, list(n.input), list(n.output)))
        self._check_names(graph, set(inits))
        _check_constant_shapes(self._nodes, inits, graph, self.max_elements)

    def _check_names(self, graph: Any, inits: set[str]) -> None:
        """Every node input and graph output names a graph input, an initializer or an earlier
        node's output (ONNX keeps nodes in order): an unknown name is refused here, not a
        KeyError in the middle of ``forward``."""
        known = set(inits) | {i.name for i in graph.input}
        for ctx, ins, outs in self._nodes:
            for name in ins:
                if name and name not in known:
                    raise ctx.fail(_unknown(name, known, "input"))
            known.update(o for o in outs if o)
        for o in graph.output:
            if o.name not in known:
                raise OnnxImportError(f"load_onnx: graph output {_unknown(o.name, known, '')}")

    def forward(self, *inputs: Any) -> Any:
        if len(inputs) != len(self.input_names):
            raise TypeError(
                f"OnnxModule: the graph takes {len(self.input_names)} input(s) "
                f"{self.input_names}, got {len(inputs)}"
            )
        env: dict[str, Any] = {}
        for onnx_name, attr in self._names.items():
            env[onnx_name] = getattr(self, attr)
        for name, x in zip(self.input_names, inputs):
            env[name] = _as_value(x)
        largest = max((_numel(v) for v in env.values()), default=0)
        for ctx, ins, outs in self._nodes:
            ctx.module = self
            ctx.limit = size_limit(largest, self.max_elements)
            args = [env[i] if i else None for i in ins]
            if ctx.op_type in BROADCASTING:
                ctx.check_broadcast([tuple(a.shape) for a in args if isinstance(a, Tensor)])
            try:
                result = HANDLERS[ctx.op_type](ctx, args)
            except OnnxImportError:
                raise
            except Exception as e:
                e.add_note(f"(in ONNX {ctx.op_type} node {ctx.name!r})")
                raise
            if not isinstance(result, (list, tuple)):
                result = [result]
            for name, value in zip(outs, result):
                if name:
                    env[name] = value
                    largest = max(largest, _numel(value))
        out = tuple(env[n] for n in self.output_names)
        return out[0] if len(out) == 1 else out

    def extra_repr(self) -> str:
        counts = Counter(ctx.op_type for ctx, _, _ in self._nodes)
        shown = ", ".join(f"{k}×{v}" for k, v in counts.most_common())
        return f"opset={self.opset}, nodes={len(self._nodes)} ({shown})"


def _numel(v: Any) -> int:
    return math.prod(v.shape) if isinstance(v, Tensor) else 0


def _unknown(name: str, known: set[str], what: str) -> str:
    near = difflib.get_close_matches(name, sorted(known), n=1)
    hint = f" (nearest: {near[0]!r})" if near else ""
    what = f"{what} " if what else ""
    return f"{what}{name!r} is not a graph input, an initializer or an earlier node's output{hint}"


def _check_constant_shapes(
    nodes: list[tuple[Node, list[str], list[str]]],
    inits: dict[str, numpy.ndarray],
    graph: Any,
    max_elements: int | None,
) -> None:
    """Where the size of an output comes from constants (initializers, ``Constant`` nodes),
    check it now, against the limit a run would have with the initializers and the graph's
    fixed input sizes (see :func:`.registry.size_limit`); the shapes that constants broadcast to
    are checked too, and count towards the limit as they would in a run."""
    consts = {k: v for k, v in inits.items() if v.dtype.kind in "iuf"}
    shapes = {k: v.shape for k, v in inits.items()}
    largest = max((v.size for v in inits.values()), default=0)
    for i in graph.input:
        dims = i.type.tensor_type.shape.dim if i.type.HasField("tensor_type") else ()
        largest = max(largest, math.prod(max(d.dim_value, 1) for d in dims))
    limit = size_limit(largest, max_elements)

    def const(ins: list[str], k: int) -> numpy.ndarray | None:
        return consts.get(ins[k]) if len(ins) > k and ins[k] else None

    for ctx, ins, outs in nodes:
        ctx.limit = limit
        op = ctx.op_type
        if op == "Constant" and outs and isinstance(ctx.attrs.get("value"), numpy.ndarray):
            consts[outs[0]] = ctx.attrs["value"]
            shapes[outs[0]] = consts[outs[0]].shape
        elif op == "Constant" and outs and "value_ints" in ctx.attrs:
            consts[outs[0]] = numpy.array(ctx.attrs["value_ints"], dtype=numpy.int64)
            shapes[outs[0]] = consts[outs[0]].shape
        elif op in BROADCASTING and outs and all(i in shapes for i in ins if i):
            shapes[outs[0]] = ctx.check_broadcast([shapes[i] for i in ins if i])
            largest = max(largest, math.prod(shapes[outs[0]]))
            limit = size_limit(largest, max_elements)
        elif op == "ConstantOfShape" and (v := const(ins, 0)) is not None:
            ctx.check_size(v.reshape(-1))
        elif op in ("Expand", "Tile") and (v := const(ins, 1)) is not None:
            what = "an output at least as large as" if op == "Expand" else "repeats"
            ctx.check_size(v.reshape(-1), what)
        elif op == "Reshape" and (v := const(ins, 1)) is not None:
            from .ops.shape import check_reshape

            check_reshape(ctx, [int(s) for s in v.reshape(-1)])
        elif op == "Range" and all(const(ins, k) is not None for k in range(3)):
            from .ops.shape import range_length

            ctx.check_size((range_length(ctx, *(const(ins, k) for k in range(3))),))


def load_onnx(path: Any, *, max_elements: int | None = None) -> OnnxModule:
    """Build a deepgrad module from an ONNX model: a file path, bytes, or a loaded
    ``onnx.ModelProto``.

    Operators whose output size comes from the model's values (``ConstantOfShape``,
    ``Expand``, ``Tile``, ``Range``, ``Pad``, convolution pads and strides) or can outgrow
    their inputs (elementwise broadcasting, ``MatMul`` / ``Gemm`` / ``Einsum`` outer products,
    ``Gather``) may make at most
    ``max(2**26, 16 x the largest tensor of the run so far)`` elements; the rest is refused
    with an :class:`OnnxImportError` naming the node, before anything is allocated (at load
    time when the sizes are constants). Work that its output does not bound (``Einsum``'s
    summed letters, ``MatMul``'s inner dimension, pooling windows) may take at most
    ``WORK_FACTOR`` (1024) times that limit in steps. ``max_elements=N`` sets a fixed limit
    instead, for a trusted model that needs more.

    The module runs in eval mode by default (``Dropout`` is the identity,
    ``BatchNormalization`` uses its running statistics) and its float weights are
    parameters, so it can be fine-tuned. Operators deepgrad has no handler for are listed
    in an :class:`OnnxImportError` before anything runs.

    Example::

        net = deepgrad.io.load_onnx("resnet.onnx")
        y = net(x)                      # x: (N, 3, H, W) float32
    """
    try:
        import onnx
    except ImportError as e:  # pragma: no cover - the onnx extra
        raise ImportError("load_onnx needs the onnx package: pip install 'deepgrad[onnx]'") from e
    if isinstance(path, onnx.ModelProto):
        model = path
    elif isinstance(path, (bytes, bytearray)):
        model = _parse(onnx, lambda: onnx.load_from_string(bytes(path)), "the bytes given")
    elif isinstance(path, (str, os.PathLike)):
        if not os.path.isfile(path):
            raise FileNotFoundError(f"load_onnx: no such file: {os.fspath(path)!r}")
        where = repr(os.fspath(path))
        model = _parse(onnx, lambda: onnx.load(os.fspath(path), load_external_data=False), where)
    else:
        raise TypeError(
            f"load_onnx: expected a path, bytes or onnx.ModelProto, got {type(path).__name__}"
        )
    _refuse_external_data(onnx, model)
    _refuse_non_text(model)
    module = OnnxModule(model, max_elements=max_elements)
    module.eval()
    return module


def _parse(onnx: Any, load: Any, where: str) -> Any:
    """The parsed model, or an :class:`OnnxImportError` saying the input is not one. Parsing
    a protobuf allocates no more than the bytes it reads; tensors stored outside the file
    (external data) are not followed (see :func:`_refuse_external_data`)."""
    try:
        model = load()
    except Exception as e:  # noqa: BLE001 - protobuf's DecodeError and friends
        raise OnnxImportError(
            f"load_onnx: {where} is not an ONNX model ({type(e).__name__}: {e})"
        ) from e
    if not isinstance(model, onnx.ModelProto) or not model.HasField("graph"):
        raise OnnxImportError(f"load_onnx: {where} is not an ONNX model (no graph)")
    return model


def _refuse_non_text(model: Any) -> None:
    """ONNX's names (tensors, nodes, operators, domains, attributes) are protobuf ``string``
    fields, which must hold UTF-8; protobuf hands a field of other bytes back as ``bytes``
    rather than refusing it. Such a model is refused here, naming the field, instead of
    failing later inside whatever first uses the name."""
    from google.protobuf.descriptor import FieldDescriptor

    string, message = FieldDescriptor.TYPE_STRING, FieldDescriptor.TYPE_MESSAGE
    stack = [("model", model)]
    while stack:
        path, msg = stack.pop()
        for field, value in msg.ListFields():
            where = f"{path}.{field.name}"
            repeated = (
                field.is_repeated
                if hasattr(field, "is_repeated")
                else field.label == FieldDescriptor.LABEL_REPEATED
            )
            values = value if repeated else [value]
            if field.type == string:
                for v in values:
                    if not isinstance(v, str):
                        raise OnnxImportError(
                            f"load_onnx: {where} is {bytes(v)[:40]!r}, not UTF-8 text; ONNX "
                            "names and strings must be UTF-8: the file is corrupted"
                        )
            elif field.type == message and not field.message_type.GetOptions().map_entry:
                stack.extend(
                    (f"{where}[{i}]" if repeated else where, v) for i, v in enumerate(values)
                )
            elif field.type == message:  # a map field: its values
                stack.extend(
                    (f"{where}[{k!r}]", v) for k, v in value.items() if hasattr(v, "ListFields")
                )


def _refuse_external_data(onnx: Any, model: Any) -> None:
    """Tensors kept in other files (``data_location = EXTERNAL``) name paths the model file
    chooses: they are refused rather than opened, with the one-file conversion to use."""
    external = onnx.TensorProto.EXTERNAL
    names = [t.name for t in model.graph.initializer if t.data_location == external]
    if names:
        shown = ", ".join(repr(n) for n in names[:5]) + (" ..." if len(names) > 5 else "")
        raise OnnxImportError(
            f"load_onnx: the model keeps {len(names)} tensor(s) in external files ({shown}); "
            "deepgrad does not open files a model names. Convert it to one file first, with "
            "onnx: onnx.save(onnx.load(path), 'one.onnx', save_as_external_data=False)"
        )
