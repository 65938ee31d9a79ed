"""The pieces of deepgrad.distributed that need no MPI: sharding, metric merging, the
one-process communicator and strategy, and the search callback's errors."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import metrics as M
from deepgrad import nn
from deepgrad.distributed import sharding
from deepgrad.distributed.metrics import merge_into
from deepgrad.train.sources import ArraySource
from deepgrad.train.strategy import get_strategy, set_strategy


@pytest.mark.parametrize("n,batch,size", [(37, 8, 2), (33, 8, 2), (10, 3, 4), (5, 4, 3)])
@pytest.mark.parametrize("shuffle", [True, False])
def test_shards_cover_each_global_batch_once(n, batch, size, shuffle):
    """Each step, the ranks' parts are the global batch one process takes with batch
    size ``size × batch``: together every sample once per epoch, in the same order."""
    x = np.arange(n, dtype=np.float32)[:, None]
    one = ArraySource(x, np.arange(n), None, batch * size, shuffle)
    parts = [
        list(
            sharding.ShardedSource(
                ArraySource(x, np.arange(n), None, batch, shuffle), r, size
            ).batches(2, 0, 7)
        )
        for r in range(size)
    ]
    glob = list(one.batches(2, 0, 7))
    assert all(len(p) == len(glob) for p in parts)
    for s, (_, yg, _) in enumerate(glob):
        got = np.concatenate([p[s][1] for p in parts if p[s][0] is not None])
        np.testing.assert_array_equal(got, yg)
        sizes = [0 if p[s][0] is None else len(p[s][0]) for p in parts]
        assert max(sizes) - min(sizes) <= 1


def _split_updates(metric_factory, pred, true, cuts):
    whole = metric_factory()
    whole.update(pred, true)
    parts = []
    for lo, hi in zip([0, *cuts], [*cuts, len(true)]):
        m = metric_factory()
        if hi > lo:
            m.update(pred[lo:hi], true[lo:hi])
        parts.append(m.state_dict())
    merged = metric_factory()
    merge_into(merged, parts)
    return whole.result(), merged.result()


@pytest.mark.parametrize(
    "factory,kind",
    [
        (M.Accuracy, "cls"),
        (lambda: M.F1Score(average="macro"), "cls"),
        (lambda: M.Precision(average="weighted"), "cls"),
        (M.ConfusionMatrix, "cls"),
        (M.AUC, "cls"),
        (lambda: M.TopKAccuracy(k=2), "cls"),
        (M.MeanSquaredError, "reg"),
        (M.MeanAbsoluteError, "reg"),
        (M.RootMeanSquaredError, "reg"),
        (M.R2Score, "reg"),
    ],
)
def test_merged_metrics_equal_one_pass(factory, kind):
    """The merge of the ranks' states equals the metric over all samples in one process
    (with an empty rank, and ranks that saw fewer classes)."""
    rng = np.random.default_rng(0)
    if kind == "cls":
        true = np.r_[rng.integers(0, 2, 20), rng.integers(0, 4, 20)]
        pred = rng.normal(size=(40, 4))
    else:
        true = 1e3 + rng.normal(size=(40, 2))
        pred = true + rng.normal(size=(40, 2))
    a, b = _split_updates(factory, pred, true, [20, 20, 31])
    np.testing.assert_allclose(b, a, rtol=1e-10)


def test_a_metric_that_cannot_merge_is_refused():
    class Odd(M.Metric):
        _state = ("best",)

        def reset(self):
            self.best = 0.0

    with pytest.raises(TypeError, match="Odd.*merge_states"):
        merge_into(Odd(), [{"best": 1.0}, {"best": 2.0}])


def test_init_alone_is_one_process_and_fit_unchanged():
    import deepgrad.distributed as dist

    try:
        comm = dist.init()
        assert (comm.size, comm.rank, dist.size(), dist.is_main()) == (1, 0, 1, True)
        x = np.random.default_rng(0).normal(size=(20, 3)).astype("float32")
        y = (x[:, 0] > 0).astype("int64")
        hs = []
        for _ in range(2):
            dg.manual_seed(0)
            model = nn.Sequential(nn.Linear(3, 2))
            model.compile(optimizer="adam", loss="cross_entropy")
            hs.append(model.fit(x, y, epochs=2, batch_size=4, seed=0, verbose=0).history["loss"])
            set_strategy(None)
        assert hs[0] == hs[1]
    finally:
        set_strategy(None)
    assert get_strategy().size == 1


def test_distributed_optimizer_alone_is_the_optimizer():
    import deepgrad.distributed as dist

    dg.manual_seed(0)
    a = nn.Linear(3, 2)
    b = nn.Linear(3, 2)
    b.load_state_dict(a.state_dict())
    opt_a = dg.optim.Adam(a.parameters(), lr=0.1)
    opt_b = dist.DistributedOptimizer(dg.optim.Adam(b.parameters(), lr=0.1))
    x = dg.tensor(np.ones((4, 3), dtype="float32"))
    for model, opt in ((a, opt_a), (b, opt_b)):
        for _ in range(3):
            opt.zero_grad()
            (model(x) ** 2).sum().backward()
            opt.step()
    for k, v in a.state_dict().items():
        np.testing.assert_array_equal(b.state_dict()[k], v)
    with pytest.raises(ValueError, match="no parameters yet"):
        dist.DistributedOptimizer(dg.optim.Adam(lr=0.1))


def test_pruning_callback_names_the_nearest_log():
    from deepgrad.distributed.search import PruningCallback

    cb = PruningCallback(trial=None, monitor="val_los")
    with pytest.raises(KeyError, match="did you mean 'val_loss'"):
        cb.on_epoch_end(0, {"loss": 1.0, "val_loss": 2.0})
