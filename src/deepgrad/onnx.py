"""``torch.onnx.export`` with PyTorch's argument names, mapped to deepgrad's exporter
(:func:`deepgrad.io.export_onnx`).

``dg.onnx.export(model, args, "model.onnx", input_names=["x"], output_names=["y"],
opset_version=17, dynamic_axes={"x": {0: "batch"}})`` writes the file; ``dynamic_axes`` may make
the batch axis (0) of the inputs dynamic (deepgrad's exporter supports that one axis), and
without it the graph takes exactly the example's shapes. ``export_params``, ``verbose``,
``do_constant_folding``, ``training`` and ``dynamo`` are accepted (deepgrad always exports
parameters as initializers, in eval mode).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from .io.onnx import DEFAULT_OPSET, export_onnx

__all__ = ["export"]


def export(
    model: Any,
    args: Any = (),
    f: str | os.PathLike | None = None,
    *,
    kwargs: dict[str, Any] | None = None,
    input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None,
    opset_version: int | None = None,
    dynamic_axes: Mapping[str, Any] | None = None,
    export_params: bool = True,
    verbose: bool | None = None,
    do_constant_folding: bool = True,
    training: Any = None,
    dynamo: bool = True,
    **unused: Any,
) -> None:
    """Export ``model`` run on ``args`` (a tensor or a tuple of them) to the ONNX file ``f``."""
    if f is None:
        raise ValueError("onnx.export: give the file to write (f='model.onnx')")
    if kwargs:
        raise NotImplementedError("onnx.export: keyword inputs (kwargs=) are not supported")
    if not export_params:
        raise NotImplementedError("onnx.export: export_params=False is not supported")
    example = args if isinstance(args, tuple) else (args,)
    n_in = len(example)
    names_in = list(input_names) if input_names else [f"input_{i}" for i in range(n_in)]
    if n_in == 1 and not input_names:
        names_in = ["input"]
    names_out = list(output_names) if output_names else ["output"]
    dynamic = False
    if dynamic_axes:
        axes = {
            name: sorted(a) if isinstance(a, Mapping) else sorted(a)
            for name, a in dynamic_axes.items()
        }
        other = {n: a for n, a in axes.items() if list(a) != [0]}
        if other:
            raise NotImplementedError(
                f"onnx.export: only the batch axis (0) can be dynamic in deepgrad's exporter; "
                f"dynamic_axes asks for {other}"
            )
        dynamic = True
    export_onnx(
        model,
        f,
        example[0] if n_in == 1 else example,
        opset=DEFAULT_OPSET if opset_version is None else int(opset_version),
        input_names=names_in,
        output_names=names_out,
        dynamic_batch=dynamic,
    )
