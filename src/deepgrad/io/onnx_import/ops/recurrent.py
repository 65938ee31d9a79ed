"""Recurrent layers in ONNX's own layout: ``LSTM`` (gates ``i o f c``, optional peepholes),
``GRU`` (gates ``z r h``, both ``linear_before_reset`` forms) and ``RNN``; forward, reverse or
bidirectional, ``layout`` 0 (``(T, N, ·)``) or 1 (``(N, T, ·)``).

Each step is written with deepgrad's differentiable functions; the weights stay in ONNX's
layout. Not supported (refused by name): ``sequence_lens`` shorter than the sequence,
activations other than the defaults' family (Sigmoid, Tanh, Relu)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy

from .... import functional as F
from ....tensor import Tensor
from ..registry import Node, array, op, wrap

_ACTS: dict[str, Callable[[Tensor], Tensor]] = {
    "Sigmoid": F.sigmoid,
    "Tanh": F.tanh,
    "Relu": F.relu,
}


def _setup(node: Node, ins: list[Any], gates: int, defaults: list[str]) -> dict[str, Any]:
    x, w, r = ins[0], ins[1], ins[2]
    get = lambda k: ins[k] if len(ins) > k else None  # noqa: E731
    layout = int(node.attr("layout", 0))
    if layout:
        x = F.swapaxes(x, 0, 1)
    seq_lens = get(4)
    if seq_lens is not None and (array(seq_lens) != x.shape[0]).any():
        raise node.fail("sequence_lens shorter than the sequence are not supported")
    direction = node.attr("direction", "forward")
    dirs = 2 if direction == "bidirectional" else 1
    hidden = int(node.attr("hidden_size", r.shape[-1]))
    if r.ndim != 3 or r.shape[0] != dirs or r.shape[1:] != (gates * hidden, hidden):
        raise node.fail(
            f"hidden_size {hidden} does not match the recurrence weights of shape "
            f"{tuple(r.shape)} (expected ({dirs}, {gates} * hidden_size, hidden_size))"
        )
    names = node.attr("activations") or defaults * dirs
    for a in names:
        if a not in _ACTS:
            raise node.fail(f"activation {a!r} is not supported ({', '.join(_ACTS)})")
    if node.attr("activation_alpha") or node.attr("activation_beta"):
        raise node.fail("activation_alpha / activation_beta are not supported")
    b = get(3)
    batch = x.shape[1]
    h0 = get(5)
    if h0 is None:
        h0 = wrap(numpy.zeros((dirs, batch, hidden)), dtype=x.dtype)
    return {
        "x": x,
        "w": w,
        "r": r,
        "b": b,
        "h0": h0,
        "dirs": dirs,
        "direction": direction,
        "hidden": hidden,
        "acts": [_ACTS[a] for a in names],
        "layout": layout,
        "clip": node.attr("clip"),
        "gates": gates,
    }


def _clip(v: Tensor, c: float | None) -> Tensor:
    return v if c is None else F.clamp(v, -float(c), float(c))


def _outputs(
    node: Node, s: dict[str, Any], ys: list[list[Tensor]], finals: list[list[Tensor]]
) -> list:
    """``Y (T, D, N, H)`` and each final state ``(D, N, H)`` (batch first for layout 1)."""
    y = F.stack([F.stack(seq, 0) for seq in ys], 1)  # (T, D, N, H)
    states = [F.stack(list(f), 0) for f in zip(*finals)]
    if s["layout"]:
        y = F.permute(y, (2, 0, 1, 3))
        states = [F.swapaxes(t, 0, 1) for t in states]
    return [y, *states][: node.n_outputs]


def _steps(s: dict[str, Any], d: int) -> list[int]:
    t = s["x"].shape[0]
    reverse = s["direction"] == "reverse" or d == 1
    return list(range(t - 1, -1, -1)) if reverse else list(range(t))


def _split(v: Tensor, n: int) -> list[Tensor]:
    return list(F.split(v, v.shape[-1] // n, axis=-1))


@op("LSTM")
def _lstm(node: Node, ins: list[Any]) -> list:
    s = _setup(node, ins, 4, ["Sigmoid", "Tanh", "Tanh"])
    if int(node.attr("input_forget", 0)):
        raise node.fail("input_forget=1 is not supported")
    x, hsz, dirs = s["x"], s["hidden"], s["dirs"]
    c0 = ins[6] if len(ins) > 6 and ins[6] is not None else None
    p = ins[7] if len(ins) > 7 and ins[7] is not None else None
    ys, finals = [], []
    for d in range(dirs):
        f, g, h_act = s["acts"][3 * d : 3 * d + 3]
        w, r = s["w"][d], s["r"][d]
        bias = None if s["b"] is None else s["b"][d][: 4 * hsz] + s["b"][d][4 * hsz :]
        h = s["h0"][d]
        c = c0[d] if c0 is not None else h * wrap(0.0, dtype=h.dtype)
        xw = F.matmul(x, F.swapaxes(w, 0, 1))  # (T, N, 4H)
        if bias is not None:
            xw = xw + bias
        out = [None] * x.shape[0]
        for t in _steps(s, d):
            gi, go, gf, gc = _split(xw[t] + F.matmul(h, F.swapaxes(r, 0, 1)), 4)
            if p is not None:
                pi, po, pf = _split(p[d], 3)
                gi, gf = gi + pi * c, gf + pf * c
            i, fg = f(_clip(gi, s["clip"])), f(_clip(gf, s["clip"]))
            c = fg * c + i * g(_clip(gc, s["clip"]))
            if p is not None:
                go = go + po * c
            h = f(_clip(go, s["clip"])) * h_act(c)
            out[t] = h
        ys.append(out)
        finals.append([h, c])
    return _outputs(node, s, ys, finals)


@op("GRU")
def _gru(node: Node, ins: list[Any]) -> list:
    s = _setup(node, ins, 3, ["Sigmoid", "Tanh"])
    x, hsz, dirs = s["x"], s["hidden"], s["dirs"]
    before = int(node.attr("linear_before_reset", 0))
    ys, finals = [], []
    for d in range(dirs):
        f, g = s["acts"][2 * d : 2 * d + 2]
        w, r = s["w"][d], s["r"][d]
        wb = rb = None
        if s["b"] is not None:
            wb, rb = s["b"][d][: 3 * hsz], s["b"][d][3 * hsz :]
        h = s["h0"][d]
        xw = F.matmul(x, F.swapaxes(w, 0, 1))
        if wb is not None:
            xw = xw + wb
        rz, rr, rh = _split(F.swapaxes(r, 0, 1), 3)
        rbz, rbr, rbh = _split(rb, 3) if rb is not None else (None, None, None)
        out = [None] * x.shape[0]
        for t in _steps(s, d):
            xz, xr, xh = _split(xw[t], 3)
            hz, hr = F.matmul(h, rz), F.matmul(h, rr)
            if rbz is not None:
                hz, hr = hz + rbz, hr + rbr
            z, rg = f(_clip(xz + hz, s["clip"])), f(_clip(xr + hr, s["clip"]))
            if before:
                hh = F.matmul(h, rh) + (rbh if rbh is not None else 0.0)
                n = g(_clip(xh + rg * hh, s["clip"]))
            else:
                hh = F.matmul(rg * h, rh) + (rbh if rbh is not None else 0.0)
                n = g(_clip(xh + hh, s["clip"]))
            h = (1.0 - z) * n + z * h
            out[t] = h
        ys.append(out)
        finals.append([h])
    return _outputs(node, s, ys, finals)


@op("RNN")
def _rnn(node: Node, ins: list[Any]) -> list:
    s = _setup(node, ins, 1, ["Tanh"])
    x, hsz, dirs = s["x"], s["hidden"], s["dirs"]
    ys, finals = [], []
    for d in range(dirs):
        f = s["acts"][d]
        w, r = s["w"][d], s["r"][d]
        xw = F.matmul(x, F.swapaxes(w, 0, 1))
        if s["b"] is not None:
            xw = xw + s["b"][d][:hsz] + s["b"][d][hsz:]
        h = s["h0"][d]
        out = [None] * x.shape[0]
        for t in _steps(s, d):
            h = f(_clip(xw[t] + F.matmul(h, F.swapaxes(r, 0, 1)), s["clip"]))
            out[t] = h
        ys.append(out)
        finals.append([h])
    return _outputs(node, s, ys, finals)
