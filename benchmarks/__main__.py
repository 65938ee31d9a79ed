"""``python -m benchmarks``: run the suite (see benchmarks/suite.py)."""

from .suite import main

main()
