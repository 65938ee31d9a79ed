"""Data-parallel ``fit``: the strategy :func:`~deepgrad.distributed.init` installs.

With ``size`` ranks, every ``fit`` call trains as follows (``size == 1``: unchanged):

* **start** — the seed (drawn on rank 0 if ``fit`` got none) and, after a
  ``BackupAndRestore`` resume on rank 0, the training position, optimizer state and callback
  states are broadcast from rank 0; then the weights and buffers, so every replica starts from
  rank 0's;
* **steps** — each rank takes its part of the global batch of ``size × batch_size`` samples
  (:mod:`~deepgrad.distributed.sharding`), computes its gradients and joins one allreduce
  per gradient bucket (:class:`~deepgrad.distributed.gradients.GradientReducer`), weighted
  by its share of the global batch, so that the update is the one of a single process on the
  global batch; the step's loss rides in the first bucket, so per-batch callbacks
  (``TerminateOnNaN``) see the global loss and decide the same on every rank;
* **epoch end** — the loss and metric accumulators of the ranks are merged
  (:mod:`~deepgrad.distributed.metrics`), batch-norm buffers are broadcast from rank 0 (the
  running statistics are per rank during the epoch, as in PyTorch's DDP), the validation data
  is split across the ranks and its loss/metrics merged the same way; every rank's callbacks
  see the same logs, so ``EarlyStopping``, ``ReduceLROnPlateau`` and schedules agree;
* **rank 0 only** — the progress display and the callbacks that write files
  (``ModelCheckpoint``, ``CSVLogger``, ``TensorBoard``, ``BackupAndRestore``, and any callback
  with ``main_rank_only = True``).

Dropout masks are drawn per rank from a generator seeded by ``(seed, epoch, rank)`` at each
epoch start, so ranks draw different masks and a resume at an epoch boundary is exact.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from .. import backend
from ..train.callback import CallbackList
from ..train.loop import Trainer, _scalar_results, run_eval
from ..train.sources import ArraySource
from ..train.strategy import Strategy
from .comm import Communicator
from .gradients import GradientReducer, broadcast_model
from .metrics import merge_into
from .sharding import EMPTY, ShardedSource, shard_rows


def main_rank_only(cb: Any) -> bool:
    """Whether callback ``cb`` runs on rank 0 only: it declares ``main_rank_only = True``
    (deepgrad's callbacks that write files do)."""
    return bool(getattr(cb, "main_rank_only", False))


def rank_seed(seed: int, epoch: int, rank: int) -> int:
    """The seed of rank ``rank``'s generator (dropout) in ``epoch``."""
    return int(np.random.SeedSequence([int(seed), int(epoch), int(rank)]).generate_state(1)[0])


class DataParallel(Strategy):
    """Train on every rank of ``comm``, each on its shard (see the module's description)."""

    def __init__(self, comm: Communicator, bucket_mb: float = 25.0) -> None:
        self.comm = comm
        self.rank, self.size = comm.rank, comm.size
        self.bucket_mb = bucket_mb

    def trainer(self, trainer: Trainer) -> Trainer:
        if self.size == 1:
            return trainer
        return DataParallelTrainer.wrap(trainer, self.comm, self.bucket_mb)


class _EvalShard:
    """The non-empty batches of a sharded loader, for evaluation."""

    def __init__(self, sharded: ShardedSource) -> None:
        self.sharded = sharded

    def batches(self, epoch: int = 0, start: int = 0, seed: int = 0) -> Any:
        for b in self.sharded.batches(0, 0):
            if b is not EMPTY:
                yield b


class _Counting:
    def __init__(self, source: Any) -> None:
        self.source, self.count = source, 0

    def batches(self, epoch: int = 0, start: int = 0, seed: int = 0) -> Any:
        self.count = 0
        for b in self.source.batches(0, 0):
            self.count += len(b[0])
            yield b


class _Reseeding(ShardedSource):
    """A sharded source that reseeds this rank's generator at each epoch start."""

    def batches(self, epoch: int = 0, start: int = 0, seed: int = 0) -> Any:
        backend.manual_seed(rank_seed(seed, epoch, self.rank))
        return super().batches(epoch, start, seed)


class DataParallelTrainer(Trainer):
    """A :class:`~deepgrad.train.loop.Trainer` whose steps, epoch logs, validation and resume
    span the ranks of a communicator."""

    comm: Communicator
    reducer: GradientReducer

    @classmethod
    def wrap(cls, trainer: Trainer, comm: Communicator, bucket_mb: float = 25.0) -> Any:
        """The data-parallel version of ``trainer`` (built by ``fit``)."""
        self = cls.__new__(cls)
        self.__dict__.update(trainer.__dict__)
        self.comm = comm
        rank, size = comm.rank, comm.size
        self.seed = int(comm.bcast_object(trainer.seed, what="broadcast of the seed"))
        self.source = _Reseeding(trainer.source, rank, size)
        if trainer.val_source is not None:
            vs = trainer.val_source
            if isinstance(vs, ArraySource):
                rows = shard_rows(vs.n, rank, size)
                part = ArraySource(
                    vs.x[rows],
                    None if vs.y is None else vs.y[rows],
                    None if vs.w is None else vs.w[rows],
                    vs.batch_size,
                    False,
                )
            else:
                part = _EvalShard(ShardedSource(vs, rank, size))
            self.val_source = _Counting(part)
        params = self.history.params
        params["steps"] = self.source.steps
        params["world_size"] = size
        params["global_batch_size"] = (params.get("batch_size") or 0) * size
        if not comm.is_main:
            self.verbose = 0
            params["verbose"] = 0
            kept = [cb for cb in trainer.callbacks.callbacks if not main_rank_only(cb)]
            self.callbacks = CallbackList(kept, trainer.model, params)
        opt = trainer.compiled.optimizer
        self.reducer = GradientReducer(
            [p for g in opt.param_groups for p in g["params"]], comm, bucket_mb, extras=1
        )
        self._share = 0.0
        return self

    # ---- start: resume on rank 0, then everyone takes rank 0's state ------------------------
    def resume(self) -> None:
        comm = self.comm
        if comm.is_main:
            super().resume()
        restored = any(
            getattr(cb, "restored_from", None) is not None for cb in self.callbacks.callbacks
        )
        if comm.bcast_object(restored, what="broadcast of the resume flag"):
            state = None
            if comm.is_main:
                state = self.training_state()
                state["callbacks"] = [
                    {"class": type(cb).__name__, "state": cb.state_dict()}
                    for cb in self.callbacks.callbacks
                    if not main_rank_only(cb)
                ]
            state = comm.bcast_object(state, what="broadcast of the training state")
            if not comm.is_main:
                self._load_position(state)
        broadcast_model(self.model, comm)

    def _load_position(self, state: dict[str, Any]) -> None:
        self.compiled.optimizer.load_state_dict(state["optimizer"])
        self.epoch = int(state["epoch"])
        self.step = int(state["step"])
        self.global_step = int(state["global_step"])
        self.seed = int(state["seed"])
        # rank 0's accumulators hold rank 0's samples only: the others start theirs afresh
        self.loss_sum, self.count = 0.0, 0
        for m in self.metrics:
            m.reset()
        for cb, s in zip(self.callbacks.callbacks, state["callbacks"]):
            if type(cb).__name__ == s["class"]:
                cb.load_state_dict(s["state"])

    # ---- a step ------------------------------------------------------------------------------
    def train_step(self, xb: Any, yb: Any, wb: Any) -> tuple[float, int, Any]:
        if xb is None:  # no samples left for this rank in the last global batch
            self._share = 0.0
            self.compiled.optimizer.zero_grad()
            return self.apply_gradients(0.0, 0), 0, None
        self._share = len(xb) / self.source.global_count
        return super().train_step(xb, yb, wb)

    def apply_gradients(self, loss_value: float, n: int) -> float:
        """Average the gradients over the ranks (weighted by the shares of the global batch),
        then ``opt.step()``; returns the global batch's loss."""
        total = self.reducer.reduce(self._share, [loss_value * self._share])
        self.compiled.optimizer.step()
        return float(total[0])

    # ---- epoch end ---------------------------------------------------------------------------
    def _merged_logs(self, loss_sum: float, count: float, metrics: list[Any], prefix: str) -> dict:
        gathered = self.comm.allgather_object(
            (float(loss_sum), float(count), [m.state_dict() for m in metrics]),
            what=f"gathering of the {'validation ' if prefix else ''}metrics",
        )
        total = sum(g[0] for g in gathered)
        n = sum(g[1] for g in gathered)
        logs = {prefix + "loss": total / n if n else float("nan")}
        merged = []
        for i, m in enumerate(metrics):
            c = copy.deepcopy(m)
            merge_into(c, [g[2][i] for g in gathered])
            merged.append(c)
        logs.update(_scalar_results(merged))
        return logs

    def epoch_logs(self) -> dict[str, float]:
        # batch-norm running statistics: rank 0's for everyone (validation, checkpoints)
        for k, b in enumerate(self.model.buffers()):
            if b._data.dtype.kind != "f":
                continue
            if backend.xp is np and b._data.flags.c_contiguous:
                self.comm.bcast_(b._data, 0, f"broadcast of buffer {k + 1}")
            else:
                host = np.ascontiguousarray(backend.to_numpy(b._data))
                self.comm.bcast_(host, 0, f"broadcast of buffer {k + 1}")
                b._data[...] = backend.xp.asarray(host)
        return self._merged_logs(self.loss_sum, self.count, self.metrics, "")

    def validate(self) -> dict[str, float]:
        local = run_eval(
            self.model, self.val_source, self.compiled, self.val_metrics, "val_", self.callbacks
        )  # the per-batch test hooks see this rank's part; on_test_end the merged results
        n = self.val_source.count
        loss = local["val_loss"] * n if n else 0.0
        return self._merged_logs(loss, n, self.val_metrics, "val_")
