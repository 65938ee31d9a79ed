"""Keras's training surface on every :class:`~deepgrad.nn.Module`: the one declared seam.

``model.compile(...)``, ``model.fit(...)``, ``evaluate``, ``predict``, ``summary``, ``save``,
``save_weights`` and ``load_weights`` are methods of every module, as in Keras, because that
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


class KerasMethods:
    """``compile`` / ``fit`` / ``evaluate`` / ``predict`` / ``summary`` / ``save`` /
    ``save_weights`` / ``load_weights``, delegated to :mod:`deepgrad.train` and
    :mod:`deepgrad.io`."""

    def compile(self, *args: Any, **kwargs: Any) -> Any:  # noqa: A003 - Keras's name
        """Attach an optimizer, a loss and metrics for :meth:`fit` (``deepgrad.train.compile``)."""
        from ..train import api

        return api.compile(self, *args, **kwargs)

    def fit(self, *args: Any, **kwargs: Any) -> Any:
        """Train Keras-style; returns a ``History`` (``deepgrad.train.fit``)."""
        from ..train import api

        return api.fit(self, *args, **kwargs)

    def evaluate(self, *args: Any, **kwargs: Any) -> Any:
        """Loss and metrics on data, in eval mode, without a graph (``deepgrad.train.evaluate``)."""
        from ..train import api

        return api.evaluate(self, *args, **kwargs)

    def predict(self, *args: Any, **kwargs: Any) -> Any:
        """Model outputs as a NumPy array, batched, in eval mode (``deepgrad.train.predict``)."""
        from ..train import api

        return api.predict(self, *args, **kwargs)

    def summary(self, *args: Any, **kwargs: Any) -> Any:
        """Print every layer with its output shape and parameter counts."""
        from ..train import api

        return api.summary(self, *args, **kwargs)

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save architecture, weights, compile settings and preprocessing to one file."""
        from ..io import model_file

        return model_file.save(self, *args, **kwargs)

    def save_weights(self, *args: Any, **kwargs: Any) -> None:
        """Write the weights (``state_dict``) to a ``.safetensors`` file, atomically."""
        from ..io import model_file

        return model_file.save_weights(self, *args, **kwargs)

    def load_weights(self, *args: Any, **kwargs: Any) -> Any:
        """Load weights saved by :meth:`save_weights` (or from a saved model file)."""
        from ..io import model_file

        return model_file.load_weights(self, *args, **kwargs)


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
