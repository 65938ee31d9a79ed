"""BatchNorm3d, InstanceNorm3d and the lazy batch/instance norms against PyTorch: values,
gradients (input, weight, bias), running statistics in training and eval, state dict keys and
shapes, defaults, errors, and a save/load round trip of a lazily built model."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn


@pytest.fixture(autouse=True)
def _float64():
    """Parameters and buffers in float64, as torch's ``.double()`` (conftest restores it)."""
    dg.set_default_dtype(dg.float64)


def _compare(ours, ref, x, torch, steps=2):
    """Train-mode steps then one eval step: outputs, gradients and buffers agree."""
    rng = np.random.default_rng(1)
    for training in [True] * steps + [False]:
        ours.train(training)
        ref.train(training)
        a, b = dg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        y, yt = ours(a), ref(b)
        np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=1e-9, atol=1e-10)
        w = rng.standard_normal(y.shape)
        (y * dg.tensor(w)).sum().backward()
        (yt * torch.tensor(w)).sum().backward()
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-7, atol=1e-9)
        x = x * 1.5 + 0.2
    theirs = ref.state_dict()
    assert list(ours.state_dict()) == list(theirs)
    for k, v in ours.state_dict().items():
        np.testing.assert_allclose(v, theirs[k].detach().numpy(), rtol=1e-9, err_msg=k)
    for p, q in zip(ours.parameters(), ref.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("kw", [{}, {"affine": False}, {"momentum": None}, {"bias": False},
                                {"track_running_stats": False}])  # fmt: skip
def test_batch_norm_3d(torch, rng, kw):
    ours, ref = nn.BatchNorm3d(3, **kw), torch.nn.BatchNorm3d(3, **kw).double()
    if ours.weight is not None:
        w = rng.standard_normal(3)
        ours.weight = nn.Parameter(w)
        ref.weight.data = torch.tensor(w)
    _compare(ours, ref, rng.standard_normal((2, 3, 4, 3, 5)), torch)
    with pytest.raises(ValueError, match=r"BatchNorm3d\(3\): expected input of shape \(N, C, D, H, W\)"):  # fmt: skip
        ours(dg.randn(2, 3, 4, 4))


@pytest.mark.parametrize(
    "kw", [{}, {"affine": True}, {"affine": True, "track_running_stats": True}]
)
@pytest.mark.parametrize("shape", [(2, 3, 4, 3, 5), (3, 2, 4, 3)])  # batched and unbatched
def test_instance_norm_3d(torch, rng, kw, shape):
    _compare(nn.InstanceNorm3d(3, **kw), torch.nn.InstanceNorm3d(3, **kw).double(),
             rng.standard_normal(shape), torch)  # fmt: skip


@pytest.mark.parametrize(
    "name,shape",
    [("BatchNorm1d", (4, 3)), ("BatchNorm1d", (4, 3, 5)), ("BatchNorm2d", (2, 3, 4, 5)),
     ("BatchNorm3d", (2, 3, 2, 3, 4)), ("InstanceNorm1d", (2, 3, 5)), ("InstanceNorm1d", (3, 5)),
     ("InstanceNorm2d", (2, 3, 4, 5)), ("InstanceNorm3d", (2, 3, 2, 3, 4))],
)  # fmt: skip
@pytest.mark.parametrize("kw", [{}, {"affine": False}, {"track_running_stats": False}])
def test_lazy_norms_as_torchs(torch, rng, name, shape, kw):
    ours = getattr(nn, "Lazy" + name)(**kw)
    ref = getattr(torch.nn, "Lazy" + name)(**kw, dtype=torch.float64)
    assert (ours.affine, ours.track_running_stats) == (ref.affine, ref.track_running_stats)
    assert ours.num_features is None
    # PyTorch's placeholders, under the same names and of the same kinds
    kinds = [(k, type(v).__name__) for k, v in ours.state_dict().items()]
    assert kinds == [(k, type(v).__name__) for k, v in ref.state_dict().items()]
    x = rng.standard_normal(shape)
    if name.startswith("Instance") and len(shape) == 2:
        # PyTorch's lazy rule takes num_features from input.size(1), also for an unbatched
        # (C, L) input: L, so a layer with weights or running statistics then refuses it
        with pytest.raises(ValueError, match="5"):
            ours(dg.tensor(x))
        with pytest.raises((ValueError, RuntimeError), match="5"), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # PyTorch's num_features warning comes first
            ref(torch.tensor(x))
        return
    ref(torch.tensor(x))  # materializes torch's (it becomes a plain norm layer)
    ours(dg.tensor(x))
    ours.load_state_dict({k: v.detach().numpy().copy() for k, v in ref.state_dict().items()})
    assert ours.num_features == ref.num_features == 3
    _compare(ours, ref, x, torch)


def test_lazy_signature_defaults_and_dtype(torch):
    import inspect

    for name in ("LazyBatchNorm2d", "LazyInstanceNorm2d"):
        ours, theirs = (inspect.signature(getattr(m, name)).parameters for m in (nn, torch.nn))
        assert [(p.name, p.kind, p.default) for p in ours.values()] == [
            (p.name, p.kind, p.default) for p in theirs.values()]  # fmt: skip
    m = nn.LazyBatchNorm1d(dtype=dg.float64)
    m(dg.randn(4, 6))
    assert m.weight.dtype == np.float64 and m.running_var.shape == (6,)
    assert nn.LazyInstanceNorm2d().affine and nn.InstanceNorm2d(3).affine is False


def test_lazy_norm_model_saves_and_loads(tmp_path):
    model = nn.Sequential(nn.LazyConv2d(4, 3), nn.LazyBatchNorm2d(), nn.ReLU(),
                          nn.LazyInstanceNorm2d())  # fmt: skip
    x = dg.randn(2, 3, 6, 6)
    model.train()
    model(x)
    model.eval()
    y = model.predict(x.numpy()) if hasattr(model, "predict") else model(x)
    model.save(tmp_path / "m.dg")
    back = dg.load_model(tmp_path / "m.dg")
    back.eval()
    np.testing.assert_allclose(np.asarray(back(x).numpy()), np.asarray(y), rtol=1e-6)
    assert isinstance(back[1], nn.LazyBatchNorm2d) and back[1].num_features == 4
