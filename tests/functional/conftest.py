"""The argument-space fuzz's harness (``fuzz`` fixture): one call runs the same function on
torch 2.13 and on deepgrad and compares them. Where torch raises, deepgrad must raise; where
torch returns, deepgrad returns the same shapes, dtypes and values (rtol 1e-5 in float32, 1e-10
in float64; gradients 1e-4 in float32) and, for a random upstream gradient, the same
gradients of every float input and of the parameters named. Every case runs; the failures are
collected and reported together, each with the case that produced it, so one run lists every
divergence a seed finds. A case where torch's own backward fails (2.13: ``group_norm`` with a
bias and no weight; ``index_fill``'s value with negative indices) is recorded in
``torch_backward_errors`` and its gradients not compared.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest

import deepgrad as dg


class NC:
    """An input passed non-contiguous: stored with its last two axes swapped, then
    transposed back in both frameworks (so the function sees a strided view)."""

    def __init__(self, a: np.ndarray) -> None:
        self.a = a


class Const:
    """An input passed as a tensor that does not require a gradient (a class weight, a
    running statistic: torch refuses a gradient there)."""

    def __init__(self, a: np.ndarray) -> None:
        self.a = a


class Fuzz:
    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.failures: list[str] = []
        self.cases = 0
        self.raised = 0
        self.torch_backward_errors: list[str] = []

    # ---- drawing -------------------------------------------------------------------------
    def pick(self, options: Sequence[Any]) -> Any:
        return options[int(self.rng.integers(len(options)))]

    def int(self, lo: int, hi: int) -> int:
        """An integer in [lo, hi]."""
        return int(self.rng.integers(lo, hi + 1))

    def chance(self, p: float) -> bool:
        return bool(self.rng.random() < p)

    def array(self, shape: Sequence[int], dtype: Any = np.float32, lo=-2.0, hi=2.0):
        return self.rng.uniform(lo, hi, size=tuple(shape)).astype(dtype)

    @staticmethod
    def const(a: np.ndarray) -> Const:
        return Const(a)

    def maybe_nc(self, a: np.ndarray) -> Any:
        """About one in four arrays with at least two axes travels non-contiguous."""
        if a.ndim >= 2 and self.chance(0.25):
            return NC(np.ascontiguousarray(np.swapaxes(a, -1, -2)))
        return a

    # ---- running -------------------------------------------------------------------------
    @staticmethod
    def _leaf(lib: Any, a: Any):
        nc = isinstance(a, NC)
        arr = a.a if isinstance(a, NC | Const) else a
        if isinstance(arr, np.ndarray):
            grad = arr.dtype.kind == "f" and not isinstance(a, Const)
            if lib is dg:
                leaf = dg.tensor(arr.copy(), requires_grad=grad)
            else:
                import torch

                leaf = torch.tensor(arr.copy(), requires_grad=grad)
            return leaf, (leaf.transpose(-1, -2) if nc else leaf)
        return None, arr

    def _run(self, lib: Any, fn: Callable, args: Sequence[Any]):
        leaves, xs = zip(*(self._leaf(lib, a) for a in args), strict=True) if args else ((), ())
        return leaves, fn(lib, *xs)

    def _close(self, a: np.ndarray, e: np.ndarray, what: str, tol: float | None) -> str | None:
        if a.shape != e.shape:
            return f"{what}: shape {a.shape} vs torch {e.shape}"
        if a.dtype != e.dtype:
            return f"{what}: dtype {a.dtype} vs torch {e.dtype}"
        if a.dtype.kind not in "fc":
            if not np.array_equal(a, e):
                return f"{what}: values differ ({int((a != e).sum())} of {a.size})"
            return None
        if tol is None:
            tol = 1e-5 if a.dtype == np.float32 else 1e-10
        atol = tol if a.dtype == np.float32 or tol > 1e-9 else 1e-9
        ok = np.isclose(a, e, rtol=tol, atol=atol * max(1.0, float(np.abs(e).max(initial=0))))
        ok |= np.isnan(a) & np.isnan(e)
        if not ok.all():
            err = float(np.nanmax(np.abs(a.astype(np.float64) - e)))
            return f"{what}: {int((~ok).sum())} of {a.size} differ (max abs err {err:.3g})"
        return None

    def check(
        self,
        what: str,
        fn: Callable[..., Any],
        args: Sequence[Any],
        params: tuple[Sequence[Any], Sequence[Any]] | None = None,
        grad: bool = True,
        tol: float | None = None,
        grad_tol: float | None = None,
        finite_grad_only: bool = False,
    ) -> None:
        """``fn(lib, *tensors)`` with lib = torch, then lib = deepgrad."""
        import torch

        self.cases += 1
        with np.errstate(all="ignore"):
            try:
                tleaves, ty = self._run(torch, fn, args)
            except Exception as terr:  # noqa: BLE001 - any torch error is an error case
                self.raised += 1
                try:
                    self._run(dg, fn, args)
                except Exception:  # noqa: BLE001
                    return
                self.failures.append(f"{what}: torch raises ({str(terr)[:90]!r}), deepgrad returns")
                return
            try:
                leaves, y = self._run(dg, fn, args)
            except Exception as err:  # noqa: BLE001
                self.failures.append(f"{what}: deepgrad raises {type(err).__name__}: {err}"[:300])
                return
            ys = y if isinstance(y, tuple | list) else (y,)
            tys = ty if isinstance(ty, tuple | list) else (ty,)
            if len(ys) != len(tys):
                self.failures.append(f"{what}: {len(ys)} outputs vs torch {len(tys)}")
                return
            for i, (u, tu) in enumerate(zip(ys, tys, strict=True)):
                if tu is None:
                    continue
                if i and finite_grad_only and not bool(torch.isfinite(tys[0]).all()):
                    break  # a max-pool window wholly in the padding: torch's index is arbitrary
                bad = self._close(u.detach().numpy(), tu.detach().numpy(), f"{what} out{i}", tol)
                if bad:
                    self.failures.append(bad)
                    return
            if not grad:
                return
            if finite_grad_only and not all(
                bool(torch.isfinite(t).all())
                for t in tys
                if t is not None and t.is_floating_point()
            ):
                return  # e.g. a max-pool window wholly in the padding: -inf, arbitrary index
            pairs = [(u, tu) for u, tu in zip(ys, tys, strict=True) if tu is not None]
            pairs = [(u, tu) for u, tu in pairs if tu.requires_grad and tu.numel() > 0]
            if not pairs:
                return
            tl, dl = 0, 0
            for u, tu in pairs:
                g = self.rng.standard_normal(tuple(tu.shape)).astype(tu.detach().numpy().dtype)
                tl = tl + (tu * torch.tensor(g)).sum()
                dl = dl + (u * dg.tensor(g)).sum()
            try:
                tl.backward()
            except (RuntimeError, IndexError) as err:  # torch's own backward failing (an
                # empty group_norm; index_fill's value with negative indices: IndexError)
                self.torch_backward_errors.append(f"{what}: {err}")
                return
            try:
                dl.backward()
            except Exception as err:  # noqa: BLE001
                self.failures.append(
                    f"{what}: deepgrad backward raises {type(err).__name__}: {err}"
                )
                return
            # float32 gradients pass through reductions (and cancel where a normalisation
            # has few values): 1e-4 relative; float64 1e-10 unless told
            gt = grad_tol if grad_tol is not None else (None if tol is None else tol * 3)
            tl_all = list(tleaves) + (list(params[0]) if params else [])
            dl_all = list(leaves) + (list(params[1]) if params else [])
            for i, (x, tx) in enumerate(zip(dl_all, tl_all, strict=True)):
                if tx is None or tx.grad is None:
                    continue
                if x.grad is None:
                    if np.any(tx.grad.numpy() != 0):
                        self.failures.append(f"{what}: no gradient for input {i}")
                    continue
                g32 = gt if gt is not None or x.grad.dtype != np.float32 else 1e-4
                bad = self._close(x.grad.numpy(), tx.grad.numpy(), f"{what} grad{i}", g32)
                if bad:
                    self.failures.append(bad)
                    return

    def report(self, min_cases: int = 0) -> None:
        assert self.cases >= min_cases
        if self.failures:
            head = "\n".join(self.failures[:25])
            pytest.fail(f"{len(self.failures)} of {self.cases} cases diverge:\n{head}")


@pytest.fixture
def fuzz() -> Callable[[int], Fuzz]:
    pytest.importorskip("torch")
    return Fuzz


def copy_module(tmod: Any, dmod: Any) -> tuple[list[Any], list[Any]]:
    """Load torch's weights into the deepgrad module; return both parameter lists (in the
    same order) for the gradient comparison."""
    dmod.load_state_dict({k: v.detach().numpy().copy() for k, v in tmod.state_dict().items()})
    tp = dict(tmod.named_parameters())
    dp = dict(dmod.named_parameters())
    return [tp[k] for k in tp], [dp[k] for k in tp]


@pytest.fixture
def copy_weights() -> Callable[[Any, Any], tuple[list[Any], list[Any]]]:
    return copy_module
