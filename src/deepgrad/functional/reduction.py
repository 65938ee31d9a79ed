"""PyTorch's legacy ``size_average`` / ``reduce`` loss arguments, read as ``reduction``.

Every loss of :mod:`deepgrad.functional.loss` and :mod:`deepgrad.nn.loss` takes them in
PyTorch's positions, so that a positional call means what it means in PyTorch; when either
is given, ``reduction`` is replaced as ``torch.nn._reduction.legacy_get_string`` replaces it
(with its deprecation warning):

==============  ===========  ============
size_average    reduce       reduction
==============  ===========  ============
True / None     True / None  ``"mean"``
False           True / None  ``"sum"``
any             False        ``"none"``
==============  ===========  ============

>>> import warnings

import numpy
>>> with warnings.catch_warnings():
...     warnings.simplefilter("ignore")
...     legacy_get_string(False, None)
'sum'
"""

from __future__ import annotations

import warnings

import numpy


def legacy_get_string(
    size_average: bool | None, reduce: bool | None, emit_warning: bool = True
) -> str:
    """The ``reduction`` that PyTorch's legacy pair ``(size_average, reduce)`` means (None
    reads as True), warning as PyTorch does that the pair is deprecated."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = "mean" if size_average and reduce else "sum" if reduce else "none"
    if emit_warning:
        warnings.warn(
            f"size_average and reduce args will be deprecated, please use reduction='{ret}' "
            "instead.",
            UserWarning,
            stacklevel=3,
        )
    return ret


def resolve(size_average: bool | None, reduce: bool | None, reduction: str) -> str:
    """``reduction``, or what the legacy pair means when either of them is given. A legacy
    argument that is not a bool (or None) is refused: it is almost always a ``reduction`` or
    ``ignore_index`` passed by position where PyTorch puts ``size_average``/``reduce``
    (PyTorch would read ``"sum"`` there as True, i.e. a mean)."""
    if size_average is None and reduce is None:
        return reduction
    for name, value in (("size_average", size_average), ("reduce", reduce)):
        if value is not None and not isinstance(value, (bool, numpy.bool_)):
            raise TypeError(
                f"{name} must be True, False or None (PyTorch's deprecated flag), got "
                f"{value!r}; pass the reduction by name, e.g. reduction={value!r}, and "
                "ignore_index=... by name: PyTorch's losses put size_average/reduce before them"
            )
    return legacy_get_string(size_average, reduce)
