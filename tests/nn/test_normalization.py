"""Normalization layers against PyTorch's: printing, SyncBatchNorm."""

import numpy as np
import pytest


def test_norm_layers_print_as_pytorchs(torch):
    """PyTorch 2.13 prints the bias flag of batch, instance and layer norm."""
    import deepgrad as dg

    cases = [
        ("BatchNorm1d", (3,), {}),
        ("BatchNorm2d", (3,), {"affine": False}),
        ("BatchNorm2d", (3,), {"bias": False}),
        ("InstanceNorm2d", (3,), {}),
        ("InstanceNorm1d", (3,), {"affine": True}),
        ("LazyBatchNorm2d", (), {}),
        ("LayerNorm", (4,), {}),
        ("LayerNorm", (4,), {"bias": False}),
        ("LayerNorm", (4,), {"elementwise_affine": False}),
        ("GroupNorm", (2, 4), {}),
        ("RMSNorm", (4,), {}),
    ]
    for name, args, kwargs in cases:
        assert repr(getattr(dg.nn, name)(*args, **kwargs)) == repr(
            getattr(torch.nn, name)(*args, **kwargs)
        ), (name, kwargs)


def _sync_pair(torch, **kw):
    import deepgrad as dg

    m, t = dg.nn.SyncBatchNorm(3, **kw), torch.nn.SyncBatchNorm(3, **kw)
    if m.weight is not None:
        m.weight.data = dg.tensor([0.5, 1.5, -1.0])
        t.weight.data = torch.tensor([0.5, 1.5, -1.0])
    return m, t


@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 5), (2, 3, 2, 2), (2, 3, 2, 1, 2, 2)])
@pytest.mark.parametrize("kw", [{}, {"momentum": None}, {"affine": False}, {"bias": False}])
def test_sync_batch_norm_is_batch_norm_over_any_dims_as_torch(torch, rng, shape, kw):
    """One process: PyTorch's SyncBatchNorm is F.batch_norm over (N, C, ...) of any rank."""
    import deepgrad as dg

    m, t = _sync_pair(torch, **kw)
    a = rng.standard_normal(shape).astype("float32")
    for step in range(2):
        x, tx = dg.tensor(a + step, requires_grad=True), torch.tensor(a + step, requires_grad=True)
        y, ty = m(x), t(tx)
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-5)
        (y**2).sum().backward()
        (ty**2).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-5)
    for k, v in t.state_dict().items():
        np.testing.assert_allclose(m.state_dict()[k], v.numpy(), rtol=1e-5, atol=1e-6)
    m.eval(), t.eval()
    np.testing.assert_allclose(
        m(dg.tensor(a)).numpy(), t(torch.tensor(a)).detach().numpy(), rtol=1e-5, atol=1e-5
    )
    assert repr(m) == repr(t)


def test_sync_batch_norm_gradcheck():
    import deepgrad as dg

    m = dg.nn.SyncBatchNorm(2).double()
    x = dg.tensor(np.linspace(-1, 2, 24).reshape(2, 2, 3, 2) ** 2, requires_grad=True)
    assert dg.gradcheck(lambda v, w, b: m(v), (x, m.weight, m.bias))


def test_sync_batch_norm_errors_as_torch(torch):
    import deepgrad as dg

    for lib in (dg, torch):
        m = lib.nn.SyncBatchNorm(3)
        with pytest.raises(ValueError, match=r"expected at least 2D input \(got 1D input\)"):
            m(lib.ones(3))
        with pytest.raises(ValueError, match="number of input channels should be non-zero"):
            m(lib.ones(2, 0))


def test_convert_sync_batchnorm_as_torch(torch):
    """Every BatchNorm*D (nested, or the module itself) becomes a SyncBatchNorm sharing its
    parameters and buffers and keeping its mode; other modules stay the same objects."""
    import deepgrad as dg

    def build(lib):
        n = lib.nn
        net = n.Sequential(
            n.Conv2d(1, 2, 3), n.BatchNorm2d(2, momentum=0.3),
            n.Sequential(n.ReLU(), n.BatchNorm2d(2, affine=False)), n.Flatten(),
            n.Linear(18, 2), n.BatchNorm1d(2, bias=False, eps=1e-3),
        )  # fmt: skip
        net[2][1].eval()
        return net

    net, tnet = build(dg), build(torch)
    tnet.load_state_dict({k: torch.tensor(v.numpy()) for k, v in net.state_dict().items()})
    old = dict(net.named_modules())
    out = dg.nn.SyncBatchNorm.convert_sync_batchnorm(net, process_group=None)
    tout = torch.nn.SyncBatchNorm.convert_sync_batchnorm(tnet)
    assert repr(out) == repr(tout)
    assert out is net and out[0] is old["0"] and out[4] is old["4"]
    for name in ("1", "2.1", "5"):
        new, was = out.get_submodule(name), old[name]
        assert type(new) is dg.nn.SyncBatchNorm and new.training == was.training
        assert new.weight is was.weight and new.bias is was.bias
        assert new.running_mean is was.running_mean and new.running_var is was.running_var
        assert new.num_batches_tracked is was.num_batches_tracked
    assert list(out.state_dict()) == list(tout.state_dict())
    x = np.linspace(-1, 1, 2 * 25).reshape(2, 1, 5, 5).astype("float32")
    np.testing.assert_allclose(
        out(dg.tensor(x)).detach().numpy(), tout(torch.tensor(x)).detach().numpy(), rtol=1e-4,
        atol=1e-5,
    )  # fmt: skip
    bn = dg.nn.BatchNorm1d(3)
    assert type(dg.nn.SyncBatchNorm.convert_sync_batchnorm(bn)) is dg.nn.SyncBatchNorm
