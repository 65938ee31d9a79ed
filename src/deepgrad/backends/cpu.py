"""``torch.backends.cpu``: the CPU's vector instruction set the kernels use.

>>> from deepgrad.backends import cpu
>>> cpu.get_cpu_capability() in ("DEFAULT", "AVX2", "AVX512", "NEON")
True
"""

from __future__ import annotations


def get_cpu_capability() -> str:
    """The widest vector instruction set NumPy's kernels dispatch to on this CPU, in
    PyTorch's words: ``"AVX512"`` (AVX-512 F, BW, DQ and VL), ``"AVX2"``, ``"NEON"`` on Arm,
    else ``"DEFAULT"``."""
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as features
    except ImportError:  # NumPy before 2.0
        from numpy.core._multiarray_umath import __cpu_features__ as features
    if all(features.get(f) for f in ("AVX512F", "AVX512BW", "AVX512DQ", "AVX512VL")):
        return "AVX512"
    if features.get("AVX2"):
        return "AVX2"
    if features.get("ASIMD") or features.get("NEON"):
        return "NEON"
    return "DEFAULT"
