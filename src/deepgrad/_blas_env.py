"""What deepgrad asks of OpenBLAS before NumPy loads it (imported first by ``deepgrad``).

OpenBLAS keeps its idle threads spinning for 2^28 cycles (about 0.1 s) after each GEMM, on
the cores that deepgrad's own pool needs for the elementwise passes between GEMMs
(:mod:`deepgrad.threads`). ``OPENBLAS_THREAD_TIMEOUT=20`` makes them sleep after 2^20 cycles
(about 0.3 ms). OpenBLAS reads it once, when it loads, so it is set here only where NumPy is
not loaded yet, and never over a value the user set.
"""

from __future__ import annotations

import os
import sys

#: the value asked for (idle OpenBLAS threads spin 2^20 cycles, then sleep)
THREAD_TIMEOUT = "20"

if "numpy" not in sys.modules:
    os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", THREAD_TIMEOUT)
