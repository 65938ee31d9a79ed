"""The processes training together: an MPI communicator (mpi4py), with a watchdog.

:func:`init` starts MPI when the program was launched by ``mpirun``/``mpiexec`` (and
mpi4py is installed) and otherwise gives a one-process communicator, so one script runs
alone or on N processes unchanged. Every collective call deepgrad makes goes through
:class:`Communicator`, which guards it two ways, so that a rank that dies or hangs ends the
job with a clear error instead of leaving the others waiting for ever:

* an uncaught exception on any rank prints its traceback (prefixed with the rank) and calls
  ``MPI_Abort``, which ends every rank (``sys.excepthook``);
* a watchdog thread aborts the job when one collective call has waited more than
  ``timeout`` seconds (default 300, or ``DEEPGRAD_DIST_TIMEOUT``) — a rank stuck or gone
  without its launcher noticing. A rank killed outright (``SIGKILL``, out of memory) is
  noticed by ``mpirun`` itself, which ends the job.

>>> comm = Communicator.local()
>>> comm.rank, comm.size, comm.allreduce_sum(np.array([1.0, 2.0]))
(0, 1, array([1., 2.]))
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from typing import Any

import numpy as np

#: environment variables that MPI launchers set in every process they start
LAUNCHER_VARS = ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "MPI_LOCALNRANKS")

DEFAULT_TIMEOUT = 300.0


def launched_by_mpi() -> int:
    """The number of processes the MPI launcher started (0 when not under ``mpirun``)."""
    for var in LAUNCHER_VARS:
        v = os.environ.get(var)
        if v and v.isdigit():
            return int(v)
    return 0


class DistributedError(RuntimeError):
    """A rank died, hung, or the processes disagree (raised before the job is aborted)."""


class Communicator:
    """``rank`` among ``size`` processes, and the collective calls training needs.

    Built by :func:`init`; :meth:`local` is the one-process stand-in (every call returns its
    input). Arrays are NumPy; buffers are reduced in place where the name says so.
    """

    def __init__(self, mpi_comm: Any = None, timeout: float = DEFAULT_TIMEOUT) -> None:
        self._comm = mpi_comm
        self.rank = 0 if mpi_comm is None else int(mpi_comm.Get_rank())
        self.size = 1 if mpi_comm is None else int(mpi_comm.Get_size())
        self.timeout = float(timeout)
        self._waiting: tuple[str, float] | None = None
        self._watchdog: threading.Thread | None = None
        if self.size > 1 and self.timeout > 0:
            self._watchdog = threading.Thread(
                target=self._watch, name="deepgrad-watchdog", daemon=True
            )
            self._watchdog.start()

    @classmethod
    def local(cls) -> Communicator:
        """One process (rank 0 of 1): no MPI."""
        return cls(None)

    @property
    def is_main(self) -> bool:
        """Rank 0: the process that prints, logs and writes files."""
        return self.rank == 0

    # ---- failure handling ------------------------------------------------------------------
    def abort(self, message: str, code: int = 1) -> None:
        """Print ``message`` (with this rank) to stderr and end every rank of the job."""
        sys.stderr.write(f"deepgrad.distributed: rank {self.rank}/{self.size}: {message}\n")
        sys.stderr.flush()
        if self._comm is not None:
            self._comm.Abort(code)
        raise DistributedError(message)

    def _watch(self) -> None:
        while True:
            time.sleep(min(1.0, self.timeout / 4))
            waiting = self._waiting
            if waiting is not None and time.monotonic() - waiting[1] > self.timeout:
                self.abort(
                    f"waited more than {self.timeout:g} s in {waiting[0]} for the other ranks: "
                    "one of them died or hangs; aborting the job (raise the limit with "
                    "deepgrad.distributed.init(timeout=...) or DEEPGRAD_DIST_TIMEOUT)"
                )

    @contextlib.contextmanager
    def _guard(self, what: str) -> Iterator[None]:
        self._waiting = (what, time.monotonic())
        try:
            yield
        finally:
            self._waiting = None

    # ---- collectives -----------------------------------------------------------------------
    def allreduce_sum_(self, buf: np.ndarray, what: str = "allreduce") -> np.ndarray:
        """Sum ``buf`` over the ranks, in place (one MPI call); returns ``buf``."""
        if self._comm is not None and self.size > 1:
            from mpi4py import MPI

            with self._guard(what):
                self._comm.Allreduce(MPI.IN_PLACE, buf, op=MPI.SUM)
        return buf

    def allreduce_sum(self, values: Any, what: str = "allreduce") -> np.ndarray:
        """The sum over the ranks of ``values`` (a new float64 array)."""
        return self.allreduce_sum_(np.array(values, dtype=np.float64), what)

    def bcast_(self, buf: np.ndarray, root: int = 0, what: str = "broadcast") -> np.ndarray:
        """Overwrite ``buf`` with rank ``root``'s, in place; returns ``buf``."""
        if self._comm is not None and self.size > 1:
            with self._guard(what):
                self._comm.Bcast(buf, root=root)
        return buf

    def bcast_object(self, obj: Any, root: int = 0, what: str = "broadcast") -> Any:
        """Rank ``root``'s ``obj`` on every rank (for small states, between our own ranks)."""
        if self._comm is None or self.size == 1:
            return obj
        with self._guard(what):
            return self._comm.bcast(obj, root=root)

    def allgather_object(self, obj: Any, what: str = "allgather") -> list[Any]:
        """``[obj of rank 0, obj of rank 1, ...]`` on every rank."""
        if self._comm is None or self.size == 1:
            return [obj]
        with self._guard(what):
            return self._comm.allgather(obj)

    def barrier(self, what: str = "barrier") -> None:
        """Wait until every rank is here."""
        if self._comm is not None and self.size > 1:
            with self._guard(what):
                self._comm.Barrier()


_world: Communicator | None = None


def _abort_on_exception(comm: Communicator) -> None:
    previous = sys.excepthook

    def hook(exc_type: Any, exc: Any, tb: Any) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            previous(exc_type, exc, tb)
            return
        text = "".join(traceback.format_exception(exc_type, exc, tb))
        prefix = f"[rank {comm.rank}] "
        sys.stderr.write("".join(prefix + line + "\n" for line in text.rstrip().split("\n")))
        comm.abort(f"{exc_type.__name__}: {exc} — ending the job on all {comm.size} ranks", code=1)

    sys.excepthook = hook


def init(timeout: float | None = None) -> Communicator:
    """Join the job: MPI's world communicator when launched by ``mpirun`` with more than one
    process (needs ``pip install 'deepgrad[mpi]'``), else one process. Installs the
    data-parallel strategy, so every later ``fit`` in this process trains on its shard and
    averages gradients (see :mod:`deepgrad.distributed`). Calling it again returns the same
    communicator.

    ``timeout`` (seconds, default ``DEEPGRAD_DIST_TIMEOUT`` or 300; 0 disables) bounds how
    long one collective call may wait for the other ranks before the job is aborted.
    """
    global _world
    if _world is not None:
        if timeout is not None:
            _world.timeout = float(timeout)
        return _world
    if timeout is None:
        timeout = float(os.environ.get("DEEPGRAD_DIST_TIMEOUT", DEFAULT_TIMEOUT))
    n = launched_by_mpi()
    if n > 1:
        try:
            from mpi4py import MPI
        except ImportError as e:
            raise ImportError(
                f"this process was started by an MPI launcher ({n} processes) but mpi4py is "
                "not installed: pip install 'deepgrad[mpi]' (mpi4py and Open MPI's wheels)"
            ) from e
        comm = Communicator(MPI.COMM_WORLD, timeout)
        _abort_on_exception(comm)
    else:
        comm = Communicator.local()
    _world = comm
    from ..train.strategy import set_strategy
    from ..utils import data as _data

    _data.world_size_and_rank = lambda: (comm.size, comm.rank)  # DistributedSampler's default
    from .trainer import DataParallel

    set_strategy(DataParallel(comm))
    return comm


def world() -> Communicator:
    """The communicator :func:`init` made (one process if ``init`` was not called)."""
    return _world if _world is not None else Communicator.local()
