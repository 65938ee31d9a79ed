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

from . import cpu, cuda, cudnn, mkldnn, mps, openmp

__all__ = [
    "are_deterministic_algorithms_enabled",
    "get_deterministic_debug_mode",
    "is_deterministic_algorithms_warn_only_enabled",
    "is_warn_always_enabled",
    "set_deterministic_debug_mode",
    "set_flush_denormal",
    "set_warn_always",
    "cpu",
    "cuda",
    "cudnn",
    "get_float32_matmul_precision",
    "mkldnn",
    "mps",
    "openmp",
    "set_float32_matmul_precision",
    "use_deterministic_algorithms",
]

_PRECISIONS = ("highest", "high", "medium")
_state = {"precision": "highest", "deterministic": False, "warn_only": False, "warn_always": False}


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
    _state["warn_only"] = bool(warn_only)


def are_deterministic_algorithms_enabled() -> bool:
    """What :func:`use_deterministic_algorithms` recorded."""
    return bool(_state["deterministic"])


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """The ``warn_only`` that :func:`use_deterministic_algorithms` recorded."""
    return bool(_state["warn_only"])


_DEBUG_MODES = {"default": 0, "warn": 1, "error": 2}


def set_deterministic_debug_mode(debug_mode: str | int) -> None:
    """PyTorch's other spelling of :func:`use_deterministic_algorithms`: ``"default"``
    (0, off), ``"warn"`` (1, on with ``warn_only``) or ``"error"`` (2, on)."""
    if isinstance(debug_mode, str):
        if debug_mode not in _DEBUG_MODES:
            raise RuntimeError(
                "invalid value of debug_mode, expected one of `default`, `warn`, `error`, "
                f"but got {debug_mode}"
            )
        debug_mode = _DEBUG_MODES[debug_mode]
    if (
        isinstance(debug_mode, bool)
        or not isinstance(debug_mode, int)
        or debug_mode not in (0, 1, 2)
    ):
        raise RuntimeError(
            f"invalid value of debug_mode, expected 0, 1, or 2, but got {debug_mode!r}"
        )
    use_deterministic_algorithms(debug_mode > 0, warn_only=debug_mode == 1)


def get_deterministic_debug_mode() -> int:
    """0, 1 or 2 as :func:`set_deterministic_debug_mode` takes them."""
    if not _state["deterministic"]:
        return 0
    return 1 if _state["warn_only"] else 2


def set_warn_always(b: bool) -> None:
    """Recorded for :func:`is_warn_always_enabled` (PyTorch's switch that repeats warnings
    meant to be given once; deepgrad's once-only warnings follow Python's ``warnings``
    filters instead)."""
    _state["warn_always"] = bool(b)


def is_warn_always_enabled() -> bool:
    return bool(_state["warn_always"])


def set_flush_denormal(mode: bool) -> bool:
    """Whether the CPU can be set to flush denormal floats to zero: NumPy cannot, so
    ``True`` answers False (PyTorch's answer on a CPU without the support) and changes
    nothing; ``False`` answers True (denormals are kept, as they are)."""
    return not mode
