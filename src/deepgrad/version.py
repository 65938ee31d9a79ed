"""``torch.version``: what this build is (``__version__``) and the accelerator toolkits it
was built with — none: ``cuda``, ``hip``, ``rocm`` and ``xpu`` are ``None``, as in PyTorch's
CPU build (deepgrad's GPU backend is CuPy, chosen at run time: ``dg.cuda.is_available()``).

>>> import deepgrad as dg
>>> dg.version.__version__ == dg.__version__, dg.version.cuda
(True, None)
"""

from __future__ import annotations

__version__ = "0.1.0"  # pyproject.toml's version (a test keeps the two equal)
cuda: str | None = None
hip: str | None = None
rocm: str | None = None
xpu: str | None = None
debug = False
git_version = "unknown"
