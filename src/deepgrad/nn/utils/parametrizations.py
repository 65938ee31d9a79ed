"""PyTorch's ``nn.utils.parametrizations``: weight and spectral normalization as
parametrizations (:mod:`deepgrad.nn.utils.parametrize`).

- ``weight_norm``: ``w = g · v / ‖v‖`` with the norm over every dimension but ``dim``;
  ``g`` is ``parametrizations.weight.original0`` and ``v`` is ``original1``, as in PyTorch.
- ``spectral_norm``: ``w = W / σ(W)`` with ``σ ≈ uᵀ W v`` from power iteration on ``W``
  reshaped to a matrix (``dim`` first); ``u`` and ``v`` are buffers (``..._u``, ``..._v``)
  updated in training mode only. Their random start is drawn from deepgrad's seeded generator,
  so it differs from PyTorch's draws (copy ``_u``/``_v`` from a PyTorch model, or load its
  state dict, to get PyTorch's numbers).
"""

from __future__ import annotations

from ...autograd import no_grad
from ...tensor import Tensor, randn
from ..conv import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from ..module import Module
from . import parametrize


def _norm_except_dim(v: Tensor, dim: int) -> Tensor:
    """PyTorch's ``norm_except_dim(v, 2, dim)``: the 2-norm over every dimension but ``dim``,
    kept as size-1 dimensions; ``dim=-1`` is the norm of the whole tensor (a 0-d tensor)."""
    if dim == -1:
        return v.norm()
    dims = tuple(d for d in range(v.ndim) if d != dim)
    return v.norm(dim=dims, keepdim=True) if dims else v.abs()


def _weight_norm(v: Tensor, g: Tensor, dim: int) -> Tensor:
    """PyTorch's ``_weight_norm(v, g, dim)``: ``v · g / norm_except_dim(v, 2, dim)``."""
    return v * (g / _norm_except_dim(v, dim))


class _WeightNorm(Module):
    def __init__(self, dim: int | None = 0) -> None:
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:
        return _weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight: Tensor) -> tuple[Tensor, Tensor]:
        return _norm_except_dim(weight, self.dim), weight


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Weight normalization (Salimans & Kingma, 2016) of ``module.<name>`` as a
    parametrization: ``w = g · v / ‖v‖``, the norm taken per slice along ``dim`` (over the
    whole tensor with ``dim=None``). ``g`` is ``module.parametrizations.<name>.original0``,
    ``v`` is ``original1``. Returns ``module``.

    PyTorch also renames an old-style state dict's ``weight_g``/``weight_v`` on loading;
    deepgrad has no load-state-dict hooks, so rename those keys before loading.
    """
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    return module


def _l2_normalize(x: Tensor, eps: float) -> Tensor:
    return x / x.norm().clip(eps, None)


class _SpectralNorm(Module):
    def __init__(
        self, weight: Tensor, n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12
    ) -> None:
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError(
                f"Dimension out of range (expected to be in range of [-{ndim}, {ndim - 1}] "
                f"but got {dim})"
            )
        if n_power_iterations <= 0:
            raise ValueError(
                "Expected n_power_iterations to be positive, but "
                f"got n_power_iterations={n_power_iterations}"
            )
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            with no_grad():
                weight_mat = self._reshape_weight_to_matrix(weight.detach())
            h, w = weight_mat.shape
            u = randn(h, dtype=weight.dtype)
            v = randn(w, dtype=weight.dtype)
            self.register_buffer("_u", _l2_normalize(u, eps))
            self.register_buffer("_v", _l2_normalize(v, eps))
            self._power_method(weight_mat, 15)

    def _reshape_weight_to_matrix(self, weight: Tensor) -> Tensor:
        if self.dim != 0:
            weight = weight.permute(self.dim, *(d for d in range(weight.ndim) if d != self.dim))
        return weight.flatten(1)

    def _power_method(self, weight_mat: Tensor, n_power_iterations: int) -> None:
        """Update ``_u``/``_v`` in place (their identity kept, as PyTorch's ``out=``)."""
        with no_grad():
            wm = weight_mat.detach()
            for _ in range(n_power_iterations):
                self._u._data = _l2_normalize(wm @ self._v, self.eps)._data
                self._v._data = _l2_normalize(wm.T @ self._u, self.eps)._data

    def forward(self, weight: Tensor) -> Tensor:
        if weight.ndim == 1:
            return _l2_normalize(weight, self.eps)
        weight_mat = self._reshape_weight_to_matrix(weight)
        if self.training:
            self._power_method(weight_mat, self.n_power_iterations)
        u, v = self._u.detach(), self._v.detach()
        sigma = (u * (weight_mat @ v)).sum()
        return weight / sigma

    def right_inverse(self, value: Tensor) -> Tensor:
        return value


def spectral_norm(
    module: Module,
    name: str = "weight",
    n_power_iterations: int = 1,
    eps: float = 1e-12,
    dim: int | None = None,
) -> Module:
    """Spectral normalization (Miyato et al., 2018) of ``module.<name>`` as a
    parametrization: ``w = W / σ(W)``, ``σ`` estimated by ``n_power_iterations`` steps of
    power iteration per access in training mode (the vectors are
    ``module.parametrizations.<name>[0]._u`` / ``._v``; in eval mode they stay put). ``dim``
    defaults to 1 for ``ConvTranspose`` layers, else 0. A 1-d tensor is simply divided by its
    norm. Returns ``module``.

    The initial ``u``/``v`` are drawn from deepgrad's seeded generator (then 15 power
    iterations), not PyTorch's: copy them from a PyTorch model to reproduce its numbers.
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        dim = 1 if isinstance(module, (ConvTranspose1d, ConvTranspose2d, ConvTranspose3d)) else 0
    parametrize.register_parametrization(
        module, name, _SpectralNorm(weight, n_power_iterations, dim, eps)
    )
    return module
