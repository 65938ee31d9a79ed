"""``deepgrad.utils.tensorboard.SummaryWriter`` against PyTorch's: the same calls write event
files that TensorBoard reads back as the same scalars, scalar groups (folders), histograms
and text; what it does not write is refused by name."""

from __future__ import annotations

import os

import numpy as np
import pytest

import deepgrad as dg

pytest.importorskip("tensorboard")
torch = pytest.importorskip("torch")
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402
from torch.utils.tensorboard import SummaryWriter as TorchWriter  # noqa: E402

from deepgrad.utils.tensorboard import SummaryWriter  # noqa: E402


def _write(writer_cls, lib, folder):
    values = np.random.default_rng(0).standard_normal(1000).astype(np.float32)
    with writer_cls(folder) as w:
        for step in range(3):
            w.add_scalar("loss/train", lib.tensor(1.0 / (step + 1)), step)
            w.add_scalars("acc", {"train": 0.5 + step / 10, "val": 0.4 + step / 10}, step)
        w.add_histogram("weights", lib.tensor(values), 7)
        w.add_histogram("coarse", lib.tensor(values), 1, bins=100, max_bins=30)
        w.add_text("notes", "hello **world**", 2)
    return values


def _read(folder):
    acc = EventAccumulator(folder, size_guidance={"histograms": 0, "tensors": 0})
    acc.Reload()
    return acc


def test_the_events_read_back_as_pytorchs(tmp_path):
    _write(TorchWriter, torch, str(tmp_path / "t"))
    _write(SummaryWriter, dg, str(tmp_path / "d"))
    t, d = _read(str(tmp_path / "t")), _read(str(tmp_path / "d"))
    for tag in ("loss/train",):
        assert [(e.step, e.value) for e in d.Scalars(tag)] == [
            (e.step, e.value) for e in t.Scalars(tag)
        ]

    def folders(p):
        return sorted(f for f in os.listdir(p) if os.path.isdir(p / f))

    assert folders(tmp_path / "d") == folders(tmp_path / "t") == ["acc_train", "acc_val"]
    for sub in ("acc_train", "acc_val"):
        ts, ds = _read(str(tmp_path / "t" / sub)), _read(str(tmp_path / "d" / sub))
        assert [(e.step, e.value) for e in ds.Scalars("acc")] == [
            (e.step, e.value) for e in ts.Scalars("acc")
        ]
    (th,), (dh,) = t.Histograms("weights"), d.Histograms("weights")
    assert dh.step == th.step == 7
    a, b = dh.histogram_value, th.histogram_value
    assert (a.min, a.max, a.num) == (b.min, b.max, b.num)
    assert a.sum == pytest.approx(b.sum, rel=1e-5) and a.sum_squares == pytest.approx(
        b.sum_squares, rel=1e-5
    )
    assert sum(a.bucket) == sum(b.bucket) == 1000
    np.testing.assert_allclose(a.bucket_limit, b.bucket_limit, rtol=1e-6)
    np.testing.assert_array_equal(a.bucket, b.bucket)
    (tc,), (dc,) = t.Histograms("coarse"), d.Histograms("coarse")
    np.testing.assert_allclose(dc.histogram_value.bucket_limit, tc.histogram_value.bucket_limit)
    np.testing.assert_array_equal(dc.histogram_value.bucket, tc.histogram_value.bucket)
    (tt,), (dt,) = t.Tensors("notes/text_summary"), d.Tensors("notes/text_summary")
    assert dt.tensor_proto.string_val == tt.tensor_proto.string_val == [b"hello **world**"]


def test_defaults_and_refusals(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with SummaryWriter(comment="_lr0.1") as w:
        assert w.get_logdir().startswith("runs" + os.sep) and w.get_logdir().endswith("_lr0.1")
        with pytest.raises(NotImplementedError, match="add_image: images are not written"):
            w.add_image("x", dg.zeros(3, 4, 4))
        with pytest.raises(NotImplementedError, match="add_graph"):
            w.add_graph(dg.nn.Linear(2, 2), dg.zeros(1, 2))
        with pytest.raises(AttributeError):
            w.add_nothing  # noqa: B018
        with pytest.raises(ValueError, match="single number"):
            w.add_scalar("x", dg.ones(2))
        with pytest.raises(ValueError, match="no values"):
            w.add_histogram("x", dg.zeros(0))
    assert os.listdir(tmp_path / "runs")
    with dg.utils.tensorboard.SummaryWriter(str(tmp_path / "p"), purge_step=5) as w:
        w.add_scalar("a", 1.0, 5)
    assert [e.step for e in _read(str(tmp_path / "p")).Scalars("a")] == [5]
