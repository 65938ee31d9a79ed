"""Keras-style training: ``compile`` / ``fit`` / ``evaluate`` / ``predict`` / ``summary`` /
``save``, callbacks, ``History``, progress display, and the input checks that explain mistakes.

Every :class:`~deepgrad.nn.Module` has these as methods (``model.fit(x, y, epochs=5)``).
"""

from . import callbacks
from .api import (
    compile,
    evaluate,
    fit,
    load_model,
    load_weights,
    model_from_config,
    predict,
    save,
    save_weights,
    summary,
)
from .callback import Callback, CallbackList
from .history import History
from .loop import Trainer

__all__ = [
    "Callback",
    "CallbackList",
    "DeepgradClassifier",
    "DeepgradRegressor",
    "History",
    "Trainer",
    "callbacks",
    "compile",
    "evaluate",
    "fit",
    "load_model",
    "load_weights",
    "model_from_config",
    "predict",
    "save",
    "save_weights",
    "summary",
]

#: the scikit-learn estimators (``estimators.py``) import scikit-learn, which would make
#: ``import deepgrad`` several times slower: they are imported on first use
_LAZY = ("DeepgradClassifier", "DeepgradRegressor")


def __getattr__(name: str) -> object:
    if name in _LAZY:
        from . import estimators

        return getattr(estimators, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
