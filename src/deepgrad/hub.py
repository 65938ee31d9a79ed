"""``dg.hub``: PyTorch's ``torch.hub`` for weights — :func:`load_state_dict_from_url`,
:func:`download_url_to_file`, :func:`get_dir` / :func:`set_dir` — and a clear refusal of its
code-loading half.

``load_state_dict_from_url(url)`` downloads a checkpoint once into ``get_dir()/checkpoints``
(atomically: a temporary file renamed into place, removed on any failure; with
``check_hash=True`` the SHA-256 digest must start with the hex digits after the file name's
last ``-``, as in ``resnet18-f37072fd.pth``) and reads it with :func:`deepgrad.load`: what
``torch.save`` writes in its zip format, as PyTorch's ``weights_only=True`` loader reads it,
never running code from the file. ``get_dir()`` is ``$DEEPGRAD_CACHE/hub`` (else
``~/.cache/deepgrad/hub``) until :func:`set_dir`.

``torch.hub.load``/``list``/``help`` import and run a repository's ``hubconf.py``; deepgrad
never runs downloaded code, so they raise ``NotImplementedError`` naming the way here: build
the network (``dg.models.resnet18()``, or your own module) and load its weights.

>>> import deepgrad as dg
>>> dg.hub.get_dir().endswith("hub")
True
"""

from __future__ import annotations

import os
import re
import sys
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from .data.download import download_url, file_hash, get_cache_dir
from .io.checkpoint import load as _load

__all__ = [
    "HASH_REGEX",
    "download_url_to_file",
    "get_dir",
    "help",
    "list",
    "load",
    "load_state_dict_from_url",
    "set_dir",
]

#: PyTorch's: the hash prefix in a checkpoint's file name (``name-<hex>.ext``)
HASH_REGEX = re.compile(r"-([a-f0-9]*)\.")

_hub_dir: str | None = None


def get_dir() -> str:
    """The folder where downloaded weights are kept (``checkpoints/`` inside it)."""
    return _hub_dir if _hub_dir is not None else str(get_cache_dir("hub"))


def set_dir(d: str | os.PathLike) -> None:
    """Keep downloads under ``d`` from now on."""
    global _hub_dir
    _hub_dir = os.path.expanduser(os.fspath(d))


def download_url_to_file(
    url: str, dst: str | os.PathLike, hash_prefix: str | None = None, progress: bool = True
) -> None:
    """Download ``url`` to ``dst`` (atomically); with ``hash_prefix``, its SHA-256 hex digest
    must start with it (PyTorch's ``RuntimeError`` otherwise, and nothing is left at ``dst``).
    ``progress`` is accepted; no bar is drawn."""
    del progress
    dst = Path(dst)
    # checked under a temporary name, then renamed: a file at dst always passed the check
    tmp = dst.with_name(f".{dst.name}.{uuid.uuid4().hex}.partial")
    try:
        download_url(url, tmp, overwrite=True)
        if hash_prefix:
            digest = file_hash(tmp, "sha256")
            if digest[: len(hash_prefix)] != hash_prefix:
                raise RuntimeError(f'invalid hash value (expected "{hash_prefix}", got "{digest}")')
        os.replace(tmp, dst)
    finally:
        tmp.unlink(missing_ok=True)


def load_state_dict_from_url(
    url: str,
    model_dir: str | os.PathLike | None = None,
    map_location: Any = None,
    progress: bool = True,
    check_hash: bool = False,
    file_name: str | None = None,
    weights_only: bool = False,
) -> Any:
    """The object saved at ``url`` (a state dict, usually), downloaded once into
    ``model_dir`` (default ``get_dir()/checkpoints``) as ``file_name`` (default: the URL's
    last path part) and read by :func:`deepgrad.load` (``weights_only`` always holds: the
    file runs no code). With ``check_hash``, the digest must match the name's hex part."""
    del weights_only  # deepgrad's loader is always the restricted one
    folder = Path(model_dir) if model_dir is not None else Path(get_dir()) / "checkpoints"
    folder.mkdir(parents=True, exist_ok=True)
    name = file_name if file_name is not None else os.path.basename(urlparse(url).path)
    if not name:
        raise ValueError(f"load_state_dict_from_url: {url!r} names no file; pass file_name=")
    cached = folder / name
    if not cached.exists():
        sys.stdout.write(f'Downloading: "{url}" to {cached}\n')
        match = HASH_REGEX.search(name) if check_hash else None
        download_url_to_file(url, cached, match.group(1) if match else None, progress)
    return _load(cached, map_location=map_location)


def _no_code(fn: str) -> NotImplementedError:
    return NotImplementedError(
        f"dg.hub.{fn}: torch.hub.{fn} imports and runs a repository's hubconf.py; deepgrad "
        "never runs downloaded code. Build the network yourself (dg.models.resnet18(), "
        "dg.models.vgg16(), or your own nn.Module) and load its weights with "
        "model.load_state_dict(dg.hub.load_state_dict_from_url(url)) or "
        "dg.models.load_pretrained(model, 'weights.safetensors')"
    )


def load(repo_or_dir: str, model: str, *args: Any, **kwargs: Any) -> Any:
    """Refused: see the module (``torch.hub.load`` runs a repository's code)."""
    raise _no_code("load")


def list(github: str, *args: Any, **kwargs: Any) -> Any:  # noqa: A001 - PyTorch's name
    """Refused: see the module (``torch.hub.list`` runs a repository's code)."""
    raise _no_code("list")


def help(github: str, model: str, *args: Any, **kwargs: Any) -> Any:  # noqa: A001
    """Refused: see the module (``torch.hub.help`` runs a repository's code)."""
    raise _no_code("help")
