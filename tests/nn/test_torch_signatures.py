"""Every name deepgrad shares with ``torch.nn`` and ``torch.nn.functional`` takes PyTorch's
parameters in PyTorch's order, so that a positional call means what it means in PyTorch.

For each shared class (its constructor) and function: PyTorch's positional parameters must be
the first parameters of deepgrad's, in the same order and under the same names; PyTorch's
keyword-only parameters must be accepted. deepgrad may add parameters of its own after them.
The exceptions are listed below, each with its reason (and, where a user could notice it, a
row in the README's table of deliberate differences).
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest
import torch

import deepgrad.nn as dnn
import deepgrad.nn.functional as DF

#: deepgrad's functions call their first tensor ``x`` (or ``indices``) where PyTorch says
#: ``input``: positional calls are the same and ``input=`` by keyword raises TypeError
#: (README: "What differs, on purpose")
FIRST_ARGUMENT = {"x", "indices"}

#: names whose signature differs on purpose, and why
ALLOWED: dict[str, str] = {
    "nn.Hardtanh": "PyTorch's min_value/max_value are deprecated aliases of min_val/max_val "
    "(they raise a TypeError here)",
    "F.multi_head_attention_forward": "deepgrad's own functional form (keyword arguments, "
    "num_heads first); nn.MultiheadAttention is the PyTorch-compatible entry point",
}


def _signature(f: Any) -> inspect.Signature | None:
    try:
        return inspect.signature(f)
    except (TypeError, ValueError):  # a builtin without a signature (torch's conv2d, ...)
        return None


def _shared(kind: str) -> list[str]:
    ours, theirs = (dnn, torch.nn) if kind == "nn" else (DF, torch.nn.functional)
    names = []
    for name in sorted(set(dir(ours)) & set(dir(theirs))):
        if name.startswith("_"):
            continue
        a, b = getattr(ours, name), getattr(theirs, name)
        if kind == "nn" and isinstance(a, type) and isinstance(b, type):
            names.append(name)
        elif kind == "F" and callable(a) and callable(b) and not isinstance(b, type):
            names.append(name)
    return names


def _mismatch(ours: Any, theirs: Any) -> str | None:
    """Why ``ours`` cannot be called as ``theirs`` is, or None."""
    sig_t, sig_o = _signature(theirs), _signature(ours)
    if sig_t is None or sig_o is None:
        return None
    P = inspect.Parameter
    t_params = [p for n, p in sig_t.parameters.items() if n != "self"]
    o_params = [p for n, p in sig_o.parameters.items() if n != "self"]
    if any(p.kind is P.VAR_POSITIONAL for p in t_params):
        return None  # torch's RNN(*args, **kwargs): nothing to compare
    t_pos = [p.name for p in t_params if p.kind in (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD)]
    o_pos = [p.name for p in o_params if p.kind in (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD)]
    o_var_pos = any(p.kind is P.VAR_POSITIONAL for p in o_params)
    o_var_kw = any(p.kind is P.VAR_KEYWORD for p in o_params)
    if o_var_pos and not o_pos:
        return None  # deepgrad's (*args, **kwargs), e.g. Identity
    head = o_pos[: len(t_pos)]
    if head and t_pos and head[0] in FIRST_ARGUMENT and t_pos[0] == "input":
        head = ["input", *head[1:]]
    if head != t_pos:
        return f"positional parameters: torch {t_pos}, deepgrad {o_pos}"
    names = {p.name for p in o_params}
    missing = [p.name for p in t_params if p.kind is P.KEYWORD_ONLY and p.name not in names]
    if missing and not o_var_kw:
        return f"keyword-only parameters missing: {missing}"
    return None


@pytest.mark.parametrize("name", _shared("nn"))
def test_module_constructors_take_torchs_parameters_in_order(name: str) -> None:
    why = _mismatch(getattr(dnn, name).__init__, getattr(torch.nn, name).__init__)
    if f"nn.{name}" in ALLOWED:
        assert why is not None, f"nn.{name} matches PyTorch now: remove it from ALLOWED"
        return
    assert why is None, f"nn.{name}: {why}"


@pytest.mark.parametrize("name", _shared("F"))
def test_functions_take_torchs_parameters_in_order(name: str) -> None:
    why = _mismatch(getattr(DF, name), getattr(torch.nn.functional, name))
    if f"F.{name}" in ALLOWED:
        assert why is not None, f"F.{name} matches PyTorch now: remove it from ALLOWED"
        return
    assert why is None, f"F.{name}: {why}"


def test_the_comparison_covers_the_surface() -> None:
    assert len(_shared("nn")) > 100 and len(_shared("F")) > 80


#: torch's RNN/LSTM/GRU take (*args, **kwargs); their documented order
RECURRENT = {
    "RNN": ["input_size", "hidden_size", "num_layers", "nonlinearity", "bias", "batch_first",
            "dropout", "bidirectional"],
    "LSTM": ["input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout",
             "bidirectional", "proj_size"],
    "GRU": ["input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout",
            "bidirectional"],
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(RECURRENT))
def test_recurrent_constructors_take_torchs_documented_order(name: str) -> None:
    params = [n for n in inspect.signature(getattr(dnn, name).__init__).parameters if n != "self"]
    assert params[: len(RECURRENT[name])] == RECURRENT[name]
    assert {"device", "dtype"} <= set(params)
