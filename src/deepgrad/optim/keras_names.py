"""Keras's names on deepgrad's optimizers: ``learning_rate`` / ``iterations`` read as numbers
with Keras's ``.numpy()`` and ``.assign()``, ``get_config`` / ``from_config``, and Keras's
constructor spellings (``learning_rate=``, ``beta_1=``, ``epsilon=``...) refused naming
deepgrad's.

deepgrad's optimizers are PyTorch's rules with PyTorch's arguments and defaults (``lr``,
``betas``, ``eps``); Keras programs reach them through ``model.optimizer`` after ``compile``.
What such programs do with an optimizer works the same here:

>>> from deepgrad import optim
>>> opt = optim.Adam(lr=0.01)
>>> opt.learning_rate.assign(0.001)          # Keras 3's Variable.assign
>>> float(opt.learning_rate), opt.learning_rate.numpy()
(0.001, array(0.001))
>>> config = opt.get_config()
>>> config["name"], config["learning_rate"], config["betas"]
('adam', 0.001, (0.9, 0.999))
>>> optim.Adam.from_config(config).param_groups[0]["lr"]
0.001

``get_config`` names the rate Keras's way (``learning_rate``) and the other hyperparameters
deepgrad's way (``betas``, ``eps``, ``weight_decay``...): their rules are PyTorch's (Adam's
``eps`` is added after the bias correction, Keras's ``epsilon`` before it), so a Keras name
would promise Keras's numbers. ``from_config`` reads that form, and of Keras's own configs what
means the same here (``learning_rate``, ``beta_1`` / ``beta_2``, and Keras's clipping, EMA and
loss-scaling options while they are off; a ``weight_decay`` only where deepgrad's decay is
decoupled as Keras's, in ``AdamW``); the rest is refused naming deepgrad's argument.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any

import numpy as np

from .._choices import unexpected_keyword

#: Keras's optimizer options that change nothing while they hold these values (Keras's
#: defaults); any other value is refused with what does the same in deepgrad
_KERAS_OFF: dict[str, tuple[Any, str]] = {
    "clipnorm": (None, "clip in your own loop with deepgrad.optim.clip_grad_norm_"),
    "global_clipnorm": (None, "clip in your own loop with deepgrad.optim.clip_grad_norm_"),
    "clipvalue": (None, "clip in your own loop with deepgrad.optim.clip_grad_value_"),
    "use_ema": (False, "average the weights with deepgrad.optim.swa_utils.AveragedModel"),
    "ema_momentum": (..., ""),  # read only with use_ema
    "ema_overwrite_frequency": (None, "average with deepgrad.optim.swa_utils.AveragedModel"),
    "loss_scale_factor": (None, "scale float16 losses with deepgrad.amp.GradScaler"),
    "gradient_accumulation_steps": (
        None,
        "accumulate in your own loop (backward over several batches, then one step)",
    ),
}

#: Keras's constructor spellings → what deepgrad's optimizers call them
_KERAS_SPELLINGS: dict[str, str] = {
    "learning_rate": "lr (the optimizer's .learning_rate reads and sets it after)",
    "beta_1": "betas=(beta_1, beta_2)",
    "beta_2": "betas=(beta_1, beta_2)",
    "epsilon": "eps, PyTorch's (it enters the update elsewhere than Keras's epsilon: Adam "
    "adds it after the bias correction, Keras's before; see the README's differences)",
    "rho": "alpha (RMSprop's decay of the squared-gradient average)",
    "name": "no name (a deepgrad optimizer is not named)",
}


class Rate(float):
    """``optimizer.learning_rate`` as read: the rate (a float) with Keras's Variable methods
    ``numpy()`` and ``assign(r)`` (which sets the optimizer's rate, as assigning
    ``optimizer.learning_rate = r`` does). Copied or pickled, it is a plain float."""

    def __new__(cls, value: float, owner: Any, attr: str) -> Rate:
        self = super().__new__(cls, value)
        self._owner, self._attr = owner, attr
        return self

    def numpy(self) -> np.ndarray:
        """The rate as a 0-d array (Keras's ``Variable.numpy()``; float64 here)."""
        return np.asarray(float(self))

    def assign(self, value: Any) -> None:
        """Set the optimizer's rate to ``value`` (Keras's ``Variable.assign``)."""
        setattr(self._owner, self._attr, value)

    def __reduce__(self) -> Any:
        return (float, (float(self),))


class Count(int):
    """``optimizer.iterations`` as read: the number of steps (an int) with Keras's
    ``numpy()``; ``assign`` is refused (the count here does not drive the update)."""

    def numpy(self) -> np.ndarray:
        """The count as a 0-d int64 array (Keras's ``Variable.numpy()``)."""
        return np.asarray(int(self), dtype=np.int64)

    def assign(self, value: Any) -> None:
        raise TypeError(
            "optimizer.iterations.assign(): deepgrad's iterations only counts step() calls; "
            "the update's own step counts (Adam's bias correction) are per parameter in "
            "optimizer.state[p]['step']. To start over build a new optimizer (or "
            "load_state_dict a saved one)"
        )

    def __reduce__(self) -> Any:
        return (int, (int(self),))


def get_config(opt: Any) -> dict[str, Any]:
    """Keras's ``optimizer.get_config()``: ``name``, the current ``learning_rate`` (the first
    group's) and the other hyperparameters as the constructor takes them."""
    cls = type(opt)
    config: dict[str, Any] = {"name": cls.name or cls.__name__.lower()}
    params = _init_params(cls)
    group = opt.param_groups[0] if opt.param_groups else {}
    for key, value in opt.defaults.items():
        if params is not None and key not in params:
            continue  # not a constructor argument: from_config could not pass it back
        if key == "lr":
            config["learning_rate"] = float(group.get("lr", value))
        else:
            config[key] = value
    return config


def from_config(cls: type, config: Any) -> Any:
    """Keras's ``Optimizer.from_config(config)``: ``cls`` built, unbound, from
    :func:`get_config`'s form (or a Keras config, where its options mean the same here)."""
    where = f"{cls.__name__}.from_config"
    if not isinstance(config, dict):
        raise TypeError(f"{where}: expected a dict (get_config()'s), got {type(config).__name__}")
    kwargs = dict(config)
    name = kwargs.pop("name", None)
    if name is not None and not isinstance(name, str):
        raise TypeError(f"{where}: 'name' must be a string, got {name!r}")
    if "learning_rate" in kwargs:
        if "lr" in kwargs:
            raise TypeError(f"{where}: give 'learning_rate' or 'lr', not both")
        rate = kwargs.pop("learning_rate")
        if isinstance(rate, dict):
            raise TypeError(
                f"{where}: learning_rate is a schedule's config ({rate.get('class_name', rate)!r}); "
                "give a number and step a schedule of deepgrad.optim.lr_scheduler (or the "
                "LearningRateScheduler callback)"
            )
        kwargs["lr"] = rate
    if "beta_1" in kwargs or "beta_2" in kwargs:
        if "betas" in kwargs:
            raise TypeError(f"{where}: give 'betas' or Keras's 'beta_1'/'beta_2', not both")
        b1, b2 = kwargs.pop("beta_1", 0.9), kwargs.pop("beta_2", 0.999)  # Keras's defaults
        kwargs["betas"] = (b1, b2)
    params = _init_params(cls)
    keras_config = any(k in kwargs for k in _KERAS_OFF)  # Keras's options: a Keras config
    decay = kwargs.get("weight_decay")
    if keras_config and decay is not None and not getattr(cls, "_decoupled_decay", False):
        raise ValueError(
            f"{where}: Keras's weight_decay={decay!r} decays the weights directly (decoupled); "
            f"{cls.__name__}'s weight_decay is PyTorch's L2 term added to the gradient. Use "
            "deepgrad.optim.AdamW (decoupled, as Keras's) or leave weight_decay None"
        )
    for key, (off, instead) in _KERAS_OFF.items():
        if key in kwargs and (params is None or key not in params):
            value = kwargs.pop(key)
            if off is not ... and value != off:
                raise ValueError(f"{where}: Keras's {key}={value!r} is not supported: {instead}")
    if kwargs.get("weight_decay", 0) is None:  # Keras's "no decay"
        kwargs.pop("weight_decay")
    check_keywords(cls, kwargs, where)
    return cls(**kwargs)


@functools.cache
def _init_params(cls: type) -> frozenset[str] | None:
    """The keyword names ``cls(...)`` takes (``None``: it takes any, ``**kwargs``)."""
    params = inspect.signature(cls.__init__).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return None
    return frozenset(k for k in params if k != "self")


def check_keywords(cls: type, kwargs: dict[str, Any], where: str | None = None) -> None:
    """Refuse a keyword ``cls(...)`` does not take with a ``TypeError`` naming deepgrad's
    spelling of Keras's (``learning_rate`` → ``lr``) or the nearest valid one."""
    valid = _init_params(cls)
    if valid is None:
        return
    for key in kwargs:
        if key in valid:
            continue
        where = where or f"{cls.__name__}()"
        keras = _KERAS_SPELLINGS.get(key)
        if keras is not None:
            raise TypeError(
                f"{where} got Keras's keyword argument {key!r}; deepgrad's optimizers take "
                f"PyTorch's arguments: {keras}"
            )
        off = {k: why or _KERAS_OFF["use_ema"][1] for k, (_, why) in _KERAS_OFF.items()}
        raise unexpected_keyword(where, key, sorted(valid), off)
