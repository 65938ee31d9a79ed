"""How many threads deepgrad's numerical work uses (PyTorch's ``set_num_threads`` /
``get_num_threads``): the BLAS and OpenMP thread pools under NumPy, through threadpoolctl.

>>> import deepgrad as dg
>>> n = dg.get_num_threads()
>>> dg.set_num_threads(1); dg.get_num_threads()
1
>>> dg.set_num_threads(n)
"""

from __future__ import annotations

import os

__all__ = ["get_num_threads", "set_num_threads"]

_limits: object = None


def set_num_threads(n: int) -> None:
    """Limit the BLAS/OpenMP thread pools to ``n`` threads (for the rest of the process)."""
    global _limits
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_threads expects a positive integer, got {n!r}")
    from threadpoolctl import threadpool_limits

    _limits = threadpool_limits(limits=n)


def get_num_threads() -> int:
    """The number of threads the BLAS pool uses (the CPU count where it reports none)."""
    from threadpoolctl import threadpool_info

    counts = [p["num_threads"] for p in threadpool_info() if p.get("user_api") == "blas"]
    return max(counts) if counts else (os.cpu_count() or 1)
