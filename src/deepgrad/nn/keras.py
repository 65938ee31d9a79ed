"""Keras's training surface on every :class:`~deepgrad.nn.Module`: the one declared seam.

``model.compile(...)``, ``model.fit(...)``, ``evaluate``, ``predict``, ``summary``, ``save``,
``save_weights``, ``load_weights``, ``get_weights`` and ``set_weights`` are methods of every module, as in Keras, because that
is where a learner looks for them. The work is not done here: ``nn`` sits below the training
loop (``deepgrad.train``) and the model file (``deepgrad.io``) in the layering, so each method
imports its implementation when it is called and hands itself over as the model. This mixin
is the only place in ``nn`` that reaches up a floor, and the layering test
(``tests/test_layering.py``) names it as the one exception (docs/architecture.md).

The implementations describe these methods: ``deepgrad.train`` copies each function's
signature (without the model) and docstring onto the method here when it is imported, which
``import deepgrad`` always does, so ``help(model.fit)`` shows ``fit``'s real parameters.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from .._choices import unexpected_keyword

_GENERATOR_WORKERS = (
    "Keras's generator workers; give the method a deepgrad.data.DataLoader (its prefetch= "
    "loads batches in a background thread)"
)
#: Keras arguments deepgrad's methods do not take, with what does the same here; refused with
#: this explanation rather than accepted with a different result
_KERAS_ONLY: dict[str, dict[str, str]] = {
    "fit": {
        "max_queue_size": _GENERATOR_WORKERS,
        "workers": _GENERATOR_WORKERS,
        "use_multiprocessing": _GENERATOR_WORKERS,
    },
    "evaluate": {
        "max_queue_size": _GENERATOR_WORKERS,
        "workers": _GENERATOR_WORKERS,
        "use_multiprocessing": _GENERATOR_WORKERS,
    },
    "predict": {
        "max_queue_size": _GENERATOR_WORKERS,
        "workers": _GENERATOR_WORKERS,
        "use_multiprocessing": _GENERATOR_WORKERS,
    },
    "train_on_batch": {
        "reset_metrics": "Keras 3 removed it (each call's metrics are that batch's alone, as "
        "here); for values over several batches update a deepgrad.metrics object with "
        "predict_on_batch's outputs",
    },
    "test_on_batch": {
        "reset_metrics": "Keras 3 removed it (each call's metrics are that batch's alone, as "
        "here); for values over several batches use evaluate",
    },
    "summary": {
        "line_length": "the table's columns fit their contents here; leave it out",
        "positions": "the table's columns fit their contents here; leave it out",
        "expand_nested": "every module, nested ones too, has its own row here; leave it out",
        "show_trainable": "the Trainable column (each row's trainable parameter count) is "
        "always shown here; leave it out",
        "layer_range": "take the lines you want from the text summary returns "
        "(print_fn=None prints nothing)",
    },
    "save": {
        "filepath": "deepgrad calls the file's path path: model.save(path)",
        "zipped": "a deepgrad model file is always one zip; leave it out",
    },
    "save_weights": {
        "filepath": "deepgrad calls the file's path path: model.save_weights(path)",
        "max_shard_size": "the weights are written to one .safetensors file; leave it out",
    },
    "load_weights": {
        "filepath": "deepgrad calls the file's path path: model.load_weights(path)",
        "skip_mismatch": "weights whose shapes differ are refused here, naming them; "
        "strict=False (PyTorch's) skips missing and unexpected names only",
    },
    "compile": {
        "loss_weights": "a model has one loss here; weight and add several losses in one loss "
        "function (loss=lambda y_pred, y: ...)",
        "steps_per_execution": "each step runs on its own here (the same numbers as Keras's "
        "default steps_per_execution=1); leave it out",
        "run_eagerly": "every step here runs eagerly, op by op (as Keras's run_eagerly=True); "
        "leave it out",
        "jit_compile": "the training step is not compiled here (it runs eagerly, op by op, with "
        "Keras's numbers up to float rounding); leave it out",
        "auto_scale_loss": "Keras's loss scaling under a mixed-precision policy; here scale "
        "float16 losses with deepgrad.amp.GradScaler in your own loop, or leave it out",
    },
}


def _check_keywords(name: str, implementation: Callable[..., Any], kwargs: dict) -> None:
    """Refuse a keyword ``implementation`` does not take, naming the nearest one it does
    (``epoch`` → ``epochs``) or, for Keras's own arguments, what does the same here. Python's
    own message would name only the word that came."""
    params = inspect.signature(implementation).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return
    valid = [k for k, p in params.items() if k != "model" and p.kind is not p.VAR_POSITIONAL]
    for key in kwargs:
        if key not in params:
            raise unexpected_keyword(f"{name}()", key, valid, _KERAS_ONLY.get(name))


class KerasMethods:
    """``compile`` / ``fit`` / ``evaluate`` / ``predict`` / ``train_on_batch`` /
    ``test_on_batch`` / ``predict_on_batch`` / ``summary`` / ``save`` / ``save_weights`` /
    ``load_weights`` / ``get_weights`` / ``set_weights``, delegated to :mod:`deepgrad.train` and
    :mod:`deepgrad.io`."""

    def compile(self, *args: Any, **kwargs: Any) -> Any:  # noqa: A003 - Keras's name
        """Attach an optimizer, a loss and metrics for :meth:`fit` (``deepgrad.train.compile``)."""
        from ..train import api

        _check_keywords("compile", api.compile, kwargs)
        return api.compile(self, *args, **kwargs)

    def fit(self, *args: Any, **kwargs: Any) -> Any:
        """Train Keras-style; returns a ``History`` (``deepgrad.train.fit``)."""
        from ..train import api

        _check_keywords("fit", api.fit, kwargs)
        return api.fit(self, *args, **kwargs)

    def evaluate(self, *args: Any, **kwargs: Any) -> Any:
        """Loss and metrics on data, in eval mode, without a graph (``deepgrad.train.evaluate``)."""
        from ..train import api

        _check_keywords("evaluate", api.evaluate, kwargs)
        return api.evaluate(self, *args, **kwargs)

    def predict(self, *args: Any, **kwargs: Any) -> Any:
        """Model outputs as a NumPy array, batched, in eval mode (``deepgrad.train.predict``)."""
        from ..train import api

        _check_keywords("predict", api.predict, kwargs)
        return api.predict(self, *args, **kwargs)

    def train_on_batch(self, *args: Any, **kwargs: Any) -> Any:
        """One optimizer step on one batch; its loss and metrics (``deepgrad.train.train_on_batch``)."""
        from ..train import api

        _check_keywords("train_on_batch", api.train_on_batch, kwargs)
        return api.train_on_batch(self, *args, **kwargs)

    def test_on_batch(self, *args: Any, **kwargs: Any) -> Any:
        """Loss and metrics on one batch, in eval mode (``deepgrad.train.test_on_batch``)."""
        from ..train import api

        _check_keywords("test_on_batch", api.test_on_batch, kwargs)
        return api.test_on_batch(self, *args, **kwargs)

    def predict_on_batch(self, *args: Any, **kwargs: Any) -> Any:
        """Outputs for one batch as a NumPy array (``deepgrad.train.predict_on_batch``)."""
        from ..train import api

        _check_keywords("predict_on_batch", api.predict_on_batch, kwargs)
        return api.predict_on_batch(self, *args, **kwargs)

    def summary(self, *args: Any, **kwargs: Any) -> Any:
        """Print every layer with its output shape and parameter counts."""
        from ..train import api

        _check_keywords("summary", api.summary, kwargs)
        return api.summary(self, *args, **kwargs)

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save architecture, weights, compile settings and preprocessing to one file."""
        from ..io import model_file

        _check_keywords("save", model_file.save, kwargs)
        return model_file.save(self, *args, **kwargs)

    def save_weights(self, *args: Any, **kwargs: Any) -> None:
        """Write the weights (``state_dict``) to a ``.safetensors`` file, atomically."""
        from ..io import model_file

        _check_keywords("save_weights", model_file.save_weights, kwargs)
        return model_file.save_weights(self, *args, **kwargs)

    def load_weights(self, *args: Any, **kwargs: Any) -> Any:
        """Load weights saved by :meth:`save_weights` (or from a saved model file)."""
        from ..io import model_file

        _check_keywords("load_weights", model_file.load_weights, kwargs)
        return model_file.load_weights(self, *args, **kwargs)

    def get_weights(self) -> Any:
        """The weights as NumPy arrays in Keras's order and layouts (``deepgrad.io.keras_weights``)."""
        from ..io import keras_weights

        return keras_weights.get_weights(self)

    def set_weights(self, weights: Any) -> None:
        """Set the weights from arrays in Keras's order and layouts (``get_weights``'s)."""
        from ..io import keras_weights

        return keras_weights.set_weights(self, weights)


def describe(name: str, implementation: Callable[..., Any]) -> None:
    """Give ``KerasMethods.<name>`` the signature (less the model argument) and the docstring
    of ``implementation``; called by the floors that implement the methods."""
    method = getattr(KerasMethods, name)
    sig = inspect.signature(implementation)
    params = list(sig.parameters.values())
    self_param = inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)
    method.__signature__ = sig.replace(parameters=[self_param, *params[1:]])
    if implementation.__doc__:
        method.__doc__ = implementation.__doc__
