"""``python -m benchmarks``: run the suite (see benchmarks/suite.py)."""

# deepgrad before NumPy, as a user's script imports it (it sets up OpenBLAS's idle threads so
# that deepgrad's own pool may use the cores: deepgrad.threads); `--profile` runs in this process
import deepgrad  # noqa: F401, I001

from .suite import main

main()
