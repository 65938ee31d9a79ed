"""The translation table: for each Function class, how its forward is written in ONNX.

A rule gets the exporter, the Function of each trace (``fa``, ``fb``: their hyperparameters
and input shapes) and the ONNX names of its inputs, adds nodes and returns the name(s) of the
output(s). Each family of operations keeps its rules in its own module, as ``functional/``
keeps its Functions; a new Function gets its rule beside its family's.
"""

from __future__ import annotations

from ..common import Rule
from . import activation, attention, conv, elementwise, layers, linalg, recurrent, reduce, shape

RULES: dict[type, Rule] = {}
for _family in (elementwise, activation, reduce, shape, linalg, conv, layers, recurrent, attention):
    RULES.update(_family.RULES)

__all__ = ["RULES", "Rule"]
