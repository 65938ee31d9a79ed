"""deepgrad.multiprocessing as torch.multiprocessing: Python's module under PyTorch's name,
spawn's results and failures, sharing strategies."""

from __future__ import annotations

import multiprocessing
import os
import sys

import pytest

import deepgrad as dg
import deepgrad.multiprocessing as mp

torch_mp = pytest.importorskip("torch.multiprocessing")


def _write_rank(i, folder, scale):
    import deepgrad

    value = deepgrad.ones(2).mul(i * scale).sum().item()
    with open(os.path.join(folder, f"{i}.txt"), "w") as f:
        f.write(str(value))


def _raise_on_one(i):
    if i == 1:
        raise ValueError("rank one failed")


def _exit_three(i):
    sys.exit(3)


def test_pythons_module_under_torchs_name():
    for name in ("Process", "Queue", "Pool", "get_context", "set_start_method", "cpu_count"):
        assert getattr(mp, name) is getattr(multiprocessing, name)
    assert dg.multiprocessing is mp
    missing = {n for n in dir(torch_mp) if not n.startswith("_")} - set(dir(mp))
    assert missing <= {"torch", "sys", "multiprocessing", "reductions", "init_reductions",
                       "reducer", "SpawnContext", "ENV_VAR_PARALLEL_START"}  # fmt: skip


def test_spawn_runs_each_rank(tmp_path):
    assert mp.spawn(_write_rank, args=(str(tmp_path), 1.5), nprocs=2) is None
    got = {p.name: float(p.read_text()) for p in tmp_path.iterdir()}
    assert got == {"0.txt": 0.0, "1.txt": 3.0}


def test_spawn_without_join_returns_the_context(tmp_path):
    ctx = mp.spawn(_write_rank, args=(str(tmp_path), 1.0), nprocs=2, join=False,
                   start_method="fork")  # fmt: skip
    assert isinstance(ctx, mp.ProcessContext) and len(ctx.pids()) == 2
    while not ctx.join():
        pass
    assert len(list(tmp_path.iterdir())) == 2


def test_a_raising_rank_raises_with_its_traceback():
    with pytest.raises(mp.ProcessRaisedException, match="rank one failed") as err:
        mp.spawn(_raise_on_one, nprocs=2, start_method="fork")
    assert err.value.error_index == 1 and "ValueError" in err.value.msg


def test_a_rank_exiting_nonzero_raises():
    with pytest.raises(mp.ProcessExitedException, match="exit code 3") as err:
        mp.spawn(_exit_three, nprocs=1, start_method="fork")
    assert err.value.exit_code == 3


def test_arguments_checked():
    with pytest.raises(ValueError, match="nprocs"):
        mp.spawn(_exit_three, nprocs=0)
    with pytest.raises(TypeError, match="callable"):
        mp.spawn(3)


def test_sharing_strategies_as_torch():
    assert mp.get_all_sharing_strategies() == torch_mp.get_all_sharing_strategies()
    assert mp.get_sharing_strategy() == torch_mp.get_sharing_strategy()
    mp.set_sharing_strategy("file_system")
    try:
        assert mp.get_sharing_strategy() == "file_system"
    finally:
        mp.set_sharing_strategy("file_descriptor")
    with pytest.raises(AssertionError):
        mp.set_sharing_strategy("shm")
