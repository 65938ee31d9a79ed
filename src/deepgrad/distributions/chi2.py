"""PyTorch's ``torch.distributions.Chi2``: the chi-square with ``df`` degrees of freedom,
``Gamma(df / 2, 1 / 2)``."""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from . import constraints
from .univariate import Gamma

__all__ = ["Chi2"]


class Chi2(Gamma):
    """Chi2(``df``) = Gamma(``0.5 df``, ``0.5``): mean ``df``, variance ``2 df``;
    ``rsample`` is Gamma's (reparameterized).

    >>> import deepgrad as dg
    >>> from deepgrad.distributions import Chi2
    >>> Chi2(dg.tensor([3.0])).variance.tolist()
    [6.0]
    """

    arg_constraints = {"df": constraints.positive}

    def __init__(self, df: Any, validate_args: bool | None = None) -> None:
        super().__init__(0.5 * df, 0.5, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Chi2:
        new = self._get_checked_instance(Chi2, _instance)
        return super().expand(batch_shape, new)

    @property
    def df(self) -> Tensor:
        return self.concentration * 2
