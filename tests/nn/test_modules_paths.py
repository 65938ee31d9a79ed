"""PyTorch's ``torch.nn.modules.<name>`` import paths, which programs use for base classes
(``_BatchNorm`` in freeze-BN code, ``_ConvNd``, ``_Loss``) and ``utils._pair``: each names the
same class objects as ``deepgrad.nn``, and every class PyTorch lists there that deepgrad has."""

from __future__ import annotations

import importlib

import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")

PATHS = ["activation", "batchnorm", "container", "conv", "distance", "dropout", "flatten", "fold",
         "instancenorm", "linear", "loss", "normalization", "padding", "pixelshuffle", "pooling",
         "rnn", "sparse", "transformer", "upsampling"]  # fmt: skip


@pytest.mark.parametrize("name", PATHS)
def test_torch_module_paths_name_deepgrads_classes(name):
    ours = importlib.import_module(f"deepgrad.nn.modules.{name}")
    theirs = importlib.import_module(f"torch.nn.modules.{name}")
    for cls in getattr(theirs, "__all__", []):
        if hasattr(dg.nn, cls):
            assert getattr(ours, cls) is getattr(dg.nn, cls)
    with pytest.raises(ImportError):
        exec(f"from deepgrad.nn.modules.{name} import NoSuchLayer")


def test_base_classes_and_utils():
    from deepgrad.nn.modules.batchnorm import _BatchNorm
    from deepgrad.nn.modules.conv import _ConvNd
    from deepgrad.nn.modules.loss import _Loss

    from deepgrad.nn.modules.utils import _ntuple, _pair, _quadruple, _single, _triple

    assert isinstance(dg.nn.BatchNorm2d(3), _BatchNorm)
    assert isinstance(dg.nn.Conv1d(1, 1, 1), _ConvNd)
    assert isinstance(dg.nn.MSELoss(), _Loss)
    tu = importlib.import_module("torch.nn.modules.utils")
    for v in (3, (1, 2), [4, 5, 6]):
        assert _single(v) == tu._single(v) and _pair(v) == tu._pair(v)
        assert _triple(v) == tu._triple(v) and _quadruple(v) == tu._quadruple(v)
    assert _ntuple(5)(0) == tu._ntuple(5)(0)


def test_weighted_loss_base_class_keeps_torchs_weight_buffer():
    torch = pytest.importorskip("torch")
    from deepgrad.nn.modules.loss import _WeightedLoss

    for lib, base in ((torch, torch.nn.modules.loss._WeightedLoss), (dg, _WeightedLoss)):

        class Weighted(base):
            def forward(self, x, y, lib=lib):
                return lib.nn.functional.cross_entropy(x, y, weight=self.weight)

        w = Weighted(weight=lib.tensor([1.0, 2.0, 3.0]))
        assert list(w.state_dict()) == ["weight"] and list(Weighted().state_dict()) == []
        assert w.reduction == "mean" and Weighted(reduction="sum").reduction == "sum"


def test_other_torch_paths_programs_import_or_call():
    from deepgrad.utils.data.dataloader import DataLoader, default_collate
    from deepgrad.utils.data.dataset import Dataset, TensorDataset
    from deepgrad.utils.data.sampler import SubsetRandomSampler

    assert DataLoader is dg.utils.data.DataLoader and Dataset is dg.utils.data.Dataset
    assert default_collate([1, 2]).tolist() == [1, 2]
    assert len(list(SubsetRandomSampler([3, 4]))) == 2 and TensorDataset
    dg.cuda.empty_cache()  # nothing to release on the CPU
    dg.autograd.set_detect_anomaly(False)
    with dg.autograd.set_detect_anomaly(False):
        pass
    with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):
        with dg.autograd.detect_anomaly():
            assert dg.is_anomaly_enabled()
    assert not dg.is_anomaly_enabled()


@pytest.mark.parametrize(
    ("name", "buffers"),
    [
        ("CrossEntropyLoss", ["weight"]),
        ("NLLLoss", ["weight"]),
        ("BCELoss", ["weight"]),
        ("BCEWithLogitsLoss", ["weight", "pos_weight"]),
        ("MultiMarginLoss", ["weight"]),
        ("MultiLabelSoftMarginLoss", ["weight"]),
    ],
)
def test_loss_weights_are_buffers_as_torchs(name, buffers):
    """A model holding a weighted loss has its weights in ``state_dict`` (PyTorch's keys,
    so state dicts load both ways) and ``.to(dtype)`` converts them."""
    for lib in (torch, dg):
        m = lib.nn.Sequential(lib.nn.Linear(3, 3))
        m.loss = getattr(lib.nn, name)(**{b: lib.ones(3) for b in buffers})
        assert list(m.state_dict()) == ["0.weight", "0.bias", *[f"loss.{b}" for b in buffers]]
    m.double()
    assert all(getattr(m.loss, b).dtype == dg.float64 for b in buffers)
    assert getattr(dg.nn, name)().weight is None


def test_torch_module_paths_are_attributes():
    """``nn.modules.batchnorm._BatchNorm`` as an attribute chain, without an import of the
    sub-module (SAM's README: ``isinstance(module, nn.modules.batchnorm._BatchNorm)``),
    as PyTorch's; it raised AttributeError. ``nn.modules.utils`` is the helpers' module
    (``_pair``), not ``nn.utils``."""
    import subprocess
    import sys

    code = (
        "import deepgrad.nn as nn, importlib\n"
        f"for name in {[*PATHS, 'utils']!r}:\n"
        "    m = getattr(nn.modules, name)\n"
        "    assert m is importlib.import_module('deepgrad.nn.modules.' + name), (name, m)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    assert dg.nn.modules.utils._pair(3) == (3, 3)
    assert isinstance(dg.nn.BatchNorm1d(2), dg.nn.modules.batchnorm._BatchNorm)


def test_torch_utils_sub_modules_are_attributes_as_after_import_torch():
    # code written as torch.utils.data.dataloader.default_collate(...) without importing it
    assert dg.utils.data.dataloader.default_collate([1, 2]).tolist() == [1, 2]
    assert dg.utils.data.sampler.Sampler is dg.utils.data.Sampler
    assert dg.utils.data.dataset.Dataset is dg.utils.data.Dataset
    assert dg.utils.data.distributed.DistributedSampler is dg.utils.data.DistributedSampler
    handle = dg.nn.Linear(2, 2).register_forward_hook(lambda m, i, o: None)
    assert isinstance(handle, dg.utils.hooks.RemovableHandle)
