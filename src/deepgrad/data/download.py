"""Fetching dataset files: the cache folder, checksums, and atomic downloads.

Downloads go to the cache folder (``$DEEPGRAD_CACHE``, else ``~/.cache/deepgrad``). A file
is streamed into a temporary file next to its destination, its checksum is verified, and
only then is it renamed into place: a crash or a bad checksum never leaves a half-written
or corrupt file under the final name.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

__all__ = [
    "ChecksumError",
    "DownloadError",
    "get_cache_dir",
    "file_hash",
    "verify_checksum",
    "download_url",
    "extract_tar",
]

CACHE_ENV = "DEEPGRAD_CACHE"

# The function that opens URLs; a test may replace it to serve files without a network.
urlopen: Callable[..., IO[bytes]] = urllib.request.urlopen


class ChecksumError(ValueError):
    """A file's MD5/SHA-256 digest differs from the published one."""


class DownloadError(OSError):
    """A file could not be fetched (no network, server error); says where to put it."""


def get_cache_dir(subdir: str | None = None) -> Path:
    """Return the folder where deepgrad keeps downloaded data (it is not created).

    Parameters
    ----------
    subdir : str, optional
        A sub-folder of the cache, e.g. ``"fashion-mnist"``.

    Returns
    -------
    pathlib.Path
        ``$DEEPGRAD_CACHE/subdir`` if the variable is set, else ``~/.cache/deepgrad/subdir``.

    Examples
    --------
    >>> get_cache_dir("mnist").name
    'mnist'
    """
    root = os.environ.get(CACHE_ENV)
    base = Path(root).expanduser() if root else Path.home() / ".cache" / "deepgrad"
    return base / subdir if subdir else base


def file_hash(path: str | os.PathLike[str], algorithm: str = "md5") -> str:
    """Hex digest of a file's bytes, read in chunks.

    Parameters
    ----------
    path : path-like
        The file.
    algorithm : {"md5", "sha256", ...}
        Any name :func:`hashlib.new` accepts.

    Returns
    -------
    str
        The lower-case hex digest.
    """
    digest = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify_checksum(
    path: str | os.PathLike[str], *, md5: str | None = None, sha256: str | None = None
) -> None:
    """Raise :class:`ChecksumError` unless the file has the given MD5 and/or SHA-256.

    Parameters
    ----------
    path : path-like
        The file to check.
    md5, sha256 : str, optional
        Expected hex digests (case-insensitive). With neither, nothing is checked.
    """
    for algorithm, expected in (("md5", md5), ("sha256", sha256)):
        if expected is None:
            continue
        actual = file_hash(path, algorithm)
        if actual != expected.lower():
            raise ChecksumError(
                f"{path}: {algorithm.upper()} checksum mismatch: expected {expected.lower()}, "
                f"got {actual}. The file is corrupt or not the published one; delete it and "
                "fetch it again"
            )


def download_url(
    url: str,
    dest: str | os.PathLike[str],
    *,
    md5: str | None = None,
    sha256: str | None = None,
    overwrite: bool = False,
    timeout: float = 60.0,
) -> Path:
    """Download ``url`` to ``dest``, verify its checksum, and move it into place atomically.

    The bytes go to a temporary file in ``dest``'s folder; it is renamed to ``dest`` only
    after the checksum matched, and removed on any failure.

    Parameters
    ----------
    url : str
        ``http(s)://``, ``ftp://`` or ``file://`` URL.
    dest : path-like
        Final file path; its folder is created.
    md5, sha256 : str, optional
        Expected digests of the file.
    overwrite : bool
        Download even when ``dest`` exists. Otherwise an existing file is only verified.
    timeout : float
        Seconds to wait for the server.

    Returns
    -------
    pathlib.Path
        ``dest``.

    Raises
    ------
    DownloadError
        If the URL cannot be fetched; the message names ``dest`` so the file can be put
        there by hand.
    ChecksumError
        If the downloaded bytes do not have the expected digest (nothing is left behind).
    """
    dest = Path(dest)
    if dest.exists() and not overwrite:
        verify_checksum(dest, md5=md5, sha256=sha256)
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    hashers = {"md5": hashlib.md5(), "sha256": hashlib.sha256()}
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                response = urlopen(url, timeout=timeout)
            except (urllib.error.URLError, OSError, ValueError) as err:
                raise DownloadError(
                    f"could not download {url} ({err}). Without a network, fetch the file "
                    f"elsewhere and put it at {dest}"
                ) from err
            with response:
                for chunk in iter(lambda: response.read(1 << 20), b""):
                    out.write(chunk)
                    for h in hashers.values():
                        h.update(chunk)
            out.flush()
            os.fsync(out.fileno())
        for algorithm, expected in (("md5", md5), ("sha256", sha256)):
            actual = hashers[algorithm].hexdigest()
            if expected is not None and actual != expected.lower():
                raise ChecksumError(
                    f"{url}: {algorithm.upper()} checksum mismatch: expected "
                    f"{expected.lower()}, got {actual}; the download was discarded"
                )
        os.replace(tmp_name, dest)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return dest


def extract_tar(
    archive: str | os.PathLike[str],
    dest: str | os.PathLike[str],
    keep: Callable[[str], bool],
) -> Path:
    """Extract the regular files of a tar archive whose names satisfy ``keep`` into ``dest``.

    Only regular files are written, and only under ``dest``: absolute names, ``..``
    components, links and devices are skipped. The files are extracted into a hidden staging
    folder inside ``dest`` and moved into place only once the whole archive was read, so an
    interrupted extraction leaves nothing that could pass for a complete (smaller) data set.

    Parameters
    ----------
    archive : path-like
        ``.tar``, ``.tar.gz`` or ``.tgz`` file.
    dest : path-like
        Folder to extract into (created).
    keep : callable
        ``keep(member_name) -> bool`` selects the members to extract.

    Returns
    -------
    pathlib.Path
        ``dest``.
    """
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".extracting-", dir=dest))
    try:
        with _corrupt_tar_as_value_error(archive), tarfile.open(archive, "r:*") as tar:
            for member in tar:
                name = member.name
                parts = Path(name).parts
                if (
                    not member.isfile()
                    or not parts
                    or name.startswith(("/", "\\"))
                    or ".." in parts
                ):
                    continue
                if not keep(name):
                    continue
                source = tar.extractfile(member)
                if source is None:
                    continue
                target = staging.joinpath(*parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                with open(target, "wb") as out, source:
                    shutil.copyfileobj(source, out)
        _move_into(staging, dest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return dest


@contextlib.contextmanager
def _corrupt_tar_as_value_error(archive: Any) -> Iterator[None]:
    """A truncated or corrupted archive raises ``ValueError`` naming it, not the error of
    whichever layer (tar, gzip, zlib, bz2, lzma) first noticed."""
    import gzip
    import lzma
    import zlib

    try:
        yield
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile, lzma.LZMAError) as e:
        raise ValueError(
            f"{archive}: the tar archive is truncated or corrupt ({type(e).__name__}: {e}); "
            "delete it and download it again"
        ) from None


def _move_into(src: Path, dst: Path) -> None:
    """Move the entries of folder ``src`` into folder ``dst``, merging into folders that exist
    there (a folder is moved whole, in one rename, when ``dst`` has none of that name)."""
    for entry in src.iterdir():
        target = dst / entry.name
        if entry.is_dir() and target.is_dir():
            _move_into(entry, target)
        else:
            os.replace(entry, target)
