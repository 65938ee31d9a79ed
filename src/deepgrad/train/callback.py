"""The callback API: :class:`Callback` (subclass it) and :class:`CallbackList` (what ``fit``
calls).

``fit`` calls, in order::

    on_train_begin
      on_epoch_begin(epoch)                 epoch counts from 0 (printed as "Epoch 1/E")
        on_batch_begin(step) / on_batch_end(step, logs)   once per mini-batch update (Keras's
                                            names on_train_batch_begin/_end work too)
        on_test_begin                       the validation pass, when the epoch validates
          on_test_batch_begin(step) / on_test_batch_end(step, logs)   logs: the running loss
                                            and metrics of the pass, without ``val_``
        on_test_end(logs)                   the validation results, without ``val_``
      on_epoch_end(epoch, logs)             logs: loss, metrics, val_loss, val_<metric>, lr
    on_train_end

``evaluate(..., callbacks=[...])`` calls ``on_test_begin``, ``on_test_batch_begin/_end`` and
``on_test_end``; ``predict(..., callbacks=[...])`` calls ``on_predict_begin``,
``on_predict_batch_begin(step)`` / ``on_predict_batch_end(step, {"outputs": batch_outputs})``
and ``on_predict_end`` — Keras's order, steps counted from 0, ``logs`` always a dict. Their
callbacks get ``set_model(model)`` and ``set_params({"verbose": ..., "epochs": 1, "steps":
batches})``, as in Keras. Setting ``self.model.stop_evaluating`` / ``stop_predicting`` to
``True`` in a batch hook ends the pass after that batch (Keras's flags).

A callback reads and changes training through ``self.model`` (set ``self.model.stop_training =
True`` to stop after the current step/epoch) and ``self.params`` (``epochs``, ``steps``,
``batch_size``, ``samples``, ``verbose``). A callback whose state must survive an interrupted
run (a best value, a wait count) returns it from ``state_dict()`` (arrays, numbers, strings,
lists, dicts) and takes it back in ``load_state_dict()``; :class:`~deepgrad.train.callbacks.
BackupAndRestore` saves and restores it with the model.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .._choices import checking_keywords, nearest, unexpected_keyword


class Callback:
    """Base class of callbacks: override the hooks you need (they all do nothing here).

    >>> class PrintLoss(Callback):
    ...     def on_epoch_end(self, epoch, logs=None):
    ...         print(f"epoch {epoch + 1}: loss {logs['loss']:.3f}")
    """

    model: Any = None
    params: dict[str, Any]
    #: the running training loop (set by ``fit``), for callbacks that save training position
    trainer: Any = None
    #: a declared capability: this callback backs the run up and restores it
    #: (:class:`~deepgrad.train.callbacks.BackupAndRestore`); ``fit`` runs such callbacks last,
    #: calls their ``restore(trainer)`` at train begin and leaves them out of the saved states.
    #: Found with :func:`backup_callbacks`, never by class name.
    restores_training: bool = False
    #: a declared capability: the callback writes files, so a data-parallel run calls it on
    #: rank 0 alone (``ModelCheckpoint``, ``CSVLogger``, ``TensorBoard``, ``BackupAndRestore``)
    main_rank_only: bool = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is not None and cls.__module__.startswith("deepgrad."):
            cls.__init__ = checking_keywords(init)  # type: ignore[method-assign]

    def set_model(self, model: Any) -> None:
        """Called by ``fit`` before training with the model being trained."""
        self.model = model

    def set_params(self, params: dict[str, Any]) -> None:
        """Called by ``fit`` before training with ``epochs``, ``steps``, ``batch_size``..."""
        self.params = params

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        """Before the first epoch."""

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        """After the last epoch (also when stopped early); ``logs`` are the last epoch's."""

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        """At the start of epoch ``epoch`` (0-based)."""

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        """After epoch ``epoch`` and its validation; ``logs`` has the epoch's averages."""

    def on_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Before mini-batch ``batch`` (0-based within the epoch)."""

    def on_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """After the update of mini-batch ``batch``; ``logs`` has Keras 3's running values,
        ``loss`` and each metric averaged over the epoch so far (not this batch's alone)."""

    def on_train_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Keras's name of :meth:`on_batch_begin` (which it calls); override either."""
        self.on_batch_begin(batch, logs)

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Keras's name of :meth:`on_batch_end` (which it calls); override either."""
        self.on_batch_end(batch, logs)

    def on_test_begin(self, logs: dict[str, Any] | None = None) -> None:
        """Before a validation pass of ``fit`` or an ``evaluate``."""

    def on_test_end(self, logs: dict[str, Any] | None = None) -> None:
        """After it; ``logs`` has its loss and metrics, without ``val_`` in a ``fit``."""

    def on_test_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Before evaluation batch ``batch`` (0-based within the pass)."""

    def on_test_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """After evaluation batch ``batch``; ``logs`` has the pass's running loss and metrics."""

    def on_predict_begin(self, logs: dict[str, Any] | None = None) -> None:
        """Before a ``predict``."""

    def on_predict_end(self, logs: dict[str, Any] | None = None) -> None:
        """After it."""

    def on_predict_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Before prediction batch ``batch`` (0-based)."""

    def on_predict_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """After prediction batch ``batch``; ``logs["outputs"]`` is the batch's output (a NumPy
        array, a tuple of them for a model returning a tuple)."""

    def state_dict(self) -> dict[str, Any]:
        """State to save for resuming (``{}``: nothing)."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""


def backup_callbacks(callbacks: Iterable[Callback]) -> list[Callback]:
    """The callbacks that back up and restore the run (``restores_training``), in order.

    >>> class Backup(Callback):
    ...     restores_training = True
    >>> cbs = [Callback(), Backup()]
    >>> backup_callbacks(cbs) == [cbs[1]]
    True
    """
    return [cb for cb in callbacks if getattr(cb, "restores_training", False)]


def flat_callbacks(callbacks: Any) -> list[Any]:
    """``callbacks=`` read as Keras 3's ``CallbackList`` reads it (``tree.flatten``): one
    callback alone is a list of one, nested lists and tuples are flattened (a dict gives its
    values in key order), ``None`` or empty is none. What is not a callback is refused later,
    by :class:`CallbackList`, naming it.

    >>> flat_callbacks(None), len(flat_callbacks(Callback())), len(flat_callbacks([[Callback()]]))
    ([], 1, 1)
    """
    if callbacks is None:
        return []
    if isinstance(callbacks, dict):
        return [c for k in sorted(callbacks) for c in flat_callbacks(callbacks[k])]
    if isinstance(callbacks, (list, tuple)):
        return [c for item in callbacks for c in flat_callbacks(item)]
    return [callbacks]


def _overrides(cb: Callback, name: str) -> bool:
    return name in cb.__dict__ or getattr(type(cb), name) is not getattr(Callback, name)


class CallbackList:
    """The callbacks of one ``fit`` call, dispatched in order — and Keras's
    ``keras.callbacks.CallbackList`` for a loop of your own.

    Keras's constructor: ``CallbackList(callbacks=None, add_history=False, add_progbar=False,
    model=None, **params)`` — ``callbacks`` flattened as Keras flattens them, a
    :class:`~deepgrad.train.history.History` appended with ``add_history=True`` when none is
    there (and made ``model.history``), each callback given ``set_model(model)`` (when a model
    is given) and ``set_params(params)``. Keras's ``add_progbar=True`` (its ``ProgbarLogger``)
    raises: deepgrad's progress bar is ``fit``'s ``verbose``. ``fit`` itself builds
    ``CallbackList(callbacks, model, params)``.

    Only callbacks that override a per-batch hook are called per batch, so a training run
    without such callbacks pays nothing per step for the mechanism.

    >>> cbs = CallbackList([Callback()], add_history=True, epochs=2)
    >>> cbs.on_train_begin(); cbs.on_epoch_end(0, {"loss": 0.5}); cbs.on_train_end()
    >>> cbs.callbacks[-1].history, cbs.params["epochs"]
    ({'loss': [0.5]}, 2)
    """

    def __init__(
        self,
        callbacks: Any = None,
        add_history: bool = False,
        add_progbar: bool = False,
        model: Any = None,
        **params: Any,
    ) -> None:
        if not isinstance(add_history, (bool, int)) and isinstance(add_progbar, dict):
            # deepgrad's own form, CallbackList(callbacks, model, params): fit's and the
            # data-parallel trainer's
            model, params = add_history, add_progbar  # the run's dict, shared with History
            add_history, add_progbar = False, False
        named = ["callbacks", "add_history", "add_progbar", "model"]
        for key in params:  # free-form params (Keras's), but not a misspelt argument
            if nearest(key, named, cutoff=0.8):
                raise unexpected_keyword("CallbackList()", key, [*named, "**params"])
        if add_progbar:
            raise ValueError(
                "CallbackList: add_progbar=True (Keras's ProgbarLogger) is not provided; "
                "deepgrad's progress bar is fit's verbose=1 (evaluate's and predict's too): in "
                "a loop of your own, print the logs from a callback's on_epoch_end"
            )
        self.callbacks = flat_callbacks(callbacks)
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(
                    f"callbacks must be Callback instances, got {type(cb).__name__} (did you pass "
                    "the class instead of an instance, e.g. EarlyStopping instead of "
                    "EarlyStopping()?)"
                )
        if add_history:
            from .history import History

            if not any(isinstance(cb, History) for cb in self.callbacks):
                self.callbacks.append(History())
        self.model = None
        self.params: dict[str, Any] = {}
        self.set_model(model)
        self.set_params(params)
        self._index()

    def _index(self) -> None:
        """Which callbacks each per-batch hook calls."""
        self._batch_begin = [
            cb
            for cb in self.callbacks
            if _overrides(cb, "on_batch_begin") or _overrides(cb, "on_train_batch_begin")
        ]
        self._batch_end = [
            cb
            for cb in self.callbacks
            if _overrides(cb, "on_batch_end") or _overrides(cb, "on_train_batch_end")
        ]

        self._per_batch = {
            name: [cb for cb in self.callbacks if _overrides(cb, name)]
            for name in (
                "on_test_batch_begin",
                "on_test_batch_end",
                "on_predict_batch_begin",
                "on_predict_batch_end",
            )
        }

    def set_model(self, model: Any) -> None:
        """Keras's: every callback's ``set_model(model)`` (nothing for ``None``); a
        :class:`History` among them becomes ``model.history``."""
        if model is None:
            return
        self.model = model
        from .history import History

        for cb in self.callbacks:
            cb.set_model(model)
            if isinstance(cb, History) and isinstance(getattr(model, "__dict__", None), dict):
                model.__dict__["history"] = cb

    def set_params(self, params: dict[str, Any]) -> None:
        """Keras's: every callback's ``set_params(params)``."""
        self.params = {} if params is None else params
        for cb in self.callbacks:
            cb.set_params(self.params)

    def append(self, callback: Callback) -> None:
        """Keras's: add a callback at the end (given this list's model and params)."""
        if not isinstance(callback, Callback):
            raise TypeError(f"CallbackList.append takes a Callback, got {type(callback).__name__}")
        self.callbacks.append(callback)
        callback.set_params(self.params)
        if self.model is not None:
            callback.set_model(self.model)
        self._index()

    @property
    def wants_batches(self) -> bool:
        """Whether any callback has a per-batch hook (of training)."""
        return bool(self._batch_begin or self._batch_end)

    @property
    def wants_test_batches(self) -> bool:
        """Whether any callback has a per-batch hook of evaluation."""
        return bool(self._per_batch["on_test_batch_begin"] or self._per_batch["on_test_batch_end"])

    @property
    def wants_predict_batches(self) -> bool:
        """Whether any callback has a per-batch hook of prediction."""
        return bool(
            self._per_batch["on_predict_batch_begin"] or self._per_batch["on_predict_batch_end"]
        )

    def set_trainer(self, trainer: Any) -> None:
        for cb in self.callbacks:
            cb.trainer = trainer

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        for cb in self.callbacks:
            cb.on_train_begin({} if logs is None else logs)

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        for cb in self.callbacks:
            cb.on_train_end({} if logs is None else logs)

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        for cb in self.callbacks:
            cb.on_epoch_begin(epoch, {} if logs is None else logs)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        for cb in self.callbacks:
            cb.on_epoch_end(epoch, {} if logs is None else logs)

    def on_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        for cb in self._batch_begin:
            cb.on_train_batch_begin(batch, {} if logs is None else logs)

    def on_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        for cb in self._batch_end:
            cb.on_train_batch_end(batch, {} if logs is None else logs)

    def on_train_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Keras's name of :meth:`on_batch_begin`."""
        self.on_batch_begin(batch, logs)

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Keras's name of :meth:`on_batch_end`."""
        self.on_batch_end(batch, logs)

    def on_test_begin(self, logs: dict[str, Any] | None = None) -> None:
        for cb in self.callbacks:
            cb.on_test_begin({} if logs is None else logs)

    def on_test_end(self, logs: dict[str, Any] | None = None) -> None:
        for cb in self.callbacks:
            cb.on_test_end({} if logs is None else logs)

    def on_test_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        for cb in self._per_batch["on_test_batch_begin"]:
            cb.on_test_batch_begin(batch, {} if logs is None else logs)

    def on_test_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        for cb in self._per_batch["on_test_batch_end"]:
            cb.on_test_batch_end(batch, {} if logs is None else logs)

    def on_predict_begin(self, logs: dict[str, Any] | None = None) -> None:
        for cb in self.callbacks:
            cb.on_predict_begin({} if logs is None else logs)

    def on_predict_end(self, logs: dict[str, Any] | None = None) -> None:
        for cb in self.callbacks:
            cb.on_predict_end({} if logs is None else logs)

    def on_predict_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        for cb in self._per_batch["on_predict_batch_begin"]:
            cb.on_predict_batch_begin(batch, {} if logs is None else logs)

    def on_predict_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        for cb in self._per_batch["on_predict_batch_end"]:
            cb.on_predict_batch_end(batch, {} if logs is None else logs)
