"""PyTorch's ``torch.distributions.Distribution``: the base class of every distribution.

A distribution has a ``batch_shape`` (independent distributions of different parameters) and
an ``event_shape`` (one draw); ``sample(sample_shape)`` returns ``sample_shape + batch_shape +
event_shape`` draws without a graph, ``rsample`` the same reparameterized (gradients flow to
the parameters). Draws come from deepgrad's seeded generator: ``dg.manual_seed`` decides them
(the numbers are NumPy's, not PyTorch's, for the same seed).

Validation is on by default, as in PyTorch (off under ``python -O``):
``Distribution.set_default_validate_args(False)`` or ``validate_args=False`` turns it off.
"""

from __future__ import annotations

import warnings
from typing import Any

from ..autograd import no_grad
from ..tensor import Size, Tensor
from . import constraints
from .utils import lazy_property

__all__ = ["Distribution"]


def _size(shape: Any) -> Size:
    if isinstance(shape, int):
        shape = (shape,)
    return Size(tuple(int(s) for s in shape))


def _invalid_parameter(
    dist: Any, param: str, value: Tensor, requirement: str, invalid: Any
) -> ValueError:
    """PyTorch's ValueError for a parameter of ``dist`` that does not meet ``requirement``
    ('satisfy the constraint ...,', 'be positive'): the parameter's name, type and shape, the
    distribution, and ``invalid`` (the values, or the invalid ones)."""
    return ValueError(
        f"Expected parameter {param} ({type(value).__name__} of shape {tuple(value.shape)}) "
        f"of distribution {dist!r} to {requirement} but found invalid values:\n{invalid}"
    )


class Distribution:
    """The abstract base class: subclasses define ``arg_constraints``, ``support`` and the
    methods they can compute."""

    has_rsample = False
    has_enumerate_support = False
    _validate_args = __debug__

    @staticmethod
    def set_default_validate_args(value: bool) -> None:
        """Turn argument validation on or off for every distribution made afterwards that is
        not given ``validate_args``."""
        if value not in [True, False]:
            raise ValueError(f"set_default_validate_args expects True or False, got {value!r}")
        Distribution._validate_args = value

    def __init__(
        self,
        batch_shape: Any = (),
        event_shape: Any = (),
        validate_args: bool | None = None,
    ) -> None:
        self._batch_shape = _size(batch_shape)
        self._event_shape = _size(event_shape)
        if validate_args is not None:
            self._validate_args = validate_args
        if self._validate_args:
            self._validate_parameters()

    def _validate_parameters(self) -> None:
        try:
            arg_constraints = self.arg_constraints
        except NotImplementedError:
            arg_constraints = {}
            warnings.warn(
                f"{self.__class__} does not define `arg_constraints`. Please set "
                "`arg_constraints = {}` or initialize the distribution with "
                "`validate_args=False` to turn off validation.",
                stacklevel=3,
            )
        for param, constraint in arg_constraints.items():
            if constraints.is_dependent(constraint):
                continue
            if param not in self.__dict__ and isinstance(
                getattr(type(self), param, None), lazy_property
            ):
                continue  # a lazily computed parameter is not checked
            value = getattr(self, param)
            if not bool(constraint.check(value).all()):
                requirement = f"satisfy the constraint {constraint!r},"
                raise _invalid_parameter(self, param, value, requirement, value)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        """A distribution with the parameters expanded to ``batch_shape``."""
        raise NotImplementedError

    def _expanded(self, new: Any, batch_shape: Any, event_shape: Any = ()) -> Any:
        """``new``, the instance ``expand`` gave this one's parameters expanded, made a
        distribution of ``batch_shape`` and ``event_shape`` (not validated again) that
        validates as this one does."""
        Distribution.__init__(new, batch_shape, event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def batch_shape(self) -> Size:
        """The shape over which parameters are batched."""
        return self._batch_shape

    @property
    def event_shape(self) -> Size:
        """The shape of one draw."""
        return self._event_shape

    @property
    def arg_constraints(self) -> dict:
        """The constraint each parameter must satisfy."""
        raise NotImplementedError

    @property
    def support(self) -> Any:
        """The constraint the values satisfy."""
        raise NotImplementedError

    @property
    def mean(self) -> Tensor:
        raise NotImplementedError

    @property
    def mode(self) -> Tensor:
        raise NotImplementedError(f"{self.__class__} does not implement mode")

    @property
    def variance(self) -> Tensor:
        raise NotImplementedError

    @property
    def stddev(self) -> Tensor:
        return self.variance.sqrt()

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """``sample_shape + batch_shape + event_shape`` draws, recording no graph."""
        with no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """Reparameterized draws: gradients flow to the parameters."""
        raise NotImplementedError

    def sample_n(self, n: int) -> Tensor:
        """Deprecated: ``sample((n,))``."""
        warnings.warn(
            "`sample_n(n)` will be deprecated. Use `sample((n,))` instead.",
            FutureWarning,
            stacklevel=2,
        )
        return self.sample(Size((n,)))

    def log_prob(self, value: Tensor) -> Tensor:
        raise NotImplementedError

    def cdf(self, value: Tensor) -> Tensor:
        raise NotImplementedError

    def icdf(self, value: Tensor) -> Tensor:
        raise NotImplementedError

    def enumerate_support(self, expand: bool = True) -> Tensor:
        raise NotImplementedError

    def entropy(self) -> Tensor:
        raise NotImplementedError

    def perplexity(self) -> Tensor:
        """``exp(entropy())``."""
        return self.entropy().exp()

    def _extended_shape(self, sample_shape: Any = ()) -> Size:
        return Size(tuple(_size(sample_shape)) + self._batch_shape + self._event_shape)

    def _validate_sample(self, value: Tensor) -> None:
        """Refuse a value whose shape does not fit or that lies outside the support."""
        if not isinstance(value, Tensor):
            raise ValueError("The value argument to log_prob must be a Tensor")
        start = value.dim() - len(self._event_shape)
        if tuple(value.shape[start:]) != tuple(self._event_shape):
            raise ValueError(
                f"The right-most size of value must match event_shape: {value.size()} vs "
                f"{self._event_shape}."
            )
        actual, expected = value.size(), Size(self._batch_shape + self._event_shape)
        for i, j in zip(reversed(actual), reversed(expected)):
            if i != 1 and j != 1 and i != j:
                raise ValueError(
                    "Value is not broadcastable with batch_shape+event_shape: "
                    f"{actual} vs {expected}."
                )
        try:
            support = self.support
        except NotImplementedError:
            warnings.warn(
                f"{self.__class__} does not define `support` to enable sample validation. "
                "Please initialize the distribution with `validate_args=False` to turn off "
                "validation.",
                stacklevel=3,
            )
            return
        if not bool(support.check(value).all()):
            raise ValueError(
                f"Expected value argument ({type(value).__name__} of shape "
                f"{tuple(value.shape)}) to be within the support ({support!r}) of the "
                f"distribution {self!r}, but found invalid values:\n{value}"
            )

    def _get_checked_instance(self, cls: type, _instance: Any = None) -> Any:
        if _instance is None and type(self).__init__ != cls.__init__:
            raise NotImplementedError(
                f"Subclass {self.__class__.__name__} of {cls.__name__} that defines a custom "
                "__init__ method must also define a custom .expand() method."
            )
        return self.__new__(type(self)) if _instance is None else _instance

    def __repr__(self) -> str:
        try:
            names = [k for k in self.arg_constraints if k in self.__dict__]
        except NotImplementedError:
            names = []
        args = ", ".join(
            f"{p}: {v if v.numel() == 1 else v.size()}" for p in names for v in (self.__dict__[p],)
        )
        return f"{self.__class__.__name__}({args})"
