"""share_memory_() as PyTorch's: the values move to memory child processes share (fork,
spawn, forkserver, queues), so Hogwild training updates one model; tensors not shared still
travel by value."""

from __future__ import annotations

import multiprocessing
import pickle

import numpy as np
import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")


def _add_one(model):
    with dg.no_grad():
        for p in model.parameters():
            p.add_(1.0)


def _triple_from_queue(q):
    t = q.get()
    with dg.no_grad():
        t.mul_(3)


def _hogwild(rank, model):
    dg.manual_seed(rank)
    opt = dg.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(3):
        opt.zero_grad()
        model(dg.ones(4, 3)).square().mean().backward()
        opt.step()


def test_share_memory_as_torch():
    for lib in (dg, torch):
        x = lib.arange(6.0).reshape(2, 3)
        assert not x.is_shared()
        assert x.share_memory_() is x and x.is_shared()
        assert x.share_memory_() is x  # already shared: unchanged
        assert x.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
        assert x[0].is_shared() and x.t().is_shared()  # views of the shared memory
        assert not x.clone().is_shared() and not (x + 1).is_shared()
    e = dg.zeros(0, 3).share_memory_()
    assert e.is_shared() and e.shape == (0, 3)
    i = dg.tensor([1, 2], dtype=dg.int64).share_memory_()
    assert i.dtype == dg.int64 and i.tolist() == [1, 2]


def test_module_share_memory():
    m = dg.nn.Sequential(dg.nn.Linear(3, 4), dg.nn.BatchNorm1d(4))
    assert m.share_memory() is m
    assert all(t.is_shared() for t in (*m.parameters(), *m.buffers()))
    assert all(isinstance(p, dg.nn.Parameter) and p.requires_grad for p in m.parameters())


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_children_write_the_parents_parameters(method):
    m = dg.nn.Linear(2, 3).share_memory()
    before = [p.detach().numpy().copy() for p in m.parameters()]
    ctx = multiprocessing.get_context(method)
    procs = [ctx.Process(target=_add_one, args=(m,)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    assert [p.exitcode for p in procs] == [0, 0]
    for p, b in zip(m.parameters(), before):
        np.testing.assert_array_equal(p.detach().numpy(), (b + 1) + 1)  # float32, twice


def test_not_shared_travels_by_value():
    m = dg.nn.Linear(2, 3)
    before = m.weight.detach().numpy().copy()
    p = multiprocessing.get_context("spawn").Process(target=_add_one, args=(m,))
    p.start()
    p.join()
    assert p.exitcode == 0
    np.testing.assert_array_equal(m.weight.detach().numpy(), before)


def test_a_queue_passes_the_memory():
    x = dg.ones(3).share_memory_()
    ctx = multiprocessing.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=_triple_from_queue, args=(q,))
    p.start()
    q.put(x)
    p.join()
    assert p.exitcode == 0 and x.tolist() == [3.0, 3.0, 3.0]


def test_hogwild_trains_one_model():
    model = dg.nn.Sequential(dg.nn.Linear(3, 8), dg.nn.ReLU(), dg.nn.Linear(8, 1))
    model.share_memory()
    loss = model(dg.ones(4, 3)).square().mean().item()
    procs = [multiprocessing.get_context("fork").Process(target=_hogwild, args=(r, model))
             for r in range(2)]  # fmt: skip
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    assert [p.exitcode for p in procs] == [0, 0]
    assert model(dg.ones(4, 3)).square().mean().item() < loss  # the parent's model trained


def test_ordinary_pickle_is_by_value():
    x = dg.arange(4.0).share_memory_()
    y = pickle.loads(pickle.dumps(x))
    assert y.tolist() == x.tolist() and not y.is_shared()
    path_copy = dg.tensor(x)
    assert not path_copy.is_shared()


def test_many_shared_tensors_within_the_open_file_limit():
    # two descriptors each: past the soft limit the hard one is taken (a subprocess, so the
    # limit of the test run itself is left alone)
    import subprocess
    import sys

    code = (
        "import resource, deepgrad as dg\n"
        "soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)\n"
        "resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))\n"
        "ts = [dg.zeros(2).share_memory_() for _ in range(400)]\n"
        "print(all(t.is_shared() for t in ts))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "True"
