"""``deepgrad.nn.functional`` (PyTorch's ``torch.nn.functional`` path): the functions of
:mod:`deepgrad.functional`, those whose first parameter PyTorch calls ``input`` taking it as
``input=`` too (``F.softmax(input=logits, dim=-1)``, ``F.linear(input=x, weight=w)``; see
:mod:`deepgrad.functional.input_keyword`).

The names are :mod:`deepgrad.functional`'s, bound here when this module is imported; a name
not bound here (a private one, one added later) is looked up there. Code inside deepgrad calls
:mod:`deepgrad.functional` directly, without the keyword's wrapper.
"""

from __future__ import annotations

from typing import Any

from .. import functional as _functional
from ..functional.input_keyword import accept_input_keyword as _accept_input_keyword

globals().update(
    (name, value) for name, value in vars(_functional).items() if not name.startswith("_")
)
_accept_input_keyword(globals(), [n for n in vars(_functional) if not n.startswith("_")])


def __getattr__(name: str) -> Any:
    return getattr(_functional, name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(dir(_functional)))
