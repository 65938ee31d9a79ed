"""Optimizers, learning-rate schedules and gradient clipping.

>>> import deepgrad as dg
>>> from deepgrad import optim
>>> w = dg.tensor([1.0, -2.0], requires_grad=True)
>>> opt = optim.SGD([w], lr=0.1)
>>> (w ** 2).sum().backward()
>>> opt.step()
>>> w
tensor([ 0.8000, -1.6000], requires_grad=True)

Optimizers can be built without parameters and bound later (what ``model.compile`` does)::

    opt = optim.Adam(lr=1e-3)
    opt.bind(model.parameters())
"""

from .adadelta import Adadelta
from .adafactor import Adafactor
from .adagrad import Adagrad
from .adam import Adam, AdamW, NAdam
from .adamax import Adamax
from .asgd import ASGD
from ..nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_
from .lbfgs import LBFGS
from .muon import Muon
from .optimizer import Optimizer, get
from .radam import RAdam
from .rmsprop import RMSprop
from .rprop import Rprop
from .schedules import (
    ChainedScheduler,
    ConstantLR,
    CosineAnnealingLR,
    CosineAnnealingWarmRestarts,
    CyclicLR,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    LRScheduler,
    MultiplicativeLR,
    MultiStepLR,
    OneCycleLR,
    PolynomialLR,
    ReduceLROnPlateau,
    SequentialLR,
    StepLR,
)
from .sgd import SGD, Momentum
from .sparse_adam import SparseAdam
from . import lr_scheduler, swa_utils

__all__ = [
    "ASGD",
    "SGD",
    "Adadelta",
    "Adafactor",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "ChainedScheduler",
    "ConstantLR",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "CyclicLR",
    "ExponentialLR",
    "LBFGS",
    "LRScheduler",
    "LambdaLR",
    "LinearLR",
    "Momentum",
    "Muon",
    "MultiStepLR",
    "MultiplicativeLR",
    "NAdam",
    "OneCycleLR",
    "Optimizer",
    "PolynomialLR",
    "RAdam",
    "RMSprop",
    "ReduceLROnPlateau",
    "Rprop",
    "SequentialLR",
    "SparseAdam",
    "StepLR",
    "clip_grad_norm_",
    "clip_grad_value_",
    "get",
    "lr_scheduler",
    "swa_utils",
]


#: Old names, PyTorch's since: each is the same class as its PyTorch name (deprecated; one
#: name per thing). ``Nadam`` was also Keras's name, but not Keras's contract (PyTorch's
#: arguments and defaults: ``lr=2e-3``, ``eps=1e-8``).
_DEPRECATED = {"AdaGrad": "Adagrad", "AdaDelta": "Adadelta", "RMSProp": "RMSprop", "Nadam": "NAdam"}


def __getattr__(name: str) -> type:
    new = _DEPRECATED.get(name)
    if new is None:
        raise AttributeError(f"module 'deepgrad.optim' has no attribute {name!r}")
    import warnings

    warnings.warn(
        f"deepgrad.optim.{name} is deprecated: use deepgrad.optim.{new} (PyTorch's name, the "
        "same class)",
        DeprecationWarning,
        stacklevel=2,
    )
    return globals()[new]
