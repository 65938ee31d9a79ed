"""ONNX rules for the fused recurrent layers: LSTM, GRU, RNN (gate blocks reordered to ONNX's)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy

from .... import backend
from ....functional import recurrent as R
from ..common import Rule

if TYPE_CHECKING:
    from ..graph import Exporter

RULES: dict[type, Rule] = {}


def _recurrent(op: str, gate_order: list[int]) -> Rule:
    """LSTM / GRU / RNN sequence Functions → the ONNX operator of one direction, with the
    gate blocks of the weights and biases reordered from PyTorch's layout to ONNX's."""

    def rule(ex: Exporter, fa: Any, fb: Any, ins: list[str]) -> list[str]:
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
        w_ih, w_hh = (backend.to_numpy(w._data) for w in ws[:2])
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
            b = numpy.concatenate([reorder(backend.to_numpy(ws[2]._data)),
                                   reorder(backend.to_numpy(ws[3]._data))])  # fmt: skip
            B = ex.init(b[None], f"{ex.param_names.get(id(ws[2]), op.lower() + '.bias')}.onnx")
        states = []
        for i in range(1, k + 1):
            s = fa.inputs[i]
            const = s._creator is None or not ex.depends.get(id(s._creator))
            if const and id(s) not in ex.input_ids and not backend.to_numpy(s._data).any():
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


RULES[R.LSTMSequence] = _recurrent("LSTM", [0, 3, 1, 2])
RULES[R.GRUSequence] = _recurrent("GRU", [1, 0, 2])
RULES[R.RNNSequence] = _recurrent("RNN", [0])
