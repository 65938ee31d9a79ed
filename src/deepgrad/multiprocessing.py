"""``torch.multiprocessing``: Python's :mod:`multiprocessing` under PyTorch's module name,
with PyTorch's :func:`spawn` / :func:`start_processes` and sharing-strategy functions.

deepgrad's tensors are NumPy arrays, pickled by value: a tensor handed to another process
is a copy (``share_memory_()`` does not make it shared: README, "What differs, on
purpose"). :func:`spawn` runs ``fn(i, *args)`` in ``nprocs`` processes and, as PyTorch's,
raises :class:`ProcessRaisedException` (with the child's traceback) when one of them raises
and :class:`ProcessExitedException` when one exits with a non-zero code.

>>> import deepgrad.multiprocessing as mp
>>> mp.get_start_method(allow_none=True) in (None, "fork", "spawn", "forkserver")
True
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import signal
import traceback
from collections.abc import Callable
from multiprocessing import *  # noqa: F403 - the whole of Python's module, as torch's
from typing import Any

_STRATEGIES = {"file_descriptor", "file_system"}
_strategy = ["file_descriptor"]


def get_all_sharing_strategies() -> set[str]:
    """PyTorch's sharing strategies (``file_descriptor``, ``file_system``); deepgrad's
    tensors are pickled by value whichever is set."""
    return set(_STRATEGIES)


def get_sharing_strategy() -> str:
    """The sharing strategy set (``file_descriptor`` by default, as PyTorch's on Linux)."""
    return _strategy[0]


def set_sharing_strategy(new_strategy: str) -> None:
    """Set the sharing strategy (one of :func:`get_all_sharing_strategies`)."""
    if new_strategy not in _STRATEGIES:
        raise AssertionError(
            f"set_sharing_strategy({new_strategy!r}): expected one of {sorted(_STRATEGIES)}"
        )
    _strategy[0] = new_strategy


class ProcessException(Exception):
    """A process started by :func:`spawn` failed (PyTorch's base class)."""

    def __init__(self, msg: str, error_index: int, error_pid: int) -> None:
        super().__init__(msg)
        self.msg, self.error_index, self.pid = msg, error_index, error_pid

    def __reduce__(self) -> Any:
        return type(self), (self.msg, self.error_index, self.pid)


class ProcessRaisedException(ProcessException):
    """A process started by :func:`spawn` raised; the message holds its traceback."""


class ProcessExitedException(ProcessException):
    """A process started by :func:`spawn` exited with a non-zero code (or a signal)."""

    def __init__(self, msg: str, error_index: int, error_pid: int, exit_code: int,
                 signal_name: str | None = None) -> None:  # fmt: skip
        super().__init__(msg, error_index, error_pid)
        self.exit_code, self.signal_name = exit_code, signal_name

    def __reduce__(self) -> Any:
        return type(self), (self.msg, self.error_index, self.pid, self.exit_code, self.signal_name)


def _wrap(fn: Callable[..., Any], i: int, args: tuple, error_queue: Any) -> None:
    try:
        fn(i, *args)
    except KeyboardInterrupt:
        pass  # the parent is being interrupted too
    except Exception:
        error_queue.put(traceback.format_exc())
        raise SystemExit(1) from None


class ProcessContext:
    """The processes of one :func:`spawn` call: :meth:`join` waits for them and raises the
    first failure, terminating the others (PyTorch's)."""

    def __init__(self, processes: list[Any], error_queues: list[Any]) -> None:
        self.processes, self.error_queues = processes, error_queues
        self.sentinels = {p.sentinel: i for i, p in enumerate(processes)}

    def pids(self) -> list[int]:
        """The processes' ids."""
        return [p.pid for p in self.processes]

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the processes (at most ``timeout`` seconds); ``True`` once all finished
        cleanly. A failed process raises here, after the others are terminated."""
        if not self.sentinels:
            return True
        ready = multiprocessing.connection.wait(list(self.sentinels), timeout=timeout)
        failed = None
        for s in ready:
            i = self.sentinels.pop(s)
            self.processes[i].join()
            if self.processes[i].exitcode != 0 and failed is None:
                failed = i
        if failed is None:
            return not self.sentinels
        for p in self.processes:
            if p.is_alive():
                p.terminate()
            p.join()
        self.sentinels.clear()
        proc, queue = self.processes[failed], self.error_queues[failed]
        if queue.empty():
            code = proc.exitcode
            if code < 0:
                name = signal.Signals(-code).name
                raise ProcessExitedException(f"process {failed} terminated with signal {name}",
                                             failed, proc.pid, code, name)  # fmt: skip
            raise ProcessExitedException(f"process {failed} terminated with exit code {code}",
                                         failed, proc.pid, code)  # fmt: skip
        msg = f"\n\n-- Process {failed} terminated with the following error:\n" + queue.get()
        raise ProcessRaisedException(msg, failed, proc.pid)


def start_processes(fn: Callable[..., Any], args: tuple = (), nprocs: int = 1,
                    join: bool = True, daemon: bool = False,
                    start_method: str = "spawn") -> ProcessContext | None:  # fmt: skip
    """Run ``fn(i, *args)`` for ``i`` in ``range(nprocs)``, each in its own process started
    by ``start_method``; with ``join`` wait and return ``None`` (a failure raises), else
    return the :class:`ProcessContext`."""
    if not callable(fn):
        raise TypeError(f"spawn: fn must be callable, got {type(fn).__name__}")
    if not isinstance(nprocs, int) or isinstance(nprocs, bool) or nprocs < 1:
        raise ValueError(f"spawn: nprocs must be an int >= 1, got {nprocs!r}")
    ctx = multiprocessing.get_context(start_method)
    processes, queues = [], []
    for i in range(nprocs):
        q = ctx.SimpleQueue()
        p = ctx.Process(target=_wrap, args=(fn, i, tuple(args), q), daemon=daemon)
        p.start()
        processes.append(p)
        queues.append(q)
    context = ProcessContext(processes, queues)
    if not join:
        return context
    while not context.join():
        pass
    return None


def spawn(fn: Callable[..., Any], args: tuple = (), nprocs: int = 1, join: bool = True,
          daemon: bool = False, start_method: str = "spawn") -> ProcessContext | None:  # fmt: skip
    """:func:`start_processes` (PyTorch's ``spawn``)."""
    return start_processes(fn, args, nprocs, join, daemon, start_method)
