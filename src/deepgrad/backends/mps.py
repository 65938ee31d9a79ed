"""``torch.backends.mps``: Apple's Metal backend, which deepgrad does not have."""


def is_available() -> bool:
    """False: deepgrad runs on NumPy (or CuPy), never on Metal."""
    return False


def is_built() -> bool:
    """False: deepgrad is not built with Metal."""
    return False
