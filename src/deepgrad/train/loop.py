"""The training loop behind ``fit``, and the evaluation / prediction passes.

Vocabulary (the guides' exactly): an **epoch** is one pass over the training data; a **step**
is one mini-batch update (forward, loss, backward, optimizer step); an epoch has
``ceil(samples / batch_size)`` steps.

One step is::

    out = model(xb); loss = loss_fn(out, yb); opt.zero_grad(); loss.backward(); opt.step()

plus a float read of the loss and the metrics' update on the NumPy output. Per-batch callback
hooks are called only when a callback defines them, and the progress bar computes its
running values only when it refreshes.
"""

from __future__ import annotations

import copy
import functools
import inspect
import numbers
import warnings
from typing import Any

import numpy as np

from .. import backend
from ..autograd import no_grad
from ..optim.lr import get_lr
from ..tensor import Tensor
from .callback import CallbackList, backup_callbacks
from .compiled import Compiled
from .history import History
from .inputs import call_model
from .progress import EpochProgress


def model_dtype(model: Any) -> np.dtype:
    """The floating dtype the model computes in (its first floating parameter's, else the
    default)."""
    for p in model.parameters():
        if p.dtype.kind == "f":
            return np.dtype(p.dtype)
    return np.dtype(backend.get_default_dtype())


def _device(a: Any) -> Any:
    if a is None or backend.xp is np:
        return a
    return backend.xp.asarray(a)


def per_sample_loss(loss: Any) -> Any:
    """The loss with ``reduction="none"`` (for sample weights), or a clear error."""
    if hasattr(loss, "reduction") and hasattr(loss, "forward"):
        c = copy.copy(loss)
        c.__dict__["reduction"] = "none"
        return c
    try:
        if "reduction" in inspect.signature(loss).parameters:
            return functools.partial(loss, reduction="none")
    except (TypeError, ValueError):
        pass
    raise TypeError(
        "sample_weight / class_weight need per-sample losses: compile with a deepgrad loss (a "
        "name like 'cross_entropy' or a loss module) or a function that takes reduction='none'"
    )


def sample_weight_vector(w: Any, n: int, where: str) -> np.ndarray:
    """Per-sample weights as an ``(n,)`` array: ``(n,)`` or Keras's ``(n, 1)`` (squeezed, as
    Keras squeezes it to the loss's rank). Other shapes — per-position weights ``(n, T)`` —
    raise, naming the shapes: the loss multiplied ``(n,)`` losses by them by broadcasting
    (``(n, 1)`` gave an ``(n, n)`` product: ``n`` times the loss, silently)."""
    w = np.asarray(w)
    if w.ndim > 1 and all(d == 1 for d in w.shape[1:]):
        w = w.reshape(w.shape[0])
    if w.shape != (n,):
        raise ValueError(
            f"{where}: sample_weight must have shape ({n},) (one weight per sample) or "
            f"({n}, 1), got {w.shape}; per-position weights are not supported: weight the "
            "positions in a loss function (loss=lambda y_pred, y: ...)"
        )
    return w


def weighted_loss(loss_none: Any, out: Tensor, yb: Any, wb: np.ndarray) -> Tensor:
    """``Σ_i w_i loss_i / N`` over the batch (Keras's weighting: divided by the batch size)."""
    per = loss_none(out, yb)
    n = out.shape[0]
    wb = sample_weight_vector(wb, n, "sample_weight")
    if per.ndim > 1:
        per = per.reshape(n, -1).mean(axis=1)
    w = Tensor._from_op(_device(np.asarray(wb, dtype=per.dtype)), None, 0)
    return (per * w).sum() * (1.0 / n)


def metric_updaters(metrics: list[Any]) -> list[Any]:
    """``update(y_pred, y_true, sample_weight)`` per metric: metrics compiled as
    ``weighted_metrics`` (``m.weighted``) get the batch's weights, the others ignore them
    (Keras's rule). Unweighted (sparse) accuracy on ``(N, C)`` scores against ``(N,)`` integer
    labels — the common case — takes a fast path, where the general update's input checks
    would cost more than the count itself."""
    from ..metrics import Accuracy, SparseCategoricalAccuracy

    out = []
    for m in metrics:
        if getattr(m, "weighted", False):

            def update(od: Any, yb: Any, wb: Any = None, m: Any = m) -> None:
                m.update(od, yb, wb)

        elif type(m) in (Accuracy, SparseCategoricalAccuracy):

            def update(od: Any, yb: Any, wb: Any = None, m: Any = m) -> None:
                if od.ndim == 2 and od.shape[1] > 1 and yb.ndim == 1 and yb.dtype.kind in "iu":
                    m.correct += float(np.count_nonzero(od.argmax(axis=1) == yb))
                    m.weight += float(yb.shape[0])
                else:
                    m.update(od, yb)

        else:

            def update(od: Any, yb: Any, wb: Any = None, m: Any = m) -> None:
                m.update(od, yb)

        out.append(update)
    return out


def _scalar_results(metrics: list[Any]) -> dict[str, float]:
    out = {}
    for m in metrics:
        r = m.result()
        if np.ndim(r) == 0:
            out[m.name] = float(r)
    return out


def run_eval(
    model: Any,
    source: Any,
    compiled: Compiled,
    metrics: list[Any],
    prefix: str = "",
    callbacks: CallbackList | None = None,
) -> dict[str, float]:
    """Loss and metrics of ``model`` over ``source``, in eval mode, without a graph.

    The loss is the sample-weighted mean over all samples (``Σ_b n_b loss_b / N``). With
    ``callbacks``, their ``on_test_batch_begin(i)`` / ``on_test_batch_end(i, logs)`` run around
    each batch (``logs``: the running loss and metrics, named without ``prefix``), and
    ``model.stop_evaluating = True`` set by one of them ends the pass after that batch (the
    results are then those of the batches done); ``on_test_begin/_end`` are the caller's."""
    loss_fn = compiled.loss
    loss_none = None
    for m in metrics:
        m.reset()
    total = 0.0
    count = 0
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    to_np = backend.to_numpy
    updaters = metric_updaters(metrics)
    hooks = callbacks is not None and callbacks.wants_test_batches
    model.__dict__["stop_evaluating"] = False
    try:
        with no_grad():
            for i, (xb, yb, wb) in enumerate(source.batches(0, 0)):
                if hooks:
                    callbacks.on_test_batch_begin(i)
                out = call_model(model, xb)
                ydev = _device(yb)
                if wb is None:
                    loss = loss_fn(out, ydev)
                else:
                    if loss_none is None:
                        loss_none = per_sample_loss(loss_fn)
                    loss = weighted_loss(loss_none, out, ydev, wb)
                n = len(xb)
                total += float(loss._data) * n
                count += n
                if metrics:
                    od = to_np(out._data)
                    for update in updaters:
                        update(od, yb, wb)
                if hooks:
                    blogs = {"loss": total / count}
                    cut = len(prefix)
                    blogs.update((k[cut:], v) for k, v in _scalar_results(metrics).items())
                    callbacks.on_test_batch_end(i, blogs)
                    if model.__dict__.get("stop_evaluating"):
                        break
    finally:
        for m, mode in modes:
            m.__dict__["training"] = mode
    logs = {prefix + "loss": total / count if count else float("nan")}
    logs.update(_scalar_results(metrics))
    return logs


def train_batch(
    model: Any, compiled: Compiled, xb: Any, yb: Any, wb: Any, metrics: list[Any]
) -> dict[str, float]:
    """One update on one batch (``train_on_batch``): forward in the model's current mode, the
    (weighted) loss, ``zero_grad``, backward, ``opt.step()``; ``metrics`` (reset here) are
    updated on the outputs of the forward pass. Returns ``{"loss", <metric>...}``: the loss
    before the step, as ``fit``'s steps log it."""
    out = call_model(model, xb)
    if wb is None:
        loss = compiled.loss(out, _device(yb))
    else:
        loss = weighted_loss(per_sample_loss(compiled.loss), out, _device(yb), wb)
    compiled.optimizer.zero_grad()
    loss.backward()
    compiled.optimizer.step()
    for m in metrics:
        m.reset()
    od = backend.to_numpy(out._data)
    for update in metric_updaters(metrics):
        update(od, yb, wb)
    logs = {"loss": float(loss._data)}
    logs.update(_scalar_results(metrics))
    return logs


def validates(epoch: int, validation_freq: Any) -> bool:
    """Whether ``fit`` validates after (0-based) ``epoch``: Keras's rule, every
    ``validation_freq`` epochs (an int), or after the 1-based epochs a list names."""
    if isinstance(validation_freq, list):
        return epoch + 1 in validation_freq
    return (epoch + 1) % validation_freq == 0


def check_validation_freq(validation_freq: Any) -> None:
    """Keras's ``validation_freq``: a positive int or a list of (1-based) epochs."""
    ok = (
        all(isinstance(e, (int, np.integer)) and not isinstance(e, bool) for e in validation_freq)
        if isinstance(validation_freq, list)
        else isinstance(validation_freq, (int, np.integer))
        and not isinstance(validation_freq, bool)
        and validation_freq > 0
    )
    if not ok:
        raise ValueError(
            "fit: validation_freq must be a positive int (validate every that many epochs) or "
            f"a list of the (1-based) epochs to validate after, got {validation_freq!r}"
        )


def unprefixed(logs: dict[str, Any], prefix: str = "val_") -> dict[str, Any]:
    """``logs`` with ``prefix`` taken off its keys (what ``on_test_end`` gets in ``fit``)."""
    cut = len(prefix)
    return {k[cut:] if k.startswith(prefix) else k: v for k, v in logs.items()}


class Trainer:
    """One ``fit`` call: the loop, its position and accumulators (what a backup saves)."""

    def __init__(
        self,
        model: Any,
        compiled: Compiled,
        source: Any,
        val_source: Any,
        epochs: int,
        initial_epoch: int,
        callbacks: CallbackList,
        history: History,
        verbose: int,
        seed: int,
        validation_freq: int | list[int] = 1,
    ) -> None:
        self.model = model
        self.compiled = compiled
        self.source = source
        self.val_source = val_source
        self.epochs = epochs
        self.callbacks = callbacks
        self.history = history
        self.verbose = verbose
        self.seed = seed
        self.validation_freq = validation_freq
        self.metrics = compiled.fresh_metrics()
        self.val_metrics = compiled.fresh_metrics("val_") if val_source is not None else []
        self.epoch = initial_epoch
        self.step = 0
        self.global_step = 0
        self.loss_sum = 0.0
        self.count = 0
        self._loss_none: Any = None
        self.logs: dict[str, float] = {}

    # ---- running values ---------------------------------------------------------------------
    def running_logs(self) -> dict[str, float]:
        logs = {"loss": self.loss_sum / self.count if self.count else float("nan")}
        logs.update(_scalar_results(self.metrics))
        return logs

    # ---- backup / restore ------------------------------------------------------------------
    def training_state(self, exclude: Any = None) -> dict[str, Any]:
        """Everything needed to continue from here, except the weights."""
        return {
            "epoch": self.epoch,
            "step": self.step,
            "global_step": self.global_step,
            "seed": self.seed,
            "loss_sum": self.loss_sum,
            "count": self.count,
            "metrics": [m.state_dict() for m in self.metrics],
            "optimizer": self.compiled.optimizer.state_dict(),
            "rng": backend.get_rng_state(),
            "callbacks": [
                {"class": type(cb).__name__, "state": cb.state_dict()}
                for cb in self.callbacks.callbacks
                if cb is not exclude
            ],
        }

    def load_training_state(
        self, state: dict[str, Any], weights: dict[str, Any], source: str = "the training state"
    ) -> None:
        """Restore what :meth:`training_state` (and the weights) saved; ``source`` (the
        backup file) names it in errors. An incomplete state is refused before anything is
        restored."""
        _check_training_state(state, source)
        self.model.load_state_dict(weights)
        self.compiled.optimizer.load_state_dict(state["optimizer"])
        backend.set_rng_state(state["rng"])
        self.epoch = int(state["epoch"])
        self.step = int(state["step"])
        self.global_step = int(state["global_step"])
        if int(state["seed"]) != self.seed:
            self.seed = int(state["seed"])
        self.loss_sum = float(state["loss_sum"])
        self.count = int(state["count"])
        for m, s in zip(self.metrics, state["metrics"]):
            m.load_state_dict(s)
        saved = state["callbacks"]
        backups = backup_callbacks(self.callbacks.callbacks)
        own = [cb for cb in self.callbacks.callbacks if cb not in backups]
        if [s["class"] for s in saved] != [type(cb).__name__ for cb in own]:
            warnings.warn(
                "BackupAndRestore: the callbacks differ from the backed-up run's "
                f"({[s['class'] for s in saved]} vs {[type(cb).__name__ for cb in own]}); "
                "their states are restored where the classes match in order",
                stacklevel=2,
            )
        for cb, s in zip(own, saved):
            if type(cb).__name__ == s["class"]:
                cb.load_state_dict(s["state"])

    # ---- the parts of an epoch (a data-parallel trainer overrides these) ----------------------
    def resume(self) -> None:
        """Restore the backup of a ``BackupAndRestore`` callback, if it has one (at train
        begin)."""
        for cb in backup_callbacks(self.callbacks.callbacks):
            cb.restore(self)

    def train_step(self, xb: Any, yb: Any, wb: Any) -> tuple[float, int, Tensor]:
        """One update on a batch: forward, loss, ``zero_grad``, backward, ``opt.step()``.
        Returns ``(loss value, batch size, output)``."""
        out = call_model(self.model, xb)
        loss_fn = self.compiled.loss
        if wb is None:
            loss = loss_fn(out, _device(yb))
        else:
            if self._loss_none is None:
                self._loss_none = per_sample_loss(loss_fn)
            loss = weighted_loss(self._loss_none, out, _device(yb), wb)
        self.compiled.optimizer.zero_grad()
        loss.backward()
        lv = self.apply_gradients(float(loss._data), len(xb))
        return lv, len(xb), out

    def apply_gradients(self, loss_value: float, n: int) -> float:
        """``opt.step()`` on the gradients just computed from ``n`` samples whose loss was
        ``loss_value``; returns the loss to log for the step."""
        self.compiled.optimizer.step()
        return loss_value

    def epoch_logs(self) -> dict[str, float]:
        """The epoch's training loss and metrics (what ``on_epoch_end`` receives)."""
        return self.running_logs()

    def validate(self) -> dict[str, float]:
        """``val_loss`` and ``val_<metric>`` on the validation data (calling the callbacks'
        per-batch test hooks)."""
        return run_eval(
            self.model, self.val_source, self.compiled, self.val_metrics, "val_", self.callbacks
        )

    # ---- the loop ------------------------------------------------------------------------------
    def run(self) -> History:
        model, compiled, cbs = self.model, self.compiled, self.callbacks
        opt = compiled.optimizer
        metrics = self.metrics
        model.__dict__["stop_training"] = False
        cbs.set_trainer(self)
        modes = [(m, m.training) for m in model.modules()]
        logs: dict[str, float] = {}
        try:
            cbs.on_train_begin()
            self.resume()
            want_batches = cbs.wants_batches
            warned_nan = False
            updaters = metric_updaters(metrics)
            to_np = backend.to_numpy
            source = self.source
            train_step = self.train_step
            steps = source.steps
            while self.epoch < self.epochs and not model.__dict__.get("stop_training"):
                epoch = self.epoch
                cbs.on_epoch_begin(epoch)
                start = self.step
                if start == 0:
                    self.loss_sum, self.count = 0.0, 0
                    for m in metrics:
                        m.reset()
                model.train()
                prog = EpochProgress(
                    epoch, self.epochs, steps, self.verbose, self.running_logs, initial=start
                )
                for xb, yb, wb in source.batches(epoch, start, self.seed):
                    if want_batches:
                        cbs.on_batch_begin(self.step)
                    lv, n, out = train_step(xb, yb, wb)
                    self.loss_sum += lv * n
                    self.count += n
                    if metrics and n:
                        od = to_np(out._data)
                        for update in updaters:
                            update(od, yb, wb)
                    self.step += 1
                    self.global_step += 1
                    prog.step()
                    if want_batches:
                        # Keras 3's batch logs: the epoch's running loss and metrics so far
                        cbs.on_batch_end(self.step - 1, self.running_logs())
                        if model.__dict__.get("stop_training"):
                            break
                if self.step == 0:  # a one-shot generator used up by an earlier epoch
                    warnings.warn(
                        "Your input ran out of data; interrupting training. Make sure that your "
                        "dataset or generator can generate at least `steps_per_epoch * epochs` "
                        f"batches (Keras's warning): epoch {epoch + 1} drew no batch; training "
                        "stops (give a DataLoader or Dataset, which can be iterated again, or "
                        "a generator that does not end with steps_per_epoch)",
                        UserWarning,
                        stacklevel=3,
                    )
                    break
                logs = self.epoch_logs()
                if self.val_source is not None and validates(epoch, self.validation_freq):
                    cbs.on_test_begin()
                    val_logs = self.validate()
                    cbs.on_test_end(unprefixed(val_logs))
                    logs.update(val_logs)
                logs["lr"] = get_lr(opt)
                if not warned_nan and not np.isfinite(logs["loss"]):
                    warned_nan = True
                    warnings.warn(
                        f"fit: the training loss is {logs['loss']} in epoch {epoch + 1}: training "
                        "diverged (lower the learning rate, scale the inputs and targets, or clip "
                        "gradients); add callbacks.TerminateOnNaN() to stop at the first bad step",
                        UserWarning,
                        stacklevel=3,
                    )
                self.epoch, self.step = epoch + 1, 0
                self.logs = logs
                # Keras 3's order: its ProgbarLogger comes after the user's callbacks, so the
                # epoch's line shows what their on_epoch_end adds to the logs
                with prog.interrupted():
                    cbs.on_epoch_end(epoch, logs)
                prog.close(logs)
            cbs.on_train_end(logs)
        finally:
            for m, mode in modes:
                m.__dict__["training"] = mode
        return self.history


#: what :meth:`Trainer.training_state` saves
_TRAINING_STATE_KEYS = (
    "epoch", "step", "global_step", "seed", "loss_sum", "count", "metrics", "optimizer", "rng",
    "callbacks",
)  # fmt: skip


def _check_training_state(state: Any, source: str) -> None:
    """Refuse a training state that lacks an entry or has one of the wrong kind (a bare
    KeyError or TypeError came half way through the restore)."""
    if not isinstance(state, dict):
        raise ValueError(
            f"{source}: the training state is a {type(state).__name__}, expected a dict with "
            f"{list(_TRAINING_STATE_KEYS)}"
        )
    missing = [k for k in _TRAINING_STATE_KEYS if k not in state]
    if missing:
        raise ValueError(
            f"{source}: the training state lacks {missing} (it has {sorted(map(str, state))}); "
            "was it written by another program or truncated? Delete it to start over"
        )
    for k in ("epoch", "step", "global_step", "seed", "count"):
        v = state[k]
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise ValueError(f"{source}: the training state's {k} is {v!r}, expected an int")
    if isinstance(state["loss_sum"], bool) or not isinstance(state["loss_sum"], numbers.Real):
        raise ValueError(
            f"{source}: the training state's loss_sum is {state['loss_sum']!r}, expected a number"
        )
    if not isinstance(state["metrics"], list) or not isinstance(state["optimizer"], dict):
        raise ValueError(
            f"{source}: the training state's metrics must be a list and optimizer a dict, got "
            f"{type(state['metrics']).__name__} and {type(state['optimizer']).__name__}"
        )
    cbs = state["callbacks"]
    if not isinstance(cbs, list) or not all(
        isinstance(c, dict) and {"class", "state"} <= set(c) for c in cbs
    ):
        raise ValueError(
            f"{source}: the training state's callbacks must be a list of "
            "{'class': ..., 'state': ...} entries"
        )
