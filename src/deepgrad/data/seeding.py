"""Where the data package's unseeded randomness comes from: one hook the engine sets.

``data/`` is NumPy-only and never imports the engine, yet ``dg.manual_seed(s)`` must decide
every random draw of a run — a :class:`~deepgrad.data.DataLoader`'s shuffling, an
augmentation's parameters, a ``random_split`` — as ``torch.manual_seed`` decides a
DataLoader's shuffling. So a component given no seed asks :func:`draw_seed` for one, and
:func:`draw_seed` asks the *seed source*: a function the layer above installs with
:func:`set_seed_source` (``deepgrad.backend`` installs one that draws from deepgrad's global
generator, so the components' streams are children of that one generator). Without a source
(the data package used on its own) a fresh seed comes from the operating system's entropy.

>>> seed = draw_seed()  # after ``dg.manual_seed(s)``: decided by ``s``
>>> isinstance(seed, int) and seed >= 0
True
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["draw_seed", "epoch_order", "set_seed_source"]

_source: Callable[[], int] | None = None


def set_seed_source(source: Callable[[], int] | None) -> None:
    """Install the function :func:`draw_seed` calls (``None``: OS entropy)."""
    global _source
    if source is not None and not callable(source):
        raise TypeError(f"set_seed_source expects a callable or None; got {source!r}")
    _source = source


def draw_seed() -> int:
    """A non-negative int to seed a component's own stream: from the installed source, or from
    the operating system's entropy when none is installed."""
    if _source is not None:
        return int(_source())
    return int(np.random.SeedSequence().entropy % (2**63))


def epoch_order(n: int, seed: int, epoch: int) -> np.ndarray:
    """The shuffled order of ``n`` samples in epoch ``epoch``: the permutation of
    ``numpy.random.default_rng([seed, epoch])``.

    deepgrad's one shuffling rule (the :class:`~deepgrad.data.DataLoader`, ``fit`` on arrays
    and its data-parallel shards all use it): an epoch's order depends on ``(seed, epoch)``
    alone, not on how many epochs ran before, so a run resumed mid-epoch sees the same order.

    >>> epoch_order(5, seed=0, epoch=1).tolist() == epoch_order(5, 0, 1).tolist()
    True
    >>> sorted(epoch_order(5, 0, 2).tolist())
    [0, 1, 2, 3, 4]
    """
    return np.random.default_rng([int(seed), int(epoch)]).permutation(int(n))
