"""``dg.set_printoptions`` (PyTorch's): how tensors print. Tensors print through NumPy, so the
options are NumPy's print options (they apply to NumPy arrays too).

>>> import deepgrad as dg
>>> dg.set_printoptions(precision=2)
>>> dg.tensor([1 / 3])
tensor([0.33])
>>> dg.set_printoptions(profile="default")
"""

from __future__ import annotations

import numpy

__all__ = ["set_printoptions"]

_PROFILES = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": 2**62, "edgeitems": 3, "linewidth": 80},
}
_NUMPY_DEFAULTS = {"precision": 8, "threshold": 1000, "edgeitems": 3, "linewidth": 75}


def set_printoptions(
    precision: int | None = None,
    threshold: int | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """Set how many digits (``precision``), how many elements before summarizing
    (``threshold``, ``edgeitems``) and how wide a line (``linewidth``) tensors print;
    ``profile`` ("default", "short", "full") sets them together ("default" restores NumPy's
    own defaults, which deepgrad prints with); ``sci_mode=False`` suppresses scientific
    notation."""
    opts: dict = {}
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions: profile must be one of {sorted(_PROFILES)}")
        opts.update(_NUMPY_DEFAULTS if profile == "default" else _PROFILES[profile])
    given = {"precision": precision, "threshold": threshold, "edgeitems": edgeitems,
             "linewidth": linewidth}  # fmt: skip
    opts.update({k: v for k, v in given.items() if v is not None})
    if sci_mode is not None:
        opts["suppress"] = not sci_mode
    numpy.set_printoptions(**opts)
