"""scikit-learn estimators around deepgrad models: :class:`DeepgradClassifier` and
:class:`DeepgradRegressor`.

They make a deepgrad network a scikit-learn estimator, so that ``GridSearchCV``,
``cross_val_score``, ``Pipeline`` and ``clone`` work on it (in the spirit of scikeras's
``KerasClassifier`` and skorch's ``NeuralNetClassifier``). Each ``fit`` builds a fresh model
from ``model`` (a function or class returning an :class:`~deepgrad.nn.Module`, or a module that
is deep-copied), compiles it and trains it with :func:`deepgrad.train.fit`.

Keyword parameters are routed by prefix, scikit-learn's nested-parameter convention:
``model__hidden=64`` goes to the model function, ``optimizer__weight_decay=1e-4`` to the
optimizer, ``loss__label_smoothing=0.1`` to a loss given by name; so a search can range over
them (``{"lr": [1e-3, 1e-2], "model__hidden": [16, 64]}``).

A model function may also ask for what the data tell, by naming these parameters:
``n_features_in_`` (``X.shape[1]``), ``input_shape_`` (``X.shape[1:]``), ``n_classes_``
(classifier) and ``n_outputs_`` (regressor: target columns).

>>> from sklearn.datasets import load_iris
>>> from sklearn.pipeline import make_pipeline
>>> from sklearn.preprocessing import StandardScaler
>>> from deepgrad import nn
>>> from deepgrad.integrations import DeepgradClassifier
>>> def mlp(n_features_in_, n_classes_, hidden=16):
...     return nn.Sequential(
...         nn.Linear(n_features_in_, hidden), nn.ReLU(), nn.Linear(hidden, n_classes_))
>>> X, y = load_iris(return_X_y=True)
>>> clf = make_pipeline(StandardScaler(),
...                     DeepgradClassifier(mlp, lr=1e-2, epochs=30, seed=0, model__hidden=8))
>>> clf.fit(X, y).score(X, y) > 0.9
True
"""

from __future__ import annotations

import copy
import inspect
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted, column_or_1d

from .. import backend
from ..train import checks

try:  # scikit-learn >= 1.6
    from sklearn.utils.validation import validate_data as _validate_data
except ImportError:  # pragma: no cover - older scikit-learn

    def _validate_data(estimator: Any, X: Any, **kw: Any) -> Any:
        return estimator._validate_data(X, **kw)


__all__ = ["DeepgradClassifier", "DeepgradRegressor"]

#: prefixes of the keyword parameters and where they go
_PREFIXES = ("model__", "optimizer__", "loss__")


def _softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise ``exp(z - max) / Σ exp(z - max)`` in float64 (rows sum to 1)."""
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    """``1 / (1 + exp(-z))`` written as ``(1 + tanh(z / 2)) / 2``, which cannot overflow."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _is_tensor(v: Any) -> bool:
    """A deepgrad or PyTorch tensor (converted by :func:`checks.to_numpy`)."""
    return (hasattr(v, "data") and hasattr(v, "_creator")) or (
        hasattr(v, "detach") and hasattr(v, "numpy")
    )


class _DeepgradEstimator(BaseEstimator):
    """What the classifier and the regressor share: parameters, routing, building, training."""

    #: the loss used when ``loss=None``
    _default_loss = "cross_entropy"
    #: the attributes ``fit`` sets (everything else public is a parameter)
    _fitted_attributes = frozenset(
        {
            "model_",
            "history_",
            "n_features_in_",
            "feature_names_in_",
            "input_shape_",
            "classes_",
            "n_classes_",
            "n_outputs_",
        }
    )

    def __init__(
        self,
        model: Any = None,
        *,
        optimizer: Any = "adam",
        lr: float | None = 1e-3,
        loss: Any = None,
        metrics: list[Any] | None = None,
        epochs: int = 10,
        batch_size: int = 32,
        validation_split: float = 0.0,
        callbacks: list[Any] | None = None,
        verbose: int | str = 0,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        self.model = model
        self.optimizer = optimizer
        self.lr = lr
        self.loss = loss
        self.metrics = metrics
        self.epochs = epochs
        self.batch_size = batch_size
        self.validation_split = validation_split
        self.callbacks = callbacks
        self.verbose = verbose
        self.seed = seed
        vars(self).update(kwargs)

    # ---- parameters ---------------------------------------------------------------------------
    def _routed_params(self) -> dict[str, Any]:
        """The keyword parameters (``model__hidden``...): public attributes that are neither
        constructor parameters nor set by ``fit``."""
        names = set(self._get_param_names())
        return {
            k: v
            for k, v in vars(self).items()
            if not k.startswith("_") and k not in names and k not in self._fitted_attributes
        }

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor parameters and the routed ones (``model__hidden``...), as
        ``{name: value}``; what :func:`sklearn.base.clone` copies."""
        params = super().get_params(deep=deep)
        params.update(self._routed_params())
        return params

    def set_params(self, **params: Any) -> _DeepgradEstimator:
        """Set parameters; names starting with ``model__``, ``optimizer__`` or ``loss__`` are
        stored as given (they need not exist yet), the others must be parameters."""
        rest = {}
        for k, v in params.items():
            if k.startswith(_PREFIXES):
                setattr(self, k, v)
            else:
                rest[k] = v
        if rest:
            super().set_params(**rest)
        return self

    def _routes(self, where: str) -> dict[str, dict[str, Any]]:
        """``{"model": {...}, "optimizer": {...}, "loss": {...}}`` from the routed parameters;
        an unknown prefix is an error naming the accepted ones."""
        out: dict[str, dict[str, Any]] = {p[:-2]: {} for p in _PREFIXES}
        for k, v in self._routed_params().items():
            prefix = next((p for p in _PREFIXES if k.startswith(p)), None)
            if prefix is None or len(k) == len(prefix):
                raise ValueError(
                    f"{where}: unknown parameter {k!r}. Keyword parameters are routed by "
                    "prefix: model__<name> to the model function, optimizer__<name> to the "
                    "optimizer, loss__<name> to the loss; the other parameters are "
                    f"{sorted(self._get_param_names())}"
                )
            out[prefix[:-2]][k[len(prefix) :]] = v
        return out

    def __sklearn_is_fitted__(self) -> bool:
        return "model_" in vars(self)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.seed is None
        return tags

    # ---- building ---------------------------------------------------------------------------
    def _build_model(self, meta: dict[str, Any], model_kw: dict[str, Any], where: str) -> Any:
        """A fresh module: ``model(**model_kw, **meta it asks for)``, or a deep copy."""
        from ..nn import Module

        spec = self.model
        if spec is None:
            raise ValueError(
                f"{where}: no model given; pass model=, a function (or Module class) returning "
                "an nn.Module, e.g. def build(n_features_in_, n_classes_, hidden=32): ..., or "
                "an nn.Module to copy"
            )
        if isinstance(spec, Module):
            if model_kw:
                raise ValueError(
                    f"{where}: model__ parameters {sorted(model_kw)} need a model function or "
                    f"class to pass them to, but model is a {type(spec).__name__} instance"
                )
            return copy.deepcopy(spec)
        if not callable(spec):
            raise TypeError(
                f"{where}: model must be a function or class returning an nn.Module, or an "
                f"nn.Module; got {type(spec).__name__}"
            )
        name = getattr(spec, "__name__", type(spec).__name__)
        kw = dict(model_kw)
        try:
            sig = inspect.signature(spec)
        except (TypeError, ValueError):
            sig = None
        if sig is not None:
            for k, v in meta.items():
                if k in sig.parameters and k not in kw:
                    kw[k] = v
            try:
                sig.bind(**kw)
            except TypeError as e:
                raise ValueError(
                    f"{where}: cannot call the model function {name} with {sorted(kw)}: {e}; "
                    f"it takes {list(sig.parameters)}"
                ) from None
        built = spec(**kw)
        if not isinstance(built, Module):
            raise TypeError(
                f"{where}: the model function {name} must return an nn.Module, got "
                f"{type(built).__name__}"
            )
        return built

    def _build_optimizer(self, opt_kw: dict[str, Any], where: str) -> Any:
        """An unbound optimizer: ``optim.get(optimizer, lr=lr, **optimizer__*)`` (an
        ``optimizer__lr`` wins over ``lr``; ``lr=None`` keeps the optimizer's default)."""
        from ..optim import Optimizer, get

        if isinstance(self.optimizer, Optimizer):
            raise TypeError(
                f"{where}: give the optimizer by name or class (optimizer='sgd' or "
                f"optimizer=optim.{type(self.optimizer).__name__}) with its options as "
                "optimizer__<name>=..., not as an instance: each fit builds a fresh one, and a "
                "search can then range over the options"
            )
        kw = {} if self.lr is None else {"lr": self.lr}
        kw.update(opt_kw)
        try:
            return get(self.optimizer, **kw)
        except TypeError as e:
            raise ValueError(
                f"{where}: cannot build the optimizer {self.optimizer!r} with {sorted(kw)}: {e}"
            ) from None

    def _build_loss(self, loss_kw: dict[str, Any]) -> tuple[Any, str | None, str | None]:
        """``(loss, registry name or None, kind or None)``; a loss module is deep-copied."""
        from ..nn import Module
        from ..nn import loss as nnloss

        spec = self._default_loss if self.loss is None else self.loss
        if isinstance(spec, Module):
            spec = copy.deepcopy(spec)
        fn = nnloss.get(spec, **loss_kw)
        name = nnloss.name_of(fn)
        return fn, name, (nnloss.KIND.get(name) if name else None)

    # ---- inputs -----------------------------------------------------------------------------
    def _check_X(self, X: Any, where: str, reset: bool) -> np.ndarray:
        """``X`` as a NumPy array of numbers with at least two dimensions (``(N, features)``
        or ``(N, C, H, W)``...), finite, non-empty; at predict time the same feature count
        (and names, for a DataFrame) as in ``fit``."""
        if X is None:
            raise ValueError(f"{where}: X is None; expected an array of samples (N, features)")
        if sparse.issparse(X):
            raise TypeError(
                f"{where}: X is a sparse matrix, which is not supported (a network takes dense "
                "arrays); convert it with X.toarray()"
            )
        a = self._numbers(X, "X", where)
        if a.ndim < 2:
            raise ValueError(
                f"{where}: X must have shape (n_samples, n_features) or more dimensions "
                f"((N, C, H, W) images...), got shape {a.shape}. Reshape your data: one "
                "feature with X.reshape(-1, 1), one sample with X.reshape(1, -1)"
            )
        if a.shape[0] == 0:
            raise ValueError(
                f"{where}: Found array with 0 sample(s) (shape={a.shape}) while a minimum of 1 "
                "is required."
            )
        if a.size == 0:
            raise ValueError(
                f"{where}: Found array with 0 feature(s) (shape={a.shape}) while a minimum of 1 "
                "is required."
            )
        checks.check_finite(a, "X", where)
        # feature names (of a DataFrame) and n_features_in_, by scikit-learn's rules
        _validate_data(self, X if hasattr(X, "columns") else a, skip_check_array=True, reset=reset)
        if reset:
            self.input_shape_ = tuple(int(d) for d in a.shape[1:])
        elif a.shape[1:] != self.input_shape_:
            raise ValueError(
                f"{where}: X has samples of shape {a.shape[1:]}, but {type(self).__name__} was "
                f"fitted on samples of shape {self.input_shape_}"
            )
        return a

    @staticmethod
    def _numbers(v: Any, name: str, where: str) -> np.ndarray:
        """``v`` as a NumPy array of numbers (:func:`checks.to_numpy`); an object array of
        numbers (from a mixed DataFrame) becomes float64; complex values are refused."""
        try:
            return checks.to_numpy(v, name, where)
        except TypeError:
            a = np.asarray(v)
            if a.dtype.kind == "c":
                raise ValueError(
                    f"{where}: Complex data not supported; {name} has dtype {a.dtype}"
                ) from None
            if a.dtype != object:
                raise
            try:
                return a.astype(np.float64)
            except (TypeError, ValueError) as e:
                raise TypeError(f"{where}: {name} holds values that are not numbers: {e}") from None

    def _check_sample_weight(self, sw: Any, n: int, where: str) -> np.ndarray:
        w = checks.to_numpy(sw, "sample_weight", where)
        if w.shape != (n,):
            raise ValueError(
                f"{where}: sample_weight must have shape ({n},), one weight per sample, got "
                f"shape {w.shape}"
            )
        if n and not np.any(w):
            raise ValueError(f"{where}: sample_weight is all zero: there is nothing to learn from")
        return w

    # ---- subclass hooks ---------------------------------------------------------------------
    def _prepare_y(self, y: Any, where: str) -> tuple[np.ndarray, dict[str, Any]]:
        raise NotImplementedError

    def _fit_targets(
        self, out_shape: tuple, y: np.ndarray, name: str | None, kind: str | None, where: str
    ) -> np.ndarray:
        raise NotImplementedError

    def _fit_params(self, fit_params: dict[str, Any], y: np.ndarray, where: str) -> dict[str, Any]:
        return fit_params

    def _val_targets(self, y: Any, where: str) -> np.ndarray:
        raise NotImplementedError

    # ---- fit / forward ------------------------------------------------------------------------
    def _fit(self, X: Any, y: Any, fit_params: dict[str, Any]) -> Any:
        from ..train.api import compile as compile_model
        from ..train.api import fit as fit_model
        from ..train.api import predict as predict_model

        cls = type(self).__name__
        where = f"{cls}.fit"
        routes = self._routes(where)
        vars(self).pop("model_", None)
        if y is None:
            raise ValueError(f"{where}: {cls} requires y to be passed, but the target y is None")
        Xa = self._check_X(X, where, reset=True)
        ya, meta = self._prepare_y(y, where)
        checks.check_lengths(Xa, ya, None, where)
        fit_params = dict(fit_params)
        if fit_params.get("sample_weight") is not None:
            fit_params["sample_weight"] = self._check_sample_weight(
                fit_params["sample_weight"], len(Xa), where
            )
        fit_params = self._fit_params(fit_params, ya, where)
        meta = {"n_features_in_": self.n_features_in_, "input_shape_": self.input_shape_, **meta}

        if self.seed is not None:
            backend.manual_seed(self.seed)  # the model's initial weights
        model = self._build_model(meta, routes["model"], where)
        loss_fn, loss_name, loss_kind = self._build_loss(routes["loss"])
        opt = self._build_optimizer(routes["optimizer"], where)
        out = predict_model(model, Xa[:1], batch_size=1)  # builds lazy layers; the output shape
        if isinstance(out, tuple):
            raise TypeError(
                f"{where}: the model returns a tuple of {len(out)} outputs; {cls} needs a model "
                "with one output tensor"
            )
        ya = self._fit_targets(tuple(out.shape), ya, loss_name, loss_kind, where)
        vd = fit_params.get("validation_data")
        if isinstance(vd, tuple) and len(vd) in (2, 3):  # targets made like the training ones
            yv = self._val_targets(vd[1], f"{where} (validation_data)")
            yv = yv.astype(ya.dtype).reshape((-1, *ya.shape[1:]))
            fit_params["validation_data"] = (vd[0], yv, *vd[2:])
        metrics = None if self.metrics is None else copy.deepcopy(self.metrics)
        compile_model(model, optimizer=opt, loss=loss_fn, metrics=metrics)
        settings: dict[str, Any] = {
            "epochs": self.epochs,
            "batch_size": self.batch_size,
            "validation_split": self.validation_split,
            "callbacks": None if self.callbacks is None else copy.deepcopy(list(self.callbacks)),
            "verbose": self.verbose,
            "seed": self.seed,
        }
        settings.update(fit_params)
        history = fit_model(model, Xa, ya, **settings)
        self.model_ = model
        self.history_ = {k: list(v) for k, v in history.history.items()}
        return self

    def _forward(self, X: Any, method: str) -> np.ndarray:
        """The fitted model's outputs for ``X`` (eval mode, no graph), as a NumPy array."""
        from ..train.api import predict as predict_model

        check_is_fitted(self)
        Xa = self._check_X(X, f"{type(self).__name__}.{method}", reset=False)
        return predict_model(self.model_, Xa, batch_size=self.batch_size)


_PARAMS_DOC = """
    Parameters
    ----------
    model : callable or nn.Module
        A function or Module class returning the network, called at each ``fit`` with the
        ``model__*`` parameters and, if it names them, ``n_features_in_``, ``input_shape_``,
        {meta}; or an ``nn.Module``, deep-copied at each ``fit`` (training starts from its
        current weights).
    optimizer : str or Optimizer class
        A name of :func:`deepgrad.optim.get` (``"adam"``, ``"sgd"``...) or a class, built
        with ``lr`` and the ``optimizer__*`` parameters (``optimizer__momentum=0.9``).
    lr : float or None
        The learning rate (``optimizer__lr`` wins over it; ``None``: the optimizer's default).
    loss : str, loss module or callable
        Default {loss}; options of a named loss as ``loss__*`` (``loss__label_smoothing``).
    metrics : list
        Metrics logged during training (:func:`deepgrad.train.compile`); the score is
        scikit-learn's ({score}).
    epochs, batch_size, validation_split, callbacks, verbose, seed
        As in :func:`deepgrad.train.fit`. ``validation_split`` holds out the **last** samples
        (shuffle sorted data first). ``seed`` also seeds the initial weights
        (``dg.manual_seed(seed)`` before the model is built): the same seed gives the same
        model; ``None`` draws one. Callbacks are deep-copied at each fit (the parameters stay
        untouched).
    **kwargs
        Routed parameters: ``model__<name>``, ``optimizer__<name>``, ``loss__<name>``. Any
        other name is an error at ``fit``.
"""


class DeepgradClassifier(ClassifierMixin, _DeepgradEstimator):
    """A deepgrad network as a scikit-learn classifier.

    Labels may be any values (strings too): ``classes_ = numpy.unique(y)`` and the network
    is trained on their indices ``0..K-1``. With ``cross_entropy`` (the default), ``nll`` or a
    custom loss the model outputs ``(N, K)`` scores and ``predict_proba`` is their softmax
    ``exp(zₖ) / Σⱼ exp(zⱼ)``; with ``bce_with_logits`` (two classes) it outputs one logit
    per sample, ``(N, 1)`` or ``(N,)``, and the probabilities are ``[1 − σ(z), σ(z)]``
    (``bce``: the output is the probability ``p`` itself). ``predict`` gives the class of
    highest probability; ``score`` is the accuracy.
    {params}
    Attributes
    ----------
    model_ : nn.Module
        The trained network.
    history_ : dict[str, list[float]]
        Per-epoch logs of the run (``loss``, metrics, ``val_*``), ``History.history``.
    classes_ : ndarray (K,)
        The class labels; ``n_classes_`` their number.
    n_features_in_ : int
        ``X.shape[1]`` in ``fit``; ``input_shape_`` is ``X.shape[1:]``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.model_selection import cross_val_score
    >>> from deepgrad import nn
    >>> def mlp(n_features_in_, n_classes_, hidden=32):
    ...     return nn.Sequential(
    ...         nn.Linear(n_features_in_, hidden), nn.ReLU(), nn.Linear(hidden, n_classes_))
    >>> X, y = load_digits(return_X_y=True)
    >>> X, y = X[:300] / 16.0, np.array(["abcdefghij"[i] for i in y[:300]])
    >>> clf = DeepgradClassifier(mlp, lr=1e-2, epochs=15, seed=0)
    >>> proba = clf.fit(X, y).predict_proba(X[:4])
    >>> proba.shape, bool(np.allclose(proba.sum(axis=1), 1.0)), clf.classes_[:3].tolist()
    ((4, 10), True, ['a', 'b', 'c'])
    >>> clf.predict(X[:4]).tolist() == y[:4].tolist()
    True
    >>> bool(cross_val_score(clf, X, y, cv=2).mean() > 0.8)
    True
    """

    _default_loss = "cross_entropy"

    def fit(
        self, X: Any, y: Any, sample_weight: Any = None, **fit_params: Any
    ) -> DeepgradClassifier:
        """Build a fresh model and train it on ``X`` ``(N, ...)`` and labels ``y`` ``(N,)``.

        ``sample_weight`` ``(N,)`` weighs each sample's loss (``Σ wᵢ lossᵢ / batch``).
        ``fit_params`` go to :func:`deepgrad.train.fit` and override the settings
        (``class_weight`` keyed by the original labels or ``"balanced"``,
        ``validation_data=(X_val, y_val)`` with original labels, ``shuffle``, ``epochs``...).
        Returns ``self``."""
        return self._fit(X, y, {"sample_weight": sample_weight, **fit_params})

    def _prepare_y(self, y: Any, where: str) -> tuple[np.ndarray, dict[str, Any]]:
        ya = checks.to_numpy(y, "y", where) if _is_tensor(y) else np.asarray(y)
        kind = type_of_target(ya, input_name="y")
        if kind not in ("binary", "multiclass"):
            if kind.startswith("continuous") or kind == "unknown":
                raise ValueError(
                    f"{where}: Unknown label type: {kind}. {type(self).__name__} needs class "
                    "labels (integers or strings), one per sample; for a continuous target use "
                    "DeepgradRegressor"
                )
            raise ValueError(
                f"{where}: y of shape {ya.shape} is {kind}, which is not supported: "
                f"{type(self).__name__} takes one label per sample, shape (n_samples,)"
            )
        ya = column_or_1d(ya, warn=True)  # (N, 1) -> (N,) with a DataConversionWarning
        self.classes_, encoded = np.unique(ya, return_inverse=True)
        self.n_classes_ = len(self.classes_)
        return encoded.reshape(-1).astype(np.int64), {"n_classes_": self.n_classes_}

    def _encode(self, y: Any, where: str) -> np.ndarray:
        """Original labels -> indices into ``classes_``; unseen labels are an error."""
        ya = column_or_1d(checks.to_numpy(y, "y", where) if _is_tensor(y) else np.asarray(y))
        idx = np.searchsorted(self.classes_, ya)
        idx = np.clip(idx, 0, len(self.classes_) - 1)
        bad = self.classes_[idx] != ya
        if np.any(bad):
            raise ValueError(
                f"{where}: label {ya[bad][:1].tolist()[0]!r} is not among the classes of y "
                f"{self.classes_.tolist()}"
            )
        return idx.astype(np.int64)

    def _fit_params(self, fit_params: dict[str, Any], y: np.ndarray, where: str) -> dict[str, Any]:
        cw = fit_params.get("class_weight")
        if isinstance(cw, str):
            if cw != "balanced":
                raise ValueError(f"{where}: class_weight must be a dict or 'balanced', got {cw!r}")
            from sklearn.utils.class_weight import compute_class_weight

            w = compute_class_weight("balanced", classes=np.arange(self.n_classes_), y=y)
            fit_params["class_weight"] = {i: float(v) for i, v in enumerate(w)}
        elif cw is not None:
            keys = self._encode(list(cw), f"{where} (class_weight)")
            fit_params["class_weight"] = {
                int(i): float(v) for i, v in zip(keys, cw.values(), strict=True)
            }
        return fit_params

    def _val_targets(self, y: Any, where: str) -> np.ndarray:
        return self._encode(y, where)

    def _fit_targets(
        self, out_shape: tuple, y: np.ndarray, name: str | None, kind: str | None, where: str
    ) -> np.ndarray:
        cls = type(self).__name__
        if kind == "binary":
            if self.n_classes_ > 2:
                raise ValueError(
                    f"{where}: the loss {name} is for two classes, but y holds "
                    f"{self.n_classes_} classes; use loss='cross_entropy' with a model of "
                    f"{self.n_classes_} outputs"
                )
            if out_shape[1:] not in ((), (1,)):
                raise ValueError(
                    f"{where}: with the loss {name} the model must output one score per sample, "
                    f"shape (N, 1) or (N,); it outputs shape {out_shape}"
                )
            self._output = "sigmoid" if name == "bce_with_logits" else "probability"
            return y.astype(np.float32).reshape((-1, *out_shape[1:]))
        if kind not in ("multiclass", None):
            raise ValueError(
                f"{where}: the loss {name} is a {kind} loss; {cls} trains with classification "
                "losses ('cross_entropy', 'nll', 'bce_with_logits', 'bce'); for a continuous "
                "target use DeepgradRegressor"
            )
        if len(out_shape) != 2 or out_shape[1] != self.n_classes_:
            raise ValueError(
                f"{where}: the model outputs shape {out_shape}, but y holds {self.n_classes_} "
                f"class(es) {self.classes_.tolist()[:10]}; the model must output one score per "
                f"class, shape (N, {self.n_classes_}): a model function with a parameter "
                "n_classes_ receives the number"
            )
        self._output = "softmax"
        return y

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities ``(N, K)`` (rows sum to 1), columns in the order of
        ``classes_``: the softmax of the model's scores, or ``[1 − p, p]`` for a one-output
        binary model (``p = σ(logit)`` with ``bce_with_logits``)."""
        out = self._forward(X, "predict_proba").astype(np.float64)
        n = len(out)
        if self.n_classes_ == 1:
            return np.ones((n, 1))
        if self._output == "softmax":
            return _softmax(out.reshape(n, -1))
        p = out.reshape(n)
        p = _sigmoid(p) if self._output == "sigmoid" else np.clip(p, 0.0, 1.0)
        return np.stack([1.0 - p, p], axis=1)

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each sample, ``(N,)``, as labels of ``classes_``."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]


class DeepgradRegressor(RegressorMixin, _DeepgradEstimator):
    """A deepgrad network as a scikit-learn regressor.

    Targets ``y`` of shape ``(N,)`` train a model with one output, ``(N, 1)`` (the targets
    are reshaped to ``(N, 1)``, never broadcast), and ``predict`` then returns ``(N,)``;
    targets ``(N, k)`` train a model with ``k`` outputs. ``score`` is the coefficient of
    determination ``R² = 1 − Σ(y − ŷ)² / Σ(y − ȳ)²``.
    {params}
    Attributes
    ----------
    model_ : nn.Module
        The trained network.
    history_ : dict[str, list[float]]
        Per-epoch logs of the run (``loss``, metrics, ``val_*``), ``History.history``.
    n_outputs_ : int
        Target columns (1 for ``y`` of shape ``(N,)``).
    n_features_in_ : int
        ``X.shape[1]`` in ``fit``; ``input_shape_`` is ``X.shape[1:]``.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from deepgrad import nn
    >>> X, y = make_regression(n_samples=200, n_features=5, noise=1.0, random_state=0)
    >>> reg = DeepgradRegressor(lambda n_features_in_: nn.Linear(n_features_in_, 1),
    ...                         lr=0.1, epochs=40, seed=0)
    >>> reg.fit(X, y / 100).predict(X[:3]).shape
    (3,)
    >>> bool(reg.score(X, y / 100) > 0.95)
    True
    """

    _default_loss = "mse"

    def fit(
        self, X: Any, y: Any, sample_weight: Any = None, **fit_params: Any
    ) -> DeepgradRegressor:
        """Build a fresh model and train it on ``X`` ``(N, ...)`` and targets ``y`` ``(N,)``
        or ``(N, k)``; ``sample_weight`` ``(N,)`` weighs each sample's loss;
        ``fit_params`` go to :func:`deepgrad.train.fit` and override the settings
        (``validation_data``, ``shuffle``, ``epochs``...). Returns ``self``."""
        return self._fit(X, y, {"sample_weight": sample_weight, **fit_params})

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _prepare_y(self, y: Any, where: str) -> tuple[np.ndarray, dict[str, Any]]:
        ya = self._numbers(y, "y", where)
        if ya.dtype.kind != "f":
            ya = ya.astype(np.float64)
        checks.check_finite(ya, "y", where)
        self._y_ndim = ya.ndim
        self.n_outputs_ = 1 if ya.ndim == 1 else int(np.prod(ya.shape[1:]))
        return ya, {"n_outputs_": self.n_outputs_}

    def _val_targets(self, y: Any, where: str) -> np.ndarray:
        return self._numbers(y, "y", where)

    def _fit_targets(
        self, out_shape: tuple, y: np.ndarray, name: str | None, kind: str | None, where: str
    ) -> np.ndarray:
        if kind == "multiclass":
            raise ValueError(
                f"{where}: the loss {name} is a classification loss; {type(self).__name__} "
                "trains with regression losses ('mse', 'mae', 'huber'...); for class labels use "
                "DeepgradClassifier"
            )
        if y.ndim == 1 and tuple(out_shape[1:]) == (1,):
            return y.reshape(-1, 1)
        return y

    def predict(self, X: Any) -> np.ndarray:
        """The model's predictions: ``(N,)`` when it was fitted on ``y`` of shape ``(N,)``
        with one output, else the outputs' shape ``(N, k)``."""
        out = self._forward(X, "predict")
        out = out.astype(np.float64)  # scikit-learn's precision for predictions
        if self._y_ndim == 1 and out.ndim == 2 and out.shape[1] == 1:
            return out[:, 0]
        return out


for _cls, _meta, _loss, _score in (
    (DeepgradClassifier, "``n_classes_``", "``'cross_entropy'``", "accuracy"),
    (DeepgradRegressor, "``n_outputs_``", "``'mse'``", "R²"),
):
    if _cls.__doc__:  # None under python -OO
        _doc = _PARAMS_DOC.format(meta=_meta, loss=_loss, score=_score)
        _cls.__doc__ = _cls.__doc__.replace("{params}", _doc)
del _cls, _meta, _loss, _score
