"""``History``: what ``fit`` returns — the per-epoch logs, like Keras's.

>>> h = History()
>>> h.on_train_begin()
>>> h.on_epoch_end(0, {"loss": 0.9, "val_loss": 1.0})
>>> h.on_epoch_end(1, {"loss": 0.5, "val_loss": 0.7})
>>> h.history["val_loss"], h.epoch
([1.0, 0.7], [0, 1])
>>> h.best("val_loss")
(1, 0.7)
"""

from __future__ import annotations

import csv
import json
import math
import os
from typing import Any

from .callback import Callback

#: History.best's rule for a history without its model: names of quantities to maximize
_MAX_WORDS = ("acc", "auc", "f1", "precision", "recall", "r2")


class History(Callback):
    """The record of a training run.

    Attributes
    ----------
    history : dict[str, list[float]]
        One list per logged quantity (``loss``, ``accuracy``, ``val_loss``, ``val_accuracy``,
        ``lr``...), one entry per epoch, Keras's layout.
    epoch : list[int]
        The (0-based) epochs of the last ``fit`` run, as Keras 3's (reset at each train
        begin, while ``history`` accumulates across the runs a History is handed to).
    epochs_of : dict[str, list[int]]
        The epochs each quantity was logged in: a quantity missing from some epochs' logs
        (``val_*`` under ``validation_freq``) has a shorter list, as in Keras, which appends
        what each epoch logged and pads nothing.
    params : dict
        ``epochs``, ``steps`` (per epoch), ``batch_size``, ``samples``, ``verbose``.
    """

    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []
        self.epochs_of: dict[str, list[int]] = {}
        self.params = {}
        self._all_epochs: list[int] = []  # every run's epochs, in order (to_csv's rows)
        self._rows_of: dict[str, list[int]] = {}  # each quantity's rows in _all_epochs

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        # Keras 3's: a History handed to several fit() calls keeps accumulating ``history``
        # (and deepgrad's ``epochs_of``), while ``epoch`` lists this run's epochs only
        self.epoch = []

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.epoch.append(int(epoch))
        self._all_epochs.append(int(epoch))
        row = len(self._all_epochs) - 1
        for k, v in (logs or {}).items():  # Keras's: no padding for a quantity not logged
            self.history.setdefault(k, []).append(float(v))
            self.epochs_of.setdefault(k, []).append(int(epoch))
            self._rows_of.setdefault(k, []).append(row)

    def best(self, monitor: str = "val_loss", mode: str = "auto") -> tuple[int, float]:
        """``(epoch, value)`` of the best entry of ``monitor``. ``mode="auto"`` decides as the
        callbacks do (:func:`deepgrad.callbacks.monitor_mode`: the loss is minimized, a compiled
        metric follows its direction, anything else raises) while the history knows the model
        it was trained on; a history without one (read back from JSON) reads the name: it
        maximizes names holding ``acc``, ``auc``, ``f1``, ``precision``, ``recall``, ``r2``."""
        from .callbacks import _check_mode, monitor_mode

        vals = self.history.get(monitor)
        if not vals:
            raise KeyError(f"History has no {monitor!r}; it has {sorted(self.history)}")
        if _check_mode(mode, "History.best") == "auto":
            if self.model is not None:
                mode = monitor_mode(monitor, self.model, "History.best")
            else:
                name = (monitor[4:] if monitor.startswith("val_") else monitor).lower()
                mode = "max" if any(w in name for w in _MAX_WORDS) else "min"
        op = max if mode == "max" else min
        i = op(
            (i for i, v in enumerate(vals) if not math.isnan(v)), key=lambda i: vals[i], default=0
        )
        return self._epochs(monitor)[i], vals[i]

    def _epochs(self, key: str) -> list[int]:
        """The epochs of ``history[key]``'s entries: ``epochs_of[key]``, or, for lists not
        recorded by :meth:`on_epoch_end` (a restored old state, entries appended by hand),
        the last epochs, one per entry."""
        n = len(self.history.get(key, ()))
        e = self.epochs_of.get(key)
        every = self._every_epoch()
        return e if e is not None and len(e) == n else every[len(every) - n :]

    def _every_epoch(self) -> list[int]:
        """Every run's epochs in order (``epoch`` holds the last run's alone), or ``epoch``
        where it was set by hand beyond what the runs recorded."""
        every = self._all_epochs
        return every if len(every) >= len(self.epoch) else self.epoch

    def to_dict(self) -> dict[str, Any]:
        """``{"epoch": [...], "history": {...}, "epochs_of": {...}, "params": {...}}``
        (JSON-able)."""
        return {
            "epoch": list(self.epoch),
            "history": {k: list(v) for k, v in self.history.items()},
            "epochs_of": {k: list(v) for k, v in self.epochs_of.items()},
            "params": dict(self.params),
        }

    def to_json(self, path: str | os.PathLike) -> None:
        """Write :meth:`to_dict` as JSON, atomically (a failed write leaves the old file)."""
        from ..io import atomic_write

        text = json.dumps(self.to_dict(), indent=1)
        atomic_write(path, lambda f: f.write(text.encode()))

    def to_csv(self, path: str | os.PathLike) -> None:
        """Write one row per epoch: ``epoch`` (1-based, as printed) and every quantity
        (``NA`` in an epoch that did not log it, as Keras's ``CSVLogger``), atomically."""
        import io

        from ..io import atomic_write

        keys = list(self.history)
        buf = io.StringIO(newline="")
        w = csv.writer(buf)
        w.writerow(["epoch", *keys])
        at = dict.fromkeys(keys, 0)  # each quantity's next entry (epochs may repeat across fits)
        every = self._every_epoch()
        rows_of = {
            k: r
            for k, r in self._rows_of.items()
            if every is self._all_epochs and len(r) == len(self.history.get(k, ()))
        }
        for n, e in enumerate(every):
            row = [e + 1]
            for k in keys:
                i = at[k]
                if i < len(self.history[k]) and (
                    rows_of[k][i] == n if k in rows_of else self._epochs(k)[i] == e
                ):
                    row.append(repr(self.history[k][i]))
                    at[k] = i + 1
                else:
                    row.append("NA")
            w.writerow(row)
        atomic_write(path, lambda f: f.write(buf.getvalue().encode()))

    def state_dict(self) -> dict[str, Any]:
        return {
            "epoch": list(self.epoch),
            "history": {k: list(v) for k, v in self.history.items()},
            "epochs_of": {k: list(v) for k, v in self.epochs_of.items()},
            "all_epochs": list(self._all_epochs),
            "rows_of": {k: list(v) for k, v in self._rows_of.items()},
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.epoch = [int(e) for e in state["epoch"]]
        self._all_epochs = [int(e) for e in state.get("all_epochs", self.epoch)]
        self._rows_of = {k: [int(r) for r in v] for k, v in state.get("rows_of", {}).items()}
        self.history = {k: [float(x) for x in v] for k, v in state["history"].items()}
        self.epochs_of = {k: [int(e) for e in v] for k, v in state.get("epochs_of", {}).items()}

    def __repr__(self) -> str:
        return f"History(epochs={len(self.epoch)}, keys={list(self.history)})"
