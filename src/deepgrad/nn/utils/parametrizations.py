"""PyTorch's ``nn.utils.parametrizations``: weight and spectral normalization and orthogonal
(unitary) matrices as parametrizations (:mod:`deepgrad.nn.utils.parametrize`).

- ``weight_norm``: ``w = g · v / ‖v‖`` with the norm over every dimension but ``dim``;
  ``g`` is ``parametrizations.weight.original0`` and ``v`` is ``original1``, as in PyTorch.
- ``spectral_norm``: ``w = W / σ(W)`` with ``σ ≈ uᵀ W v`` from power iteration on ``W``
  reshaped to a matrix (``dim`` first); ``u`` and ``v`` are buffers (``..._u``, ``..._v``)
  updated in training mode only. Their random start is drawn from deepgrad's seeded generator,
  so it differs from PyTorch's draws (copy ``_u``/``_v`` from a PyTorch model, or load its
  state dict, to get PyTorch's numbers).
- ``orthogonal``: ``W = Q`` with orthonormal columns (rows when wide), ``Q`` from the matrix
  exponential or the Cayley map of a skew-symmetric matrix or a product of Householder
  reflectors, times an orthogonal ``base`` buffer with ``use_trivialization=True``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import backend
from ...autograd import no_grad
from ...functional.decompositions import solve
from ...functional.householder import householder_product
from ...functional.matrix_exp import matrix_exp
from ...functional.shape import concat
from ...tensor import Tensor, as_tensor, eye, randn
from ..conv import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from ..module import Module
from . import parametrize

__all__ = ["orthogonal", "spectral_norm", "weight_norm"]


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


_ORTHOGONAL_MAPS = ("matrix_exp", "cayley", "householder")


def _batched(a: np.ndarray, fn: Any) -> np.ndarray:
    """``fn`` on each matrix of ``a`` (``(*, n, k)``), the results stacked back to ``a``'s batch
    shape (``fn`` keeps each matrix's shape)."""
    mats = a.reshape(-1, *a.shape[-2:])
    out = np.empty_like(mats)
    for i, mat in enumerate(mats):
        out[i] = fn(mat)
    return out.reshape(a.shape)


def _sgn(d: np.ndarray) -> np.ndarray:
    """PyTorch's ``sgn``: ``d / |d|`` (0 at 0), the sign for real ``d``."""
    if not np.iscomplexobj(d):
        return np.sign(d)
    mag = np.abs(d)
    return np.where(mag == 0, 0, d / np.where(mag == 0, 1, mag)).astype(d.dtype)


def _geqrf(mat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """LAPACK's ``geqrf`` of one matrix: the reflectors below R in one matrix, and ``tau``."""
    import scipy.linalg

    (h, tau), _ = scipy.linalg.qr(mat, mode="raw")
    return np.ascontiguousarray(h, dtype=mat.dtype), tau.astype(mat.dtype, copy=False)


def _is_orthogonal(q: np.ndarray) -> bool:
    """PyTorch's ``_is_orthogonal``: ``Qᴴ Q ≈ I`` within ``10 · n · eps`` (absolute)."""
    n, k = q.shape[-2:]
    eps = 10.0 * n * np.finfo(q.dtype).eps
    return bool(np.allclose(np.swapaxes(q, -2, -1).conj() @ q, np.eye(k, dtype=q.dtype), atol=eps))


def _make_orthogonal(a: np.ndarray) -> np.ndarray:
    """PyTorch's ``_make_orthogonal`` of a tall ``a``: the Q of ``a = QR`` with ``diag(R)``
    made non-negative (Q's columns times the signs of R's diagonal)."""
    import scipy.linalg

    def one(mat: np.ndarray) -> np.ndarray:
        q, r = scipy.linalg.qr(mat, mode="economic")
        return q * _sgn(np.diagonal(r))[None, :]

    return _batched(a, one)


def _householder_right_inverse(q: np.ndarray) -> np.ndarray:
    """``geqrf``'s reflectors of each (tall) matrix, the diagonal replaced by R's signs, flipped
    where ``tau == 0`` (LAPACK skipped that reflection), as PyTorch's ``right_inverse``."""

    def one(mat: np.ndarray) -> np.ndarray:
        h, tau = _geqrf(mat)
        d = np.sign(np.diagonal(h)).copy()
        d[tau == 0.0] *= -1
        np.fill_diagonal(h, d)
        return h

    return _batched(q, one)


class _Orthogonal(Module):
    base: Tensor | None

    def __init__(
        self, weight: Tensor, orthogonal_map: str, *, use_trivialization: bool = True
    ) -> None:
        super().__init__()
        # complex reflectors do not determine their tau (see PyTorch's note [Householder complex])
        if weight.is_complex() and orthogonal_map == "householder":
            raise ValueError("The householder parametrization does not support complex tensors.")
        self.shape = tuple(weight.shape)
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X: Tensor) -> Tensor:  # noqa: N803 - PyTorch's name
        n, k = X.shape[-2], X.shape[-1]
        transposed = n < k
        if transposed:  # work on the tall (n ≥ k) matrix
            X = X.mT
            n, k = k, n
        if self.orthogonal_map in ("matrix_exp", "cayley"):
            X = X.tril()
            if n != k:  # embed into an n × n matrix
                X = concat([X, X.new_zeros(n, n - k).expand(*X.shape[:-2], -1, -1)], dim=-1)
            A = X - X.mH  # skew-symmetric (skew-Hermitian)
            if self.orthogonal_map == "matrix_exp":
                Q = matrix_exp(A)
            else:  # Cayley: (I - A/2)⁻¹ (I + A/2)
                Id = eye(n, dtype=A.dtype)
                Q = solve(Id + -0.5 * A, Id + 0.5 * A)
            if n != k:
                Q = Q[..., :k]
        else:
            A = X.tril(-1)
            tau = 2.0 / (1.0 + (A * A).sum(dim=-2))
            Q = householder_product(A, tau)
            # X's diagonal holds the signs ±1, not differentiated (hence the integers)
            Q = Q * X.diagonal(dim1=-2, dim2=-1).int().unsqueeze(-2)
        if hasattr(self, "base"):
            Q = self.base @ Q
        return Q.mT if transposed else Q

    def right_inverse(self, Q: Tensor) -> Tensor:  # noqa: N803 - PyTorch's name
        if tuple(Q.shape) != self.shape:
            raise ValueError(
                f"Expected a matrix or batch of matrices of shape {self.shape}. "
                f"Got a tensor of shape {tuple(Q.shape)}."
            )
        with no_grad():
            q = backend.to_numpy(Q.detach()._data)
            n, k = q.shape[-2:]
            transpose = n < k
            if transpose:
                q = np.swapaxes(q, -2, -1)
                n, k = k, n
            if not hasattr(self, "base"):
                if self.orthogonal_map in ("matrix_exp", "cayley"):
                    raise NotImplementedError(
                        "It is not possible to assign to the matrix exponential "
                        "or the Cayley parametrizations when use_trivialization=False."
                    )
                a = _householder_right_inverse(q)
                a = np.swapaxes(a, -2, -1) if transpose else a
                return as_tensor(backend.xp.asarray(np.ascontiguousarray(a)))
            if n != k:  # complete Q to an n × n matrix with random columns
                extra = randn(*q.shape[:-2], n, n - k, dtype=Q.dtype)
                q = _make_orthogonal(np.concatenate([q, backend.to_numpy(extra._data)], -1))
            elif not _is_orthogonal(q):
                q = _make_orthogonal(q)
            self.base = as_tensor(backend.xp.asarray(np.array(q, dtype=q.dtype)))
            # -I as the original, so that the Householder map gives the identity from it
            neg_id = np.zeros(self.shape, dtype=q.dtype)
            idx = np.arange(min(n, k))
            neg_id[..., idx, idx] = -1
            return as_tensor(backend.xp.asarray(neg_id))


def orthogonal(
    module: Module,
    name: str = "weight",
    orthogonal_map: str | None = None,
    *,
    use_trivialization: bool = True,
) -> Module:
    """Make ``module.<name>`` an orthogonal (unitary, when complex) matrix, or a batch of them
    over the last two dimensions, as a parametrization (PyTorch's
    ``nn.utils.parametrizations.orthogonal``). For a ``(*, m, n)`` weight, ``Q`` has
    orthonormal columns, ``Qᴴ Q = I_n``, when ``m ≥ n`` and orthonormal rows, ``Q Qᴴ = I_m``,
    when ``m < n``. Returns ``module``.

    The parametrization works on the tall matrix (a wide ``X`` is transposed first, and ``Q``
    back at the end); with ``X`` ``(*, n, k)``, ``n ≥ k``:

    - ``"matrix_exp"``: ``A = L - Lᴴ`` with ``L`` = ``X.tril()`` padded with zero columns to
      ``n × n``; ``Q = exp(A)[..., :k]``.
    - ``"cayley"``: the same ``A``; ``Q = ((I - A/2)⁻¹ (I + A/2))[..., :k]`` (a
      ``linalg.solve``).
    - ``"householder"``: ``V = X.tril(-1)``, ``τ = 2 / (1 + Σ_rows V²)``,
      ``Q = householder_product(V, τ) · sign``, the signs being ``X``'s diagonal as integers
      (not differentiated). Real weights only.

    The default map is ``"matrix_exp"`` for square or complex weights, else ``"householder"``.
    With ``use_trivialization=True`` (default) an ``n × n`` orthogonal buffer ``base``
    (``module.parametrizations.<name>[0].base``) multiplies from the left, ``Q ← base @ Q``.

    Assigning ``module.<name> = W`` (and registering, with the current weight): with
    ``use_trivialization``, ``base`` becomes ``W`` if it is orthogonal to the dtype's
    tolerance, else the Q of its QR decomposition with ``R``'s diagonal made positive (a wide or
    tall ``W`` first completed to a square with ``randn`` columns from deepgrad's generator,
    so not PyTorch's draws), and the original becomes ``-I``, so that ``Q = W``. Without it,
    ``"householder"`` stores ``W``'s Householder reflectors (LAPACK's ``geqrf``, the signs of
    ``R`` on the diagonal); ``"matrix_exp"``/``"cayley"`` cannot be assigned to
    (``NotImplementedError``; registering keeps the weight as the original).

    >>> import deepgrad as dg
    >>> from deepgrad import nn
    >>> from deepgrad.nn.utils.parametrizations import orthogonal
    >>> m = orthogonal(nn.Linear(5, 3))  # weight (3, 5): orthonormal rows
    >>> w = m.weight
    >>> bool(dg.allclose(w @ w.T, dg.eye(3), atol=1e-6))
    True
    >>> tuple(m.parametrizations.weight.original.shape), m.parametrizations.weight[0].orthogonal_map
    ((3, 5), 'householder')
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if weight.ndim < 2:
        raise ValueError(
            f"Expected a matrix or batch of matrices. Got a tensor of {weight.ndim} dimensions."
        )
    if orthogonal_map is not None and not isinstance(orthogonal_map, str):
        raise TypeError(  # PyTorch's getattr(_OrthMaps, orthogonal_map) raises TypeError
            f'orthogonal_map must be a string, one of "matrix_exp", "cayley", "householder" '
            f"(or None for the default), got {type(orthogonal_map).__name__}"
        )
    if orthogonal_map is None:
        square = weight.shape[-2] == weight.shape[-1]
        orthogonal_map = "matrix_exp" if square or weight.is_complex() else "householder"
    if orthogonal_map not in _ORTHOGONAL_MAPS:
        raise ValueError(
            'orthogonal_map has to be one of "matrix_exp", "cayley", "householder". '
            f"Got: {orthogonal_map}"
        )
    orth = _Orthogonal(weight, orthogonal_map, use_trivialization=use_trivialization)
    parametrize.register_parametrization(module, name, orth, unsafe=True)
    return module
