"""``Module.state_dict()`` keeps PyTorch's contract: an ``OrderedDict`` of detached tensors that
share memory with the parameters and buffers (``keep_vars=True``: the tensors themselves),
``prefix=``/``destination=``, ``_metadata``; EMA code that writes through it (timm's
ModelEmaV2, YOLOv5's ModelEMA) gives torch's numbers step by step; ``load_state_dict`` copies
values in; the internal snapshots (EarlyStopping, saving, Keras weights) stay copies."""

from __future__ import annotations

import copy
import io
import math
import warnings
from collections import OrderedDict

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn, optim


def _net(lib):
    """No bias before the batch norm: its gradient is zero up to rounding, which Adam would
    blow up to steps of ``lr`` that differ between the libraries."""
    lib.manual_seed(0)
    return lib.nn.Sequential(
        lib.nn.Linear(4, 8, bias=False), lib.nn.BatchNorm1d(8), lib.nn.ReLU(), lib.nn.Linear(8, 2)
    )


def _pair(torch):
    """The same float64 network in deepgrad and torch (torch's values loaded into it)."""
    m, t = _net(dg).double(), _net(torch).double()
    m.load_state_dict({k: v.numpy() for k, v in t.state_dict().items()})
    return m, t


def _same(m_sd, t_sd, rtol=1e-12, atol=1e-12):
    assert list(m_sd) == list(t_sd)
    for k, v in t_sd.items():
        np.testing.assert_allclose(m_sd[k].numpy(), v.numpy(), rtol=rtol, atol=atol, err_msg=k)


# ---- the dict and its values ----------------------------------------------------------------
def test_values_are_detached_tensors_sharing_memory():
    m = _net(dg)
    sd = m.state_dict()
    assert type(sd) is OrderedDict
    for k, v in sd.items():
        own = m.get_parameter(k) if k.endswith(("weight", "bias")) else m.get_buffer(k)
        assert type(v) is dg.Tensor and v is not own
        assert not v.requires_grad and v.is_leaf and v.grad_fn is None
        assert np.shares_memory(v.numpy(), own.numpy())
    v = sd["0.weight"]
    assert v.shape == (8, 4) and v.dtype == dg.float32 and v.numel() == 32
    assert isinstance(v.cpu().numpy(), np.ndarray)
    # a write through the value is a write of the parameter, and the other way round
    v.mul_(0.0)
    assert float(m[0].weight.abs().sum()) == 0.0
    with dg.no_grad():
        m[0].weight.add_(1.0)
    assert np.array_equal(v.numpy(), np.ones((8, 4), np.float32))


def test_keep_vars_gives_the_tensors_themselves():
    m = _net(dg)
    sd = m.state_dict(keep_vars=True)
    assert sd["0.weight"] is m[0].weight and sd["1.running_mean"] is m[1].running_mean
    assert isinstance(sd["3.bias"], nn.Parameter) and sd["3.bias"].requires_grad


def test_keys_prefix_destination_and_metadata_as_torch():
    torch = pytest.importorskip("torch")
    m, t = _net(dg), _net(torch)
    sd, tsd = m.state_dict(), t.state_dict()
    assert list(sd) == list(tsd)
    assert sd._metadata == tsd._metadata  # {'': {'version': 1}, ..., '1': {'version': 2}}
    sd, tsd = m.state_dict(prefix="net."), t.state_dict(prefix="net.")
    assert list(sd) == list(tsd) and sd._metadata == tsd._metadata
    # a destination is filled and returned; a plain dict gets no _metadata
    dest, tdest = {"x": 1}, {"x": 1}
    assert m.state_dict(destination=dest) is dest and t.state_dict(destination=tdest) is tdest
    assert list(dest) == list(tdest) and not hasattr(dest, "_metadata")
    # the deprecated positional form warns as torch's does
    for lib_m in (m, t):
        with pytest.warns(FutureWarning, match="Positional args are being deprecated"):
            out = lib_m.state_dict(None, "p.", True)
        assert list(out)[0] == "p.0.weight"
    with pytest.warns(FutureWarning):
        assert m.state_dict(None, "p.", True)["p.0.weight"] is m[0].weight

    # InstanceNorm shares BatchNorm's base and version; a non-persistent buffer is left out
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.norm = nn.InstanceNorm1d(3, affine=True, track_running_stats=True)
            self.register_buffer("scratch", dg.zeros(2), persistent=False)

    class TNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.norm = torch.nn.InstanceNorm1d(3, affine=True, track_running_stats=True)
            self.register_buffer("scratch", torch.zeros(2), persistent=False)

    sd, tsd = Net().state_dict(), TNet().state_dict()
    assert list(sd) == list(tsd) and sd._metadata == tsd._metadata


def test_a_child_state_dict_override_is_called_as_in_torch():
    class Custom(nn.Linear):
        def state_dict(self, *, destination=None, prefix="", keep_vars=False):
            out = super().state_dict(destination=destination, prefix=prefix, keep_vars=keep_vars)
            out[prefix + "extra"] = dg.zeros(1)
            return out

    m = nn.Sequential(Custom(2, 2))
    assert list(m.state_dict()) == ["0.weight", "0.bias", "0.extra"]


# ---- snapshots, saving, loading ----------------------------------------------------------------
def test_snapshots_are_independent_and_a_kept_dict_follows_training():
    torch = pytest.importorskip("torch")
    m, t = _pair(torch)
    opt, topt = optim.SGD(m.parameters(), lr=0.1), torch.optim.SGD(t.parameters(), lr=0.1)
    sd, tsd = m.state_dict(), t.state_dict()
    best, tbest = copy.deepcopy(sd), copy.deepcopy(tsd)
    assert best._metadata == tbest._metadata
    cloned = {k: v.clone() for k, v in sd.items()}
    as_numpy = {k: v.cpu().numpy().copy() for k, v in sd.items()}
    x = np.random.default_rng(0).normal(size=(6, 4))
    for lib, model, o in ((dg, m, opt), (torch, t, topt)):
        o.zero_grad()
        model(lib.tensor(x)).pow(2).mean().backward()
        o.step()
    _same(sd, tsd)  # the kept dicts moved with their models, identically
    assert not np.allclose(sd["0.weight"].numpy(), best["0.weight"].numpy())
    for snap in (best, cloned):  # the copies did not move
        for k in sd:
            np.testing.assert_array_equal(snap[k].numpy(), as_numpy[k])
    # loading the snapshot back copies it in: the kept dict sees it (shared), the snapshot
    # stays independent of the model afterwards
    m.load_state_dict(best)
    t.load_state_dict(tbest)
    _same(sd, tsd)
    np.testing.assert_array_equal(sd["0.weight"].numpy(), as_numpy["0.weight"])
    best["0.weight"].mul_(0.0)
    assert float(m[0].weight.abs().sum()) > 0


def test_save_and_load_a_state_dict():
    m = _net(dg)
    buf = io.BytesIO()
    dg.save(m.state_dict(), buf)
    buf.seek(0)
    loaded = dg.load(buf)
    assert type(loaded) is OrderedDict and all(isinstance(v, dg.Tensor) for v in loaded.values())
    m2 = _net(dg)
    with dg.no_grad():
        m2[0].weight.mul_(0.0)
    m2.load_state_dict(loaded)
    for k, v in m.state_dict().items():
        np.testing.assert_array_equal(m2.state_dict()[k].numpy(), v.numpy())
    loaded["0.weight"].add_(1.0)  # the module holds a copy
    np.testing.assert_array_equal(m2[0].weight.numpy(), m[0].weight.numpy())


def test_load_state_dict_takes_tensors_and_arrays_and_copies():
    src, dst = (
        _net(dg),
        nn.Sequential(nn.Linear(4, 8, bias=False), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 2)),
    )
    sd = src.state_dict()
    dst.load_state_dict(sd)
    assert not np.shares_memory(dst[0].weight.numpy(), src[0].weight.numpy())
    weight_array = dst[0].weight._data
    dst.load_state_dict({k: v.numpy() * 2 for k, v in sd.items()})
    assert dst[0].weight._data is weight_array  # written in place, as torch's copy_
    np.testing.assert_allclose(dst[0].weight.numpy(), 2 * src[0].weight.numpy())
    assert dst[1].num_batches_tracked.dtype == np.int64


def test_load_state_dict_casts_and_takes_read_only_memory():
    lin = nn.Linear(2, 2)
    lin.load_state_dict({"weight": np.ones((2, 2)), "bias": np.zeros(2, np.int64)})
    assert lin.weight.dtype == np.float32 and lin.bias.dtype == np.float32
    np.testing.assert_array_equal(lin.weight.numpy(), np.ones((2, 2), np.float32))
    lin.weight._data.flags.writeable = False  # (memory read from a file, say)
    lin.load_state_dict({"weight": np.full((2, 2), 2.0), "bias": np.ones(2)})
    np.testing.assert_array_equal(lin.weight.numpy(), np.full((2, 2), 2.0, np.float32))


def test_load_state_dict_errors_as_torch():
    torch = pytest.importorskip("torch")
    m, t = _net(dg), _net(torch)
    sd, tsd = m.state_dict(), t.state_dict()
    for lib_m, d in ((m, dict(sd)), (t, dict(tsd))):
        del d["3.bias"]
        d["extra"] = d["0.weight"]
        with pytest.raises(RuntimeError, match=r"3\.bias") as e:
            lib_m.load_state_dict(d)
        assert "extra" in str(e.value)
        missing, unexpected = lib_m.load_state_dict(d, strict=False)
        assert (missing, unexpected) == (["3.bias"], ["extra"])
    for lib_m, d in ((m, dict(sd)), (t, dict(tsd))):
        d["3.weight"] = d["0.weight"]
        with pytest.raises(RuntimeError, match=r"3\.weight"):
            lib_m.load_state_dict(d, strict=False)


def test_load_state_dict_after_a_forward_refuses_the_backward_as_torch():
    torch = pytest.importorskip("torch")
    for lib in (dg, torch):
        lin = lib.nn.Linear(3, 2)
        snapshot = {k: v.clone() for k, v in lin.state_dict().items()}
        y = lin(lib.ones(4, 3, requires_grad=True)).pow(2).sum()
        lin.load_state_dict(snapshot)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.backward()


# ---- writes through the dict and the graph -----------------------------------------------------
def test_a_write_through_the_dict_is_seen_by_backward_as_torch():
    torch = pytest.importorskip("torch")
    for lib in (dg, torch):
        lin = lib.nn.Linear(3, 2)
        x = lib.ones(4, 3, requires_grad=True)
        y = lin(x).pow(2).sum()  # saves the weight for x's gradient
        with lib.no_grad():
            lin.state_dict()["weight"].mul_(0.5)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.backward()
        # a graph built after the write runs, with the new values
        y = lin(x).pow(2).sum()
        y.backward()
        assert lin.weight.grad is not None


def _timm_ema_update(ema, model, decay):
    """timm's ModelEmaV2._update (its code, with the library's no_grad)."""
    lib = dg if isinstance(ema, nn.Module) else __import__("torch")
    with lib.no_grad():
        for ema_v, model_v in zip(ema.state_dict().values(), model.state_dict().values()):
            ema_v.copy_(decay * ema_v + (1.0 - decay) * model_v)


def _yolo_ema_update(ema, model, updates, decay=0.9999, tau=20):
    """YOLOv5's ModelEMA.update; ``v.dtype.is_floating_point`` is ``v.is_floating_point()``
    here (deepgrad's dtypes are NumPy's: README)."""
    lib = dg if isinstance(ema, nn.Module) else __import__("torch")
    d = decay * (1 - math.exp(-updates / tau))
    with lib.no_grad():
        msd = model.state_dict()
        for k, v in ema.state_dict().items():
            if v.is_floating_point():
                v *= d
                v += (1 - d) * msd[k].detach()


@pytest.mark.parametrize("pattern", ["timm", "yolo"])
@pytest.mark.parametrize("opt_name", ["SGD", "Adam"])
def test_ema_through_the_state_dict_matches_torch(pattern, opt_name):
    torch = pytest.importorskip("torch")
    m, t = _pair(torch)
    ema, tema = copy.deepcopy(m).eval(), copy.deepcopy(t).eval()
    kw = {"lr": 0.05, "momentum": 0.9} if opt_name == "SGD" else {"lr": 0.01}
    opt = getattr(optim, opt_name)(m.parameters(), **kw)
    topt = getattr(torch.optim, opt_name)(t.parameters(), **kw)
    rng = np.random.default_rng(1)
    for step in range(1, 9):
        x, y = rng.normal(size=(16, 4)), rng.normal(size=(16, 2))
        for lib, model, o in ((dg, m, opt), (torch, t, topt)):
            o.zero_grad()
            ((model(lib.tensor(x)) - lib.tensor(y)) ** 2).mean().backward()
            o.step()
        if pattern == "timm":
            _timm_ema_update(ema, m, 0.9)
            _timm_ema_update(tema, t, 0.9)
        else:
            _yolo_ema_update(ema, m, step)
            _yolo_ema_update(tema, t, step)
        _same(ema.state_dict(), tema.state_dict(), rtol=1e-10, atol=1e-12)
        _same(m.state_dict(), t.state_dict(), rtol=1e-10, atol=1e-12)
    x = rng.normal(size=(5, 4))
    np.testing.assert_allclose(
        ema(dg.tensor(x)).numpy(), tema(torch.tensor(x)).detach().numpy(), rtol=1e-10
    )


@pytest.mark.parametrize("opt_name", ["SGD", "Adam", "AdamW"])
def test_the_optimizer_keeps_working_after_writes_into_the_model(opt_name):
    """Writes into the *trained* model through its state dict (an EMA copied back, as
    lookahead-style code does) between steps: the optimizer continues from the written
    values, as torch's does."""
    torch = pytest.importorskip("torch")
    m, t = _pair(torch)
    ema, tema = copy.deepcopy(m), copy.deepcopy(t)
    opt = getattr(optim, opt_name)(m.parameters(), lr=0.01)
    topt = getattr(torch.optim, opt_name)(t.parameters(), lr=0.01)
    rng = np.random.default_rng(2)
    for step in range(1, 10):
        x, y = rng.normal(size=(8, 4)), rng.normal(size=(8, 2))
        for lib, model, o in ((dg, m, opt), (torch, t, topt)):
            o.zero_grad()
            ((model(lib.tensor(x)) - lib.tensor(y)) ** 2).mean().backward()
            o.step()
        _timm_ema_update(ema, m, 0.5)
        _timm_ema_update(tema, t, 0.5)
        if step % 3 == 0:  # the model takes the average's values
            for lib, model, avg in ((dg, m, ema), (torch, t, tema)):
                with lib.no_grad():
                    for v, e in zip(model.state_dict().values(), avg.state_dict().values()):
                        v.copy_(e)
        _same(m.state_dict(), t.state_dict(), rtol=1e-10, atol=1e-12)


# ---- internal snapshots stay copies -----------------------------------------------------------
def test_early_stopping_keeps_a_copy_of_the_best_weights():
    m = nn.Sequential(nn.Linear(3, 1))
    stop = dg.callbacks.EarlyStopping(monitor="loss", patience=5, restore_best_weights=True)
    stop.set_model(m) if hasattr(stop, "set_model") else setattr(stop, "model", m)
    stop.on_train_begin()
    stop.on_epoch_end(0, {"loss": 1.0})
    best = {k: v.copy() for k, v in stop.best_weights.items()}
    for k, v in stop.best_weights.items():
        assert isinstance(v, np.ndarray)
        assert not np.shares_memory(v, m.state_dict()[k].numpy())
    with dg.no_grad():
        m[0].weight.add_(1.0)
    stop.on_epoch_end(1, {"loss": 2.0})  # worse: the best stays
    for k, v in stop.best_weights.items():
        np.testing.assert_array_equal(v, best[k])
    stop.on_train_end()
    np.testing.assert_array_equal(m[0].weight.numpy(), best["0.weight"])


def test_keras_weights_and_saved_weights_do_not_share_memory(tmp_path):
    m = nn.Sequential(nn.Linear(3, 1), nn.Linear(1, 2))
    for w in m.get_weights():
        for p in m.parameters():
            assert not np.shares_memory(w, p.numpy())
    m.save_weights(tmp_path / "w.safetensors")
    m2 = nn.Sequential(nn.Linear(3, 1), nn.Linear(1, 2))
    m2.load_weights(tmp_path / "w.safetensors")
    for k, v in m.state_dict().items():
        np.testing.assert_array_equal(m2.state_dict()[k].numpy(), v.numpy())


def test_no_warning_from_the_keyword_form():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _net(dg).state_dict(prefix="a.", keep_vars=False)


def test_an_old_batch_norm_checkpoint_without_num_batches_tracked_loads_as_in_pytorch():
    """PyTorch's rule: a state dict without metadata version 2 (a plain dict, an old
    checkpoint) may lack num_batches_tracked (the counter keeps its value); a versioned one
    may not."""
    torch = pytest.importorskip("torch")
    for lib in (torch, dg):
        m = lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.BatchNorm1d(2))
        m(lib.randn(4, 2))
        plain = {k: v for k, v in m.state_dict().items() if "num_batches" not in k}
        assert m.load_state_dict(plain) == ([], [])
        assert int(m[1].num_batches_tracked) == 1
        versioned = m.state_dict()
        del versioned["1.num_batches_tracked"]
        with pytest.raises(RuntimeError, match="num_batches_tracked"):
            m.load_state_dict(versioned)


def test_to_empty_and_share_memory_return_the_module():
    lin = dg.nn.Linear(2, 3)
    assert lin.share_memory() is lin
    assert lin.to_empty(device="cpu") is lin
    assert lin.weight.shape == (3, 2) and lin.weight.requires_grad
    assert isinstance(lin.weight, dg.nn.Parameter)
    assert [n for n, _ in lin.named_parameters()] == ["weight", "bias"]
