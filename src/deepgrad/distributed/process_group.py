"""PyTorch's ``torch.distributed`` process-group calls, for programs that make them.

deepgrad has no process groups: its data-parallel training runs on MPI (``dist.init()`` under
``mpirun -n N``, then ``fit`` or :func:`~deepgrad.distributed.DistributedOptimizer`). So
:func:`is_available` and :func:`is_initialized` are False, :func:`init_process_group` raises
naming that path, and :func:`get_rank`/:func:`get_world_size` report this process's place in
deepgrad's own world (0 and 1 when it runs alone).

>>> import deepgrad.distributed as dist
>>> dist.is_available(), dist.get_rank(), dist.get_world_size()
(False, 0, 1)
"""

from __future__ import annotations

from typing import Any

from .comm import world

__all__ = [
    "destroy_process_group",
    "get_rank",
    "get_world_size",
    "init_process_group",
    "is_available",
    "is_initialized",
]


def is_available() -> bool:
    """False: there is no ``torch.distributed`` backend (deepgrad's is MPI: ``dist.init()``)."""
    return False


def is_initialized() -> bool:
    """False: no process group is ever initialized."""
    return False


def init_process_group(*args: Any, **kwargs: Any) -> None:
    """Raises ``RuntimeError`` naming deepgrad's data-parallel path (MPI)."""
    raise RuntimeError(
        "init_process_group: deepgrad has no torch.distributed process groups (NCCL/Gloo). "
        "Its data-parallel training runs on MPI: `import deepgrad.distributed as dist; "
        "dist.init()`, then model.fit(...) or opt = dist.DistributedOptimizer(opt) in your own "
        "loop, launched with `mpirun -n N python train.py`"
    )


def destroy_process_group(group: Any = None) -> None:
    """Nothing to destroy (accepted so that clean-up code runs)."""


def get_rank(group: Any = None) -> int:
    """This process's rank in deepgrad's MPI world (0 when it runs alone)."""
    return world().rank


def get_world_size(group: Any = None) -> int:
    """The number of processes in deepgrad's MPI world (1 when it runs alone)."""
    return world().size
