"""Atomic file writes: a crash, a kill or an exception mid-write leaves the old file intact.

Every writer of deepgrad (model files, checkpoints, histories, plots, reports, IDX files) goes
through :func:`atomic_write`. It lives in ``data/`` because that package is NumPy-only and any
floor may import it (``data/`` itself may import no floor); :mod:`deepgrad.io` re-exports it.

>>> import tempfile
>>> from pathlib import Path
>>> p = Path(tempfile.mkdtemp()) / "note.txt"
>>> atomic_write(p, lambda f: f.write(b"hello"))
>>> p.read_bytes()
b'hello'
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["STALE_TMP_SECONDS", "atomic_write", "atomic_write_text", "clean_stale_tmp"]

#: age after which a temporary file of an interrupted save, whose writer cannot be identified,
#: is removed by the next save to the same path (seconds)
STALE_TMP_SECONDS = 3600.0

_writing: set[str] = set()  # temporary files this process is writing now
_writing_lock = threading.Lock()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists (another user's), or cannot tell: keep its file
    return True


def clean_stale_tmp(path: str | os.PathLike) -> list[Path]:
    """Remove temporary files that interrupted saves to ``path`` left in its folder
    (``.<name>.<pid>.<random>.tmp``): those whose writing process has ended, and any of unknown
    origin older than :data:`STALE_TMP_SECONDS`. Files being written now are kept. Returns the
    removed paths. :func:`atomic_write` calls it before every save."""
    import time

    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    removed = []
    try:
        candidates = list(folder.glob(f".{_glob_escape(path.name)}.*.tmp"))
    except OSError:
        return removed
    now = time.time()
    for tmp in candidates:
        if str(tmp) in _writing:
            continue
        parts = tmp.name[len(path.name) + 2 : -len(".tmp")].split(".")
        pid = (
            int(parts[0]) if len(parts) == 2 and parts[0].isascii() and parts[0].isdigit() else None
        )
        try:
            if pid is not None:
                stale = not _pid_alive(pid) or pid == os.getpid()
            else:
                stale = now - tmp.stat().st_mtime > STALE_TMP_SECONDS
            if stale:
                tmp.unlink()
                removed.append(tmp)
        except OSError:
            pass
    return removed


def _glob_escape(name: str) -> str:
    """``name`` with glob's special characters escaped."""
    import glob

    return glob.escape(name)


def atomic_write(path: str | os.PathLike, write: Callable[[Any], None]) -> None:
    """Call ``write(f)`` on a temporary binary file next to ``path``, then rename it onto
    ``path`` (``os.replace`` is atomic on POSIX and Windows): readers see the old file or the
    new one, never a partial one. The temporary file is removed if ``write`` fails; one that a
    killed process left behind is removed by the next save to the same path
    (:func:`clean_stale_tmp`)."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    folder.mkdir(parents=True, exist_ok=True)
    with _writing_lock:
        clean_stale_tmp(path)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=folder)
        _writing.add(tmp)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    finally:
        _writing.discard(tmp)
    try:  # make the rename itself durable (best effort; not possible everywhere)
        dfd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


def atomic_write_text(path: str | os.PathLike, text: str, *, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` atomically (:func:`atomic_write`)."""
    data = text.encode(encoding)
    atomic_write(path, lambda f: f.write(data))
