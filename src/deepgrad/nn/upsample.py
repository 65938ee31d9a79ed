"""``Upsample``: resize images or sequences (nearest, linear, bilinear), PyTorch's layer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import functional as F
from .._errors import with_prefix
from ..tensor import Tensor
from .module import Module


class Upsample(Module):
    """Resize ``(N, C, H, W)`` (or ``(N, C, L)``, ``(N, C, D, H, W)``) to ``size`` or by
    ``scale_factor`` with :func:`deepgrad.functional.interpolate` (``mode`` ``"nearest"``,
    ``"nearest-exact"``, ``"area"``, ``"linear"``, ``"bilinear"``, ``"bicubic"`` or
    ``"trilinear"``; ``align_corners`` for the linear and bicubic modes;
    ``recompute_scale_factor`` as PyTorch's). No parameters.

        >>> import deepgrad as dg
        >>> dg.nn.Upsample(scale_factor=2, mode="bilinear")(dg.zeros(1, 3, 4, 4)).shape
        (1, 3, 8, 8)
    """

    def __init__(
        self,
        size: int | Sequence[int] | None = None,
        scale_factor: float | Sequence[float] | None = None,
        mode: str = "nearest",
        align_corners: bool | None = None,
        recompute_scale_factor: bool | None = None,
    ) -> None:
        super().__init__()
        self.name = type(self).__name__  # PyTorch's attribute
        if (size is None) == (scale_factor is None):
            raise ValueError("Upsample: give exactly one of size and scale_factor")
        self.size = size
        self.scale_factor = scale_factor
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:
        try:
            return F.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                                 self.recompute_scale_factor)  # fmt: skip
        except ValueError as e:
            raise with_prefix(e, f"Upsample(mode={self.mode!r})") from None

    def extra_repr(self) -> str:
        if self.size is not None:
            what = f"size={self.size!r}"
        else:  # PyTorch keeps the scale factor as float(s)
            sf = self.scale_factor
            sf = tuple(float(f) for f in sf) if isinstance(sf, (tuple, list)) else float(sf)
            what = f"scale_factor={sf!r}"
        return f"{what}, mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """PyTorch's ``nn.UpsamplingNearest2d``: ``Upsample(size, scale_factor, mode="nearest")``."""

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """PyTorch's ``nn.UpsamplingBilinear2d``: bilinear with ``align_corners=True``."""

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
