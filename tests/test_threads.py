"""deepgrad's thread settings and its small pool for elementwise work (``parallel_chunks``):
chunks cover the range exactly once, errors reach the caller, nested and single-worker calls
run serially, and the worker count follows the BLAS pool."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from deepgrad import threads


@pytest.fixture
def workers(monkeypatch):
    """Force the pool's worker count (and split even tiny work)."""
    monkeypatch.setattr(threads, "MIN_CHUNK", 1)

    def force(n: int | None) -> None:
        monkeypatch.setattr(threads, "WORKERS", n)

    return force


@pytest.mark.parametrize("n_workers, n", [(2, 10), (3, 10), (4, 3), (2, 1), (2, 0)])
def test_chunks_cover_the_range_once(workers, n_workers, n):
    workers(n_workers)
    seen: list[tuple[int, int]] = []
    lock = threading.Lock()

    def fn(a: int, b: int) -> None:
        with lock:
            seen.append((a, b))

    threads.parallel_chunks(fn, n)
    assert sorted(seen) == sorted(set(seen))
    covered = [i for a, b in seen for i in range(a, b)]
    assert sorted(covered) == list(range(n))
    assert len(seen) == (min(n_workers, n) if n else 0)


def test_first_chunk_runs_in_the_calling_thread(workers):
    workers(2)
    where: dict[int, int] = {}

    def fn(a: int, b: int) -> None:
        if a == 0:
            time.sleep(0.05)  # time enough for the worker to take the other chunk
        where[a] = threading.get_ident()

    threads.parallel_chunks(fn, 8)
    assert where[0] == threading.get_ident()
    assert where[4] != threading.get_ident()


def test_the_caller_runs_the_chunks_no_worker_started(workers):
    """A worker kept busy (its core taken elsewhere) does not hold the call up."""
    workers(2)
    threads.parallel_chunks(lambda a, b: None, 2)  # the worker exists
    release = threading.Event()
    threads._pool.inboxes[0].put(threads._Task(lambda a, b: release.wait(10), 0, 1))
    where: dict[int, int] = {}
    threads.parallel_chunks(lambda a, b: where.__setitem__(a, threading.get_ident()), 8)
    assert where == {0: threading.get_ident(), 4: threading.get_ident()}
    release.set()
    assert threads._pool.done.get(timeout=10) is None  # the blocking task's own report
    out = np.zeros(8)
    threads.parallel_chunks(lambda a, b: out.__setitem__(slice(a, b), 1.0), 8)
    assert out.sum() == 8


def test_one_worker_is_one_serial_call(workers):
    workers(1)
    calls: list[tuple[int, int]] = []
    threads.parallel_chunks(lambda a, b: calls.append((a, b)), 100)
    assert calls == [(0, 100)]


def test_small_work_is_not_split(monkeypatch):
    monkeypatch.setattr(threads, "WORKERS", 2)
    calls: list[tuple[int, int]] = []
    threads.parallel_chunks(lambda a, b: calls.append((a, b)), 64, work=threads.MIN_CHUNK - 1)
    assert calls == [(0, 64)]


@pytest.mark.parametrize("failing", [0, 5])
def test_an_error_in_any_chunk_reaches_the_caller(workers, failing):
    workers(2)

    def fn(a: int, b: int) -> None:
        if a == failing:
            raise ValueError(f"chunk {a}")

    with pytest.raises(ValueError, match=f"chunk {failing}"):
        threads.parallel_chunks(fn, 10)
    out = np.zeros(10)  # the pool still works afterwards
    threads.parallel_chunks(lambda a, b: out.__setitem__(slice(a, b), 1.0), 10)
    assert out.sum() == 10


def test_nested_calls_run_serially(workers):
    workers(2)
    inner: list[list[tuple[int, int]]] = []

    def outer(a: int, b: int) -> None:
        calls: list[tuple[int, int]] = []
        threads.parallel_chunks(lambda c, d: calls.append((c, d)), 6)
        inner.append(calls)

    threads.parallel_chunks(outer, 4)
    assert len(inner) == 2
    assert any(calls == [(0, 6)] for calls in inner)  # the worker's chunk: serial


def test_worker_count_follows_the_blas_pool(monkeypatch):
    monkeypatch.setattr(threads, "WORKERS", None)
    with threadpool_limits(1):
        assert threads.worker_count() == 1
    with threadpool_limits(2):
        assert threads.worker_count() in (1, 2)  # 1 where the BLAS is single-threaded
    monkeypatch.setattr(threads, "WORKERS", 3)
    assert threads.worker_count() == 3


def test_blas_threads_follows_the_pool_not_deepgrads_worker_setting(monkeypatch):
    monkeypatch.setattr(threads, "WORKERS", 3)  # the elementwise pool's size: not BLAS's
    with threadpool_limits(1):
        assert threads.blas_threads() == 1
    with threadpool_limits(2):
        assert threads.blas_threads() in (1, 2)  # 1 where the BLAS is single-threaded


@pytest.mark.parametrize("opt_kw", [{}, {"amsgrad": True, "weight_decay": 0.01}])
@pytest.mark.parametrize("name", ["Adam", "AdamW"])
def test_fused_adam_split_across_workers_equals_serial(workers, name, opt_kw):
    import deepgrad as dg

    rng = np.random.default_rng(0)
    shapes = [(7, 5), (5,), (3, 4, 2)]
    init = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    grads = [[rng.standard_normal(s).astype(np.float32) for s in shapes] for _ in range(3)]

    def train(n_workers: int) -> list[np.ndarray]:
        workers(n_workers)
        params = [dg.nn.Parameter(dg.tensor(a.copy())) for a in init]
        opt = getattr(dg.optim, name)(params, lr=0.1, **opt_kw)
        for gs in grads:
            for p, gr in zip(params, gs):
                p.grad = dg.tensor(gr)
            opt.step()
        return [p.numpy() for p in params] + [
            dg.backend.to_numpy(opt.state[p][k]) for p in params for k in ("exp_avg", "exp_avg_sq")
        ]

    serial = train(1)
    for n in (2, 3):
        for a, b in zip(serial, train(n)):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("n_workers", [1, 2])
def test_blocks_cover_the_range_in_small_calls(workers, n_workers):
    workers(n_workers)
    seen: list[tuple[int, int]] = []
    lock = threading.Lock()

    def fn(a: int, b: int) -> None:
        with lock:
            seen.append((a, b))

    threads.parallel_chunks(fn, 10, work=1000, block=300)  # 3 rows per call
    assert sorted(i for a, b in seen for i in range(a, b)) == list(range(10))
    assert max(b - a for a, b in seen) == 3


@pytest.mark.parametrize("value, expected", [("2", 2), ("1", 1), ("", None)])
def test_the_worker_count_from_the_environment(monkeypatch, value, expected):
    monkeypatch.setenv("DEEPGRAD_NUM_WORKERS", value)
    assert threads._workers_from_env() == expected


@pytest.mark.parametrize("value", ["0", "two", "-1"])
def test_a_bad_worker_count_in_the_environment_is_refused(monkeypatch, value):
    monkeypatch.setenv("DEEPGRAD_NUM_WORKERS", value)
    with pytest.raises(ValueError, match="DEEPGRAD_NUM_WORKERS must be a positive integer"):
        threads._workers_from_env()


class _FakeLib:
    """A threadpoolctl controller as far as ``_blas_sleeps_soon`` reads one."""

    def __init__(self, api: str, timeout: object) -> None:
        self.internal_api = api
        self.get_num_threads = lambda: 2

        class _Dyn:
            pass

        self.dynlib = _Dyn()
        if timeout is not None:
            self.dynlib.openblas_thread_timeout = (
                timeout if callable(timeout) else (lambda: timeout)
            )


def _boom() -> int:
    raise OSError("no such symbol")


@pytest.mark.parametrize(
    "libs, expected",
    [
        ([_FakeLib("openblas", 20)], True),
        ([_FakeLib("openblas", 22)], True),
        ([_FakeLib("openblas", 20), _FakeLib("openblas", 4)], True),
        ([_FakeLib("openblas", 0)], False),  # 0: OpenBLAS's default, 2^28 cycles
        ([_FakeLib("openblas", 23)], False),
        ([_FakeLib("openblas", 20), _FakeLib("openblas", 0)], False),  # one still spins
        ([_FakeLib("mkl", 20)], False),  # another BLAS: its threads' habits unknown
        ([_FakeLib("openblas", None)], False),  # an OpenBLAS that cannot say
        ([_FakeLib("openblas", _boom)], False),
        ([], False),  # no BLAS found
    ],
)
def test_the_pool_is_on_by_default_only_where_blas_threads_sleep_soon(monkeypatch, libs, expected):
    monkeypatch.setattr(threads, "_blas", libs)
    assert threads._blas_sleeps_soon() is expected
    monkeypatch.setattr(threads, "WORKERS", "auto")
    assert threads.worker_count() == (2 if expected else 1)
    assert threads.WORKERS == (None if expected else 1)  # decided once, on the first call


def test_auto_follows_the_blas_pool_where_its_threads_sleep_soon(monkeypatch):
    monkeypatch.setattr(threads, "WORKERS", "auto")
    monkeypatch.setattr(threads, "_blas_sleeps_soon", lambda: True)
    with threadpool_limits(2):
        n = threads.worker_count()
    assert threads.WORKERS is None
    with threadpool_limits(1):
        assert threads.worker_count() == 1
    assert n in (1, 2)  # 1 where the BLAS is single-threaded


class _CountingLib:
    """A threadpoolctl controller that records the thread counts it is set to."""

    def __init__(self, n: int) -> None:
        self.n, self.history = n, []

    def get_num_threads(self) -> int:
        return self.n

    def set_num_threads(self, n: int) -> None:
        self.n = n
        self.history.append(n)


def test_blas_chunks_run_blas_on_one_thread_and_restore_it(workers, monkeypatch):
    """``blas=True``: while the work is split, the BLAS library runs one thread per caller
    (so its threads do not compete with the pool's); its count is set back afterwards, also
    when a chunk raises; unsplit work leaves it alone."""
    lib = _CountingLib(2)
    monkeypatch.setattr(threads, "_blas", [lib])
    workers(2)
    seen: list[int] = []
    threads.parallel_chunks(lambda a, b: seen.append(lib.n), 8, blas=True)
    assert seen == [1, 1] and lib.n == 2 and lib.history == [1, 2]

    def boom(a: int, b: int) -> None:
        raise RuntimeError("chunk failed")

    with pytest.raises(RuntimeError, match="chunk failed"):
        threads.parallel_chunks(boom, 8, blas=True)
    assert lib.n == 2
    workers(1)  # one worker: one serial call at BLAS's own count
    lib.history.clear()
    threads.parallel_chunks(lambda a, b: seen.append(lib.n), 8, blas=True)
    assert seen[-1] == 2 and lib.history == []
    workers(2)
    threads.parallel_chunks(lambda a, b: seen.append(lib.n), 8)  # blas=False: untouched
    assert lib.history == []


@pytest.mark.parametrize("shape", [(32, 144, 196), (64, 577, 300)])
def test_per_sample_products_split_across_the_pool_equal_one_call(workers, shape):
    """The convolution's per-sample GEMMs (``conv._samples_matmul``) split across the pool
    give the numbers of one batched call with BLAS on one thread, bit for bit, whatever the
    split (the second shape is one where OpenBLAS's two threads change the last bits)."""
    from deepgrad.functional import conv

    o, k, n = shape
    rng = np.random.default_rng(0)
    for dtype in (np.float32, np.float64):
        w = rng.standard_normal((o, k)).astype(dtype)
        cols = rng.standard_normal((5, k, n)).astype(dtype)
        y = rng.standard_normal((5, n, o)).astype(dtype)
        with threadpool_limits(1):
            want, want_per = w @ cols, cols @ y
        for n_workers in (2, 3, 1):
            workers(n_workers)
            out = conv._samples_matmul(w, cols, np.empty((5, o, n), dtype))
            per = conv._samples_matmul(cols, y, np.empty((5, k, o), dtype))
            if n_workers > 1:  # split: one BLAS thread each
                np.testing.assert_array_equal(out, want, strict=True)
                np.testing.assert_array_equal(per, want_per, strict=True)
            else:  # one call at BLAS's own count: equal to rounding
                tol = 1e-4 if dtype == np.float32 else 1e-11  # entries of size ~√k
                np.testing.assert_allclose(out, want, rtol=tol, atol=tol)
