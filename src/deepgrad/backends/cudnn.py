"""``torch.backends.cudnn``'s flags: settable and harmless (deepgrad does not use cuDNN).

``benchmark = True`` or ``deterministic = True`` change nothing: deepgrad's kernels are the
same on every call, so its results are deterministic given ``dg.manual_seed``.

>>> from deepgrad.backends import cudnn
>>> cudnn.benchmark = True
>>> cudnn.is_available()
False
"""

#: accepted, no effect (PyTorch: let cuDNN pick the fastest convolution algorithm)
benchmark: bool = False
#: accepted, no effect (deepgrad's results are deterministic already)
deterministic: bool = False
#: accepted, no effect
enabled: bool = True
#: accepted, no effect
allow_tf32: bool = False


def is_available() -> bool:
    """False: deepgrad does not use cuDNN."""
    return False


def version() -> None:
    """None: no cuDNN."""
    return None
