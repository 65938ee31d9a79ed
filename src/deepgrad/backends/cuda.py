"""``torch.backends.cuda``'s flags: settable and harmless (deepgrad's CuPy backend computes
float32 matrix products in full float32; TF32 is not used).

>>> from deepgrad.backends import cuda
>>> cuda.matmul.allow_tf32 = True
>>> cuda.is_built()
False
"""

from types import SimpleNamespace

from ..functional.attention import SDP_ENABLED

#: ``matmul.allow_tf32`` / ``allow_fp16_reduced_precision_reduction``: accepted, no effect
matmul = SimpleNamespace(
    allow_tf32=False,
    allow_fp16_reduced_precision_reduction=True,
    allow_bf16_reduced_precision_reduction=True,
)


def is_built() -> bool:
    """False: deepgrad is not built against PyTorch's CUDA libraries (its GPU path is CuPy)."""
    return False


def enable_flash_sdp(enabled: bool) -> None:
    """Record whether the flash-attention kernel may be used (deepgrad computes one form for
    every kernel: see ``deepgrad.functional.attention.SDP_ENABLED``)."""
    SDP_ENABLED["flash"] = bool(enabled)


def enable_mem_efficient_sdp(enabled: bool) -> None:
    """Record whether the memory-efficient attention kernel may be used."""
    SDP_ENABLED["mem_efficient"] = bool(enabled)


def enable_math_sdp(enabled: bool) -> None:
    """Record whether the math attention kernel may be used."""
    SDP_ENABLED["math"] = bool(enabled)


def enable_cudnn_sdp(enabled: bool) -> None:
    """Record whether cuDNN's attention kernel may be used."""
    SDP_ENABLED["cudnn"] = bool(enabled)


def flash_sdp_enabled() -> bool:
    """The flag of :func:`enable_flash_sdp` (True by default, as PyTorch's)."""
    return SDP_ENABLED["flash"]


def mem_efficient_sdp_enabled() -> bool:
    """The flag of :func:`enable_mem_efficient_sdp` (True by default, as PyTorch's)."""
    return SDP_ENABLED["mem_efficient"]


def math_sdp_enabled() -> bool:
    """The flag of :func:`enable_math_sdp` (True by default, as PyTorch's)."""
    return SDP_ENABLED["math"]


def cudnn_sdp_enabled() -> bool:
    """The flag of :func:`enable_cudnn_sdp` (True by default, as PyTorch's)."""
    return SDP_ENABLED["cudnn"]
