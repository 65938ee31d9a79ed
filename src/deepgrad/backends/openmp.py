"""``torch.backends.openmp``: whether the operations run on an OpenMP pool. deepgrad's run on
BLAS's own threads and its thread pool (``deepgrad.threads``), not OpenMP: False.

>>> from deepgrad.backends import openmp
>>> openmp.is_available()
False
"""


def is_available() -> bool:
    """False: deepgrad does not run on OpenMP."""
    return False
