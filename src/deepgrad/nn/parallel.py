"""``nn.parallel``: PyTorch's multi-device wrappers, for programs that wrap their model.

:class:`DataParallel` splits a batch over several GPUs in PyTorch; deepgrad runs a model on one
device, so here it is a documented pass-through: ``DataParallel(model)(x) == model(x)``, with
the model under ``.module`` (so the state dict's keys get PyTorch's ``module.`` prefix).
:class:`DistributedDataParallel` needs a process group; deepgrad's data-parallel training across
processes is :mod:`deepgrad.distributed` (MPI), and this class says so.
"""

from __future__ import annotations

from typing import Any

from .module import Module


class DataParallel(Module):
    """Runs ``module`` as is (one device): ``forward(*inputs) = module(*inputs)``.

    ``device_ids``, ``output_device`` and ``dim`` are accepted and have no effect.

    >>> from deepgrad import nn
    >>> net = DataParallel(nn.Linear(2, 1))
    >>> sorted(net.state_dict())
    ['module.bias', 'module.weight']
    """

    def __init__(
        self, module: Module, device_ids: Any = None, output_device: Any = None, dim: int = 0
    ) -> None:
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DataParallel wraps a Module, got {type(module).__name__}")
        self.module = module
        self.device_ids, self.output_device, self.dim = device_ids, output_device, dim

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        return self.module(*inputs, **kwargs)


class DistributedDataParallel(Module):
    """Not available as PyTorch's class: deepgrad has no ``torch.distributed`` process group.

    Raises ``RuntimeError`` naming what deepgrad offers: data-parallel training over MPI
    processes with :mod:`deepgrad.distributed` (``dist.init()``, then ``fit`` or
    ``DistributedOptimizer`` in a hand-written loop, under ``mpirun -n N``).
    """

    def __init__(self, module: Module, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError(
            "nn.parallel.DistributedDataParallel: deepgrad has no torch.distributed process "
            "group. Its data-parallel training runs on MPI: `import deepgrad.distributed as "
            "dist; dist.init()` and train with model.fit(...) or dist.DistributedOptimizer(opt) "
            "in your own loop, launched with `mpirun -n N python train.py`. On one process, use "
            "the model itself (or nn.DataParallel, a pass-through)"
        )


__all__ = ["DataParallel", "DistributedDataParallel"]
