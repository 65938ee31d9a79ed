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
    predict_on_batch,
    save,
    save_weights,
    summary,
    test_on_batch,
    train_on_batch,
)
from .callback import Callback, CallbackList
from .history import History
from .loop import Trainer

__all__ = [
    "Callback",
    "CallbackList",
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
    "predict_on_batch",
    "save",
    "save_weights",
    "summary",
    "test_on_batch",
    "train_on_batch",
]
