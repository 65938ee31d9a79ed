"""Recurrent layers: ``RNN``, ``LSTM``, ``GRU`` (whole sequences) and their cells.

Signatures, parameter names and layouts are PyTorch's, so a PyTorch ``state_dict`` loads
one-to-one: for layer ``k`` (suffix ``_reverse`` for the backward direction)
``weight_ih_l{k} (G·H, in)``, ``weight_hh_l{k} (G·H, H)``, ``bias_ih_l{k}``, ``bias_hh_l{k}``
``(G·H,)`` with ``G = 1`` (RNN), ``4`` (LSTM: gates i, f, g, o) or ``3`` (GRU: r, z, n).
An LSTM with ``proj_size = P > 0`` adds ``weight_hr_l{k} (P, H)`` after the biases, and its
``weight_hh_l{k}`` is ``(4H, P)``. Default init is PyTorch's: every parameter
``U(-1/√H, 1/√H)``.

Padded variable-length batches: ``lstm(x, lengths=lengths)`` (or a
:class:`~deepgrad.nn.PackedSequence` from :func:`~deepgrad.nn.pack_padded_sequence`) gives
zero outputs past each length and final states taken at each sample's last valid step, as
PyTorch's packed sequences do. The math lives in :mod:`deepgrad.functional.recurrent`.

>>> import deepgrad as dg
>>> lstm = dg.nn.LSTM(28, 128, batch_first=True)
>>> out, (h_n, c_n) = lstm(dg.randn(64, 28, 28))
>>> out.shape, h_n.shape, c_n.shape
((64, 28, 128), (1, 64, 128), (1, 64, 128))
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

from .. import backend
from .. import functional as F
from .._errors import ShapeMismatchError, bool_arg
from ..functional import recurrent as R
from ..tensor import Tensor, as_tensor
from . import init
from .module import Module
from .packing import PackedSequence, _pack_like, _unpack_for_rnn
from .parameter import Parameter

_GATES = {"RNN": 1, "LSTM": 4, "GRU": 3}


#: PyTorch's ``RNNBase`` modes -> the recurrence that runs them
_KINDS = {"RNN_TANH": "RNN", "RNN_RELU": "RNN", "LSTM": "LSTM", "GRU": "GRU"}


class RNNBase(Module):
    """The base class of :class:`RNN`, :class:`LSTM` and :class:`GRU`, PyTorch's
    ``torch.nn.RNNBase``: ``RNNBase(mode, input_size, hidden_size, ...)`` with ``mode`` one
    of ``"RNN_TANH"``, ``"RNN_RELU"``, ``"LSTM"``, ``"GRU"`` (kept as ``self.mode``) builds
    the parameters of that layer; it has no ``forward`` of its own (the subclasses do).

    >>> import deepgrad as dg
    >>> base = dg.nn.RNNBase("GRU", 3, 4)
    >>> base.mode, base.weight_ih_l0.shape, isinstance(dg.nn.LSTM(3, 4), dg.nn.RNNBase)
    ('GRU', (12, 3), True)
    """

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if mode not in _KINDS:
            raise ValueError("Unrecognized RNN mode: " + str(mode))
        self.mode = mode
        nonlinearity = "relu" if mode == "RNN_RELU" else "tanh"
        name = type(self).__name__
        if input_size <= 0 or hidden_size <= 0 or num_layers <= 0:
            raise ValueError(
                f"{name}: input_size, hidden_size and num_layers must be positive, got "
                f"{input_size}, {hidden_size}, {num_layers}"
            )
        if (
            isinstance(dropout, bool)
            or not isinstance(dropout, numbers.Number)
            or not (0 <= dropout <= 1)
        ):
            raise ValueError(
                "dropout should be a number in range [0, 1] representing the probability of "
                "an element being zeroed"
            )
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                "dropout option adds dropout after all but last recurrent layer, so non-zero "
                "dropout expects num_layers greater than 1, but got "
                f"dropout={dropout} and num_layers={num_layers}",
                stacklevel=2,
            )
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"{name}: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        for flag, value in (("bias", bias), ("batch_first", batch_first)):
            if not isinstance(value, bool):  # PyTorch's constructor checks these two
                raise TypeError(f"{flag} should be of type bool, got: {type(value).__name__}")
        if isinstance(proj_size, bool) or not isinstance(proj_size, int):
            raise TypeError(f"{name}: proj_size must be an int, got {type(proj_size).__name__}")
        if proj_size < 0:
            raise ValueError(
                f"{name}: proj_size should be a positive integer or zero to disable "
                f"projections, got {proj_size}"
            )
        if proj_size >= hidden_size:
            raise ValueError(
                f"{name}: proj_size has to be smaller than hidden_size, got proj_size="
                f"{proj_size} and hidden_size={hidden_size}"
            )
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.nonlinearity = bidirectional, nonlinearity
        self.proj_size = proj_size
        P = proj_size if proj_size > 0 else hidden_size  # size of h (and of each output)
        D = 2 if bidirectional else 1
        G = _GATES[_KINDS[mode]] * hidden_size
        dt = backend.get_default_dtype()
        xp = backend.xp
        bound = 1.0 / math.sqrt(hidden_size)
        self._names: list[list[str]] = []
        for layer in range(num_layers):
            in_size = input_size if layer == 0 else P * D
            for d in range(D):
                sfx = f"_l{layer}" + ("_reverse" if d else "")
                names = [f"weight_ih{sfx}", f"weight_hh{sfx}"]
                shapes = [(G, in_size), (G, P)]
                if bias:
                    names += [f"bias_ih{sfx}", f"bias_hh{sfx}"]
                    shapes += [(G,), (G,)]
                if proj_size > 0:
                    names.append(f"weight_hr{sfx}")
                    shapes.append((proj_size, hidden_size))
                for n, s in zip(names, shapes):
                    p = Parameter(xp.empty(s, dt))
                    init.uniform_(p, -bound, bound)
                    setattr(self, n, p)
                self._names.append(names)

    def reset_parameters(self) -> None:
        """Every weight and bias drawn again from ``U(-1/√hidden_size, 1/√hidden_size)``, in
        place (PyTorch's)."""
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0.0
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """Parameters per layer and direction: ``[[w_ih, w_hh, b_ih, b_hh(, w_hr)], ...]``."""
        return [[getattr(self, n) for n in names] for names in self._names]

    def flatten_parameters(self) -> None:
        """No-op (PyTorch compatibility: parameters are always usable as they are)."""

    def _label(self) -> str:
        return f"{type(self).__name__}({self.input_size}, {self.hidden_size})"

    def _forward(self, input: Any, hx: Any = None, lengths: Any = None) -> Any:  # noqa: A002
        """Run the whole sequence (the ``forward`` of :class:`RNN`, :class:`LSTM`, :class:`GRU`).

        Shapes: ``input (T, B, input_size)`` (``(B, T, input_size)`` with ``batch_first``,
        or unbatched ``(T, input_size)``), or a :class:`PackedSequence`; ``hx``:
        ``h0 (num_layers·D, B, H)`` (LSTM: ``(h0, c0)``), zeros when omitted;
        ``lengths``: ``B`` ints for padded variable-length batches.
        Returns ``(output, h_n)`` (LSTM: ``(output, (h_n, c_n))``) with
        ``output (T, B, D·H)`` and ``h_n (num_layers·D, B, H)``; D = 2 if bidirectional.
        An LSTM with ``proj_size = P > 0`` has ``h0``, ``h_n`` ``(num_layers·D, B, P)`` and
        ``output (T, B, D·P)``; ``c0``, ``c_n`` keep ``H``.
        """
        packed = isinstance(input, PackedSequence)
        if packed:
            if lengths is not None:
                raise ValueError(f"{self._label()}: pass lengths or a PackedSequence, not both")
            x, lengths, packed_info = _unpack_for_rnn(input)
            batch_first = False
        else:
            x = as_tensor(input)
            batch_first = self.batch_first
        if x.ndim not in (2, 3):
            raise ValueError(
                f"{self._label()}: expected a 3-d input (batch_first={self.batch_first}) or an "
                f"unbatched 2-d one (T, {self.input_size}), got shape {x.shape}"
            )
        if x.shape[-1] != self.input_size:
            raise ShapeMismatchError(
                f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got "
                f"{x.shape[-1]}; {self._label()}: expected input with last axis (input_size) "
                f"{self.input_size}, got shape {x.shape}"
            )
        unbatched = x.ndim == 2
        lstm_mode = self.mode == "LSTM"
        if unbatched:
            x = F.unsqueeze(x, 0 if batch_first else 1)
            if hx is not None:
                hx = self._batch_states(hx)
            if lengths is not None:
                lengths = [lengths] if isinstance(lengths, int) else lengths
        elif hx is not None:
            hx = _map_states(hx, as_tensor, lstm_mode, self)
        # PyTorch's kernel call takes bidirectional as a Python bool (1 is its TypeError)
        bool_arg(self.bidirectional, self.mode.lower(), "bidirectional")
        try:
            out, state = R._run(
                _KINDS[self.mode], x, hx, self.all_weights, self.num_layers, self.bidirectional,
                self.dropout, self.training, batch_first, lengths, self.nonlinearity,
            )  # fmt: skip
        except (ValueError, TypeError) as exc:
            kind = _KINDS[self.mode]
            raise type(exc)(str(exc).replace(f"{kind}:", f"{self._label()}:", 1)) from None
        if unbatched:
            out = F.squeeze(out, 0 if batch_first else 1)
            state = _map_states(state, lambda s: F.squeeze(s, 1), lstm_mode, self)
        if packed:
            out = _pack_like(out, packed_info)
        return out, state

    def _batch_states(self, hx: Any) -> Any:
        """The states of an unbatched input, ``h0 (num_layers·D, H)`` (LSTM: ``(h0, c0)``),
        checked and given a batch axis of one: ``(num_layers·D, 1, H)``."""
        lstm_mode = self.mode == "LSTM"
        states = _map_states(hx, as_tensor, lstm_mode, self)
        rows = self.num_layers * (2 if self.bidirectional else 1)
        h_size = (
            ("proj_size", self.proj_size) if self.proj_size else ("hidden_size", self.hidden_size)
        )
        wanted = [("h0", *h_size), ("c0", "hidden_size", self.hidden_size)][: 1 + lstm_mode]
        out = []
        for (name, size_name, size), s in zip(wanted, states if lstm_mode else (states,)):
            if s.shape != (rows, size):
                raise ValueError(
                    f"{self._label()}: expected {name} of shape (num_layers * num_directions, "
                    f"{size_name}) = {(rows, size)} for an unbatched 2-d input, got {s.shape}"
                )
            out.append(F.unsqueeze(s, 1))
        return tuple(out) if lstm_mode else out[0]

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s


def _map_states(hx: Any, f: Any, lstm_mode: bool, layer: Any) -> Any:
    if lstm_mode:
        if not isinstance(hx, (tuple, list)) or len(hx) != 2:
            raise TypeError(
                f"{layer._label()}: hx must be a tuple (h0, c0), got {type(hx).__name__}"
            )
        return (f(hx[0]), f(hx[1]))
    return f(hx)


class RNN(RNNBase):
    """Elman RNN: ``h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)``, act = tanh or relu.

    Parameters as PyTorch's ``torch.nn.RNN`` (``mode`` ``"RNN_TANH"`` or ``"RNN_RELU"``); see
    :meth:`RNNBase._forward` for shapes.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__(
            "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size,
            num_layers, bias, batch_first, dropout, bidirectional,
        )  # fmt: skip

    forward = RNNBase._forward


class LSTM(RNNBase):
    """Long short-term memory (Hochreiter & Schmidhuber, 1997), PyTorch's ``torch.nn.LSTM``.

    ``[i, f, g, o] = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh``;
    ``c_t = σ(f) ⊙ c_{t-1} + σ(i) ⊙ tanh(g)``; ``h_t = σ(o) ⊙ tanh(c_t)``.
    With ``proj_size = P`` (``0 < P < hidden_size``) the state is projected,
    ``h_t = W_hr (σ(o) ⊙ tanh(c_t))`` with ``weight_hr_l{k} (P, H)``, as PyTorch's: ``h0``,
    ``h_n`` and each output direction have size ``P``, ``c0``, ``c_n`` keep ``H``.
    ``forward(x, (h0, c0)=None, lengths=None) -> (output, (h_n, c_n))``. Each layer and
    direction (projection included) runs as one fused graph node (double backward through
    it is not supported).
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            "LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout,
            bidirectional, proj_size,
        )  # fmt: skip

    forward = RNNBase._forward


class GRU(RNNBase):
    """Gated recurrent unit (Cho et al., 2014), PyTorch's ``torch.nn.GRU`` form:
    ``r, z = σ(·)``, ``n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))``,
    ``h_t = (1 - z) ⊙ n + z ⊙ h_{t-1}``. ``forward(x, h0=None, lengths=None) -> (output, h_n)``.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            "GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional
        )

    forward = RNNBase._forward


# ---------------------------------------------------------------------------------------
# cells
# ---------------------------------------------------------------------------------------


class RNNCellBase(Module):
    """The base class of :class:`RNNCell`, :class:`LSTMCell` and :class:`GRUCell`,
    PyTorch's ``torch.nn.RNNCellBase``: ``RNNCellBase(input_size, hidden_size, bias,
    num_chunks)`` builds ``weight_ih (num_chunks·H, in)``, ``weight_hh (num_chunks·H, H)``
    and the biases, each ``U(-1/√H, 1/√H)``; it has no ``forward`` of its own.

    >>> import deepgrad as dg
    >>> cell = dg.nn.RNNCellBase(3, 4, True, 4)
    >>> cell.weight_ih.shape, isinstance(dg.nn.GRUCell(3, 4), dg.nn.RNNCellBase)
    ((16, 3), True)
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool,
        num_chunks: int,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        if input_size <= 0 or hidden_size <= 0:
            raise ValueError(
                f"{name}: input_size and hidden_size must be positive, got "
                f"{input_size}, {hidden_size}"
            )
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        G = num_chunks * hidden_size
        dt = backend.get_default_dtype()
        bound = 1.0 / math.sqrt(hidden_size)
        shapes = {"weight_ih": (G, input_size), "weight_hh": (G, hidden_size)}
        if bias:
            shapes.update(bias_ih=(G,), bias_hh=(G,))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        for n, s in shapes.items():
            p = Parameter(backend.xp.empty(s, dt))
            init.uniform_(p, -bound, bound)
            setattr(self, n, p)

    def reset_parameters(self) -> None:
        """Every weight and bias drawn again from ``U(-1/√hidden_size, 1/√hidden_size)``, in
        place (PyTorch's)."""
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0.0
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def _prepare(self, input: Any, hx: Any, n_states: int) -> tuple[Tensor, list, bool]:  # noqa: A002
        """Check shapes; add a batch axis to unbatched input; zeros for missing states."""
        x = as_tensor(input)
        label = f"{type(self).__name__}({self.input_size}, {self.hidden_size})"
        if x.ndim not in (1, 2) or x.shape[-1] != self.input_size:
            raise ValueError(
                f"{label}: expected input of shape (batch, {self.input_size}) or "
                f"({self.input_size},), got {x.shape}"
            )
        unbatched = x.ndim == 1
        if unbatched:
            x = F.unsqueeze(x, 0)
        B = x.shape[0]
        if hx is None:
            z = Tensor._from_op(backend.xp.zeros((B, self.hidden_size), x.dtype), None, 0)
            return x, [z] * n_states, unbatched
        states = list(hx) if n_states == 2 else [hx]
        if n_states == 2 and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise TypeError(f"{label}: hx must be a tuple (h, c), got {type(hx).__name__}")
        out = []
        want = (self.hidden_size,) if unbatched else (B, self.hidden_size)
        for s in states:
            s = as_tensor(s)
            if s.shape != want:
                raise ValueError(f"{label}: expected a hidden state of shape {want}, got {s.shape}")
            out.append(F.unsqueeze(s, 0) if unbatched else s)
        return x, out, unbatched

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")
        nonlinearity = getattr(self, "nonlinearity", "tanh")  # RNNCell's, as PyTorch prints it
        return s + ("" if nonlinearity == "tanh" else f", nonlinearity={nonlinearity}")


class RNNCell(RNNCellBase):
    """One Elman RNN step: ``h' = act(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)``.

    ``forward(x (B, in), h (B, H) = zeros) -> h' (B, H)`` (unbatched ``(in,)`` works too).
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(
                f"RNNCell: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}"
            )
        super().__init__(input_size, hidden_size, bias, 1)
        self.nonlinearity = nonlinearity

    def forward(self, input: Any, hx: Any = None) -> Tensor:  # noqa: A002
        x, (h,), unbatched = self._prepare(input, hx, 1)
        h2 = R.rnn_cell(
            x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh, self.nonlinearity
        )
        return F.squeeze(h2, 0) if unbatched else h2


class LSTMCell(RNNCellBase):
    """One LSTM step: ``forward(x (B, in), (h, c) = zeros) -> (h', c')``, each ``(B, H)``;
    gates i, f, g, o as in :class:`LSTM`."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(input_size, hidden_size, bias, 4)

    def forward(self, input: Any, hx: Any = None) -> tuple[Tensor, Tensor]:  # noqa: A002
        x, (h, c), unbatched = self._prepare(input, hx, 2)
        h2, c2 = R.lstm_cell(x, h, c, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        if unbatched:
            return F.squeeze(h2, 0), F.squeeze(c2, 0)
        return h2, c2


class GRUCell(RNNCellBase):
    """One GRU step: ``forward(x (B, in), h (B, H) = zeros) -> h' (B, H)``; gates r, z, n
    as in :class:`GRU`."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(input_size, hidden_size, bias, 3)

    def forward(self, input: Any, hx: Any = None) -> Tensor:  # noqa: A002
        x, (h,), unbatched = self._prepare(input, hx, 1)
        h2 = R.gru_cell(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return F.squeeze(h2, 0) if unbatched else h2
