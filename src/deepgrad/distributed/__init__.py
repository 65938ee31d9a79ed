"""Beyond one process: data-parallel training on MPI (this package) and hyperparameter
search on Dask / Optuna (:mod:`deepgrad.distributed.search`).

Run the same script alone or on N processes (``pip install 'deepgrad[mpi]'``)::

    import deepgrad.distributed as dist
    dist.init()                       # under mpirun: MPI; alone: one process, unchanged
    model.compile(optimizer="adam", loss="cross_entropy", metrics=["accuracy"])
    model.fit(x, y, batch_size=32, epochs=5, seed=0)   # a global batch of N × 32

    $ mpirun -n 4 python train.py
    $ mpirun -n 4 deepgrad train recipe.toml            # recipes too
    $ mpirun --hostfile hosts -n 8 python train.py      # several machines

Every rank holds a replica, starts from rank 0's weights, trains on its part of each global
batch and averages gradients with one float32 allreduce per bucket; metrics are reduced over
the ranks; rank 0 alone prints, logs and writes checkpoints (see
:mod:`deepgrad.distributed.trainer`). For a hand-written loop: :func:`DistributedOptimizer`,
:func:`broadcast_parameters`, :func:`batches`. ``docs/distributed.md`` has the whole story.
"""

from .comm import Communicator, DistributedError, init, launched_by_mpi, world
from .gradients import GradientReducer, broadcast_model, broadcast_optimizer_state
from .metrics import merge_into, merged_state
from .optimizer import DistributedOptimizer, batches
from .process_group import (
    destroy_process_group,
    get_rank,
    get_world_size,
    init_process_group,
    is_available,
    is_initialized,
)
from .sharding import ShardedSource
from .trainer import DataParallel, DataParallelTrainer, main_rank_only

broadcast_parameters = broadcast_model


def rank() -> int:
    """This process's rank (0 when alone)."""
    return world().rank


def size() -> int:
    """The number of processes training together (1 when alone)."""
    return world().size


def is_main() -> bool:
    """Whether this is rank 0, the process that prints and writes files."""
    return world().is_main


__all__ = [
    "Communicator",
    "DataParallel",
    "DataParallelTrainer",
    "DistributedError",
    "DistributedOptimizer",
    "GradientReducer",
    "ShardedSource",
    "batches",
    "broadcast_model",
    "broadcast_optimizer_state",
    "broadcast_parameters",
    "destroy_process_group",
    "get_rank",
    "get_world_size",
    "init_process_group",
    "is_available",
    "is_initialized",
    "init",
    "is_main",
    "launched_by_mpi",
    "main_rank_only",
    "merge_into",
    "merged_state",
    "rank",
    "size",
    "world",
]
