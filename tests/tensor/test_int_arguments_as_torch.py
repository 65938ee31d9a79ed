"""Int arguments against PyTorch 2.13: a float (``1.0`` too), a bool, None or a str where
PyTorch's argument parser wants an int (a dim, a size, a count, an offset, ``k``,
``diagonal``, ``groups``, ``num_classes``) is refused with an instance of PyTorch's class
(``TypeError``), never truncated (``tril(0.5)`` as ``tril(0)``) or taken as 1 (``True``);
what PyTorch takes in its place (a NumPy integer, a one-element integer tensor) deepgrad
takes too, with the same shapes. Each case is ``call(L, v)`` with ``L`` the ``torch`` or the
``deepgrad`` module and ``v`` the value under test."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deepgrad as dg
from deepgrad._errors import IntArgumentError, int_arg, ints_arg

torch = pytest.importorskip("torch")


def _f(L):
    """``torch.nn.functional`` or ``deepgrad.nn.functional``."""
    return L.nn.functional


def _x1(L):
    return L.arange(6.0)


def _x2(L):
    return L.arange(12.0).reshape(3, 4)


def _x3(L):
    return L.arange(24.0).reshape(2, 3, 4)


CASES = {
    # the probe's findings: accepted silently (int(0.5) == 0) or refused with another class
    "permute": lambda L, v: _x2(L).permute(v, 0),
    "permute_tuple": lambda L, v: _x2(L).permute((v, 0)),
    "diagonal": lambda L, v: _x2(L).diagonal(v),
    "diagonal_dim1": lambda L, v: _x2(L).diagonal(0, v, 0),
    "tril": lambda L, v: _x2(L).tril(v),
    "triu": lambda L, v: _x2(L).triu(v),
    "tril_": lambda L, v: _x2(L).tril_(v),
    "dg.tril": lambda L, v: L.tril(_x2(L), v),
    "dg.triu": lambda L, v: L.triu(_x2(L), v),
    "diag": lambda L, v: _x1(L).diag(v),
    "diag_embed": lambda L, v: _x1(L).diag_embed(v),
    "diagflat": lambda L, v: _x1(L).diagflat(v),
    "dg.diagonal": lambda L, v: L.diagonal(_x2(L), v),
    "multinomial": lambda L, v: (_x1(L) + 1).multinomial(v),
    "dg.multinomial": lambda L, v: L.multinomial(_x1(L) + 1, v),
    "chunk": lambda L, v: _x1(L).chunk(v),
    "topk": lambda L, v: _x1(L).topk(v),
    "kthvalue": lambda L, v: _x1(L).kthvalue(v),
    "unfold_size": lambda L, v: _x1(L).unfold(0, v, 1),
    "unfold_step": lambda L, v: _x1(L).unfold(0, 2, v),
    "unfold_dim": lambda L, v: _x1(L).unfold(v, 2, 1),
    "one_hot_num_classes": lambda L, v: _f(L).one_hot(L.tensor([0, 1]), v),
    # the sweep: dims
    "transpose": lambda L, v: _x2(L).transpose(v, 0),
    "dg.transpose": lambda L, v: L.transpose(_x2(L), v, 0),
    "squeeze": lambda L, v: _x2(L).squeeze(v),
    "unsqueeze": lambda L, v: _x2(L).unsqueeze(v),
    "flatten": lambda L, v: _x3(L).flatten(0, v),
    "unflatten_dim": lambda L, v: _x2(L).unflatten(v, (2, 2)),
    "unflatten_sizes": lambda L, v: _x2(L).unflatten(1, (v, 4)),
    "sum": lambda L, v: _x2(L).sum(v),
    "sum_tuple": lambda L, v: _x2(L).sum((v,)),
    "mean": lambda L, v: _x2(L).mean(v),
    "amax": lambda L, v: _x2(L).amax(v),
    "cumsum": lambda L, v: _x2(L).cumsum(v),
    "softmax": lambda L, v: _x2(L).softmax(v),
    "F.softmax": lambda L, v: _f(L).softmax(_x2(L), v),
    "F.glu": lambda L, v: _f(L).glu(_x2(L), v),
    "sort": lambda L, v: _x2(L).sort(v),
    "flip": lambda L, v: _x2(L).flip(v),
    "roll_shifts": lambda L, v: _x1(L).roll(v),
    "roll_dims": lambda L, v: _x2(L).roll(1, v),
    "narrow_start": lambda L, v: _x2(L).narrow(0, v, 1),
    "narrow_length": lambda L, v: _x2(L).narrow(0, 0, v),
    "select_index": lambda L, v: _x2(L).select(0, v),
    "gather": lambda L, v: _x2(L).gather(v, L.zeros(3, 4, dtype=L.int64)),
    "size": lambda L, v: _x2(L).size(v),
    "stride": lambda L, v: _x2(L).stride(v),
    "count_nonzero": lambda L, v: _x2(L).count_nonzero(v),
    "cross": lambda L, v: L.cross(L.ones(3, 3), L.ones(3, 3), dim=v),
    "linalg.cross": lambda L, v: L.linalg.cross(L.ones(3, 3), L.ones(3, 3), dim=v),
    "fft_dim": lambda L, v: L.fft.fft(_x2(L), dim=v),
    # sizes, counts, offsets
    "split": lambda L, v: _x1(L).split(v),
    "split_sizes": lambda L, v: _x1(L).split([v, 5]),
    "repeat": lambda L, v: _x1(L).repeat(v),
    "tile": lambda L, v: _x1(L).tile((v,)),
    "rot90_k": lambda L, v: _x2(L).rot90(v),
    "rot90_dims": lambda L, v: _x2(L).rot90(1, (v, 0)),
    "diff_n": lambda L, v: _x1(L).diff(v),
    "histc_bins": lambda L, v: _x1(L).histc(v),
    "bincount_minlength": lambda L, v: L.bincount(L.tensor([0, 1]), minlength=v),
    "as_strided": lambda L, v: _x2(L).as_strided((v, 2), (1, 1)),
    "randperm": lambda L, v: L.randperm(v),
    "linspace_steps": lambda L, v: L.linspace(0, 1, v),
    "logspace_steps": lambda L, v: L.logspace(0, 1, v),
    "triu_indices_offset": lambda L, v: L.triu_indices(3, 3, v),
    "tril_indices_row": lambda L, v: L.tril_indices(v, 3),
    "fft_n": lambda L, v: L.fft.fft(_x1(L), v),
    "rfft_n": lambda L, v: L.fft.rfft(_x1(L), v),
    "fftfreq": lambda L, v: L.fft.fftfreq(v),
    "matrix_power": lambda L, v: L.linalg.matrix_power(L.eye(2), v),
    "pixel_shuffle": lambda L, v: _f(L).pixel_shuffle(L.zeros(1, 4, 2, 2), v),
    "pixel_unshuffle": lambda L, v: _f(L).pixel_unshuffle(L.zeros(1, 1, 4, 4), v),
    "channel_shuffle": lambda L, v: _f(L).channel_shuffle(L.zeros(1, 4, 2, 2), v),
    "group_norm": lambda L, v: _f(L).group_norm(L.zeros(2, 4, 3), v),
    "embedding_padding_idx": lambda L, v: _f(L).embedding(
        L.tensor([0]), L.zeros(3, 2), padding_idx=v
    ),
    "cross_entropy_ignore_index": lambda L, v: _f(L).cross_entropy(
        L.zeros(2, 3), L.tensor([0, 1]), ignore_index=v
    ),
    "nll_loss_ignore_index": lambda L, v: _f(L).nll_loss(
        L.zeros(2, 3), L.tensor([0, 1]), ignore_index=v
    ),
    "interpolate_size": lambda L, v: _f(L).interpolate(L.zeros(1, 1, 4, 4), size=(v, 2)),
    "max_pool2d_kernel": lambda L, v: _f(L).max_pool2d(L.zeros(1, 1, 4, 4), v),
    "adaptive_max_pool1d": lambda L, v: _f(L).adaptive_max_pool1d(L.zeros(1, 1, 4), v),
    "fill_diagonal_wrap": lambda L, v: _x2(L).fill_diagonal_(1.0, wrap=v),
    "randint_high": lambda L, v: L.randint(v, (2,)),
    "randint_low": lambda L, v: L.randint(v, 3, (2,)),
    "unique_dim": lambda L, v: L.unique(_x2(L), dim=v),
    "unique_consecutive_dim": lambda L, v: L.unique_consecutive(_x2(L), dim=v),
    "slice_scatter_start": lambda L, v: _x2(L).slice_scatter(L.zeros(1, 4), 0, v, 2),
    "BatchNorm1d": lambda L, v: L.nn.BatchNorm1d(v)(L.zeros(2, 1)),
    "argmax_dim": lambda L, v: _x2(L).argmax(v),
    "eye_n": lambda L, v: L.eye(v),
    "combinations_r": lambda L, v: L.combinations(L.arange(4.0), v),
    "vander_N": lambda L, v: L.vander(L.arange(3.0), v),
    "reshape": lambda L, v: L.reshape(_x1(L), (v, -1)),
    "view": lambda L, v: _x1(L).view(v, -1),
    "nn.Upsample_size": lambda L, v: L.nn.Upsample(size=(v, 2))(L.zeros(1, 1, 4, 4)),
    "nn.MaxPool2d_kernel": lambda L, v: L.nn.MaxPool2d(v)(L.zeros(1, 1, 4, 4)),
    "polygamma_n": lambda L, v: L.polygamma(v, _x1(L) + 1),
    "mvlgamma_p": lambda L, v: L.mvlgamma(_x1(L) + 3, v),
    "stft_n_fft": lambda L, v: L.stft(
        L.zeros(8), v, hop_length=1, window=L.ones(1), return_complex=True
    ),
    "hann_window": lambda L, v: L.hann_window(v),
    "aminmax_dim": lambda L, v: _x2(L).aminmax(dim=v),
    "tensor_split_indices": lambda L, v: _x1(L).tensor_split([v, 3]),
}

VALUES = {
    "float_1.0": 1.0,
    "float_1.5": 1.5,
    "bool": True,
    "None": None,
    "str": "a",
    "np.float64": np.float64(1.0),
    # PyTorch takes these as ints (fill_diagonal_'s wrap is a bool: refused there)
    "np.int64": np.int64(1),
    "np.int32": np.int32(1),
    "tensor_0d": "tensor_0d",
}

#: (case, value) pairs where deepgrad stays apart, and why: PyTorch's own Python code fails
#: on a value its parser takes (a NumPy integer split size), or None is deepgrad's documented
#: default (``squeeze``'s every dim, a lazy layer's size)
KNOWN = {
    ("squeeze", "None"): "deepgrad's squeeze(dim=None) squeezes every size-1 dim",
    ("BatchNorm1d", "None"): "deepgrad's num_features=None: a lazy layer, sized at its first call",
    ("split", "np.int64"): "torch.split's Python wrapper refuses a NumPy integer size",
    ("split", "np.int32"): "torch.split's Python wrapper refuses a NumPy integer size",
}


def _value(v, L):
    return L.tensor(1) if isinstance(v, str) and v == "tensor_0d" else v


def _outcome(call, L, v):
    """What ``call(L, v)`` gives: ``("ok", shapes)`` or ``("raise", exception)``."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = call(L, _value(v, L))
    except Exception as e:  # noqa: BLE001 - the class is what the test compares
        return "raise", e
    outs = out if isinstance(out, (tuple, list)) else (out,)
    return "ok", [tuple(o.shape) if hasattr(o, "shape") else o for o in outs]  # size(): an int


@pytest.mark.parametrize("name", sorted(CASES))
def test_int_argument_as_torch(name):
    """For every value: torch raises => deepgrad raises an instance of torch's class; torch
    succeeds => deepgrad succeeds with the same shapes."""
    call, failures = CASES[name], []
    for vname, v in VALUES.items():
        if (name, vname) in KNOWN:
            continue
        t_kind, t_val = _outcome(call, torch, v)
        d_kind, d_val = _outcome(call, dg, v)
        if t_kind == "raise" and not (d_kind == "raise" and isinstance(d_val, type(t_val))):
            failures.append(f"{vname}: torch {t_val!r}; deepgrad {d_kind} {d_val!r}")
        elif t_kind == "ok" and (d_kind != "ok" or d_val != t_val):
            failures.append(f"{vname}: torch returned {t_val}; deepgrad {d_kind} {d_val!r}")
    assert not failures, "\n".join(failures)


#: PyTorch's words ("tril(): argument 'diagonal' (position 1) must be int, not float"): the
#: function, the argument and the type it got; the position is the functional form's
WORDS = {
    "tril": "tril(): argument 'diagonal' (position 2) must be int, not float",
    "diagonal": "diagonal(): argument 'offset' (position 2) must be int, not float",
    "chunk": "chunk(): argument 'chunks' (position 2) must be int, not float",
    "topk": "topk(): argument 'k' (position 2) must be int, not float",
    "kthvalue": "kthvalue(): argument 'k' (position 2) must be int, not float",
    "unfold_size": "unfold(): argument 'size' (position 2) must be int, not float",
    "multinomial": "multinomial(): argument 'num_samples' (position 2) must be int, not float",
    "permute": "permute(): argument 'dims' (position 2) must be tuple of ints, but found "
    "element of type float at pos 0",
    "fft_n": "fft_fft(): argument 'n' (position 2) must be int, not float",
}


@pytest.mark.parametrize("name", sorted(WORDS))
def test_int_argument_words(name):
    """The refusal names the function, the argument and the type, in PyTorch's words."""
    with pytest.raises(TypeError) as info:
        CASES[name](dg, 1.5)
    assert str(info.value) == WORDS[name]


def test_one_hot_of_a_float_tensor_as_torch():
    """A float index tensor: PyTorch's RuntimeError (an IndexDtypeError, so still deepgrad's
    earlier TypeError), in PyTorch's words first."""
    with pytest.raises(RuntimeError) as t_info:
        torch.nn.functional.one_hot(torch.zeros(2), 3)
    with pytest.raises(RuntimeError) as d_info:
        dg.nn.functional.one_hot(dg.zeros(2), 3)
    assert isinstance(d_info.value, TypeError)
    assert str(d_info.value).startswith(str(t_info.value))


def test_int_arg_takes_what_pytorchs_parser_takes():
    """Ints, NumPy integers, ``__index__`` objects and one-element integer tensors pass; a
    bool, a float, a NumPy bool and a float or many-element tensor do not. The refusal is a
    TypeError (PyTorch's class) and a ValueError (what chunk, topk, histc and linspace
    raised before)."""

    class Index:
        def __index__(self):
            return 3

    for v, want in [(2, 2), (np.int64(-1), -1), (Index(), 3), (dg.tensor(4), 4), (dg.tensor([[5]]), 5)]:  # fmt: skip
        got = int_arg(v, "f", "n", 1)
        assert got == want and type(got) is int
    for v in [True, np.bool_(True), 1.0, np.float32(1), None, "1", dg.tensor(1.0), dg.tensor([1, 2])]:  # fmt: skip
        with pytest.raises(IntArgumentError) as info:
            int_arg(v, "f", "n", 1)
        assert isinstance(info.value, TypeError) and isinstance(info.value, ValueError)
    assert ints_arg(3, "f", "dims") == (3,)
    assert ints_arg([1, np.int32(2)], "f", "dims") == (1, 2)
    assert ints_arg(range(2), "f", "dims") == (0, 1)
    with pytest.raises(TypeError, match="must be tuple of ints, but found element of type bool"):
        ints_arg((0, True), "f", "dims")


def test_valid_int_like_arguments_compute_torchs_values():
    """NumPy integers and 0-d integer tensors as dims and counts give PyTorch's values, not
    just its shapes."""
    a = np.arange(12.0).reshape(3, 4)
    for call in [
        lambda L, k: L.tensor(a).tril(k),
        lambda L, k: L.tensor(a).diagonal(k),
        lambda L, k: L.tensor(a).sum(k),
        lambda L, k: L.tensor(a).roll(k, 1),
        lambda L, k: L.tensor(a).topk(k + 1).values,
        lambda L, k: L.tensor(a).unfold(1, k + 1, k),
        lambda L, k: L.tensor(a).narrow(1, k, 2),
    ]:
        want = call(torch, 1).numpy()
        for k in (np.int64(1), dg.tensor(1)):
            np.testing.assert_array_equal(call(dg, k).numpy(), want)


def test_softmax_dim_none_is_torchs_implicit_dim():
    """``F.softmax(x, None)``: PyTorch's deprecated implicit dim (0 for a 3-d input), with
    its warning; ``Tensor.softmax(None)`` is refused, as PyTorch's."""
    a = np.random.default_rng(0).standard_normal((2, 3, 4))
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        got = dg.nn.functional.softmax(dg.tensor(a), None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = torch.nn.functional.softmax(torch.tensor(a), None)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)
    with pytest.raises(TypeError):
        dg.tensor(a).softmax(None)


@pytest.mark.parametrize(
    "call",
    [
        lambda L: L.nn.MaxPool2d(3)(L.zeros(1, 1, 2, 2)),
        lambda L: L.nn.Conv2d(1, 1, 5)(L.zeros(1, 1, 2, 2)),
        lambda L: L.nn.Upsample(size=(2.5, 2))(L.zeros(1, 1, 4, 4)),
    ],
)
def test_a_layer_naming_itself_keeps_the_functions_class(call):
    """A layer that puts its name before a function's error keeps that error's class
    (``RuntimeError`` for an output too small, ``TypeError`` for a float size), not a plain
    ``ValueError``."""
    t_kind, t_val = _outcome(lambda L, v: call(L), torch, None)
    d_kind, d_val = _outcome(lambda L, v: call(L), dg, None)
    assert t_kind == d_kind == "raise"
    assert isinstance(d_val, type(t_val)), (t_val, d_val)
