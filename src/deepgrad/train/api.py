"""The Keras-style training API: ``compile``, ``fit``, ``evaluate``, ``predict``, ``summary``,
``save`` / ``load_model``, ``save_weights`` / ``load_weights``.

Each takes the model first; every :class:`~deepgrad.nn.Module` forwards its methods of the
same names here (``model.fit(...)`` is ``api.fit(model, ...)``).

>>> import numpy as np, deepgrad as dg
>>> from deepgrad import nn
>>> x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
>>> y = (x[:, 0] > 0).astype("int64")
>>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
>>> _ = model.compile(optimizer="adam", loss="cross_entropy", metrics=["accuracy"])
>>> history = model.fit(x, y, epochs=3, batch_size=16, verbose=0, seed=0)
>>> len(history.history["loss"]), history.params["steps"]
(3, 4)
>>> loss, acc = model.evaluate(x, y)          # Keras's: [loss, *metrics]
>>> sorted(model.evaluate(x, y, return_dict=True))
['accuracy', 'loss']
>>> model.predict(x[:5]).shape
(5, 2)
"""

from __future__ import annotations

import copy
import functools
import inspect
import itertools
import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import backend
from ..autograd import no_grad
from ..io.model_file import load_model, load_weights, model_from_config, save, save_weights  # noqa: F401 - re-exported: the user-facing names of deepgrad.train
from ..tensor import Tensor
from . import checks
from .callback import Callback, CallbackList, backup_callbacks, flat_callbacks
from .compiled import Compiled, get_compiled, set_compiled
from .history import History
from .hooks import forward_hooks
from .inputs import Inputs, call_model, inputs_by_name, is_input_list, several_inputs
from .loop import (
    Trainer,
    check_validation_freq,
    model_dtype,
    run_eval,
    sample_weight_vector,
    train_batch,
)
from .progress import resolve_verbose
from .sources import ArraySource, EpochSteps, LoaderSource
from .strategy import get_strategy
from .summary import summary as _summary

__all__ = [
    "compile",
    "evaluate",
    "fit",
    "load_model",
    "load_weights",
    "model_from_config",
    "predict",
    "save",
    "save_weights",
    "predict_on_batch",
    "summary",
    "test_on_batch",
    "train_on_batch",
]


# ---- compile -------------------------------------------------------------------------------------
def _resolve_metric(spec: Any, loss_name: str | None, loss: Any = None) -> Any:
    """A metric from a name or object; with ``bce_with_logits`` (or Keras's
    ``binary_crossentropy(from_logits=True)``) the outputs are logits, so named thresholded
    metrics (accuracy, precision, recall, F1) threshold at 0. A metric given by name is logged
    under that name, as Keras logs it (``"acc"`` as ``acc``/``val_acc``, ``"AUC"`` as ``AUC``)."""
    m = _metric_from_spec(spec, loss_name, loss)
    if isinstance(spec, str):
        m.name = spec
    return m


def _metric_from_spec(spec: Any, loss_name: str | None, loss: Any = None) -> Any:
    from .. import metrics as M
    from ..nn.loss_names import output_kind

    m = M.get(spec)
    logits = loss_name == "bce_with_logits" or (
        loss_name == "binary_crossentropy" and output_kind(loss) == "binary_logits"
    )
    if isinstance(spec, str) and logits:
        if type(m) is M.Accuracy:
            return M.BinaryAccuracy(from_logits=True, name="accuracy")
        if "from_logits" in inspect.signature(type(m).__init__).parameters:
            kw = {"average": m.average} if hasattr(m, "average") else {}
            return type(m)(from_logits=True, name=m.name, **kw)
    return m


def _refuse_loss_weights(metrics: Any) -> None:
    """Numbers where the metrics go are Keras 3's ``loss_weights`` (its third positional
    argument), which deepgrad does not take: a clear error, not a metric lookup failing."""
    values = metrics.values() if isinstance(metrics, dict) else metrics
    if isinstance(values, (int, float)) or (
        isinstance(values, (list, tuple, type({}.values())))
        and values
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
    ):
        raise TypeError(
            f"compile: metrics={metrics!r} are numbers: Keras 3's third positional argument is "
            "loss_weights, deepgrad's is metrics (Keras 2's order: compile(optimizer, loss, "
            "metrics)). A model has one loss here: scale it in a loss function "
            "(loss=lambda y_pred, y: 0.5 * F.mse_loss(y_pred, y)), and pass metrics by name"
        )


def compile(  # noqa: A001 - Keras's name
    model: Any,
    optimizer: Any = "rmsprop",
    loss: Any = None,
    metrics: list[Any] | None = None,
    *,
    weighted_metrics: list[Any] | None = None,
) -> Any:
    """Attach an optimizer, a loss and metrics to ``model`` for :func:`fit`.

    Positionally ``compile(optimizer, loss, metrics)`` (Keras 2's order); Keras 3's third
    positional argument is ``loss_weights``, so ``weighted_metrics`` is keyword-only here and
    numbers where the metrics go (Keras 3's ``compile("adam", "mse", 0.5)``) are refused.

    Parameters
    ----------
    optimizer : str or Optimizer
        A name of :func:`deepgrad.optim.get` (``"adam"``, ``"sgd"``, ``"rmsprop"``...; Keras's
        default ``"rmsprop"``) or an optimizer, possibly built without parameters
        (``optim.Adam(lr=1e-3)``): ``fit`` binds it to the model's parameters after the first
        forward pass has built lazy layers.
    loss : str, loss module or callable
        A name of the one table of loss names, :mod:`deepgrad.nn.loss_names`: deepgrad's
        (``"cross_entropy"``, ``"bce_with_logits"``, ``"mse"``, ``"mae"``...), PyTorch's
        functional names (``"mse_loss"``, ``"binary_cross_entropy_with_logits"``...) and
        Keras's (``"mean_squared_error"``, ``"sparse_categorical_crossentropy"``...; Keras's
        cross-entropies take probabilities unless ``from_logits=True``: pass
        ``nn.loss.get("categorical_crossentropy", from_logits=True)`` for a model that outputs
        logits). Or a loss module (``nn.CrossEntropyLoss(label_smoothing=0.1)``)
        or a function ``loss(pred, target) -> Tensor``. Named losses and loss modules let
        ``fit`` check the targets before training.
    metrics : list of str or Metric
        Names of :func:`deepgrad.metrics.get` (``"accuracy"``, ``"f1"``, ``"mae"``...) or
        streaming metrics. A name is logged as given, as Keras logs it (``"acc"`` gives
        ``acc`` and ``val_acc``; a metric object logs its ``name``). With ``bce_with_logits``,
        ``"accuracy"`` thresholds logits at 0. As in Keras, these ignore ``sample_weight`` and
        ``class_weight``.
    weighted_metrics : list of str or Metric
        Metrics weighted by ``sample_weight`` / ``class_weight`` in ``fit`` and
        ``evaluate`` (and by the third element of ``(x, y, w)`` loader batches):
        e.g. weighted accuracy ``Σ w_i [ŷ_i = y_i] / Σ w_i``. A name that is also among
        ``metrics`` is logged as ``"weighted_" + name`` (Keras's rule).

    Returns
    -------
    The model (so ``model.compile(...).fit(...)`` chains). As in Keras, ``model.optimizer``
    is then the optimizer ``fit`` steps (assign another to replace it; its ``learning_rate``
    read and set by callbacks) and ``model.metrics_names`` the names of ``evaluate``'s list,
    unless the module has attributes of those names of its own.
    """
    from ..nn import loss as nnloss
    from ..optim import get as get_optimizer

    opt = get_optimizer(optimizer)
    if loss is None:
        raise ValueError(
            "compile: loss is required, e.g. loss='cross_entropy' for classification with "
            "integer labels, 'bce_with_logits' for binary 0/1 labels, 'mse' or 'mae' for "
            "regression"
        )
    loss_fn = nnloss.get(loss)
    loss_name = nnloss.name_of(loss_fn)
    loss_kind = nnloss.KIND.get(loss_name) if loss_name else None
    _refuse_loss_weights(metrics)
    specs = [metrics] if isinstance(metrics, str) else list(metrics or [])
    wspecs = (
        [weighted_metrics] if isinstance(weighted_metrics, str) else list(weighted_metrics or [])
    )
    resolved = [_resolve_metric(s, loss_name, loss_fn) for s in specs]
    plain = {m.name for m in resolved}
    for spec in wspecs:
        m = _resolve_metric(spec, loss_name, loss_fn)
        if m in resolved:  # the same object in both lists: keep them apart
            m = copy.deepcopy(m)
        m.weighted = True
        if m.name in plain:
            m.name = "weighted_" + m.name
        resolved.append(m)
    names = [m.name for m in resolved]
    if len(set(names)) != len(names) or "loss" in names:
        raise ValueError(f"compile: metric names must be distinct and not 'loss', got {names}")
    set_compiled(model, Compiled(opt, loss_fn, loss_name, loss_kind, resolved, specs + wspecs))
    _expose(model, "optimizer", opt)
    _expose(model, "metrics_names", ["loss", *names])
    if "stop_training" not in model.__dict__:  # Keras's flag reads False before any fit
        _expose(model, "stop_training", False)
    return model


def _expose(model: Any, name: str, value: Any) -> None:
    """Keras's ``model.optimizer`` / ``model.metrics_names`` after ``compile``: a plain
    attribute in the model's ``__dict__`` (so a callback's ``self.model.optimizer.learning_rate
    = r`` reaches the optimizer ``fit`` steps), set unless the model already has an attribute
    of that name of its own (a module that keeps ``self.optimizer`` for its own loop keeps it;
    one set by an earlier ``compile`` is replaced). A user's later assignment overrides it."""
    d = model.__dict__
    exposed = d.setdefault("_dg_exposed", {})
    if name in d:
        if d[name] is not exposed.get(name):
            return  # the model's own attribute
    elif hasattr(type(model), name) or any(
        name in d.get(r, {}) for r in ("_parameters", "_buffers", "_modules")
    ):
        return
    d[name] = exposed[name] = value


# ---- data --------------------------------------------------------------------------------------
def _is_arrays(x: Any) -> bool:
    if isinstance(x, (dict, Inputs)) or is_input_list(x):
        return True  # Keras's inputs of a multi-input model (a tuple too, beside y; a dict
        # by forward's parameter names)
    if isinstance(x, tuple) and len(x) == 1 and checks._is_array_object(x[0]):
        return True  # (x,): Keras's x, as [x]
    if isinstance(x, list) and x and isinstance(x[0], tuple):
        return not any(hasattr(a, "shape") for a in x[0])  # a list of (x, y) batches is a loader
    return (
        isinstance(x, (np.ndarray, list, Tensor))
        or hasattr(x, "__array__")
        or (hasattr(x, "detach") and hasattr(x, "numpy"))
    )


def _as_loader(x: Any, batch_size: int, shuffle: bool, seed: int) -> Any:
    from ..data import DataLoader, Dataset, IterableDataset

    if isinstance(x, (Dataset, IterableDataset)):
        return DataLoader(
            x,
            batch_size=batch_size,
            shuffle=shuffle and not isinstance(x, IterableDataset),  # a stream: its own order
            seed=seed,
        )
    if not hasattr(x, "__iter__"):
        raise TypeError(
            "x must be an array (with y), a Dataset, or a loader yielding (x, y) batches; got "
            f"{type(x).__name__}"
        )
    return x


def _class_weights(y: np.ndarray, class_weight: dict, where: str) -> np.ndarray:
    """Each sample's weight by its class, Keras 3's ``class_weight_to_sample_weights``: the
    label of ``(N,)`` / ``(N, 1)`` targets rounded, the argmax of ``(N, C)`` rows, 1.0 for a
    class the dict does not name; targets of 3 or more dims (a class per position) raise, as
    in Keras, rather than weighting each sample by its first position's class."""
    if y.ndim > 2:
        raise ValueError(
            f"{where}: `class_weight` not supported for 3+ dimensional targets (got targets of "
            f"shape {tuple(y.shape)}: a class per position, not per sample, as Keras refuses "
            "too); weight the positions in a loss function, or pass per-sample sample_weight"
        )
    if y.dtype.kind in "iu" and y.ndim == 1:
        labels = y
    elif y.ndim == 2 and y.shape[1] > 1:
        labels = y.argmax(axis=1)
    else:
        labels = np.asarray(y).reshape(len(y), -1)[:, 0].round().astype(np.int64)
    keys = [int(k) for k in class_weight]
    if not keys:
        return np.ones(len(y))
    table = np.ones(max(max(keys), int(labels.max(initial=0))) + 1)
    for k, v in class_weight.items():
        if int(k) < 0:
            raise ValueError(f"{where}: class_weight keys must be class indices >= 0, got {k}")
        table[int(k)] = float(v)
    return table[labels]


def _refuse_several_targets(y: Any, n: int, where: str) -> None:
    """Keras's ``fit(x, [y1, y2])`` (one target array per output of a multi-output model) is
    refused by name: a deepgrad model is compiled with one loss, taking one target array. A
    list of per-sample rows (``n`` of them, not ``n`` rows each) stays a list of samples."""
    if not is_input_list(y):
        return
    if len(y) == n and any(len(a) != n for a in y):
        return
    raise ValueError(
        f"{where}: y is a {type(y).__name__} of {len(y)} arrays (shapes "
        f"{[tuple(int(k) for k in a.shape) for a in y]}), Keras's targets of a multi-output "
        f"model, one array per output; a deepgrad model is compiled with one loss taking one "
        "target array: give y as one array (np.stack(y, axis=1), or np.concatenate), and a "
        "loss function loss(y_pred, y) that splits it (the model may return a tuple of outputs)"
    )


def _arrays(
    model: Any, x: Any, y: Any, sw: Any, where: str, need_y: bool = True
) -> tuple[np.ndarray | Inputs, np.ndarray | None, np.ndarray | None]:
    """``x``, ``y`` and the sample weights as NumPy arrays of one length (checked once).

    A list (or tuple) of two or more arrays is Keras's inputs of a multi-input model: the
    :class:`~deepgrad.train.inputs.Inputs` of ``model(a, b, ...)`` (refused, naming the
    model's ``forward``, when it does not take that many inputs), never a list of samples."""
    try:
        n_y = None if y is None else len(y)
    except TypeError:
        n_y = None
    if isinstance(x, dict):  # Keras's inputs by name: forward's parameter names
        x = inputs_by_name(x, model, where)
    xa = x if isinstance(x, Inputs) else several_inputs(x, model, "x", where, n_y)
    if xa is None:
        xa = checks.to_numpy(x, "x", where)
    _refuse_several_targets(y, len(xa), where)
    ya = None if y is None else checks.to_numpy(y, "y", where)
    if ya is None and need_y:
        raise ValueError(f"{where}: y (the targets) is required with array inputs x")
    wa = None if sw is None else checks.to_numpy(sw, "sample_weight", where)
    checks.check_lengths(xa, ya, wa, where)
    if wa is not None:
        wa = sample_weight_vector(wa, len(xa), where)
    return xa, ya, wa


def _array_source(
    model: Any,
    arrays: tuple[np.ndarray, np.ndarray | None, np.ndarray | None],
    compiled: Compiled | None,
    batch_size: int,
    shuffle: bool,
    where: str,
    targets_ready: bool = False,
) -> ArraySource:
    """Batches of checked arrays (from :func:`_arrays`): finite inputs in the model's dtype,
    targets prepared for the loss (unless ``targets_ready``), finite weights."""
    xa, ya, wa = arrays
    dtype = model_dtype(model)
    if isinstance(xa, Inputs):
        for i, a in enumerate(xa.arrays):
            checks.check_finite(a, f"x[{i}]", where)
        xa = xa.map(lambda a: checks.input_array(a, model, dtype))
    else:
        checks.check_finite(xa, "x", where)
        xa = checks.input_array(xa, model, dtype)
    if ya is not None and not targets_ready:
        kind = compiled.loss_kind if compiled else None
        name = compiled.loss_name if compiled else None
        ya = checks.prepare_targets(ya, kind, name, dtype, where)
    if wa is not None:
        wa = wa.astype(dtype)
        checks.check_finite(wa, "sample_weight", where)
    return ArraySource(xa, ya, wa, batch_size, shuffle)


def _check_batch_size(batch_size: Any, where: str) -> int:
    if batch_size is None:
        return 32
    if (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, (int, np.integer))
        or batch_size < 1
    ):
        raise ValueError(f"{where}: batch_size must be a positive int, got {batch_size!r}")
    return int(batch_size)


def _build_and_check(
    model: Any, source: Any, compiled: Compiled, where: str, full_y: np.ndarray | None
) -> None:
    """Forward the first batch (no graph, eval mode): builds lazy layers, records the input
    shape, and turns shape mistakes into errors naming the layer, expected and actual."""
    xb, yb, _ = source.first()
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        with no_grad(), forward_hooks(model):
            out = call_model(model, xb)
    except (ValueError, TypeError, RuntimeError, IndexError) as e:
        if e.args and isinstance(e.args[0], str):
            shape = xb.shapes if isinstance(xb, Inputs) else tuple(xb.shape)
            what = "inputs of shapes" if isinstance(xb, Inputs) else "a batch of shape"
            e.args = (
                f"{where}: the inputs ({what} {shape}) do not fit the model: {e.args[0]}",
                *e.args[1:],
            )
        raise
    finally:
        for m, mode in modes:
            m.__dict__["training"] = mode
    if not isinstance(xb, Inputs):  # a model file records one input's shape
        model.__dict__["_dg_input_spec"] = {"shape": list(xb.shape[1:]), "dtype": xb.dtype.name}
    if yb is None or not isinstance(out, Tensor):
        return
    kind, name = compiled.loss_kind, compiled.loss_name
    if (
        kind == "multiclass"
        and yb.dtype.kind in "iu"
        and out.ndim == 2
        and tuple(yb.shape) == tuple(out.shape)
        and out.shape[1] > 1
    ):  # integer one-hot rows: class probabilities
        ys = source.y if isinstance(source, ArraySource) else yb
        if ys.min() >= 0 and ys.max() <= 1 and np.all(ys.sum(axis=1) == 1):
            dt = model_dtype(model)
            if isinstance(source, ArraySource):
                source.y = source.y.astype(dt)
            else:
                source.int_onehot = True
            return
    checks.check_prediction_shape(tuple(out.shape), yb, kind, name, where)
    if kind == "multiclass":
        ignore = getattr(compiled.loss, "ignore_index", None)
        checks.check_labels(full_y if full_y is not None else yb, out.shape[1], name, where, ignore)


def _training_source(
    model: Any,
    compiled: Compiled,
    x: Any,
    y: Any,
    sample_weight: Any,
    class_weight: dict[int, float] | None,
    validation_split: float,
    validation_data: Any,
    batch_size: int,
    shuffle: bool,
    seed: int,
) -> tuple[Any, np.ndarray | None, Any]:
    """``fit``'s training batches, its full targets (for the label check) and its validation
    data: arrays are converted and length-checked once, the targets prepared once (class
    weights read them), and ``validation_split`` takes the last samples before shuffling
    (with their ``sample_weight``, but not ``class_weight``: Keras weights only training)."""
    where = "fit"
    if class_weight is not None and sample_weight is not None:  # Keras 3's array adapter
        raise ValueError(
            "fit: You cannot `class_weight` and `sample_weight` at the same time (Keras's "
            "rule); multiply the class weights into sample_weight instead"
        )
    if not _is_arrays(x):
        if y is not None:
            raise ValueError(
                "fit: y must not be given when x is a Dataset or a loader (it yields the targets)"
            )
        if validation_split:
            raise ValueError(
                "fit: validation_split needs array inputs; with a Dataset or loader pass "
                "validation_data (e.g. from deepgrad.data.train_test_split)"
            )
        if class_weight is not None or sample_weight is not None:
            raise ValueError(
                "fit: class_weight / sample_weight need array inputs; a loader can yield "
                "(x, y, sample_weight) batches instead"
            )
        loader = _as_loader(x, batch_size, shuffle, seed)
        dtype = model_dtype(model)
        kind, name = compiled.loss_kind, compiled.loss_name
        return LoaderSource(loader, model, dtype, kind, name, where, True), None, validation_data
    xa, ya, wa = _arrays(model, x, y, sample_weight, where)
    if validation_split and validation_data is None:
        split_at = int(math.floor(len(xa) * (1.0 - validation_split)))  # Keras's
        if split_at <= 0 or split_at >= len(xa):
            raise ValueError(
                f"fit: validation_split={validation_split} leaves no training or no validation "
                f"samples out of {len(xa)}"
            )
        validation_data = (xa[split_at:], ya[split_at:]) + (() if wa is None else (wa[split_at:],))
        xa, ya = xa[:split_at], ya[:split_at]
        wa = None if wa is None else wa[:split_at]
    yp = None  # the targets prepared for the loss, when class weights need them first
    if class_weight is not None:  # the training samples only: validation is not class-weighted
        yp = checks.prepare_targets(
            ya, compiled.loss_kind, compiled.loss_name, model_dtype(model), where
        )
        cw = _class_weights(yp, class_weight, where)
        wa = cw if wa is None else wa * cw
    ready = yp is not None
    source = _array_source(
        model, (xa, yp if ready else ya, wa), compiled, batch_size, shuffle, where, ready
    )
    return source, source.y, validation_data


# ---- fit -----------------------------------------------------------------------------------------
def _seeded_run(fit_fn: Callable[..., History]) -> Callable[..., History]:
    """``fit``'s place in the random-number tree (see :mod:`deepgrad.backend`).

    ``seed=None`` (the default) draws the run's shuffling seed from the global generator and
    lets dropout, augmentation and lazily built layers draw from it too, so ``dg.manual_seed``
    decides the whole run. An explicit ``seed`` runs the fit inside
    ``backend.fork_rng(seed)``: every draw of the run is decided by ``seed`` alone, and the
    global stream is left where it was (code after ``fit`` draws as if it had not run).
    """

    @functools.wraps(fit_fn)
    def run(*args: Any, seed: int | None = None, **kwargs: Any) -> History:
        if seed is None:
            return fit_fn(*args, seed=backend.draw_seed(), **kwargs)
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"fit: seed must be a non-negative int, got {seed!r}")
        with backend.fork_rng(int(seed)):
            return fit_fn(*args, seed=int(seed), **kwargs)

    return run


@_seeded_run
def fit(
    model: Any,
    x: Any = None,
    y: Any = None,
    batch_size: int | None = None,
    epochs: int = 1,
    verbose: int | str = "auto",
    callbacks: list[Callback] | None = None,
    validation_split: float = 0.0,
    validation_data: Any = None,
    shuffle: bool | str = True,
    class_weight: dict[int, float] | None = None,
    sample_weight: Any = None,
    initial_epoch: int = 0,
    steps_per_epoch: int | None = None,
    validation_steps: int | None = None,
    validation_batch_size: int | None = None,
    validation_freq: int | list[int] = 1,
    *,
    seed: int | None = None,
) -> History:
    """Train ``model`` Keras-style; returns a :class:`History`.

    The arguments may be passed positionally in Keras 3's order (``fit(x, y, 32, 10)`` is
    ``batch_size=32, epochs=10``); ``seed`` (deepgrad's) only by keyword.

    Vocabulary: an **epoch** is one pass over the training data; a **step** (iteration) is one
    mini-batch update — forward, loss, backward, optimizer step. An epoch has
    ``ceil(samples / batch_size)`` steps (the last batch may be smaller); each epoch draws
    every sample exactly once (batches *without* replacement). (Some guides write
    "epochs = samples / batch_size": that number is the steps per epoch, not epochs.)

    Parameters
    ----------
    x : array, Dataset or loader
        Inputs ``(N, ...)`` (NumPy array, list, tensor) with targets ``y``; for a model whose
        ``forward`` takes several inputs (``forward(self, a, b)``), Keras's list ``[xa, xb]``
        (or tuple) of arrays of ``N`` samples each, or the dict ``{"a": xa, "b": xb}`` by
        ``forward``'s parameter names (a single-input model refuses a list of arrays, as
        Keras's do); or a
        :class:`deepgrad.data.Dataset` (batched here with ``batch_size``/``shuffle``); or any
        iterable of ``(x, y)`` / ``(x, y, sample_weight)`` NumPy batches with ``len()`` (a
        :class:`deepgrad.data.DataLoader`), used as it is (its own batch size and shuffling).
        Float inputs become float32 (the model's dtype); integer class labels stay int64.
    y : array
        Targets ``(N,)`` / ``(N, k)`` when ``x`` is an array.
    epochs : int
        Train until this epoch (0-based counting: with ``initial_epoch=2, epochs=5`` three
        more epochs run).
    batch_size : int
        Samples per step (default 32).
    verbose : 0, 1, 2 or "auto"
        0 silent; 1 a progress bar per epoch in a terminal, else one line per epoch; 2 one line
        per epoch.
    callbacks : list of Callback
        See :mod:`deepgrad.callbacks`.
    validation_split : float
        Fraction (0..1) of the samples held out for validation: the **last** ones, in the order
        given, taken **before** any shuffling (Keras's rule) — shuffle your data first if it is
        sorted (by class, by time). The split is the same on every call; as in Keras the
        training part is the first ``floor(n · (1 - validation_split))`` samples.
    validation_data : (x_val, y_val[, w_val]) or loader
        Evaluated after every epoch (``val_loss``, ``val_<metric>``); overrides
        ``validation_split``.
    shuffle : bool or "batch"
        Reshuffle the training samples every epoch (arrays and Datasets). Keras's ``"batch"``
        (arrays only) keeps the batches the consecutive chunks of ``batch_size`` samples, in
        order, and shuffles the samples within each (so each step's batch is the unshuffled
        one).
    class_weight : dict
        ``{class: weight}`` multiplying each training sample's loss by its class's weight (the
        validation loss, from ``validation_split`` too, is not class-weighted: Keras's rule).
        Not with ``sample_weight`` (a ``ValueError``, as Keras).
    sample_weight : array
        ``(N,)`` weights of the samples' losses. Weighted losses are ``Σ wᵢ lossᵢ / batch``.
    initial_epoch : int
        Epoch to start at (to continue a run).
    steps_per_epoch : int
        Keras's: each epoch draws the next this many batches, continuing across epochs where
        the previous epoch stopped (a generator without end needs it). A pass over the data
        that runs out mid-epoch ends that epoch early with Keras's warning, and the next epoch
        starts a new pass (reshuffled); a one-shot generator used up stops training with the
        warning. Not with ``BackupAndRestore`` (the position in the data is not saved).
    seed : int
        Seeds the run: the shuffling order of epoch ``e`` is ``default_rng([seed, e])``, and
        the run's other draws (dropout, lazily built layers) come from a generator seeded with
        ``seed`` (``backend.fork_rng``); deepgrad's global stream is left where it was, so
        code after ``fit`` draws as if the run had not happened. The same seed gives the same
        run bit for bit on the CPU. ``None`` (the default) draws the seed from the global
        generator and trains on it, so ``dg.manual_seed(s)`` before the program decides the
        whole run, as Keras's ``set_random_seed`` does.
    validation_batch_size : int
        Batch size of validation (default ``batch_size``).
    validation_freq : int or list of int
        Validate every this many epochs, or (a list) after the epochs it names, counted from
        1 (Keras's). ``history.history["val_loss"]`` then holds one entry per validation, as
        Keras's (``History.epochs_of`` says which epochs).
    validation_steps : int
        Evaluate only the first this many validation batches, the same ones every epoch
        (Keras's, for arrays); more than the data has uses all of it, with Keras's warning.

    Checks made before the first step (each a clear error): ``x``/``y`` lengths, NaN/Inf in
    inputs and targets, the first batch against the model (the layer that rejects it is named),
    predictions against targets (shapes; class labels in range and integral for
    cross-entropy; no continuous targets for classification losses). With a loader only its
    first batch is checked before training; later batches meet the loss's own checks. A loss
    that becomes NaN/Inf is warned about (``TerminateOnNaN`` stops at once). Metrics are
    computed without sample weights, the loss with them.

    Returns
    -------
    History
        ``history.history`` maps ``loss``, each metric, ``val_loss``, ``val_<metric>`` and
        ``lr`` to per-epoch lists; ``history.epoch`` lists the epochs; also ``model.history``.
    """
    where = "fit"
    compiled = get_compiled(model, where)
    batch_size = _check_batch_size(batch_size, where)
    v = resolve_verbose(verbose)
    if not isinstance(epochs, (int, np.integer)) or epochs < 0:
        raise ValueError(f"fit: epochs must be a non-negative int, got {epochs!r}")
    if not 0.0 <= validation_split < 1.0:
        raise ValueError(f"fit: validation_split must be in [0, 1), got {validation_split}")
    assert seed is not None  # @_seeded_run gave the run its seed
    if x is None:
        raise ValueError("fit: no training data (x) given")
    check_validation_freq(validation_freq)
    if (
        isinstance(shuffle, str)
        and shuffle != "batch"
        or not isinstance(shuffle, (bool, str, np.bool_))
    ):
        raise ValueError(
            f"fit: shuffle must be True, False or Keras's 'batch' (each batch's samples shuffled "
            f"among themselves, the batches in order), got {shuffle!r}"
        )
    if shuffle == "batch" and not _is_arrays(x):
        raise ValueError(
            "fit: shuffle='batch' (Keras's, for array inputs) needs arrays; a Dataset is "
            "shuffled with shuffle=True, a loader keeps its own order"
        )
    validation_data = _validation_tuple(validation_data)
    source, full_y, validation_data = _training_source(
        model, compiled, x, y, sample_weight, class_weight, validation_split, validation_data,
        batch_size, shuffle, seed,
    )  # fmt: skip
    val_source = None
    if validation_data is not None:
        val_source = _eval_source(
            model,
            validation_data,
            None,
            compiled,
            validation_batch_size or batch_size,
            "fit (validation_data)",
        )
        if validation_steps is not None:
            _first_batches(val_source, validation_steps)
    _build_and_check(model, source, compiled, where, full_y)
    if (
        val_source is not None
        and isinstance(val_source, ArraySource)
        and compiled.loss_kind == "multiclass"
    ):
        _build_and_check(model, val_source, compiled, "fit (validation_data)", val_source.y)
    params = [p for p in model.parameters()]
    if not params:
        raise ValueError("fit: the model has no parameters to train")
    opt = compiled.optimizer
    if not opt.is_bound:
        opt.bind(params)
    callbacks = flat_callbacks(callbacks)  # Keras 3's: one callback alone too
    if steps_per_epoch is not None:
        source = _steps_per_epoch(source, steps_per_epoch, callbacks)
    # Keras 3: a History among the callbacks is the run's (fit returns it), else a new one
    history = next((cb for cb in callbacks if isinstance(cb, History)), None)
    history = History() if history is None else history
    cbl = _callback_list(model, history, callbacks, int(epochs), source, batch_size, v)
    trainer = Trainer(model, compiled, source, val_source, int(epochs), int(initial_epoch), cbl,
                      history, v, seed, validation_freq)  # fmt: skip
    return get_strategy().trainer(trainer).run()


def _validation_tuple(data: Any) -> Any:
    """Keras 3 reads ``validation_data`` given as a list of 2 or 3 items as the tuple
    ``(x_val, y_val[, sample_weight])`` (its ``unpack_x_y_sample_weight``), not as the inputs
    of a multi-input model; ``x_val`` may itself be a list of arrays. A list of ``(x, y)``
    batches stays a loader."""
    if (
        isinstance(data, list)
        and len(data) in (2, 3)
        and (
            checks._is_array_object(data[0]) or is_input_list(data[0]) or isinstance(data[0], dict)
        )
        and all(checks._is_array_object(a) or a is None for a in data[1:])
    ):
        return tuple(data)
    return data


def _steps_per_epoch(source: Any, steps: Any, callbacks: Any) -> EpochSteps:
    """``fit``'s source drawn ``steps`` batches an epoch (Keras's ``steps_per_epoch``)."""
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"fit: steps_per_epoch must be a positive int or None, got {steps!r}")
    if get_strategy().size > 1:
        raise ValueError(
            "fit: steps_per_epoch is not supported in data-parallel training (the ranks' "
            "positions in the data across epochs are not kept in step); give each epoch's "
            "batches as a DataLoader whose len() is the steps you want"
        )
    if isinstance(callbacks, (list, tuple)) and backup_callbacks(list(callbacks)):
        raise ValueError(
            "fit: BackupAndRestore cannot resume a run with steps_per_epoch (where each epoch "
            "starts in the data is not saved); leave out one of the two, or give fit the "
            "batches of an epoch (a DataLoader whose len() is the steps you want)"
        )
    return EpochSteps(source, int(steps))


def _first_batches(
    source: Any, steps: Any, where: str = "fit", arg: str = "validation_steps", stacklevel: int = 6
) -> int:
    """Keep the first ``steps`` batches of ``source`` (Keras's ``fit(validation_steps=)``,
    ``evaluate(steps=)``, ``predict(steps=)``); returns ``steps``. More than the data has:
    all of it, with Keras's warning (up front when the number of batches is known, else when a
    generator runs out)."""
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"{where}: {arg} must be a positive int or None, got {steps!r}")
    steps = int(steps)
    if source.steps is not None and steps > source.steps:
        _ran_out(arg, steps, source.steps, stacklevel)
        return steps
    if isinstance(source, ArraySource):
        n = min(source.n, steps * source.batch_size)
        source.x = source.x[:n]
        source.y = None if source.y is None else source.y[:n]
        source.w = None if source.w is None else source.w[:n]
        source.n, source.steps = n, steps
    else:
        source.loader = _FirstBatches(source.loader, steps, arg, source.steps is None)
        source.steps = steps
    return steps


def _ran_out(arg: str, steps: int, had: int, stacklevel: int) -> None:
    warnings.warn(
        "Your input ran out of data; interrupting training. Make sure that your dataset or "
        f"generator can generate at least `{arg}` batches ({steps}); the data has {had} "
        "(Keras's warning): all of it is used",
        UserWarning,
        stacklevel=stacklevel,
    )


class _FirstBatches:
    """The first ``n`` batches of a loader, from its start on every pass; a loader without a
    length that yields fewer is warned about (Keras's warning) when it runs out."""

    def __init__(self, loader: Any, n: int, arg: str = "steps", warn: bool = False) -> None:
        self.loader, self.n, self.arg, self.warn = loader, n, arg, warn

    def __len__(self) -> int:
        return self.n

    def __iter__(self) -> Any:
        done = 0
        for batch in itertools.islice(iter(self.loader), self.n):
            done += 1
            yield batch
        if self.warn and done < self.n:
            _ran_out(self.arg, self.n, done, stacklevel=2)

    def set_epoch(self, epoch: int) -> None:
        set_epoch = getattr(self.loader, "set_epoch", None)
        if callable(set_epoch):
            set_epoch(epoch)


def _callback_list(
    model: Any,
    history: History,
    callbacks: list[Callback] | None,
    epochs: int,
    source: Any,
    batch_size: int,
    verbose: int,
) -> CallbackList:
    """The run's callbacks: the user's in their order, then the History (Keras 3 appends it
    after them, so it records what their ``on_epoch_end`` adds to the logs), BackupAndRestore
    last (it saves what the others have done at the end of an epoch)."""
    user = flat_callbacks(callbacks)
    backups = backup_callbacks(user)
    ordered = [cb for cb in user if cb not in backups]
    ordered += ([] if history in ordered else [history]) + backups
    run_params = {
        "epochs": epochs,
        "steps": source.steps,
        "batch_size": batch_size,
        "samples": getattr(source, "n", None),
        "verbose": verbose,
    }
    history.params = run_params
    model.__dict__["history"] = history
    return CallbackList(ordered, model, run_params)


def _eval_source(
    model: Any,
    data: Any,
    y: Any,
    compiled: Compiled,
    batch_size: int,
    where: str,
    need_y: bool = True,
    sample_weight: Any = None,
) -> Any:
    if isinstance(data, tuple) and y is None and data and _is_arrays(data[0]):
        if len(data) not in (2, 3):
            raise ValueError(
                f"{where}: expected (x, y) or (x, y, sample_weight), got {len(data)} items"
            )
        x, y = data[0], data[1]
        sw = data[2] if len(data) == 3 else sample_weight
        arrays = _arrays(model, x, y, sw, where, need_y)
        return _array_source(model, arrays, compiled, batch_size, False, where)
    if _is_arrays(data):
        arrays = _arrays(model, data, y, sample_weight, where, need_y)
        return _array_source(model, arrays, compiled, batch_size, False, where)
    loader = _as_loader(data, batch_size, False, 0)
    dt = model_dtype(model)
    kind = compiled.loss_kind if compiled else None
    name = compiled.loss_name if compiled else None
    return LoaderSource(loader, model, dt, kind, name, where, need_y)


# ---- evaluate / predict ----------------------------------------------------------------------------
def evaluate(
    model: Any,
    x: Any = None,
    y: Any = None,
    batch_size: int | None = None,
    verbose: int | str = 0,
    sample_weight: Any = None,
    steps: int | None = None,
    callbacks: list[Callback] | None = None,
    return_dict: bool = False,
) -> float | list[float] | dict[str, float]:
    """Loss and metrics of ``model`` on ``(x, y)`` (or a Dataset / loader of ``(x, y)``
    batches), in eval mode (dropout off, batch norm on running statistics), without a graph.

    Returns what Keras's ``evaluate`` returns: the loss (a float) when the model was compiled
    without metrics, else the list ``[loss, metric, ...]`` in the order of
    ``compile(metrics=...)`` (weighted metrics after them); with ``return_dict=True`` the dict
    ``{"loss": ..., "<metric>": ...}``. The loss is the mean over all samples.

    ``steps`` (Keras's): evaluate only the first ``steps`` batches (of ``batch_size`` samples
    for arrays, or the first ``steps`` a Dataset, loader or generator yields; a generator
    without end needs it). More batches than the data has: all of it, with Keras's warning.

    ``callbacks`` get ``set_model(model)``, ``set_params({"verbose", "epochs": 1, "steps"})``
    and Keras's calls: ``on_test_begin``, ``on_test_batch_begin(i)`` / ``on_test_batch_end(i,
    running logs)`` per batch, ``on_test_end(logs)``."""
    where = "evaluate"
    compiled = get_compiled(model, where)
    batch_size = _check_batch_size(batch_size, where)
    source = _eval_source(model, x, y, compiled, batch_size, where, True, sample_weight)
    if steps is not None:
        steps = _first_batches(source, steps, where, "steps", stacklevel=5)
    metrics = compiled.fresh_metrics()
    v = resolve_verbose(verbose)
    cbl = _pass_callbacks(model, callbacks, source, v, where, steps)
    if cbl is not None:
        cbl.on_test_begin()
    logs = run_eval(model, source, compiled, metrics, callbacks=cbl)
    if cbl is not None:
        cbl.on_test_end(dict(logs))
    if v:
        from .progress import format_logs

        print("Evaluate - " + format_logs(logs))
    if not isinstance(return_dict, bool):
        raise TypeError(f"evaluate: return_dict must be True or False, got {return_dict!r}")
    if return_dict:
        return logs
    values = list(logs.values())  # "loss" first, then the metrics in compile order
    return values[0] if len(values) == 1 else values


def _pass_callbacks(
    model: Any,
    callbacks: list[Callback] | None,
    source: Any,
    verbose: int,
    where: str,
    steps: int | None = None,
) -> CallbackList | None:
    """The callbacks of an ``evaluate`` or ``predict`` (``None``: none given), with Keras's
    params ``{"verbose", "epochs": 1, "steps"}`` (the ``steps`` asked for, if any, as Keras's,
    even when the data has fewer batches)."""
    callbacks = flat_callbacks(callbacks)  # Keras 3's: one callback alone too
    if not callbacks:
        return None
    params = {"verbose": verbose, "epochs": 1, "steps": source.steps if steps is None else steps}
    return CallbackList(callbacks, model, params)


def predict(
    model: Any,
    x: Any,
    batch_size: int | None = None,
    verbose: int | str = 0,
    steps: int | None = None,
    callbacks: list[Callback] | None = None,
) -> Any:
    """The model's outputs for ``x`` as a NumPy array ``(N, ...)``, computed in batches of
    ``batch_size`` in eval mode under ``no_grad`` (a tuple of arrays for models returning
    tuples, a list for lists: Keras's, the structure the model returns). Batch norm uses running statistics, so a sample's row does not depend on the
    other samples of its batch. ``x`` may be an array, a Dataset, or a loader (of ``x`` or
    ``(x, y)`` batches); a tuple ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)`` of arrays
    is read as ``x``, as Keras reads it.

    ``steps`` (Keras's): predict only the first ``steps`` batches (the first
    ``steps * batch_size`` samples of an array, or the first ``steps`` batches a Dataset,
    loader or generator yields; a generator without end needs it). More batches than the data
    has: all of it, with Keras's warning.

    ``callbacks`` get ``set_model(model)``, ``set_params({"verbose", "epochs": 1, "steps"})``
    and Keras's calls: ``on_predict_begin``, ``on_predict_batch_begin(i)`` /
    ``on_predict_batch_end(i, {"outputs": batch_outputs})`` per batch, ``on_predict_end``;
    ``model.stop_predicting = True`` set in a batch hook ends the pass after that batch (the
    outputs are then those of the batches done)."""
    where = "predict"
    v = resolve_verbose(verbose)
    batch_size = _check_batch_size(batch_size, where)
    compiled = model.__dict__.get("_dg_compiled")
    if isinstance(x, tuple) and 1 <= len(x) <= 3 and _is_arrays(x[0]):
        x = x[0]  # Keras reads (x,), (x, y) and (x, y, sample_weight) as x
    if _is_arrays(x):
        arrays = _arrays(model, x, None, None, where, need_y=False)
        source = _array_source(model, arrays, None, batch_size, False, where)
    else:
        source = (
            _eval_source(model, x, None, compiled, batch_size, where, need_y=False)
            if compiled
            else LoaderSource(
                _as_loader(x, batch_size, False, 0),
                model,
                model_dtype(model),
                None,
                None,
                where,
                False,
            )
        )
    if steps is not None:
        steps = _first_batches(source, steps, where, "steps", stacklevel=5)
    cbl = _pass_callbacks(model, callbacks, source, v, where, steps)
    hooks = cbl is not None and cbl.wants_predict_batches
    outs: list[Any] = []
    as_list = False
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    first = True
    model.__dict__["stop_predicting"] = False
    if cbl is not None:
        cbl.on_predict_begin()
    try:
        with no_grad():
            for i, (xb, _, _) in enumerate(source.batches(0, 0)):
                if hooks:
                    cbl.on_predict_batch_begin(i)
                if first:
                    with forward_hooks(model):
                        out = call_model(model, xb)
                    if not isinstance(xb, Inputs):
                        model.__dict__.setdefault(
                            "_dg_input_spec",
                            {"shape": list(xb.shape[1:]), "dtype": xb.dtype.name},
                        )
                    first = False
                else:
                    out = call_model(model, xb)
                if isinstance(out, (tuple, list)):
                    as_list = isinstance(out, list)
                    outs.append(tuple(backend.to_numpy(o._data) for o in out))
                else:
                    outs.append(backend.to_numpy(out._data))
                if hooks:
                    cbl.on_predict_batch_end(i, {"outputs": outs[-1]})
                    if model.__dict__.get("stop_predicting"):
                        break
    finally:
        for m, mode in modes:
            m.__dict__["training"] = mode
    if cbl is not None:
        cbl.on_predict_end()
    if v:
        print(f"Predict - {len(outs)} steps")
    if not outs:
        return np.zeros((0,))
    if isinstance(outs[0], tuple):  # Keras's: the structure the model returned
        joined = [np.concatenate([o[i] for o in outs]) for i in range(len(outs[0]))]
        return joined if as_list else tuple(joined)
    return np.concatenate(outs)


# ---- on one batch ---------------------------------------------------------------------------------
def _batch_results(logs: dict[str, float], return_dict: bool, where: str) -> Any:
    """Keras's return value: ``logs``, or the loss alone without metrics, else
    ``[loss, *metrics]`` in compile order."""
    if not isinstance(return_dict, bool):
        raise TypeError(f"{where}: return_dict must be True or False, got {return_dict!r}")
    if return_dict:
        return logs
    values = list(logs.values())
    return values[0] if len(values) == 1 else values


def train_on_batch(
    model: Any,
    x: Any,
    y: Any = None,
    sample_weight: Any = None,
    class_weight: dict[int, float] | None = None,
    return_dict: bool = False,
) -> float | list[float] | dict[str, float]:
    """One update of ``model`` on the batch ``(x, y)`` (Keras's ``train_on_batch``): forward
    in training mode, the compiled loss (weighted by ``sample_weight`` or ``class_weight``,
    not both), backward and one optimizer step, shared with :func:`fit` (a ``fit`` after it
    continues with the same optimizer state).

    Returns what Keras 3 returns: the loss of this batch before the step (a float) without
    metrics, else ``[loss, *metrics]`` (``return_dict=True``: the dict), the metrics computed
    on this batch's outputs alone — Keras 3 resets them on every call, so values do not
    accumulate over calls (Keras 2's ``reset_metrics=`` argument is gone). Callbacks are not
    called. The first call checks the batch against the model as ``fit`` does; the model's
    layers are left in the mode they were in.

    >>> import numpy as np
    >>> from deepgrad import nn
    >>> model = nn.Sequential(nn.Linear(3, 2)).compile("sgd", "cross_entropy", ["accuracy"])
    >>> loss, acc = model.train_on_batch(np.ones((4, 3)), np.array([0, 1, 1, 0]))
    >>> acc
    0.5
    """
    where = "train_on_batch"
    compiled = get_compiled(model, where)
    if class_weight is not None and sample_weight is not None:
        raise ValueError(
            f"{where}: sample_weight and class_weight cannot be given at the same time (Keras's "
            "rule); multiply the class weights into sample_weight instead"
        )
    xa, ya, wa = _arrays(model, x, y, sample_weight, where)
    dtype = model_dtype(model)
    ya = checks.prepare_targets(ya, compiled.loss_kind, compiled.loss_name, dtype, where)
    if class_weight is not None:
        wa = _class_weights(ya, class_weight, where)
    onehot = compiled.loss_kind == "multiclass" and ya.ndim == 2 and ya.shape[1] > 1
    if onehot and ya.dtype.kind in "iu":  # integer one-hot rows: class probabilities
        ya = ya.astype(dtype)
    source = _array_source(model, (xa, ya, wa), compiled, max(len(xa), 1), False, where, True)
    opt = compiled.optimizer
    if not opt.is_bound:
        _build_and_check(model, source, compiled, where, ya)
        opt.bind(list(model.parameters()))
    metrics = compiled.fresh_metrics()
    modes = [(m, m.training) for m in model.modules()]
    model.train()
    try:
        logs = train_batch(model, compiled, source.x, source.y, source.w, metrics)
    finally:
        for m, mode in modes:
            m.__dict__["training"] = mode
    return _batch_results(logs, return_dict, where)


def test_on_batch(
    model: Any,
    x: Any,
    y: Any = None,
    sample_weight: Any = None,
    return_dict: bool = False,
) -> float | list[float] | dict[str, float]:
    """The loss and metrics of ``model`` on one batch ``(x, y)`` in eval mode, without a
    graph (Keras's ``test_on_batch``): :func:`evaluate` of that batch as one batch. Returns
    what Keras 3 returns: the loss (a float) without metrics, else ``[loss, *metrics]``
    (``return_dict=True``: the dict); metrics are this batch's alone."""
    where = "test_on_batch"
    compiled = get_compiled(model, where)
    xa, ya, wa = _arrays(model, x, y, sample_weight, where)
    source = _array_source(model, (xa, ya, wa), compiled, max(len(xa), 1), False, where)
    logs = run_eval(model, source, compiled, compiled.fresh_metrics())
    return _batch_results(logs, return_dict, where)


test_on_batch.__test__ = False  # type: ignore[attr-defined] # Keras's name, not a pytest test


def predict_on_batch(model: Any, x: Any) -> Any:
    """The model's outputs for one batch ``x`` as a NumPy array, in eval mode without a graph
    (Keras's ``predict_on_batch``: :func:`predict` with the whole of ``x`` as one batch)."""
    xa, _, _ = _arrays(model, x, None, None, "predict_on_batch", need_y=False)
    return predict(model, xa, batch_size=max(len(xa), 1))


def summary(model: Any, input_shape: Any = None, dtype: Any = None, print_fn: Any = print) -> str:
    """Print each layer with its output shape and Keras's parameter counts (see
    :func:`deepgrad.train.summary.summary`)."""
    return _summary(model, input_shape, dtype, print_fn)


def _describe_module_methods() -> None:
    """Every Module's ``compile``/``fit``/... show these functions' signatures and docstrings
    (``help(model.fit)``); see :mod:`deepgrad.nn.keras`."""
    from ..io import keras_weights, model_file
    from ..nn import keras

    for fn in (compile, fit, evaluate, predict, summary, train_on_batch, test_on_batch,
               predict_on_batch):  # fmt: skip
        keras.describe(fn.__name__, fn)
    for fn in (model_file.save, model_file.save_weights, model_file.load_weights,
               keras_weights.get_weights, keras_weights.set_weights):  # fmt: skip
        keras.describe(fn.__name__, fn)


_describe_module_methods()
