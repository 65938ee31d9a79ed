"""``export_onnx``: its arguments, and the two traces the graph builder reads."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy

from ... import backend
from ...autograd import enable_grad
from ...tensor import Tensor
from ..serialization import atomic_write, input_spec
from .graph import Exporter

#: the opset the exporter writes by default; ``Gelu`` needs 20 (below it, GELU is decomposed)
DEFAULT_OPSET = 17
#: the lowest opset supported (``LayerNormalization`` is 17)
MIN_OPSET = 17


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
    from ...nn.module import Module

    if not isinstance(model, Module):
        raise TypeError(f"export_onnx: model must be a deepgrad Module, got {type(model).__name__}")
    inputs, input_names, output_names = _check_arguments(
        onnx, model, example_input, opset, input_names, output_names, dynamic_batch
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
        names.setdefault(id(p._data), n)
    for n, b in model.named_buffers():
        names.setdefault(id(b), n)
        names.setdefault(id(b._data), n)

    ex = Exporter(onnx, opset, dynamic_batch, names, type(model).__name__)
    proto = ex.build(ins_a, ins_b, list(input_names), ys_a, ys_b, list(output_names))
    onnx.checker.check_model(proto, full_check=True)
    data = proto.SerializeToString()
    atomic_write(path, lambda f: f.write(data))
    return Path(path)


def _check_arguments(
    onnx: Any,
    model: Any,
    example_input: Any,
    opset: int,
    input_names: Any,
    output_names: Any,
    dynamic_batch: bool,
) -> tuple[list[Tensor], tuple[str, ...], tuple[str, ...]]:
    """The example inputs as tensors and the names, after every check that needs no trace:
    the opset, one name per input, a batch axis to make dynamic, the shape the model was
    built on."""
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

    return inputs, input_names, output_names


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
                x = Tensor._wrap(x)
            except (TypeError, ValueError) as e:
                raise TypeError(
                    f"export_onnx: example_input must be a Tensor or an array, got "
                    f"{type(x).__name__} ({e})"
                ) from None
        if x.dtype.kind not in "fiub":
            raise TypeError(f"export_onnx: unsupported example_input dtype {x.dtype}")
        if x.dtype.kind == "f" and x.dtype != dtype:
            x = Tensor._wrap(x._data.astype(dtype))
        out.append(x)
    return out


def _twin_input(x: Tensor, dynamic: bool) -> Tensor:
    """The second trace's input: ``x`` with its first sample repeated at the end (dynamic
    batch), or with its samples rotated by one (its values along the last axis, for a single
    sample), so that the same shape holds other data."""
    xp = backend.xp
    if dynamic:
        idx = numpy.concatenate([numpy.arange(x.shape[0]), [0]])
        return Tensor._wrap(x._data[xp.asarray(idx)])
    if x.ndim == 0:
        return x
    axis = 0 if x.shape[0] > 1 else x.ndim - 1
    return Tensor._wrap(xp.roll(x._data, 1, axis=axis))


def _run(model: Any, inputs: list[Tensor], what: str) -> tuple[list[Tensor], list[Tensor]]:
    """Run ``model`` with the graph recorded; float inputs require grad so that every
    operation on them is recorded."""
    ins = [
        Tensor._wrap(x._data, requires_grad=x.dtype.kind == "f")
        if x.dtype.kind == "f"
        else x.detach()
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
