"""Comparing a deepgrad outcome with PyTorch's for the ``*_as_torch`` tests: each side is a
value or the exception it raised."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def raised_alike(want: Any, got: Any) -> bool:
    """Whether PyTorch raised (``want`` an exception), asserting then that deepgrad raised
    the same class; otherwise asserts that deepgrad did not raise either, and the caller
    compares the values."""
    if isinstance(want, BaseException):
        assert isinstance(got, type(want)), f"torch raised {want!r}, deepgrad gave {got!r}"
        return True
    assert not isinstance(got, BaseException), f"torch gave {want!r}, deepgrad raised {got!r}"
    return False


def run_snippet(
    lib: Any, code: str, norm: Callable[[Any, Any], Any], required: bool = False
) -> Any:
    """Run ``code`` with ``T`` (``torch`` or ``deepgrad``) and ``nn`` (its ``nn``) in scope:
    the exception it raised, or ``norm(r, lib)`` of the ``r`` it left (``None`` if none;
    with ``required``, a snippet that leaves none is the test's error, ``KeyError``)."""
    env = {"T": lib, "nn": lib.nn}
    try:
        exec(code, env)  # noqa: S102 - the tests' own snippets
    except Exception as e:  # noqa: BLE001 - the class is compared
        return e
    return norm(env["r"] if required else env.get("r"), lib)
