"""Optimizers, learning-rate schedules and gradient clipping.

>>> import deepgrad as dg
>>> from deepgrad import optim
>>> w = dg.tensor([1.0, -2.0], requires_grad=True)
>>> opt = optim.SGD([w], lr=0.1)
>>> (w ** 2).sum().backward()
>>> opt.step()
>>> w
tensor([ 0.8, -1.6], requires_grad=True)

Optimizers can be built without parameters and bound later (what ``model.compile`` does)::

    opt = optim.Adam(lr=1e-3)
    opt.bind(model.parameters())
"""

from .adadelta import AdaDelta
from .adagrad import AdaGrad
from .adam import Adam, AdamW, NAdam, Nadam
from .adamax import Adamax
from .asgd import ASGD
from .clip import clip_grad_norm_, clip_grad_value_
from .optimizer import Optimizer, get
from .radam import RAdam
from .rmsprop import RMSProp
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

__all__ = [
    "ASGD",
    "SGD",
    "AdaDelta",
    "AdaGrad",
    "Adam",
    "AdamW",
    "Adamax",
    "ChainedScheduler",
    "ConstantLR",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "CyclicLR",
    "ExponentialLR",
    "LRScheduler",
    "LambdaLR",
    "LinearLR",
    "Momentum",
    "MultiStepLR",
    "MultiplicativeLR",
    "NAdam",
    "Nadam",
    "OneCycleLR",
    "Optimizer",
    "PolynomialLR",
    "RAdam",
    "RMSProp",
    "ReduceLROnPlateau",
    "Rprop",
    "SequentialLR",
    "StepLR",
    "clip_grad_norm_",
    "clip_grad_value_",
    "get",
]
