"""The differential suite's tools: what it draws (shapes with 0-size axes and 0-d, values at
the kinks — 0, ±0, ties — and at float32's range ends) and how it compares deepgrad with
PyTorch 2.13 (values, then gradients, NaN where NaN and ±inf where ±inf).

Every test draws with ``hypothesis`` under :data:`DIFF` (few examples, no deadline,
derandomized so that CI draws the same cases every run); the tools reach the tests as the
session fixture ``diff`` (the suite runs with ``--import-mode=importlib``, where test modules
do not import each other).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import deepgrad as dg

F32 = np.finfo(np.float32)
#: values where functions bend, tie or overflow: zeros of both signs, ±1, the smallest normal
#: and a subnormal, the largest float32 and values near it, and a few moderate ones
SPECIALS = [0.0, -0.0, 1.0, -1.0, 0.5, -2.0, 3.0]
SPECIALS += [float(F32.tiny), -float(F32.tiny), 1e-45, float(F32.max), -float(F32.max), 1e38, -1e30]

settings.register_profile(
    "differential",
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
DIFF = settings.get_profile("differential")


class Diff:
    """Strategies and comparisons shared by the differential tests."""

    specials = SPECIALS

    @staticmethod
    def shapes(min_dims: int = 0, max_dims: int = 3, max_side: int = 3) -> Any:
        """Shapes of 0 to 3 dims (0-d included); about one in four has a 0-size axis."""

        @st.composite
        def draw(draw: Any) -> tuple[int, ...]:
            sides = draw(st.lists(st.integers(1, max_side), min_size=min_dims, max_size=max_dims))
            if sides and draw(st.sampled_from([False, False, False, True])):
                sides[draw(st.integers(0, len(sides) - 1))] = 0
            return tuple(sides)

        return draw()

    @staticmethod
    def broadcast_shapes(n: int = 2) -> Any:
        return hnp.mutually_broadcastable_shapes(
            num_shapes=n, min_dims=0, max_dims=3, min_side=0, max_side=3
        )

    @staticmethod
    def values(
        shape: tuple[int, ...],
        dtype: Any = np.float32,
        specials: Sequence[float] | None = None,
        lo: float = -4.0,
        hi: float = 4.0,
    ) -> Any:
        """Arrays mixing special values (kinks, ties, range ends) with moderate ones."""
        sp = list(SPECIALS if specials is None else specials)
        width = 32 if np.dtype(dtype) == np.float32 else 64
        elements = st.one_of(st.sampled_from(sp), st.floats(lo, hi, width=width))
        return hnp.arrays(np.dtype(dtype), shape, elements=elements)

    @staticmethod
    def pair(a: np.ndarray, grad: bool = True) -> tuple[dg.Tensor, Any]:
        import torch

        return (
            dg.tensor(a.copy(), requires_grad=grad),
            torch.tensor(a.copy(), requires_grad=grad),
        )

    @staticmethod
    def close(actual: Any, expected: Any, what: str, rtol: float = 2e-5, atol: float = 1e-6):
        """Equal shapes and dtypes; values close, NaN where NaN, the same infinities."""
        a = np.asarray(actual)
        e = np.asarray(expected)
        assert a.shape == e.shape, f"{what}: shape {a.shape} != torch's {e.shape}"
        assert a.dtype == e.dtype, f"{what}: dtype {a.dtype} != torch's {e.dtype}"
        if a.dtype.kind != "f":
            np.testing.assert_array_equal(a, e, err_msg=what)
            return
        np.testing.assert_array_equal(np.isnan(a), np.isnan(e), err_msg=f"{what}: NaN where")
        inf = np.isinf(e)
        np.testing.assert_array_equal(a[inf], e[inf], err_msg=f"{what}: infinities")
        fin = np.isfinite(e)
        a64, e64 = a[fin].astype(np.float64), e[fin].astype(np.float64)
        bad = np.abs(a64 - e64) > atol + rtol * np.maximum(np.abs(a64), np.abs(e64))
        assert not bad.any(), (
            f"{what}: {int(bad.sum())} values differ, e.g. {a[fin][bad][:3]} vs torch's "
            f"{e[fin][bad][:3]}"
        )

    def check(
        self,
        fn: Callable[..., Any],
        tfn: Callable[..., Any],
        arrays: Sequence[np.ndarray],
        what: str,
        grad: bool = True,
        **tol: float,
    ) -> None:
        """``fn`` on deepgrad tensors vs ``tfn`` on torch tensors: values, then the gradients
        of ``Σ out`` with respect to every input (where torch has one). Where torch raises,
        deepgrad must raise too."""
        xs, txs = zip(*(self.pair(a, grad) for a in arrays), strict=True)
        with np.errstate(all="ignore"):
            try:
                ty = tfn(*txs)
            except (RuntimeError, IndexError, ValueError) as err:
                with pytest.raises((ValueError, IndexError, RuntimeError, TypeError)):
                    fn(*xs)
                return err
            y = fn(*xs)
            ys = y if isinstance(y, tuple) else (y,)
            tys = ty if isinstance(ty, tuple) else (ty,)
            for i, (u, tu) in enumerate(zip(ys, tys, strict=True)):
                self.close(u.numpy(), tu.detach().numpy(), f"{what} value {i}", **tol)
            if not grad or not tys[0].requires_grad:
                return None
            sum(u.sum() for u in ys if u.dtype.kind == "f").backward()
            sum(tu.sum() for tu in tys if tu.is_floating_point()).backward()
        for i, (x, tx) in enumerate(zip(xs, txs, strict=True)):
            if tx.grad is None:
                continue
            assert x.grad is not None, f"{what}: no gradient for input {i}"
            self.close(x.grad.numpy(), tx.grad.numpy(), f"{what} grad {i}", **tol)
        return None


@pytest.fixture(scope="session")
def diff() -> Diff:
    pytest.importorskip("torch")
    return Diff()
