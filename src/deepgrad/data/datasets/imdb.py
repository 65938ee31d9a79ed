"""IMDB movie reviews (Maas et al., 2011) from the ``aclImdb`` folder layout.

The archive ``aclImdb_v1.tar.gz`` unpacks to ``aclImdb/{train,test}/{pos,neg}/*.txt``:
one review per file, named ``<id>_<rating>.txt``; 25,000 reviews per split, half of them
positive (rating >= 7), half negative (rating <= 4).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from deepgrad.data.download import DownloadError, download_url, extract_tar, get_cache_dir

__all__ = ["load_imdb", "IMDB_URL", "IMDB_MD5", "IMDB_CLASSES"]

IMDB_ENV = "DEEPGRAD_IMDB"
IMDB_URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
IMDB_MD5 = "7c2ac02c03563afcf9b574c7e56c153a"

#: Label names: 0 negative, 1 positive.
IMDB_CLASSES: tuple[str, ...] = ("neg", "pos")


def _find_root(path: Path) -> Path | None:
    for root in (path, path / "aclImdb"):
        if all((root / s / c).is_dir() for s in ("train", "test") for c in IMDB_CLASSES):
            return root
    return None


def _read_split(root: Path, split: str, shuffle: bool, seed: int | None):
    texts: list[str] = []
    labels: list[int] = []
    for label, name in enumerate(IMDB_CLASSES):
        folder = root / split / name
        files = sorted(folder.glob("*.txt"), key=_review_order)
        for file in files:
            texts.append(file.read_text(encoding="utf-8", errors="replace"))
            labels.append(label)
    if not texts:
        raise FileNotFoundError(f"IMDB: no *.txt reviews in {root / split}/{{pos,neg}}")
    y = np.asarray(labels, dtype=np.int64)
    if shuffle:
        order = np.random.default_rng(seed).permutation(len(texts))
        texts = [texts[i] for i in order]
        y = y[order]
    return texts, y


def _review_order(file: Path) -> tuple[int, str]:
    head = file.stem.split("_", 1)[0]
    return (int(head), file.name) if head.isascii() and head.isdigit() else (-1, file.name)


def load_imdb(
    path: str | os.PathLike[str] | None = None,
    *,
    download: bool = False,
    shuffle: bool = True,
    seed: int | None = 0,
) -> tuple[tuple[list[str], np.ndarray], tuple[list[str], np.ndarray]]:
    """Load the IMDB sentiment reviews as raw texts and 0/1 labels.

    Parameters
    ----------
    path : path-like, optional
        The ``aclImdb`` folder or its parent. When omitted: ``$DEEPGRAD_IMDB``, then the
        cache folder ``get_cache_dir("imdb")``.
    download : bool
        If missing, fetch ``aclImdb_v1.tar.gz`` (MD5-verified) into the cache folder and
        extract the review files.
    shuffle : bool
        Shuffle each split (the files are sorted by class otherwise: all negatives first).
    seed : int or None
        Seed of the shuffle.

    Returns
    -------
    ((texts_train, y_train), (texts_test, y_test))
        Lists of review strings and ``(N,)`` int64 labels (0 negative, 1 positive). Turn
        texts into integer sequences with :class:`deepgrad.data.Tokenizer`.
    """
    candidates = (
        [Path(path).expanduser()]
        if path is not None
        else [Path(p).expanduser() for p in (os.environ.get(IMDB_ENV),) if p]
        + [get_cache_dir("imdb")]
    )
    root = next((r for c in candidates if (r := _find_root(c)) is not None), None)
    if root is None:
        target = candidates[0] if path is not None else get_cache_dir("imdb")
        if not download:
            raise FileNotFoundError(
                "IMDB: aclImdb/{train,test}/{pos,neg}/*.txt not found in "
                f"{', '.join(map(str, candidates))}. Download {IMDB_URL}, extract it into "
                f"{target}, or pass download=True"
            )
        archive = target / "aclImdb_v1.tar.gz"
        try:
            download_url(IMDB_URL, archive, md5=IMDB_MD5)
        except DownloadError as err:
            raise DownloadError(f"IMDB: {err}; then extract it in {target}") from err

        def keep(name: str) -> bool:
            parts = name.split("/")
            return (
                len(parts) == 4
                and parts[0] == "aclImdb"
                and parts[1] in ("train", "test")
                and parts[2] in IMDB_CLASSES
                and parts[3].endswith(".txt")
            )

        extract_tar(archive, target, keep=keep)
        root = target / "aclImdb"
    return (
        _read_split(root, "train", shuffle, seed),
        _read_split(root, "test", shuffle, None if seed is None else seed + 1),
    )
