"""Callbacks for ``fit``, Keras's set: stop early, checkpoint, schedule the learning rate,
log to CSV and TensorBoard, stop on NaN, and back up a run so a killed one resumes exactly.

>>> import deepgrad as dg
>>> cbs = [dg.callbacks.EarlyStopping(patience=3, restore_best_weights=True),
...        dg.callbacks.ReduceLROnPlateau(factor=0.5, patience=2)]
"""

from __future__ import annotations

import inspect
import math
import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy

from ..io.model_file import refuse_keras_suffix
from ..nn.module import state_arrays
from ..optim.lr import get_lr, scale_lr, set_lr
from ..optim.plateau import Plateau, plateau_attribute
from ..utils.tensorboard import event_writer, histogram_event, scalar_event
from .callback import Callback, CallbackList
from .compiled import get_compiled
from .history import History

__all__ = [
    "BackupAndRestore",
    "CSVLogger",
    "Callback",
    "CallbackList",
    "EarlyStopping",
    "History",
    "LambdaCallback",
    "LearningRateScheduler",
    "ModelCheckpoint",
    "ReduceLROnPlateau",
    "TensorBoard",
    "TerminateOnNaN",
    "get",
]

_MODES = ("auto", "min", "max")


def _check_mode(mode: Any, who: str) -> str:
    """``mode`` if it is one of Keras's three; Keras warns about another and falls back to
    ``"auto"``, deepgrad refuses it (``"maximize"`` is a typo, not a request for ``"auto"``)."""
    if mode not in _MODES:
        raise ValueError(
            f"{who}: mode must be 'auto', 'min' or 'max', got {mode!r} (Keras warns and "
            "falls back to 'auto'; deepgrad refuses an unknown mode)"
        )
    return mode


def monitor_mode(monitor: str, model: Any, who: str) -> str:
    """Keras's ``mode="auto"``: ``"min"`` for ``loss`` / ``val_loss``, else the direction of
    the compiled metric logged under the monitored name (:attr:`Metric.direction`: ``"up"``
    for accuracies, AUC, precision, recall, F1, R², ``"down"`` for error metrics). Anything
    else — ``lr``, a metric without a known direction, a name no metric logs — is a
    ``ValueError``, as in Keras: pass ``mode="min"`` or ``mode="max"``."""
    name = monitor[4:] if monitor.startswith("val_") else monitor
    if name == "loss":
        return "min"
    compiled = None if model is None else model.__dict__.get("_dg_compiled")
    metrics = compiled.metrics if compiled is not None else []
    for m in metrics:
        if m.name == name and getattr(m, "direction", None) in ("up", "down"):
            return "max" if m.direction == "up" else "min"
    known = [m.name for m in metrics]
    raise ValueError(
        f"{who}: mode='auto' cannot tell whether {monitor!r} should be maximized or "
        f"minimized: it is not the loss nor a compiled metric of known direction (compiled "
        f"metrics: {known}); pass mode='max' to keep the highest value or mode='min' for the "
        "lowest (Keras raises here too)"
    )


class _Monitor:
    """Shared logic of callbacks that watch one logged quantity."""

    def _init_monitor(self, monitor: str, mode: str, min_delta: float) -> None:
        self.monitor = monitor
        self.mode = _check_mode(mode, type(self).__name__)
        self.min_delta = abs(float(min_delta))
        self._warned = False
        self._direction: str | None = None if mode == "auto" else mode

    def _resolve_direction(self) -> str:
        """``"min"`` or ``"max"``: the mode given, or under ``"auto"`` the monitored metric's
        direction (:func:`monitor_mode`), decided at the start of each ``fit``."""
        if self._direction is None:
            self._direction = monitor_mode(self.monitor, self.model, type(self).__name__)
        return self._direction

    def _begin_monitoring(self) -> None:
        """At train begin: decide the direction from the model now being trained (an
        unknown quantity under ``mode="auto"`` is refused before the first step)."""
        if self.mode == "auto":
            self._direction = None
        self._resolve_direction()

    def _worst(self) -> None:
        """No best yet (Keras's ``best = None``): the first value, even a NaN, becomes the
        best, and nothing improves on a NaN."""
        return None

    def _better(self, current: float, reference: float | None) -> bool:
        if reference is None:
            return True
        if self._resolve_direction() == "min":
            return current < reference - self.min_delta
        return current > reference + self.min_delta

    def _current(self, logs: dict[str, Any] | None) -> float | None:
        v = (logs or {}).get(self.monitor)
        if v is None:
            if not self._warned:
                self._warned = True
                warnings.warn(
                    f"{type(self).__name__}: the monitored quantity {self.monitor!r} is not in "
                    f"the logs (available: {sorted(logs or {})}); pass validation data for "
                    "val_* quantities, or monitor another one",
                    stacklevel=3,
                )
            return None
        return float(v)


class EarlyStopping(_Monitor, Callback):
    """Stop training when ``monitor`` has not improved for ``patience`` epochs.

    Parameters
    ----------
    monitor : str
        A logged quantity (default ``"val_loss"``).
    min_delta : float
        An improvement is a change larger than this.
    patience : int
        Epochs without improvement before stopping.
    verbose : int
        1 prints what it did, Keras's lines: ``Epoch 12: early stopping`` (the epoch it
        stopped at, 1-based) and ``Restoring model weights from the end of the best epoch:
        7.`` (``deepgrad train`` recipes set 1 unless told otherwise).
    mode : {"auto", "min", "max"}
        "auto" (Keras's) minimizes ``loss``/``val_loss`` and follows the direction of the
        compiled metric the name logs: it maximizes accuracies, AUC, F1, precision, recall,
        R² and minimizes error metrics (MSE, RMSE, MAE); any other quantity (``lr``, a metric
        of unknown direction) is a ``ValueError`` at the start of ``fit``, as in Keras. An
        unknown mode raises (Keras warns and uses "auto").
    baseline : float, optional
        Training stops unless the quantity beats this within ``patience`` epochs.
    restore_best_weights : bool
        At the end of training — stopped early *or* out of epochs — put back the weights of
        the best epoch.
    start_from_epoch : int
        Epochs to wait before watching (warm-up).
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        min_delta: float = 0.0,
        patience: int = 0,
        verbose: int = 0,
        mode: str = "auto",
        baseline: float | None = None,
        restore_best_weights: bool = False,
        start_from_epoch: int = 0,
    ) -> None:
        self._init_monitor(monitor, mode, min_delta)
        self.patience = int(patience)
        self.verbose = verbose
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        self._reset()

    def _reset(self) -> None:
        self.wait = 0
        self.stopped_epoch = 0  # Keras's: 0 unless it stopped (never at epoch 0)
        self.best = self._worst()
        self.best_epoch = 0
        self.best_weights: dict[str, numpy.ndarray] | None = None

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._begin_monitoring()
        self._reset()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        current = self._current(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = state_arrays(self.model)
            self.best_epoch = epoch
        self.wait += 1
        if self._better(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = state_arrays(self.model)
            if self.baseline is None or self._better(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if self.stopped_epoch > 0 and self.verbose:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose:
                print(
                    "Restoring model weights from the end of the best epoch: "
                    f"{self.best_epoch + 1}."
                )
            self.model.load_state_dict(self.best_weights)

    def state_dict(self) -> dict[str, Any]:
        return {
            "wait": self.wait,
            "stopped_epoch": self.stopped_epoch,
            "best": self.best,
            "best_epoch": self.best_epoch,
            "best_weights": self.best_weights,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.wait = int(state["wait"])
        self.stopped_epoch = int(state["stopped_epoch"])
        self.best = None if state["best"] is None else float(state["best"])
        self.best_epoch = int(state["best_epoch"])
        bw = state.get("best_weights")
        self.best_weights = None if bw is None else {k: numpy.asarray(v) for k, v in bw.items()}


class ModelCheckpoint(_Monitor, Callback):
    """Save the model (or its weights) after epochs, atomically (temporary file + rename).

    Parameters
    ----------
    filepath : str
        May hold ``{epoch}`` (1-based) and logged quantities with formats:
        ``"ckpt/model-{epoch:02d}-{val_loss:.3f}.dg"``; with an int ``save_freq`` also
        ``{batch}`` (1-based, within the epoch), which per-epoch saving refuses, as Keras. Keras's suffixes (``.keras``,
        ``.weights.h5``) are refused: deepgrad writes its own formats (``.dg``, and
        ``.safetensors`` with ``save_weights_only``).
    monitor, mode, min_delta
        What "best" means (see :class:`EarlyStopping`).
    save_best_only : bool
        Save only when ``monitor`` improves (a fixed ``filepath`` then always holds the best).
    save_weights_only : bool
        Write only the weights (a ``.safetensors`` file) instead of the full model.
    save_freq : "epoch" or int
        Save every epoch, or every ``save_freq`` steps.
    verbose : int
        1 prints a line per save.
    initial_value_threshold : float, optional
        Keras's: with ``save_best_only``, the value to beat before the first save (the
        starting ``best``).

    With ``save_best_only`` and ``monitor`` missing from the logs (``val_loss`` without
    validation data), every save happens, with a warning: Keras's rule.
    """

    main_rank_only = True  # writes files: rank 0 alone in data-parallel training

    def __init__(
        self,
        filepath: str | os.PathLike,
        monitor: str = "val_loss",
        verbose: int = 0,
        save_best_only: bool = False,
        save_weights_only: bool = False,
        mode: str = "auto",
        save_freq: str | int = "epoch",
        initial_value_threshold: float | None = None,
        min_delta: float = 0.0,
    ) -> None:
        self.filepath = os.fspath(filepath)
        refuse_keras_suffix(self.filepath, save_weights_only, "ModelCheckpoint")
        self._init_monitor(monitor, mode, min_delta)
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        if save_freq != "epoch" and not (isinstance(save_freq, int) and save_freq > 0):
            raise ValueError(f"save_freq must be 'epoch' or a positive int, got {save_freq!r}")
        self.save_freq = save_freq
        self.initial_value_threshold = initial_value_threshold
        self.best = (
            self._worst() if initial_value_threshold is None else float(initial_value_threshold)
        )
        self._steps = 0
        self._epoch = 0
        self.last_saved: str | None = None

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._begin_monitoring()

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._epoch = epoch

    def on_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if self.save_freq == "epoch":
            return
        self._steps += 1
        if self._steps % self.save_freq == 0:
            self._save(self._epoch, dict(logs or {}), batch=batch)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.save_freq == "epoch":
            self._save(epoch, dict(logs or {}))

    def _save(self, epoch: int, logs: dict[str, Any], batch: int | None = None) -> None:
        # Keras's order: the path is formatted first, so a name missing from the logs raises
        # even in an epoch that would not save (save_best_only without an improvement)
        names = {"epoch": epoch + 1, **logs}
        if batch is not None and "batch" not in logs:  # Keras's: {batch} only in step saves
            names["batch"] = batch + 1
        try:
            path = self.filepath.format(**names)
        except KeyError as e:
            raise KeyError(
                f"ModelCheckpoint: filepath {self.filepath!r} names {e.args[0]!r}, which is not "
                f"in the logs {sorted(logs)}"
            ) from None
        if self.save_best_only:
            current = self._current(logs)  # missing: saved anyway, as Keras does
            if current is not None:
                if not self._better(current, self.best):
                    return
                self.best = current
        from . import api

        if self.save_weights_only:
            api.save_weights(self.model, path)
        else:
            api.save(self.model, path)
        self.last_saved = path
        if self.verbose:
            print(f"Epoch {epoch + 1}: saved the model to {path}")

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best, "steps": self._steps}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best = None if state["best"] is None else float(state["best"])
        self._steps = int(state.get("steps", 0))


class LearningRateScheduler(Callback):
    """Set the learning rate from a schedule.

    Parameters
    ----------
    schedule : schedule object or callable
        A :mod:`deepgrad.optim` schedule (anything with ``step()``, built on the compiled
        optimizer): stepped after every epoch (or every step with ``interval="step"``), so the
        first epoch runs at the initial rate. Or a function ``(epoch, lr) -> lr`` or ``epoch
        -> lr``, called at the start of each epoch (0-based) as Keras 3 calls it:
        ``schedule(epoch, lr)``, then ``schedule(epoch)`` if that raised ``TypeError``; its rate is the
        first parameter group's, and the other groups keep their proportion to it (each
        group's own base rate, as PyTorch's schedulers scale each group).
    interval : {"epoch", "step"}
        When a schedule object is stepped.
    monitor : str
        For schedules whose ``step`` takes a metric (``ReduceLROnPlateau``): the quantity.
    verbose : int
        1 prints the rate when it changes.

    Each epoch it logs ``learning_rate`` (the rate the epoch ran at), as Keras 3's, so
    ``history.history["learning_rate"]`` holds it.
    """

    def __init__(
        self,
        schedule: Any,
        verbose: int = 0,
        interval: str = "epoch",
        monitor: str = "val_loss",
    ) -> None:
        if interval not in ("epoch", "step"):
            raise ValueError(f"interval must be 'epoch' or 'step', got {interval!r}")
        self.schedule = schedule
        self.verbose = verbose
        self.interval = interval
        self.monitor = monitor
        self._is_object = hasattr(schedule, "step") and not inspect.isfunction(schedule)
        if not self._is_object and not callable(schedule):
            raise TypeError(
                "LearningRateScheduler: schedule must be a deepgrad.optim schedule or a function "
                f"epoch -> lr, got {type(schedule).__name__}"
            )
        self._takes_metric = False
        if self._is_object:
            try:
                sig = inspect.signature(schedule.step)
                req = [
                    p
                    for p in sig.parameters.values()
                    if p.default is inspect.Parameter.empty
                    and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                ]
                self._takes_metric = (
                    bool(req) or "metric" in sig.parameters or ("metrics" in sig.parameters)
                )
            except (TypeError, ValueError):
                pass

    def _optimizer(self) -> Any:
        return get_compiled(self.model, "LearningRateScheduler").optimizer

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self._is_object:
            return
        opt = self._optimizer()
        old = get_lr(opt)
        try:  # Keras 3's rule: (epoch, lr) first, (epoch) on a TypeError
            lr = self.schedule(epoch, old)
        except TypeError:
            lr = self.schedule(epoch)
        lr = float(lr)
        if not math.isfinite(lr) or lr < 0:
            raise ValueError(f"LearningRateScheduler: the schedule gave lr={lr} at epoch {epoch}")
        set_lr(opt, lr)
        if self.verbose and lr != old:
            print(f"Epoch {epoch + 1}: learning rate set to {lr:.6g}")

    def _step(self, logs: dict[str, Any] | None) -> None:
        if self._takes_metric:
            v = (logs or {}).get(self.monitor)
            if v is None:
                return
            self.schedule.step(float(v))
        else:
            self.schedule.step()

    def on_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if self._is_object and self.interval == "step":
            self._step(logs)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if logs is not None:  # Keras 3's: the rate this epoch ran at, recorded by History
            logs["learning_rate"] = get_lr(self._optimizer())
        if self._is_object and self.interval == "epoch":
            old = get_lr(self._optimizer())
            self._step(logs)
            new = get_lr(self._optimizer())
            if self.verbose and new != old:
                print(f"Epoch {epoch + 1}: learning rate set to {new:.6g}")

    def state_dict(self) -> dict[str, Any]:
        sd = getattr(self.schedule, "state_dict", None)
        return {"schedule": sd()} if self._is_object and callable(sd) else {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if "schedule" in state:
            self.schedule.load_state_dict(state["schedule"])


class ReduceLROnPlateau(_Monitor, Callback):
    """Multiply the learning rate by ``factor`` when ``monitor`` stops improving (Keras's).

    After ``patience`` epochs without an improvement larger than ``min_delta``:
    ``lr ← max(lr · factor, min_lr)`` in every parameter group (each from its own rate, as
    PyTorch's), then wait ``cooldown`` epochs before watching again. The counting is
    :class:`~deepgrad.optim.plateau.Plateau`'s ``rule="keras"`` — the plateau logic the
    PyTorch-style schedule :class:`deepgrad.optim.ReduceLROnPlateau` shares; Keras's names and
    counting differ from PyTorch's (acting after ``patience`` bad epochs, not more than
    ``patience``; ``min_delta`` absolute; see that module's table). As in Keras, an epoch
    that would reduce a rate already at ``min_lr`` changes nothing: no cooldown starts and
    ``wait`` goes on counting. Each epoch it logs ``learning_rate`` (the rate the epoch ran at),
    as Keras 3's, so ``history.history["learning_rate"]`` holds it.
    """

    best = plateau_attribute("best")
    wait = plateau_attribute("num_bad_epochs", "Epochs without improvement (Keras's name).")
    cooldown_counter = plateau_attribute("cooldown_counter")
    patience = plateau_attribute("patience")
    cooldown = plateau_attribute("cooldown")

    def __init__(
        self,
        monitor: str = "val_loss",
        factor: float = 0.1,
        patience: int = 10,
        verbose: int = 0,
        mode: str = "auto",
        min_delta: float = 1e-4,
        cooldown: int = 0,
        min_lr: float = 0.0,
    ) -> None:
        if not factor < 1.0:  # Keras's only rule: 0 drops the rate to min_lr at once
            raise ValueError(
                f"ReduceLROnPlateau does not support a factor >= 1.0. Received factor={factor} "
                "(a factor below 1 reduces the rate: lr <- max(lr * factor, min_lr))"
            )
        self._init_monitor(monitor, mode, min_delta)
        self.factor = float(factor)
        self.verbose = verbose
        self.min_lr = float(min_lr)
        self._plateau = Plateau(
            self._direction or "min", int(patience), self.min_delta, "abs", int(cooldown),
            rule="keras",
        )  # fmt: skip

    def _reset(self) -> None:
        self._plateau.reset()

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._begin_monitoring()
        self._reset()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        opt = get_compiled(self.model, "ReduceLROnPlateau").optimizer
        if logs is not None:  # Keras 3's: the rate this epoch ran at, recorded by History
            logs["learning_rate"] = get_lr(opt)
        current = self._current(logs)
        if current is None:
            return
        self._plateau.mode = self._resolve_direction()
        if not self._plateau.step(current):
            return
        if scale_lr(opt, self.factor, self.min_lr):  # each group from its own rate
            self._plateau.acted()  # Keras's: at min_lr no cooldown, and wait goes on counting
            # logs["lr"] and logs["learning_rate"] stay the rate this epoch ran at, for every
            # callback; the new rate is the next epoch's
            new = get_lr(opt)
            if self.verbose:
                print(f"Epoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new:.6g}")

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best, "wait": self.wait, "cooldown_counter": self.cooldown_counter}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best = None if state["best"] is None else float(state["best"])
        self.wait = int(state["wait"])
        self.cooldown_counter = int(state["cooldown_counter"])


class CSVLogger(Callback):
    """Append one row per epoch to a CSV file, Keras's layout: ``epoch`` (0-based, as the
    callbacks and ``History.epoch`` count), then the first epoch's quantities in sorted order,
    and when it has no ``val_*`` one a ``val_`` column for each (validation may start later,
    under ``validation_freq``); ``NA`` where an epoch lacks a quantity. Flushed as it goes so a
    crashed run keeps its rows.

    ``append=True`` keeps an existing file's rows (for continuing a run).
    """

    main_rank_only = True  # writes files: rank 0 alone in data-parallel training

    def __init__(
        self, filename: str | os.PathLike, separator: str = ",", append: bool = False
    ) -> None:
        self.filename = os.fspath(filename)
        self.sep = separator
        self.append = append
        self.keys: list[str] | None = None
        self.rows: list[str] = []

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        path = Path(self.filename)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.rows = []
        self.keys = None
        if self.append and path.exists() and path.stat().st_size > 0:
            lines = path.read_text().splitlines()
            if lines:
                self.keys = lines[0].split(self.sep)[1:]
                self.rows = lines
        else:
            path.write_text("")

    def _fmt(self, v: Any) -> str:
        if isinstance(v, float):
            return repr(v)
        return str(v)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            if not any(k.startswith("val_") for k in self.keys):  # Keras's: validation may
                self.keys += ["val_" + k for k in self.keys]  # come later (validation_freq)
            self.rows.append(self.sep.join(["epoch", *self.keys]))
            header = True
        else:
            header = False
        row = self.sep.join([str(epoch), *(self._fmt(logs.get(k, "NA")) for k in self.keys)])
        self.rows.append(row)
        with open(self.filename, "a") as f:
            if header:
                f.write(self.rows[-2] + "\n")
            f.write(row + "\n")

    def state_dict(self) -> dict[str, Any]:
        return {"keys": self.keys, "rows": list(self.rows)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.keys = state.get("keys")
        self.rows = list(state.get("rows", []))
        text = "".join(r + "\n" for r in self.rows)
        from ..io import atomic_write

        atomic_write(self.filename, lambda f: f.write(text.encode()))


class TerminateOnNaN(Callback):
    """Stop training as soon as a batch's loss is NaN or infinite: after that batch (the
    epoch's logs and ``on_train_end`` still run), or with ``raise_error=True`` (Keras's) at
    once by raising ``RuntimeError``, so no ``on_train_end`` cleans up after it."""

    def __init__(self, raise_error: bool = False) -> None:
        self.raise_error = bool(raise_error)

    def on_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            if self.raise_error:
                raise RuntimeError(
                    f"NaN or Inf loss encountered at batch {batch}. Loss value: {loss}. "
                    "Terminating training immediately."
                )
            print(f"Batch {batch}: invalid loss {loss}, terminating training")
            self.model.stop_training = True


class LambdaCallback(Callback):
    """A callback from functions: ``LambdaCallback(on_epoch_end=lambda epoch, logs: ...)``."""

    def __init__(
        self,
        on_epoch_begin: Callable[..., Any] | None = None,
        on_epoch_end: Callable[..., Any] | None = None,
        on_train_begin: Callable[..., Any] | None = None,
        on_train_end: Callable[..., Any] | None = None,
        on_train_batch_begin: Callable[..., Any] | None = None,
        on_train_batch_end: Callable[..., Any] | None = None,
        **hooks: Callable[..., Any] | None,
    ) -> None:
        # Keras's six named hooks, in its positional order; None leaves a hook a no-op
        named = {
            "on_epoch_begin": on_epoch_begin,
            "on_epoch_end": on_epoch_end,
            "on_train_begin": on_train_begin,
            "on_train_end": on_train_end,
            "on_train_batch_begin": on_train_batch_begin,
            "on_train_batch_end": on_train_batch_end,
        }
        hooks = {**named, **hooks}
        names = (
            "on_train_begin",
            "on_train_end",
            "on_epoch_begin",
            "on_epoch_end",
            "on_batch_begin",
            "on_batch_end",
            "on_train_batch_begin",
            "on_train_batch_end",
            "on_test_begin",
            "on_test_end",
            "on_test_batch_begin",
            "on_test_batch_end",
            "on_predict_begin",
            "on_predict_end",
            "on_predict_batch_begin",
            "on_predict_batch_end",
        )
        for k, fn in hooks.items():
            if k not in names:
                raise TypeError(f"LambdaCallback: unknown hook {k!r}; expected one of {names}")
            if fn is None:
                continue
            if not callable(fn):
                raise TypeError(
                    f"LambdaCallback: {k} must be a function (or None), got {type(fn).__name__}"
                )
            setattr(self, k, fn)


class TensorBoard(Callback):
    """Write TensorBoard event files: per-epoch scalars (``epoch_loss``, ``epoch_accuracy``...,
    training ones under ``log_dir/train``, validation ones under ``log_dir/validation``, as
    Keras does), optional weight histograms every ``histogram_freq`` epochs, and with
    ``update_freq=N`` the loss every N steps (``batch_loss``). View with
    ``tensorboard --logdir log_dir``. Needs the ``tensorboard`` package (its protobufs and
    event writer; TensorFlow is not needed)."""

    main_rank_only = True  # writes files: rank 0 alone in data-parallel training

    def __init__(
        self,
        log_dir: str | os.PathLike = "logs",
        histogram_freq: int = 0,
        write_graph: bool = True,
        write_images: bool = False,
        write_steps_per_second: bool = False,
        update_freq: str | int = "epoch",
        profile_batch: int = 0,
        embeddings_freq: int = 0,
        embeddings_metadata: Any = None,
    ) -> None:
        # Keras's options: write_graph is accepted (Keras's default True; no graph is written
        # here, and Keras 3 writes none either: its docs say "not supported"); the others
        # only while off, as what they would write is not written here
        if not isinstance(write_graph, (bool, numpy.bool_)):
            raise TypeError(f"TensorBoard: write_graph must be True or False, got {write_graph!r}")
        refused = {
            "write_images": (write_images, False, "weights as images are not written; "
                             "histogram_freq writes their histograms"),
            "write_steps_per_second": (write_steps_per_second, False, "the steps' speed is "
                                       "not logged; time epochs in a callback of your own"),
            "profile_batch": (profile_batch, 0, "profiling is not available (Keras's torch "
                              "backend refuses it too); profile with cProfile"),
            "embeddings_freq": (embeddings_freq, 0, "the embedding projector's files are not "
                                "written; log the embedding weights with histogram_freq"),
            "embeddings_metadata": (embeddings_metadata, None, "the embedding projector's "
                                    "files are not written"),
        }  # fmt: skip
        for arg, (value, off, why) in refused.items():
            if value is not off and value != off:
                raise ValueError(
                    f"TensorBoard: Keras's {arg}={value!r} is not supported by deepgrad: {why} "
                    f"(leave it {off!r})"
                )
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = int(histogram_freq)
        if update_freq != "epoch" and not (isinstance(update_freq, int) and update_freq > 0):
            raise ValueError(f"update_freq must be 'epoch' or a positive int, got {update_freq!r}")
        self.update_freq = update_freq
        self._writers: dict[str, Any] = {}
        self._global_step = 0

    def _writer(self, which: str) -> Any:
        w = self._writers.get(which)
        if w is None:
            w = self._writers[which] = event_writer(os.path.join(self.log_dir, which))
        return w

    def _scalar(self, which: str, tag: str, value: float, step: int) -> None:
        self._writer(which).add_event(scalar_event(tag, value, step))

    def _histogram(self, tag: str, values: numpy.ndarray, step: int) -> None:
        event = histogram_event(tag, values, step)
        if event is not None:
            self._writer("train").add_event(event)

    def on_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._global_step += 1
        if self.update_freq != "epoch" and self._global_step % self.update_freq == 0:
            loss = (logs or {}).get("loss")
            if loss is not None:
                self._scalar("train", "batch_loss", loss, self._global_step)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        for k, v in (logs or {}).items():
            if k == "learning_rate" and "lr" in (logs or {}):
                continue  # the same rate, written once as epoch_learning_rate
            if k.startswith("val_"):
                self._scalar("validation", "epoch_" + k[4:], v, epoch)
            else:
                self._scalar("train", "epoch_" + ("learning_rate" if k == "lr" else k), v, epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            for name, p in self.model.named_parameters():
                self._histogram(name, p.numpy(), epoch)
        for w in self._writers.values():
            w.flush()

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        for w in self._writers.values():
            w.close()
        self._writers = {}

    def state_dict(self) -> dict[str, Any]:
        return {"global_step": self._global_step}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self._global_step = int(state.get("global_step", 0))


class BackupAndRestore(Callback):
    """Back up a training run so that, killed at any point, it resumes where it was.

    At the end of every epoch (and every ``save_freq`` steps when it is an int) the model's
    weights and buffers, the optimizer state, every callback's state (History, EarlyStopping's
    best and wait count, ModelCheckpoint's best, schedules...), the random generator, the
    running loss and metric accumulators and the position (epoch, step) are written atomically
    to ``backup_dir/backup.dg``. When ``fit`` starts with that file present, it restores all of
    it and continues from that step: with the same ``seed`` (the shuffling order of an epoch
    depends only on ``(seed, epoch)``), the resumed run ends with exactly the weights of an
    uninterrupted one. The file is deleted when training completes
    (``delete_checkpoint=False`` keeps it). Keras's ``double_checkpoint=True`` (a second copy
    for a crash in the middle of a write) is accepted: the atomic write already leaves the
    previous backup whole when a write is cut short.

    Run the same script again after a crash: ``fit(..., callbacks=[BackupAndRestore("bk")])``.
    """

    main_rank_only = True  # writes files: rank 0 alone in data-parallel training

    FILENAME = "backup.dg"
    restores_training = True

    def __init__(
        self,
        backup_dir: str | os.PathLike,
        save_freq: str | int = "epoch",
        double_checkpoint: bool = False,
        delete_checkpoint: bool = True,
    ) -> None:
        if save_freq != "epoch" and not (isinstance(save_freq, int) and save_freq > 0):
            raise ValueError(f"save_freq must be 'epoch' or a positive int, got {save_freq!r}")
        if not isinstance(double_checkpoint, bool):
            raise TypeError(
                f"double_checkpoint must be a bool, got {type(double_checkpoint).__name__}"
            )
        # Keras's double_checkpoint keeps the previous backup for when a crash corrupts the
        # latest while it is written; the file here is written atomically (a crash leaves the
        # previous one whole), so one file gives that guarantee: accepted, nothing more to do
        self.double_checkpoint = double_checkpoint
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.delete_checkpoint = delete_checkpoint
        self.restored_from: tuple[int, int] | None = None

    @property
    def path(self) -> str:
        return os.path.join(self.backup_dir, self.FILENAME)

    def restore(self, trainer: Any) -> bool:
        """Load the backup into the running ``trainer`` if there is one (called by ``fit``)."""
        if not os.path.exists(self.path):
            return False
        from ..io import read_archive, unpack_state

        config, weights, arrays = read_archive(self.path)
        if config.get("kind") != "backup" or "training" not in config:
            raise ValueError(
                f"{self.path} is not a training backup (expected kind 'backup' with a "
                f"'training' entry; it has {sorted(map(str, config))}, kind "
                f"{config.get('kind')!r}); delete it or pick another backup_dir"
            )
        state = unpack_state(config["training"], arrays)
        trainer.load_training_state(state, weights or {}, source=self.path)
        self.restored_from = (int(state["epoch"]), int(state["step"]))
        return True

    def _save(self) -> None:
        from ..io import pack_state, write_archive

        arrays: dict[str, numpy.ndarray] = {}
        state = self.trainer.training_state(exclude=self)
        packed = pack_state(state, arrays, "t")
        weights = state_arrays(self.model)  # NumPy copies, as the archive is written
        write_archive(self.path, {"kind": "backup", "training": packed}, weights, arrays)

    def on_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if self.save_freq != "epoch" and self.trainer.global_step % self.save_freq == 0:
            self._save()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._save()

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if self.delete_checkpoint and os.path.exists(self.path):
            os.remove(self.path)


def get(spec: str | dict[str, Any] | Callback, **kwargs: Any) -> Callback:
    """A callback from a class name and arguments, for configuration files:
    ``get("EarlyStopping", patience=3)`` or ``get({"name": "EarlyStopping", "patience": 3})``
    (a TOML ``[[callbacks]]`` table); an instance is returned as is. Only the callbacks of this
    module can be named.

    >>> get({"name": "ReduceLROnPlateau", "factor": 0.5}).factor
    0.5
    """
    if isinstance(spec, Callback):
        return spec
    if isinstance(spec, dict):
        kwargs = {**{k: v for k, v in spec.items() if k != "name"}, **kwargs}
        spec = spec.get("name")  # type: ignore[assignment]
    names = [n for n in __all__ if n not in ("Callback", "CallbackList", "History", "get")]
    if not isinstance(spec, str) or spec not in names:
        from .._choices import did_you_mean

        hint = did_you_mean(spec, names) or "."
        raise ValueError(f"unknown callback {spec!r}{hint} Expected one of {names}")
    return globals()[spec](**kwargs)
