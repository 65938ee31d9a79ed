"""PyTorch's older ``nn.utils.spectral_norm`` / ``remove_spectral_norm``: spectral
normalization as a forward pre-hook. ``weight`` moves to the parameter ``weight_orig``, with
buffers ``weight_u`` / ``weight_v`` for power iteration; before every forward
``weight = weight_orig / σ``, ``σ = uᵀ W v`` after ``n_power_iterations`` steps (training mode
only). The random start of ``u``/``v`` comes from deepgrad's seeded generator, not PyTorch's:
load PyTorch's ``weight_u``/``weight_v`` to reproduce its numbers.
"""

from __future__ import annotations

from typing import Any

from ...autograd import no_grad
from ...tensor import Tensor, randn
from ..conv import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from ..module import Module
from ..parameter import Parameter, refuse_uninitialized
from .parametrizations import _l2_normalize

__all__ = ["SpectralNorm", "remove_spectral_norm", "spectral_norm"]


class SpectralNorm:
    """The forward pre-hook that sets ``module.<name>`` to ``<name>_orig / σ``."""

    def __init__(
        self, name: str = "weight", n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12
    ) -> None:
        self.name = name
        self.dim = dim
        if n_power_iterations <= 0:
            raise ValueError(
                "Expected n_power_iterations to be positive, but "
                f"got n_power_iterations={n_power_iterations}"
            )
        self.n_power_iterations = n_power_iterations
        self.eps = eps

    def reshape_weight_to_matrix(self, weight: Tensor) -> Tensor:
        if self.dim != 0:
            weight = weight.permute(self.dim, *[d for d in range(weight.ndim) if d != self.dim])
        return weight.reshape(weight.shape[0], -1)

    def compute_weight(self, module: Module, do_power_iteration: bool) -> Tensor:
        weight = getattr(module, self.name + "_orig")
        u = getattr(module, self.name + "_u")
        v = getattr(module, self.name + "_v")
        weight_mat = self.reshape_weight_to_matrix(weight)
        if do_power_iteration:
            with no_grad():
                wm = weight_mat.detach()
                for _ in range(self.n_power_iterations):  # in place, as PyTorch's out=
                    v._data = _l2_normalize(wm.T @ u, self.eps)._data
                    u._data = _l2_normalize(wm @ v, self.eps)._data
            u, v = u.detach(), v.detach()
        sigma = (u * (weight_mat @ v)).sum()
        return weight / sigma

    def remove(self, module: Module) -> None:
        with no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        for suffix in ("", "_u", "_v", "_orig"):
            delattr(module, self.name + suffix)
        module.register_parameter(self.name, Parameter(weight.detach()))

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module, do_power_iteration=module.training))

    @staticmethod
    def apply(
        module: Module, name: str, n_power_iterations: int, dim: int, eps: float
    ) -> SpectralNorm:
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, SpectralNorm) and hook.name == name:
                raise RuntimeError(
                    f"Cannot register two spectral_norm hooks on the same parameter {name}"
                )
        fn = SpectralNorm(name, n_power_iterations, dim, eps)
        weight = module._parameters.get(name)
        if weight is None:
            raise ValueError(f"`SpectralNorm` cannot be applied as parameter `{name}` is None")
        refuse_uninitialized(weight, "SpectralNorm", "spectral normalization")
        with no_grad():
            h, w = fn.reshape_weight_to_matrix(weight).shape
            u = _l2_normalize(randn(h, dtype=weight.dtype), fn.eps)
            v = _l2_normalize(randn(w, dtype=weight.dtype), fn.eps)
        delattr(module, fn.name)
        module.register_parameter(fn.name + "_orig", weight)
        setattr(module, fn.name, weight.detach())
        module.register_buffer(fn.name + "_u", u)
        module.register_buffer(fn.name + "_v", v)
        module.register_forward_pre_hook(fn)
        return fn


def spectral_norm(
    module: Module,
    name: str = "weight",
    n_power_iterations: int = 1,
    eps: float = 1e-12,
    dim: int | None = None,
) -> Module:
    """Spectral normalization of ``module.<name>`` by a forward pre-hook (PyTorch's
    ``nn.utils.spectral_norm``): ``<name>_orig`` is learned, ``<name>_u``/``<name>_v`` are
    the power-iteration buffers, and before every forward ``<name> = <name>_orig / σ``.
    ``dim`` defaults to 1 for ``ConvTranspose`` layers, else 0. Returns ``module``."""
    if dim is None:
        dim = 1 if isinstance(module, (ConvTranspose1d, ConvTranspose2d, ConvTranspose3d)) else 0
    SpectralNorm.apply(module, name, n_power_iterations, dim, eps)
    return module


def remove_spectral_norm(module: Module, name: str = "weight") -> Module:
    """Undo :func:`spectral_norm`: ``<name>`` is a plain parameter again holding
    ``<name>_orig / σ`` (with the current ``u``, ``v``). Returns ``module``."""
    hooks = module._forward_pre_hooks
    for k, hook in list(hooks.items()):
        if isinstance(hook, SpectralNorm) and hook.name == name:
            hook.remove(module)
            del hooks[k]
            return module
    raise ValueError(f"spectral_norm of '{name}' not found in {module}")
