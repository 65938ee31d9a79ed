"""A lazy layer before its first call lists PyTorch's placeholders (``UninitializedParameter``,
``UninitializedBuffer``) in ``state_dict()``, ``named_parameters()`` and ``named_buffers()``
(deepgrad listed nothing), and an optimizer built on them trains the built layer."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn

LAYERS = [
    ("LazyLinear", (3,), {}),
    ("LazyLinear", (3,), {"bias": False}),
    ("LazyConv2d", (4, 3), {}),
    ("LazyConvTranspose1d", (2, 3), {"bias": False}),
    ("LazyBatchNorm1d", (), {}),
    ("LazyBatchNorm2d", (), {"affine": False}),
    ("LazyInstanceNorm1d", (), {}),
    ("LazyInstanceNorm3d", (), {"affine": False, "track_running_stats": False}),
]


def _kinds(items):
    return [(k, type(v).__name__, bool(v.requires_grad)) for k, v in items]


@pytest.mark.parametrize("name,args,kw", LAYERS)
def test_uninitialized_lazy_layer_lists_torchs_placeholders(torch, name, args, kw):
    ours, theirs = getattr(nn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw)
    sd, ref = ours.state_dict(), theirs.state_dict()
    assert _kinds(sd.items()) == _kinds(ref.items())
    assert dict(sd._metadata) == dict(ref._metadata)
    assert _kinds(ours.named_parameters()) == _kinds(theirs.named_parameters())
    assert _kinds(ours.named_buffers()) == _kinds(theirs.named_buffers())
    # the placeholders themselves (as PyTorch's), also without keep_vars
    own = dict(ours.named_parameters()) | dict(ours.named_buffers())
    assert all(v is own[k] for k, v in sd.items() if nn.parameter.is_lazy(v))


def test_a_placeholder_behaves_as_torchs(torch):
    p, tp = nn.LazyLinear(3).state_dict()["weight"], torch.nn.LazyLinear(3).state_dict()["weight"]
    assert isinstance(p, nn.parameter.UninitializedParameter) and isinstance(p, nn.Parameter)
    assert isinstance(tp, torch.nn.parameter.UninitializedParameter)
    assert nn.parameter.is_lazy(p) and torch.nn.parameter.is_lazy(tp)
    assert (p.requires_grad, p.grad, p.is_leaf) == (tp.requires_grad, tp.grad, tp.is_leaf)
    assert str(p.dtype) == str(tp.dtype).removeprefix("torch.") and repr(p) == repr(tp)
    for ours, theirs in ((p, tp), (nn.LazyBatchNorm1d().running_mean,
                                   torch.nn.LazyBatchNorm1d().running_mean)):  # fmt: skip
        for what, error in (("shape", RuntimeError), ("numel", ValueError), ("dim", ValueError)):
            for t in (ours, theirs):
                with pytest.raises(error, match="uninitialized parameter"):
                    v = getattr(t, what)
                    v() if callable(v) else v
    with pytest.raises(ValueError, match="uninitialized parameter"):
        sum(q.numel() for q in nn.LazyConv2d(2, 3).parameters())
    # copies and pickles stay placeholders (PyTorch's deepcopy of a lazy layer does)
    m = nn.LazyLinear(3)
    for again in (copy.deepcopy(m), pickle.loads(pickle.dumps(m))):
        assert type(again.weight) is nn.parameter.UninitializedParameter
        assert again(dg.ones(2, 4)).shape == (2, 3) and type(again.weight) is nn.Parameter


@pytest.mark.parametrize("opt", ["SGD", "Adam", "RMSprop"])
def test_optimizer_built_before_the_first_call_trains_the_built_layer(torch, opt):
    """PyTorch's optimizers take the placeholders; the first call fills them in place."""
    ours, theirs = nn.LazyLinear(3), torch.nn.LazyLinear(3)
    o = getattr(dg.optim, opt)(ours.parameters(), lr=0.1)
    to = getattr(torch.optim, opt)(theirs.parameters(), lr=0.1)
    o.step()  # no gradients yet: nothing to do, as PyTorch's
    to.step()
    held = list(ours.parameters())
    x = np.random.default_rng(0).normal(size=(4, 5)).astype(np.float32)
    ours(dg.tensor(x))
    theirs(torch.tensor(x))
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    for _ in range(2):
        for m, o_, t in ((ours, o, dg.tensor(x)), (theirs, to, torch.tensor(x))):
            o_.zero_grad()
            (m(t) ** 2).sum().backward()
            o_.step()
    assert [p is q for p, q in zip(held, ours.parameters())] == [True, True]
    assert type(held[0]) is nn.Parameter and held[0].shape == (3, 5)
    np.testing.assert_allclose(
        ours.weight.detach().numpy(), theirs.weight.detach().numpy(), rtol=1e-5, atol=1e-6
    )


def test_placeholders_take_the_modules_dtype_and_load_as_torchs(torch):
    m = nn.LazyLinear(3).double()  # PyTorch's: the weights are made in float64 at the call
    m(dg.ones(2, 5, dtype=dg.float64))
    assert m.weight.dtype == np.float64 and m.bias.dtype == np.float64
    # a state dict of placeholders (ours or PyTorch's) into a lazy layer: nothing to load
    for sd in (nn.LazyLinear(3).state_dict(), torch.nn.LazyLinear(3).state_dict()):
        lazy = nn.LazyLinear(3)
        result = lazy.load_state_dict(sd)
        assert not result.missing_keys and not result.unexpected_keys
        assert nn.parameter.is_lazy(lazy.weight)
    # into a built layer: PyTorch's RuntimeError
    for built, sd in ((nn.Linear(5, 3), nn.LazyLinear(3).state_dict()),
                      (torch.nn.Linear(5, 3), torch.nn.LazyLinear(3).state_dict())):  # fmt: skip
        with pytest.raises(RuntimeError, match="shape of an uninitialized parameter"):
            built.load_state_dict(sd)
    # an empty state dict: the placeholders' keys are missing, as PyTorch's
    with pytest.raises(RuntimeError, match="weight"):
        torch.nn.LazyLinear(3).load_state_dict({})
    with pytest.raises(RuntimeError, match="missing keys \\['weight', 'bias'\\]"):
        nn.LazyLinear(3).load_state_dict({})
    # a built layer's state dict sizes the lazy one (unchanged)
    lazy = nn.LazyBatchNorm1d()
    lazy.load_state_dict(nn.BatchNorm1d(6).state_dict())
    assert lazy.running_var.shape == (6,) and type(lazy.running_var) is dg.Tensor


@pytest.mark.parametrize(
    "use",
    [
        lambda lib, p: p.sum(),
        lambda lib, p: p + 1,
        lambda lib, p: len(p),
        lambda lib, p: p.detach(),
        lambda lib, p: p.clone(),
        lambda lib, p: p.requires_grad_(False),
        lambda lib, p: lib.nn.init.zeros_(p),
        lambda lib, p: lib.nn.init.constant_(p, 1.0),
        lambda lib, p: lib.nn.init.normal_(p),
        lambda lib, p: lib.nn.init.xavier_uniform_(p),
        lambda lib, p: lib.nn.init.kaiming_uniform_(p),
        lambda lib, p: lib.nn.utils.parameters_to_vector([p]),
        lambda lib, p: lib.nn.utils.vector_to_parameters(lib.zeros(3), [p]),
    ],
)
def test_a_placeholder_refuses_what_would_compute_on_no_values(torch, use):
    """PyTorch's ValueError (deepgrad computed on the placeholder's empty storage: a sum of
    0, an init that filled nothing before the first call drew the weights)."""
    for lib in (torch, dg):
        with pytest.raises(ValueError, match="uninitialized parameter"):
            use(lib, lib.nn.LazyLinear(3).weight)


def test_module_utilities_on_an_uninitialized_lazy_layer_as_torchs(torch):
    for lib in (torch, dg):
        with pytest.raises(ValueError, match="uninitialized parameter"):
            lib.nn.LazyLinear(3).requires_grad_(False)
        with pytest.raises(ValueError, match="`WeightNorm` can't have uninitialized"):
            lib.nn.utils.weight_norm(lib.nn.LazyLinear(3))
        with pytest.raises(ValueError, match="`SpectralNorm` can't have uninitialized"):
            lib.nn.utils.spectral_norm(lib.nn.LazyConv2d(3, 2))
        m = lib.nn.LazyLinear(3).half()  # allowed: the weights are made in float16
        m.zero_grad()
        lib.nn.utils.clip_grad_norm_(m.parameters(), 1.0)
        p = m.weight
        assert (p.requires_grad, p.grad, p.is_leaf, p.ndim) == (True, None, True, 1)
        assert str(p) == "<UninitializedParameter>"


def test_dg_save_and_load_keep_the_placeholders(tmp_path, torch):
    """``dg.save`` of an uninitialized lazy layer's state dict gives the placeholders back (they
    were saved as empty tensors, which a lazy layer then refused), as ``torch.save`` /
    ``torch.load(weights_only=False)`` do."""
    import io

    for name in ("LazyLinear", "LazyBatchNorm2d"):
        args = (3,) if name == "LazyLinear" else ()
        dg.save(getattr(nn, name)(*args).state_dict(), tmp_path / "lazy.pt")
        back = dg.load(tmp_path / "lazy.pt")
        buf = io.BytesIO()
        torch.save(getattr(torch.nn, name)(*args).state_dict(), buf)
        buf.seek(0)
        ref = torch.load(buf, weights_only=False)
        assert [(k, type(v).__name__) for k, v in back.items()] == [
            (k, type(v).__name__) for k, v in ref.items()
        ]
        layer = getattr(nn, name)(*args)
        layer.load_state_dict(back)
        assert nn.parameter.is_lazy(layer.weight)
    from deepgrad.io import ModelFileError
    from deepgrad.io.checkpoint import _unpack

    for bad in ({"__uninitialized__": "weights", "dtype": "float32"},
                {"__uninitialized__": ["parameter"], "dtype": "float32"},
                {"__uninitialized__": "parameter", "dtype": "int64"},
                {"__uninitialized__": "parameter", "dtype": None},
                {"__uninitialized__": "buffer", "dtype": "no such dtype"}):  # fmt: skip
        with pytest.raises(ModelFileError, match="malformed uninitialized entry"):
            _unpack(bad, {}, 0, "f.pt")


def test_uninitialized_lazy_layers_print_as_torchs(torch):
    for name, args in (("LazyLinear", (3,)), ("LazyConv2d", (4, 3)),
                       ("LazyConvTranspose1d", (2, 3)), ("LazyBatchNorm1d", ())):  # fmt: skip
        assert repr(getattr(nn, name)(*args)) == repr(getattr(torch.nn, name)(*args))
