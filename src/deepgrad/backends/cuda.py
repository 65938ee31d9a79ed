"""``torch.backends.cuda``'s flags: settable and harmless (deepgrad's CuPy backend computes
float32 matrix products in full float32; TF32 is not used).

>>> from deepgrad.backends import cuda
>>> cuda.matmul.allow_tf32 = True
>>> cuda.is_built()
False
"""

from types import SimpleNamespace

#: ``matmul.allow_tf32`` / ``allow_fp16_reduced_precision_reduction``: accepted, no effect
matmul = SimpleNamespace(
    allow_tf32=False,
    allow_fp16_reduced_precision_reduction=True,
    allow_bf16_reduced_precision_reduction=True,
)


def is_built() -> bool:
    """False: deepgrad is not built against PyTorch's CUDA libraries (its GPU path is CuPy)."""
    return False
