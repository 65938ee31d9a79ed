"""The seam through which ``fit`` runs on several processes: a *strategy*.

``train/`` trains in one process; an integration above it (``deepgrad.distributed``, on MPI)
installs a strategy with :func:`set_strategy`, and then every ``fit`` hands its
:class:`~deepgrad.train.loop.Trainer` to :meth:`Strategy.trainer`, which may return a
data-parallel one (sharded batches, averaged gradients, metrics reduced over the processes).
``train/`` knows nothing of MPI: only this protocol.

>>> get_strategy().is_main, get_strategy().size
(True, 1)
"""

from __future__ import annotations

from typing import Any


class Strategy:
    """One process: ``fit`` trains as it is (the default)."""

    #: this process's number among ``size`` processes
    rank: int = 0
    #: the number of processes training together
    size: int = 1

    @property
    def is_main(self) -> bool:
        """Whether this process prints, logs and writes files (rank 0)."""
        return self.rank == 0

    def trainer(self, trainer: Any) -> Any:
        """The trainer ``fit`` runs: here ``trainer`` itself."""
        return trainer


_LOCAL = Strategy()
_current: Strategy = _LOCAL


def get_strategy() -> Strategy:
    """The strategy ``fit`` uses now (one process unless an integration set another)."""
    return _current


def set_strategy(strategy: Strategy | None) -> None:
    """Make ``fit`` use ``strategy`` (``None``: back to one process)."""
    global _current
    _current = _LOCAL if strategy is None else strategy
