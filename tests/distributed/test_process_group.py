"""torch.distributed's process-group calls on deepgrad.distributed: importable, honest about
what is missing (no process groups), and pointing at the MPI path."""

from __future__ import annotations

import pytest

import deepgrad.distributed as dist
from deepgrad import nn


def test_process_group_calls():
    assert dist.is_available() is False and dist.is_initialized() is False
    assert (dist.get_rank(), dist.get_world_size()) == (dist.rank(), dist.size())
    dist.destroy_process_group()
    with pytest.raises(RuntimeError, match=r"dist\.init\(\)"):
        dist.init_process_group(backend="nccl")
    with pytest.raises(RuntimeError, match="DistributedOptimizer"):
        nn.parallel.DistributedDataParallel(nn.Linear(2, 2))
