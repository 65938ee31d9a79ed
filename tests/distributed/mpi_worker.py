"""Run by ``mpirun -n 2`` from tests/distributed/test_mpi.py (not collected by pytest).

``python mpi_worker.py checks OUT``: several data-parallel checks in one launch (mpirun is
slow to start); each rank writes ``OUT/rank<r>.json`` = {check: error message or ""}.
``python mpi_worker.py backup OUT [kill]``: a 4-epoch fit with BackupAndRestore in OUT; with
``kill`` rank 1 kills itself (SIGKILL) at the start of epoch 3; rank 0 writes the final
weights to OUT/weights.npz.
``python mpi_worker.py die OUT`` / ``hang OUT``: rank 1 raises / sleeps before a collective.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import sys
import time
import traceback
from pathlib import Path

import numpy as np

import deepgrad as dg
import deepgrad.distributed as dist
from deepgrad import nn, optim
from deepgrad.train import callbacks as C
from deepgrad.train.strategy import get_strategy, set_strategy


def data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 6)).astype("float32")
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype("int64") + (x[:, 2] > 1).astype("int64")
    return x, y


def mlp(seed: int = 0) -> nn.Module:
    dg.manual_seed(seed)
    return nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 3))


def weights(model: nn.Module) -> dict[str, np.ndarray]:
    return {k: np.asarray(v) for k, v in model.state_dict().items()}


def close(a: dict, b: dict, what: str, rtol: float = 2e-5, atol: float = 2e-6) -> None:
    for k in a:
        if not np.allclose(a[k], b[k], rtol=rtol, atol=atol):
            err = np.max(np.abs(np.asarray(a[k]) - np.asarray(b[k])))
            raise AssertionError(f"{what}: {k} differs by {err}")


def fit_pair(n: int, batch: int, epochs: int, size: int, **kw) -> tuple:
    """(data-parallel model, history), (one-process model, history) on the same data."""
    x, y = data(n)
    xv, yv = data(11, seed=1)
    results = []
    strategy = get_strategy()
    for parallel in (True, False):
        set_strategy(strategy if parallel else None)
        try:
            model = mlp()
            model.compile(
                optimizer=optim.Adam(lr=0.01),
                loss="cross_entropy",
                metrics=["accuracy", dg.metrics.F1Score(average="macro")],
            )
            h = model.fit(
                x,
                y,
                epochs=epochs,
                batch_size=batch * (1 if parallel else size),
                seed=3,
                verbose=0,
                validation_data=(xv, yv),
                **kw,
            )
            results.append((model, h))
        finally:
            set_strategy(strategy)
    return results[0], results[1]


def checks(out: Path) -> None:
    comm = dist.init()
    rank, size = comm.rank, comm.size
    report: dict[str, str] = {}

    def check(name: str):
        def deco(fn):
            try:
                fn()
                report[name] = ""
            except Exception:  # noqa: BLE001 - reported to the test
                report[name] = traceback.format_exc()
            return fn

        return deco

    @check("size")
    def _():
        assert size == 2, size

    @check("fit_matches_one_process_on_doubled_batch")
    def _():
        # 37 samples, 2 x 8 per global batch: the last global batch has 5 (3 + 2)
        (m, h), (m1, h1) = fit_pair(37, 8, 3, size)
        close(weights(m), weights(m1), "weights")
        for k, v in h1.history.items():
            assert np.allclose(h.history[k], v, rtol=1e-5, atol=1e-6), (k, h.history[k], v)
        assert h.params["global_batch_size"] == 16 and h.params["steps"] == 3, h.params

    @check("uneven_last_batch_with_an_empty_rank")
    def _():
        # 33 samples: the last global batch has one sample, rank 1 gets none
        (m, h), (m1, h1) = fit_pair(33, 8, 2, size)
        close(weights(m), weights(m1), "weights")
        assert np.allclose(h.history["loss"], h1.history["loss"], rtol=1e-5)

    @check("sample_weight_and_no_shuffle")
    def _():
        x, _ = data(30)
        w = np.linspace(0.5, 2.0, 30).astype("float32")
        (m, h), (m1, h1) = fit_pair(30, 4, 2, size, sample_weight=w, shuffle=False)
        close(weights(m), weights(m1), "weights")

    @check("replicas_start_from_rank_0")
    def _():
        dg.manual_seed(100 + rank)  # different initial weights on each rank
        model = nn.Sequential(nn.Linear(6, 4), nn.ReLU(), nn.Linear(4, 3))
        model.compile(optimizer="sgd", loss="cross_entropy")
        x, y = data(16)
        model.fit(x, y, epochs=1, batch_size=4, seed=0, verbose=0)
        mine = np.concatenate([v.ravel() for v in weights(model).values()])
        both = comm.allgather_object(mine)
        assert np.array_equal(both[0], both[1]), "replicas differ after fit"

    @check("only_rank_0_prints_and_writes")
    def _():
        class Spy(dg.callbacks.Callback):
            main_rank_only = True
            calls = 0

            def on_epoch_end(self, epoch, logs=None):
                Spy.calls += 1

        model = mlp()
        model.compile(optimizer="adam", loss="cross_entropy", metrics=["accuracy"])
        x, y = data(20)
        buf = io.StringIO()
        csv = out / f"history_{rank}.csv"
        with contextlib.redirect_stdout(buf):
            model.fit(
                x,
                y,
                epochs=2,
                batch_size=4,
                seed=0,
                verbose=2,
                callbacks=[Spy(), C.CSVLogger(str(out / "history.csv"))],
            )
        printed = buf.getvalue()
        if rank == 0:
            assert "Epoch 2/2" in printed, printed
            assert Spy.calls == 2
            assert (out / "history.csv").read_text().count("\n") == 3
        else:
            assert printed == "", printed
            assert Spy.calls == 0
        assert not csv.exists()

    @check("distributed_optimizer_hand_written_loop")
    def _():
        x, y = data(21)
        ref = mlp()
        ropt = optim.SGD(ref.parameters(), lr=0.1, momentum=0.9)
        model = mlp(seed=7 + rank)  # different start: broadcast_parameters fixes it
        dist.broadcast_parameters(model)
        model.load_state_dict(model.state_dict())
        opt = dist.DistributedOptimizer(optim.SGD(model.parameters(), lr=0.1, momentum=0.9))
        dist.broadcast_parameters(model)
        model.load_state_dict(comm.bcast_object(weights(ref) if rank == 0 else None))
        loss = nn.CrossEntropyLoss()
        for epoch in range(2):
            for xb, yb, share in dist.batches(x, y, batch_size=4, epoch=epoch, seed=1):
                opt.zero_grad()
                if len(xb):
                    loss(model(dg.tensor(xb)), dg.tensor(yb)).backward()
                opt.step(share)
            order = np.random.default_rng([1, epoch]).permutation(len(x))
            for s in range(0, len(x), 8):
                idx = order[s : s + 8]
                ropt.zero_grad()
                loss(ref(dg.tensor(x[idx])), dg.tensor(y[idx])).backward()
                ropt.step()
        close(weights(model), weights(ref), "hand-written loop")

    @check("regression_metrics_reduce")
    def _():
        rng = np.random.default_rng(5)
        x = rng.normal(size=(26, 6)).astype("float32")
        y = (x @ rng.normal(size=(6, 1))).astype("float32") + 3.0
        strategy = get_strategy()
        hs = []
        for parallel in (True, False):
            set_strategy(strategy if parallel else None)
            try:
                dg.manual_seed(0)
                model = nn.Sequential(nn.Linear(6, 1))
                model.compile(optimizer="adam", loss="mse", metrics=["mae", "r2", "rmse"])
                hs.append(
                    model.fit(
                        x,
                        y,
                        epochs=2,
                        batch_size=3 * (1 if parallel else 2),
                        seed=0,
                        verbose=0,
                        validation_split=0.3,
                    )
                )
            finally:
                set_strategy(strategy)
        for k, v in hs[1].history.items():
            assert np.allclose(hs[0].history[k], v, rtol=1e-5, atol=1e-6), (k, hs[0].history[k], v)

    @check("loader_input_is_sharded_by_batches")
    def _():
        from deepgrad.data import ArrayDataset, DataLoader

        x, y = data(50)
        loader = DataLoader(ArrayDataset(x, y), batch_size=8, shuffle=True, seed=0)
        model = mlp()
        model.compile(optimizer="adam", loss="cross_entropy", metrics=["accuracy"])
        h = model.fit(loader, epochs=2, seed=0, verbose=0, validation_data=data(9, seed=2))
        assert h.params["steps"] == 4, h.params  # 7 batches over 2 ranks
        both = comm.allgather_object((weights(model), h.history))
        close(both[0][0], both[1][0], "replicas")
        assert both[0][1] == both[1][1] and np.isfinite(h.history["loss"]).all()

    @check("batchnorm_and_dropout_replicas_agree")
    def _():
        # per-rank batch statistics and dropout masks during the epoch; at its end the
        # replicas hold the same weights and (rank 0's) running statistics
        x, y = data(40)
        dg.manual_seed(0)
        model = nn.Sequential(
            nn.Linear(6, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 3)
        )
        model.compile(optimizer="adam", loss="cross_entropy")
        model.fit(x, y, epochs=2, batch_size=8, seed=0, verbose=0)
        both = comm.allgather_object(weights(model))
        for k in both[0]:
            assert np.array_equal(both[0][k], both[1][k]), k

    (out / f"rank{rank}.json").write_text(json.dumps(report))


def backup(out: Path, kill: bool) -> None:
    comm = dist.init()

    class Killer(dg.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if kill and comm.rank == 1 and epoch == 2:
                os.kill(os.getpid(), signal.SIGKILL)

    x, y = data(40)
    model = mlp()
    model.compile(optimizer=optim.Adam(lr=0.01), loss="cross_entropy", metrics=["accuracy"])
    model.fit(
        x,
        y,
        epochs=4,
        batch_size=4,
        seed=5,
        verbose=0,
        callbacks=[Killer(), C.BackupAndRestore(str(out / "backup"))],
    )
    if comm.is_main:
        np.savez(out / "weights.npz", **weights(model))


def die(out: Path, hang: bool) -> None:
    comm = dist.init()
    if comm.rank == 1:
        if hang:
            time.sleep(60)
        raise ValueError("rank 1 failed on purpose")
    comm.barrier("the barrier of the test")
    (out / "not_reached").write_text("")


if __name__ == "__main__":
    mode, out = sys.argv[1], Path(sys.argv[2])
    if mode == "checks":
        checks(out)
    elif mode == "backup":
        backup(out, kill=len(sys.argv) > 3)
    else:
        die(out, hang=mode == "hang")
