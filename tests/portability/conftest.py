"""The portability harness: a PyTorch-style program, written once as a function of the modules
it imports, runs twice — with torch 2.13, then with deepgrad in torch's place — from the same
initial weights and on the same data, and the losses it reports must agree step by step.

The program receives ``torch, nn, F, optim, data`` (``data`` is ``torch.utils.data``) and two
harness hooks that are not library code:

``init(model)``
    returns ``model``; under torch it records the model's initial ``state_dict``, under deepgrad
    it loads the one torch recorded (weights come from torch's initialization).
``path``
    a folder for files the program saves.

Random draws that a program makes itself (``torch.randn`` noise for a GAN or a VAE) come from
one NumPy stream, seeded the same way for both runs (the two libraries' generators differ), by
handing the program a ``torch`` whose ``randn``/``randn_like``/``rand``/``rand_like`` and
``normal(mean, std, size)`` (numbers and a size) read that stream; everything else is the real
module. Layers that draw inside the library (dropout) are given p = 0 by the programs. Runs are
in float64 (``set_default_dtype``, restored afterwards) unless the program asks otherwise, so a
real difference is not hidden by float32 rounding.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest


class _SharedRandom(types.ModuleType):
    """``lib`` with its top-level random draws reading a shared NumPy stream."""

    def __init__(self, lib: Any, rng: np.random.Generator) -> None:
        super().__init__(lib.__name__)
        self._lib, self._rng = lib, rng

    def __getattr__(self, name: str) -> Any:
        return getattr(self._lib, name)

    def _make(self, values: np.ndarray, dtype: Any, requires_grad: bool = False) -> Any:
        lib = self._lib
        return lib.tensor(
            values, dtype=dtype or lib.get_default_dtype(), requires_grad=requires_grad
        )

    @staticmethod
    def _shape(size: tuple) -> tuple:
        return tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else size

    def randn(self, *size: Any, dtype: Any = None, requires_grad: bool = False, **_: Any) -> Any:
        return self._make(self._rng.standard_normal(self._shape(size)), dtype, requires_grad)

    def rand(self, *size: Any, dtype: Any = None, requires_grad: bool = False, **_: Any) -> Any:
        return self._make(self._rng.random(self._shape(size)), dtype, requires_grad)

    def normal(self, mean: Any = 0.0, std: Any = 1.0, size: Any = None, *args: Any,
               dtype: Any = None, requires_grad: bool = False, **kwargs: Any) -> Any:  # fmt: skip
        if size is None or not isinstance(mean, (int, float)) or not isinstance(std, (int, float)):
            return self._lib.normal(mean, std, size, *args, **kwargs)
        draw = mean + std * self._rng.standard_normal(tuple(size))
        return self._make(draw, dtype, requires_grad)

    def randn_like(self, t: Any, dtype: Any = None, **_: Any) -> Any:
        return self._make(self._rng.standard_normal(tuple(t.shape)), dtype or t.dtype)

    def rand_like(self, t: Any, dtype: Any = None, **_: Any) -> Any:
        return self._make(self._rng.random(tuple(t.shape)), dtype or t.dtype)


def _namespace(lib_name: str, seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    if lib_name == "torch":
        import torch
        import torch.nn.functional as F
        import torch.utils.data as data

        return dict(torch=_SharedRandom(torch, rng), nn=torch.nn, F=F, optim=torch.optim,
                    data=data)  # fmt: skip
    import deepgrad
    import deepgrad.nn.functional as F
    import deepgrad.utils.data as data

    return dict(torch=_SharedRandom(deepgrad, rng), nn=deepgrad.nn, F=F, optim=deepgrad.optim,
                data=data)  # fmt: skip


class Portability:
    """Runs a program under both libraries; see the module docstring."""

    def __init__(self, tmp_path: Any) -> None:
        self.tmp_path = tmp_path

    def run(self, program: Callable[..., Any], dtype: str = "float64", **inputs: Any) -> tuple:
        import torch

        import deepgrad as dg

        recorded: list[dict[str, np.ndarray]] = []
        results = {}
        for lib_name in ("torch", "deepgrad"):
            ns = _namespace(lib_name, seed=1234)
            pending = list(recorded)

            def init(model: Any, lib_name: str = lib_name, pending: list = pending) -> Any:
                if lib_name == "torch":
                    recorded.append({k: v.detach().cpu().clone().numpy() for k, v in model.state_dict().items()})  # fmt: skip
                else:
                    model.load_state_dict(pending.pop(0))
                return model

            folder = self.tmp_path / lib_name
            folder.mkdir()
            torch_dtype, dg_dtype = torch.get_default_dtype(), dg.get_default_dtype()
            threads = torch.get_num_threads()
            torch.set_num_threads(1)  # small programs: threads only add overhead (shared CPUs)
            torch.manual_seed(0)
            dg.manual_seed(0)
            torch.set_default_dtype(getattr(torch, dtype))
            dg.set_default_dtype(getattr(dg, dtype))
            try:
                results[lib_name] = program(**ns, init=init, path=folder, **inputs)
            finally:
                torch.set_default_dtype(torch_dtype)
                torch.set_num_threads(threads)
                dg.set_default_dtype(dg_dtype)
        return results["torch"], results["deepgrad"]

    def assert_same(self, program: Callable[..., Any], rtol: float = 1e-9, **inputs: Any) -> Any:
        """Run both and check every number the program returned (losses, accuracies...)."""
        expected, got = self.run(program, **inputs)
        _compare(expected, got, rtol, "result")
        return expected, got


def _compare(expected: Any, got: Any, rtol: float, where: str) -> None:
    if isinstance(expected, dict):
        assert list(expected) == list(got), where
        for k in expected:
            _compare(expected[k], got[k], rtol, f"{where}[{k!r}]")
    elif isinstance(expected, (list, tuple)):
        assert len(expected) == len(got), f"{where}: {len(expected)} vs {len(got)} values"
        if all(isinstance(v, (int, float)) for v in expected):
            np.testing.assert_allclose(got, expected, rtol=rtol, atol=1e-12, err_msg=where)
        else:
            for i, (a, b) in enumerate(zip(expected, got)):
                _compare(a, b, rtol, f"{where}[{i}]")
    elif isinstance(expected, float):
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=1e-12, err_msg=where)
    else:
        assert expected == got, where


@pytest.fixture
def portability(tmp_path: Any) -> Portability:
    pytest.importorskip("torch")
    return Portability(tmp_path)
