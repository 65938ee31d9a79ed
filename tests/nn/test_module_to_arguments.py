"""``Module.to``'s arguments against torch 2.13: the forms ``Tensor.to`` takes (device, dtype,
tensor; ``tensor=``; a Python float as a float64 tensor), ``copy`` refused even when False
(``RuntimeError``), dtypes that are neither floating nor complex (``TypeError``), arguments
given twice or of another form (``TypeError``), complex dtypes both ways with torch's
warnings, gradients converted with their parameters, and ``memory_format`` laying out the
4-d and 5-d parameters (``RuntimeError`` for another rank)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deepgrad as dg

from ._as_torch import raised_alike

torch = pytest.importorskip("torch")


def _same_values(L, m):
    """``m`` with values that do not depend on the library's generator."""
    rng = np.random.default_rng(0)
    sd = {k: L.tensor(rng.standard_normal(tuple(v.shape)).astype(np.float32)) for k, v in
          m.state_dict().items()}  # fmt: skip
    m.load_state_dict(sd)
    return m


def _lin(L):
    return _same_values(L, L.nn.Linear(2, 2))


def _conv(L, n):
    return _same_values(L, {1: L.nn.Conv1d, 2: L.nn.Conv2d, 3: L.nn.Conv3d}[n](2, 2, 3))


CASES = {
    "to(copy=True)": lambda L: _lin(L).to(copy=True),
    "to(copy=False)": lambda L: _lin(L).to(copy=False),
    "to('cpu', copy=True)": lambda L: _lin(L).to("cpu", copy=True),
    "to(float32, False, True)": lambda L: _lin(L).to(L.float32, False, True),
    "to('cpu', float64, False, False)": lambda L: _lin(L).to("cpu", L.float64, False, False),
    "to(tensor, copy=True)": lambda L: _lin(L).to(L.zeros(1, dtype=L.float64), copy=True),
    "to(copy=1)": lambda L: _lin(L).to(copy=1),
    "to(dtype=int64)": lambda L: _lin(L).to(dtype=L.int64),
    "to(int64)": lambda L: _lin(L).to(L.int64),
    "to(bool)": lambda L: _lin(L).to(L.bool),
    "to(True)": lambda L: _lin(L).to(True),
    "to(int tensor)": lambda L: _lin(L).to(L.zeros(1, dtype=L.int64)),
    "to(non_blocking=True)": lambda L: _lin(L).to(non_blocking=True),
    "to('cpu', float64, True)": lambda L: _lin(L).to("cpu", L.float64, True),
    "to(float64, non_blocking=1)": lambda L: _lin(L).to(L.float64, non_blocking=1),
    "to()": lambda L: _lin(L).to(),
    "to(None)": lambda L: _lin(L).to(None),
    "to(1.5)": lambda L: _lin(L).to(1.5),
    "to(tensor=float64)": lambda L: _lin(L).to(tensor=L.zeros(1, dtype=L.float64)),
    "to(other=float64)": lambda L: _lin(L).to(other=L.zeros(1, dtype=L.float64)),
    "to(foo=1)": lambda L: _lin(L).to(foo=1),
    "to('cpu', device='cpu')": lambda L: _lin(L).to("cpu", device="cpu"),
    "to(float32, dtype=float32)": lambda L: _lin(L).to(L.float32, dtype=L.float32),
    "to(float64, float32)": lambda L: _lin(L).to(L.float64, L.float32),
    "to(memory_format='x')": lambda L: _lin(L).to(memory_format="x"),
    "to(memory_format=None)": lambda L: _lin(L).to(memory_format=None),
    "linear to(channels_last)": lambda L: _lin(L).to(memory_format=L.channels_last),
    "conv2d to(channels_last)": lambda L: _conv(L, 2).to(memory_format=L.channels_last),
    "conv1d to(channels_last)": lambda L: _conv(L, 1).to(memory_format=L.channels_last),
    "conv3d to(channels_last)": lambda L: _conv(L, 3).to(memory_format=L.channels_last),
    "conv3d to(channels_last_3d)": lambda L: _conv(L, 3).to(memory_format=L.channels_last_3d),
    "conv2d to(channels_last_3d)": lambda L: _conv(L, 2).to(memory_format=L.channels_last_3d),
    "conv2d to(float64, channels_last)": lambda L: _conv(L, 2).to(
        L.float64, memory_format=L.channels_last
    ),
    "to(complex64)": lambda L: _lin(L).to(L.complex64),
    "to(complex128) then to(float32)": lambda L: _lin(L).to(L.complex128).to(L.float32),
}


def _run(L, make):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = make(L)
        except Exception as e:  # noqa: BLE001 - the class is compared
            return e, []
    seen = {str(w.message).split(" (")[0][:60] for w in caught}
    seen.discard(_ONCE)  # PyTorch warns it once per process: absent if a test before did
    return out, sorted(seen)


#: PyTorch's TORCH_WARN_ONCE for a complex-to-real cast (deepgrad warns it every time)
_ONCE = "Casting complex values to real discards the imaginary part"


def _strides(t) -> tuple:
    s = t.stride() if callable(t.stride) else t.stride
    return tuple(s)


@pytest.mark.parametrize("case", list(CASES))
def test_module_to_as_torch(case):
    got, got_w = _run(dg, CASES[case])
    want, want_w = _run(torch, CASES[case])
    if raised_alike(want, got):
        return
    assert got_w == want_w
    mine, theirs = dict(got.named_parameters()), dict(want.named_parameters())
    assert list(mine) == list(theirs)
    for k, p in mine.items():
        q = theirs[k]
        assert str(p.dtype) == str(q.dtype).removeprefix("torch."), k
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
        assert _strides(p) == _strides(q), k  # the memory layout (channels last)


def test_copy_error_names_the_argument():
    with pytest.raises(RuntimeError, match=r"\.to\(\) does not accept copy argument"):
        dg.nn.Linear(1, 1).to("cpu", copy=False)


def test_gradients_and_integer_buffers_convert_as_torchs():
    out = []
    for L in (torch, dg):
        m = _lin(L)
        m.register_buffer("steps", L.zeros(2, dtype=L.int64))
        m(L.ones(1, 2)).sum().backward()
        w = m.weight
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m.to(L.complex128)
        out.append(
            (m.weight is w, str(m.weight.dtype), str(m.weight.grad.dtype), str(m.steps.dtype))
        )
        m.to(memory_format=L.contiguous_format)  # 2-d parameters: nothing to lay out
    assert out[1] == tuple(s.replace("torch.", "") if isinstance(s, str) else s for s in out[0])
