"""PyTorch's ``torch.backends`` flags and the global precision/determinism switches, so that
programs setting them run: ``cudnn``, ``cuda`` and ``mps`` (settable, with no effect: deepgrad
runs on NumPy, or CuPy with ``dg.set_backend("cupy")``), ``set_float32_matmul_precision`` and
``use_deterministic_algorithms`` (re-exported as ``dg.…``).

>>> import deepgrad as dg
>>> dg.set_float32_matmul_precision("high"); dg.get_float32_matmul_precision()
'high'
>>> dg.use_deterministic_algorithms(True); dg.are_deterministic_algorithms_enabled()
True
>>> dg.set_float32_matmul_precision("highest"); dg.use_deterministic_algorithms(False)
"""

from . import cuda, cudnn, mps

__all__ = [
    "are_deterministic_algorithms_enabled",
    "cuda",
    "cudnn",
    "get_float32_matmul_precision",
    "mps",
    "set_float32_matmul_precision",
    "use_deterministic_algorithms",
]

_PRECISIONS = ("highest", "high", "medium")
_state = {"precision": "highest", "deterministic": False}


def set_float32_matmul_precision(precision: str) -> None:
    """Accepted and recorded (``"highest"``, ``"high"``, ``"medium"``); deepgrad's float32
    matrix products always run in full float32 (NumPy's BLAS), whatever is asked."""
    if precision not in _PRECISIONS:
        raise ValueError(
            f"set_float32_matmul_precision: expected one of {list(_PRECISIONS)}, got {precision!r}"
        )
    _state["precision"] = precision


def get_float32_matmul_precision() -> str:
    """What :func:`set_float32_matmul_precision` recorded (default ``"highest"``)."""
    return str(_state["precision"])


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Accepted and recorded: deepgrad's kernels are deterministic already (the same inputs and
    ``dg.manual_seed`` give the same numbers on every run)."""
    _state["deterministic"] = bool(mode)


def are_deterministic_algorithms_enabled() -> bool:
    """What :func:`use_deterministic_algorithms` recorded."""
    return bool(_state["deterministic"])
