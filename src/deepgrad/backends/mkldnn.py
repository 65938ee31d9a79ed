"""``torch.backends.mkldnn``: whether oneDNN runs the operations. deepgrad's do not use it
(NumPy and its BLAS compute them), so :func:`is_available` is False; ``enabled`` is a
settable flag with no effect, so programs that switch it run.

>>> from deepgrad.backends import mkldnn
>>> mkldnn.is_available(), mkldnn.enabled
(False, True)
"""

#: PyTorch's switch (``torch.backends.mkldnn.enabled = False``): accepted, no effect
enabled = True


def is_available() -> bool:
    """False: deepgrad does not call oneDNN (PyTorch's CPU builds answer True)."""
    return False
