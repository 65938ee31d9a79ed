"""ONNX export: ``deepgrad.io.export_onnx(model, "net.onnx", example_input)``.

The package: :mod:`.export` (arguments and the two traces), :mod:`.graph` (the graph
builder that walks the traces), and :mod:`.rules` (one module per family of operations,
each a table from a Function class to the ONNX nodes that compute it).

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
  value repeated over a batch-sized shape (``zeros(N, H)``, written as ``Expand``), the
  condition of a ``where`` that is a comparison of its operands (``x > 0`` as in ``prelu``),
  a boolean model input (a padding mask given with the batch, reshaped:
  ``masked_fill(m.unsqueeze(-1), 0)``, ``key_padding_mask=m``; found by value in both
  traces), or the positions ``max(dim)``/``min(dim)``/``topk``/``sort`` pick (``ArgMax``,
  ``ArgMin``, ``TopK`` then ``GatherElements``). Control flow that changes the graph is
  refused too.

Not exported (each raises :class:`NotImplementedError` saying what): operations without a
rule below, training-mode randomness (the model runs in eval mode), recurrent layers with
per-sample lengths or ``proj_size``, a per-sample mask computed in ``forward`` from the input's
values (``ids == 0``, ``(x > 0).float()``: give such a mask as a boolean model input).
Every input has its batch on axis 0. A row of attention scores that is masked out entirely
gives 0 in deepgrad and NaN in ONNX's ``Softmax``.

ONNX runtimes are not needed: :func:`export_onnx` checks the model with
``onnx.checker.check_model``; the tests run it with ``onnx.reference.ReferenceEvaluator``.
"""

from .export import DEFAULT_OPSET, MIN_OPSET, export_onnx

__all__ = ["DEFAULT_OPSET", "MIN_OPSET", "export_onnx"]
