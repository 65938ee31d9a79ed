"""``nn.utils.rnn``'s ``PackedSequence`` and ``nn.utils.convert_conv{2,3}d_weight_memory_format``
against torch 2.13, snippet by snippet: ``batch_sizes``, ``sorted_indices`` and
``unsorted_indices`` are int64 tensors, the sequence moves and casts as PyTorch's (``to``,
``float``, ``double``), unsorted lengths are PyTorch's ``RuntimeError``, and the convolutions'
weights are laid out channels-last (their strides), values unchanged."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg

from ._as_torch import raised_alike, run_snippet

torch = pytest.importorskip("torch")

SNIPPETS = [
    "p = nn.utils.rnn.pack_sequence([T.ones(3), T.ones(2)]);"
    " r = (p.data, p.batch_sizes, p.sorted_indices, p.unsorted_indices)",
    "p = nn.utils.rnn.pack_sequence([T.ones(2), T.ones(3)], enforce_sorted=False);"
    " r = (p.batch_sizes, p.sorted_indices, p.unsorted_indices)",
    "p = nn.utils.rnn.pack_padded_sequence(T.ones(3, 2), T.tensor([3, 2])); r = p.batch_sizes",
    "p = nn.utils.rnn.pack_padded_sequence(T.ones(3, 2), [2, 3])",
    "p = nn.utils.rnn.pack_sequence([T.ones(2), T.ones(3)])",
    "p = nn.utils.rnn.pack_sequence([T.ones(2), T.ones(3)], enforce_sorted=False);"
    " r = nn.utils.rnn.pad_packed_sequence(p, batch_first=True, total_length=4)",
    "p = nn.utils.rnn.pack_sequence([T.ones(2, 1), T.ones(3, 1)], enforce_sorted=False);"
    " q = p.double(); r = (q.data.dtype, q.batch_sizes, q.sorted_indices, p.float() is p,"
    " p.to(T.float32) is p, p.is_cuda, q.cpu() is q)",
    "p = nn.utils.rnn.pack_sequence([T.ones(2, 1), T.ones(3, 1)], enforce_sorted=False);"
    " lstm = nn.LSTM(1, 2); out, (h, c) = lstm(p);"
    " r = (type(out).__name__, out.batch_sizes, out.unsorted_indices, h.shape)",
    "m = nn.Sequential(nn.Conv2d(2, 3, 3), nn.Sequential(nn.ConvTranspose2d(3, 2, 2)),"
    " nn.Linear(2, 2));"
    " w = [x.weight.detach().clone() for x in (m[0], m[1][0])];"
    " r0 = nn.utils.convert_conv2d_weight_memory_format(m, T.channels_last);"
    " r = (r0 is m, m[0].weight.stride(), m[1][0].weight.stride(), m[2].weight.stride(),"
    " bool((m[0].weight == w[0]).all()), bool((m[1][0].weight == w[1]).all()))",
    "m = nn.Conv3d(2, 3, 2); nn.utils.convert_conv3d_weight_memory_format(m, T.channels_last_3d);"
    " r = m.weight.stride()",
    "m = nn.Conv3d(2, 3, 2); nn.utils.convert_conv3d_weight_memory_format(m, T.channels_last)",
]


def _norm(v, lib):
    if isinstance(v, lib.Tensor):
        return (str(v.dtype).removeprefix("torch."), tuple(v.shape), v.detach().numpy().tolist())
    if isinstance(v, (list, tuple)):
        return [_norm(x, lib) for x in v]
    if isinstance(v, (str, int, float, bool, type(None))):
        return v
    return str(v).removeprefix("torch.")  # a dtype


def _run(lib, code):
    return run_snippet(lib, code, _norm)


@pytest.mark.parametrize("code", SNIPPETS, ids=range(len(SNIPPETS)))
def test_packed_sequences_and_memory_formats_as_torch(code):
    want, got = _run(torch, code), _run(dg, code)
    if raised_alike(want, got):
        return
    assert got == want


def test_a_packed_sequence_built_by_hand_from_arrays_still_unpacks():
    p = dg.nn.utils.rnn.PackedSequence(dg.ones(5, 1), np.array([2, 2, 1]))
    padded, lengths = dg.nn.utils.rnn.pad_packed_sequence(p)
    assert padded.shape == (3, 2, 1) and lengths.tolist() == [3, 2]
