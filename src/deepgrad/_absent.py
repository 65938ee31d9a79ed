"""PyTorch's dtypes that NumPy, hence deepgrad, does not have (``bfloat16``): a name that
exists, so that code which only names it runs (nanoGPT's ``{"float32": torch.float32,
"bfloat16": torch.bfloat16, ...}[dtype]``, ``torch.autocast(..., dtype=torch.bfloat16,
enabled=False)``, ``x.dtype == torch.bfloat16``), and that raises a ``TypeError`` naming the
nearest valid choice wherever an array would be made with it."""

from __future__ import annotations


class AbsentDtype:
    """A dtype name without an array type behind it. Comparisons with real dtypes are False;
    NumPy's conversion (``numpy.dtype(d)``, ``tensor(..., dtype=d)``, ``x.to(d)``) reads
    ``.dtype`` and gets the ``TypeError``."""

    is_floating_point = True
    is_complex = False
    is_signed = True

    def __init__(self, name: str, instead: str) -> None:
        self._name, self._instead = name, instead

    @property
    def dtype(self) -> None:
        raise TypeError(
            f"deepgrad has no {self._name} (NumPy has no such type): use {self._instead} "
            "(README, deliberate differences)"
        )

    def __repr__(self) -> str:
        return self._name

    def __reduce__(self) -> str:
        return self._name  # pickled by name: the module attribute


bfloat16 = AbsentDtype("bfloat16", "float32 (or float16, which NumPy computes slowly)")
