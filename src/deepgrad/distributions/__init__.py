"""``deepgrad.distributions``: PyTorch's ``torch.distributions`` — probability distributions
with ``sample``/``rsample`` (reparameterized, gradients flow to the parameters),
``log_prob``, ``entropy``, moments and ``kl_divergence``, for policy gradients (REINFORCE,
actor-critic, PPO) and variational models (VAEs).

>>> import deepgrad as dg
>>> from deepgrad.distributions import Categorical
>>> logits = dg.zeros(3, requires_grad=True)
>>> m = Categorical(logits=logits)
>>> a = m.sample()
>>> (-m.log_prob(a)).backward()
>>> logits.grad.shape
(3,)

Draws come from deepgrad's seeded generator (``dg.manual_seed`` decides them; the numbers are
NumPy's, not PyTorch's, for the same seed). Validation of parameters and of ``log_prob``'s
values is on by default, as in PyTorch.
"""

from . import constraints
from .bernoulli import Bernoulli
from .categorical import Categorical
from .distribution import Distribution
from .independent import Independent
from .kl import kl_divergence, register_kl
from .mixture_same_family import MixtureSameFamily
from .multivariate_normal import MultivariateNormal
from .normal import Normal
from .one_hot_categorical import OneHotCategorical, OneHotCategoricalStraightThrough
from . import transforms
from .transforms import TransformedDistribution
from .uniform import Uniform
from .univariate import (
    Beta,
    Cauchy,
    Exponential,
    Gamma,
    Gumbel,
    HalfNormal,
    Laplace,
    LogNormal,
    Poisson,
    StudentT,
)

__all__ = [
    "Bernoulli", "Beta", "Categorical", "Cauchy", "Distribution", "Exponential", "Gamma",
    "Gumbel", "HalfNormal", "Independent", "Laplace", "LogNormal", "MixtureSameFamily",
    "MultivariateNormal", "Normal", "OneHotCategorical", "OneHotCategoricalStraightThrough",
    "Poisson", "StudentT", "TransformedDistribution", "Uniform", "constraints",
    "kl_divergence", "register_kl", "transforms",
]  # fmt: skip
