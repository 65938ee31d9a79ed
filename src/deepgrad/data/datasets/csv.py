"""Tabular data from CSV files, as float32 feature matrices (pandas is used if installed)."""

from __future__ import annotations

import csv
import os
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

import numpy as np

__all__ = ["load_csv", "CSVTable", "MAX_CATEGORIES", "MISSING_MARKERS"]

#: The most categories a categorical column may have (each is a column of ``x``): more
#: looks like an identifier, and would make ``x`` rows × categories large
MAX_CATEGORIES = 1000

#: The most elements a categorical column's one-hot block may have (rows × categories:
#: 1 GiB of float32)
MAX_ONE_HOT_ELEMENTS = 1 << 28

#: Cell values read as missing (NaN).
MISSING_MARKERS: tuple[str, ...] = ("", "NA", "N/A", "NaN", "nan", "null", "NULL", "?")


class _Table(NamedTuple):
    x: np.ndarray
    y: np.ndarray | None
    feature_names: list[str]


class CSVTable(_Table):
    """What :func:`load_csv` returns: ``x, y, feature_names = load_csv(...)``.
    ``feature_names`` are the columns read, in order; a categorical column among them fills
    one column of ``x`` per category, in the order of ``categories[name]`` (an attribute,
    ``{}`` without categorical columns; see :meth:`x_names`)."""

    categories: Mapping[str, list[str]] = MappingProxyType({})  # (for _replace / _make)

    def __new__(cls, x: np.ndarray, y: np.ndarray | None, feature_names: list[str],
                categories: dict[str, list[str]] | None = None) -> CSVTable:  # fmt: skip
        self = super().__new__(cls, x, y, feature_names)
        self.categories = dict(categories or {})
        return self

    def x_names(self) -> list[str]:
        """The name of each column of ``x``: a feature's name, ``"name=category"`` for the
        one-hot columns of a categorical one."""
        out: list[str] = []
        for n in self.feature_names:
            cats = self.categories.get(n)
            out += [n] if cats is None else [f"{n}={c}" for c in cats]
        return out


def load_csv(
    path: str | os.PathLike[str],
    target: str | int | None = None,
    *,
    columns: list[str | int] | None = None,
    delimiter: str | None = ",",
    header: bool = True,
    engine: str = "auto",
    categorical: Sequence[str | int] | Mapping[str, Sequence[str]] | None = None,
) -> CSVTable:
    """Read a CSV file into a float32 feature matrix and an optional target column.

    Missing cells (empty, ``NA``, ``NaN``, ``?``, ... see :data:`MISSING_MARKERS`) become
    NaN; fill them with :class:`deepgrad.data.SimpleImputer`. A UTF-8 byte-order mark and
    Windows line endings are read as a plain file's.

    Parameters
    ----------
    path : path-like
        The CSV file.
    target : str or int, optional
        Name (or index) of the target column, returned separately as ``y``.
    columns : list of str or int, optional
        Feature columns to keep (default: every column but the target). All of them must
        be numeric.
    delimiter : str or None
        Field separator; ``None`` splits at runs of whitespace (spaces and tabs, as NumPy's
        ``loadtxt`` reads such files; fields then cannot hold quoted spaces). A file whose
        columns are all found in one (``a;b;label``) is refused, naming the separator seen.
    header : bool
        Whether the first row holds column names (else they are ``"0"``, ``"1"``, ...).
    engine : {"auto", "numpy", "pandas"}
        ``"auto"`` uses pandas when it is installed; both give the same arrays.
    categorical : list of str or int, or dict of str to list of str, optional
        Feature columns of text categories (``"paris"``, ``"rome"``), one-hot encoded in
        place: one 0/1 column of ``x`` per category, in the sorted order of the values the
        file holds (a list), or in the order given (a dict ``{column: categories}``, as a
        fitted model recorded them: a value outside them is refused, naming it). A missing
        cell is no category (all its columns 0).

    Returns
    -------
    CSVTable
        ``x`` ``(N, F)`` float32; ``y`` ``(N,)``: int64 if every target value is a whole
        number, float32 if numeric (a missing value is NaN), str otherwise (encode with
        ``LabelEncoder``; a missing value is ``""``), or None without a target;
        ``feature_names`` the columns read; ``categories`` each categorical column's
        categories (``x`` has one column per category there).

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If a row has the wrong number of fields, a column is unknown, or a feature cell is
        not a number (the message names the row and column).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"load_csv: file not found: {path}")
    if delimiter is not None and (not isinstance(delimiter, str) or len(delimiter) != 1):
        raise ValueError(
            f"load_csv: delimiter must be one character (',', ';', '\\t') or None (runs of "
            f"whitespace); got {delimiter!r}"
        )
    if engine not in ("auto", "numpy", "pandas"):
        raise ValueError(f"load_csv: engine must be 'auto', 'numpy' or 'pandas'; got {engine!r}")
    if engine == "auto":
        try:
            import pandas  # noqa: F401

            engine = "pandas"
        except ImportError:
            engine = "numpy"
    names, cells = (_read_pandas if engine == "pandas" else _read_numpy)(path, delimiter, header)
    _refuse_one_column_of_many(names, cells, path, delimiter)
    if header and names and all(_is_number(n) for n in names):
        warnings.warn(
            f"load_csv: {path}: the header row {names[:4]} is all numbers, so it looks like "
            "data; if the file has no header, pass header=False (else that row is lost)",
            UserWarning,
            stacklevel=2,
        )
    _refuse_duplicate_names(names, path)
    target_index = None if target is None else _column_index(names, target, path, "target")
    if columns is None:
        feature_idx = [i for i in range(len(names)) if i != target_index]
    else:
        feature_idx = [_column_index(names, c, path, "feature") for c in columns]
        _refuse_repeated_features(feature_idx, target_index, names, path)
    categories = _categorical(categorical, names, feature_idx, target_index, path)
    blocks = []
    for i in feature_idx:
        if names[i] in categories:
            block, categories[names[i]] = _one_hot(
                cells[:, i], names[i], categories[names[i]], path
            )
            blocks.append(block)
            continue
        values = _to_numbers(cells[:, i])
        if values is None:
            row = _first_non_number(cells[:, i])
            raise ValueError(
                f"load_csv: {path}: column {names[i]!r} is not numeric (row {row + 1} of the "
                f"data holds {cells[row, i]!r}); pick numeric columns with columns=, or "
                f"read it as categories (categorical=[{names[i]!r}]: one 0/1 column each)"
            )
        blocks.append(values.astype(np.float32)[:, None])
    x = np.concatenate(blocks, axis=1) if blocks else np.empty((cells.shape[0], 0), np.float32)
    y = None if target_index is None else _target_array(cells[:, target_index])
    return CSVTable(x, y, [names[i] for i in feature_idx], categories)  # type: ignore[arg-type]


def _categorical(spec: Any, names: list[str], feature_idx: list[int], target_index: int | None,
                 path: Path) -> dict[str, list[str] | None]:  # fmt: skip
    """``{column: categories}`` (``None``: to be read from the file) of ``load_csv``'s
    ``categorical``, each a feature column that is read."""
    if spec is None:
        return {}
    given = isinstance(spec, Mapping)
    if isinstance(spec, (str, bytes)) or not isinstance(spec, (Sequence, Mapping)):
        raise TypeError(
            f"load_csv: categorical must be a list of column names (or a dict of column: "
            f"categories), got {type(spec).__name__}: wrap one name in a list, [{spec!r}]"
        )
    out: dict[str, list[str] | None] = {}
    for col in spec:
        i = _column_index(names, col, path, "categorical")
        if i == target_index or i not in feature_idx:
            what = "the target" if i == target_index else "not among the feature columns read"
            raise ValueError(f"load_csv: {path}: categorical column {names[i]!r} is {what}")
        cats = None
        if given:
            cats = spec[col]
            if isinstance(cats, str) or not all(isinstance(c, str) for c in cats):
                raise TypeError(
                    f"load_csv: the categories of {names[i]!r} must be a list of strings, got "
                    f"{cats!r:.80}"
                )
            cats = list(cats)
            if len(set(cats)) != len(cats) or "" in cats:
                raise ValueError(
                    f"load_csv: the categories of {names[i]!r} must be distinct and non-empty"
                )
        out[names[i]] = cats
    return out


def _one_hot(cells: np.ndarray, name: str, cats: list[str] | None,
             path: Path) -> tuple[np.ndarray, list[str]]:  # fmt: skip
    """The ``(N, K)`` 0/1 columns of a categorical column (a missing cell: all 0) and its
    categories: ``cats``, or where that is ``None`` the sorted values present."""
    missing, stripped = _missing_mask(cells)
    values = stripped.astype(str)
    present = sorted(set(values[~missing].tolist()))
    if cats is None:
        cats = present
    if len(cats) > MAX_CATEGORIES:
        raise ValueError(
            f"load_csv: {path}: categorical column {name!r} has {len(cats)} categories, more "
            f"than {MAX_CATEGORIES} (one input column each): an identifier or a free-text "
            "column, not categories; leave it out (columns=)"
        )
    if len(values) * len(cats) > MAX_ONE_HOT_ELEMENTS:
        raise ValueError(
            f"load_csv: {path}: categorical column {name!r} would take {len(values)} rows × "
            f"{len(cats)} categories = {len(values) * len(cats)} values (more than "
            f"{MAX_ONE_HOT_ELEMENTS}); read fewer rows or group its categories"
        )
    known = set(cats)
    unknown = [v for v in present if v not in known]
    if unknown:
        row = int(np.flatnonzero(values == unknown[0])[0]) + 1
        raise ValueError(
            f"load_csv: {path}: column {name!r} holds {unknown[0]!r} (row {row} of the data), "
            f"which is not one of its categories {cats[:20]}{' ...' if len(cats) > 20 else ''}; "
            "a model can only read the categories it was trained on"
        )
    index = {c: k for k, c in enumerate(cats)}
    out = np.zeros((len(values), len(cats)), np.float32)
    rows = np.flatnonzero(~missing)
    out[rows, [index[v] for v in values[rows]]] = 1.0
    return out, cats


def _rows(f: Any, delimiter: str | None) -> Any:
    """The rows of a text file: :mod:`csv`'s, or whitespace-split ones (``delimiter=None``),
    with a ``line_num`` as csv's reader has."""
    if delimiter is not None:
        return csv.reader(f, delimiter=delimiter)
    return _WhitespaceRows(f)


def _blank(row: list[str]) -> bool:
    """An empty line, or one of spaces only (an editor's last line): no row, as pandas
    reads it."""
    return not row or (len(row) == 1 and not row[0].strip())


class _WhitespaceRows:
    def __init__(self, f: Any) -> None:
        self._f = f
        self.line_num = 0

    def __iter__(self) -> Any:
        for line in self._f:
            self.line_num += 1
            yield line.split()


def _read_numpy(path: Path, delimiter: str | None, header: bool) -> tuple[list[str], np.ndarray]:
    with open(path, newline="", encoding="utf-8-sig") as f:  # -sig: a BOM is not a name
        reader = _rows(f, delimiter)
        try:
            rows, lines = [], []
            for row in reader:
                if not _blank(row):
                    rows.append(row)
                    lines.append(reader.line_num)
        except csv.Error as err:  # e.g. a field over csv.field_size_limit() characters
            raise ValueError(f"load_csv: {path}: line {reader.line_num}: {err}") from None
        except UnicodeDecodeError as err:
            raise ValueError(f"load_csv: {path} is not UTF-8 text ({err})") from None
    if not rows:
        raise ValueError(f"load_csv: {path} is empty")
    names = [n.strip() for n in rows[0]] if header else [str(i) for i in range(len(rows[0]))]
    data = rows[1:] if header else rows
    width = len(names)
    for row, line in zip(rows, lines):
        if len(row) != width:
            raise ValueError(
                f"load_csv: {path}: line {line} has {len(row)} fields, expected {width} "
                f"(like the {'header' if header else 'first line'})"
            )
    cells = np.array(data, dtype=object).reshape(len(data), width)
    return names, cells


def _read_pandas(path: Path, delimiter: str | None, header: bool) -> tuple[list[str], np.ndarray]:
    import pandas as pd

    try:
        # header=None: pandas would rename a repeated name ('a', 'a.1'), and take the first
        # column as the index when the data rows have one field more than the header
        frame = pd.read_csv(
            path,
            sep=r"\s+" if delimiter is None else delimiter,
            encoding="utf-8-sig",
            header=None,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=True,
        )
    except pd.errors.ParserError as err:
        raise ValueError(f"load_csv: {path}: {str(err).strip()}") from err
    except pd.errors.EmptyDataError as err:
        raise ValueError(f"load_csv: {path} is empty") from err
    except UnicodeDecodeError as err:
        raise ValueError(f"load_csv: {path} is not UTF-8 text ({err})") from None
    cells = frame.to_numpy(dtype=object)
    _check_widths(path, delimiter, header, cells.shape[1])  # pandas fills short rows with ''
    if not header:
        return [str(i) for i in range(cells.shape[1])], cells
    return [str(c).strip() for c in cells[0]], cells[1:]


def _check_widths(path: Path, delimiter: str | None, header: bool, width: int) -> None:
    """Every non-blank line has ``width`` fields (as :func:`_read_numpy` checks)."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = _rows(f, delimiter)
        try:
            for row in reader:
                if not _blank(row) and len(row) != width:
                    raise ValueError(
                        f"load_csv: {path}: line {reader.line_num} has {len(row)} fields, "
                        f"expected {width} (like the {'header' if header else 'first line'})"
                    )
        except csv.Error as err:
            raise ValueError(f"load_csv: {path}: line {reader.line_num}: {err}") from None


def _refuse_one_column_of_many(
    names: list[str], cells: np.ndarray, path: Path, delimiter: str | None
) -> None:
    """One column whose header and first row split alike at another separator: the file is
    split by that one (``a;b;label`` read with ``,``), and naming its one column would fail
    obscurely."""
    if len(names) != 1 or cells.shape[0] == 0:
        return
    head, row = names[0].strip(), str(cells[0, 0]).strip()
    for sep, word in ((";", "';'"), ("\t", "'\\t'"), ("|", "'|'"), (",", "','"), (None, "None")):
        if sep == delimiter:
            continue
        width = len(head.split(sep))
        if width > 1 and len(row.split(sep)) == width:
            seen = "runs of whitespace" if sep is None else repr(sep)
            raise ValueError(
                f"load_csv: {path}: every line is one field with delimiter={delimiter!r} (the "
                f"first reads {head[:40]!r}), but it splits into {width} columns at {seen}: "
                f"pass delimiter={word}"
            )


def _refuse_repeated_features(
    feature_idx: list[int], target_index: int | None, names: list[str], path: Path
) -> None:
    """``columns=`` naming the target (its answers among the features: a perfect score on
    any split, and no model to use) or a column twice."""
    if target_index is not None and target_index in feature_idx:
        raise ValueError(
            f"load_csv: {path}: the target column {names[target_index]!r} is among the "
            "feature columns= too; leave it out of columns (the target is returned as y)"
        )
    twice = sorted({names[i] for i in feature_idx if feature_idx.count(i) > 1})
    if twice:
        raise ValueError(f"load_csv: {path}: columns= names {twice} more than once")


def _refuse_duplicate_names(names: list[str], path: Path) -> None:
    """A name given to several columns: which one ``target=`` or ``columns=`` means would be
    a guess (the first, with the numpy engine; pandas renamed the others 'a.1', 'a.2')."""
    seen: dict[str, list[int]] = {}
    for i, n in enumerate(names):
        seen.setdefault(n, []).append(i)
    dups = {n: idx for n, idx in seen.items() if len(idx) > 1}
    if dups:
        shown = "; ".join(f"{n!r} at columns {idx}" for n, idx in dups.items())
        raise ValueError(
            f"load_csv: {path}: the header names several columns alike ({shown}); rename them "
            "in the file, or read it with header=False and pick columns by index"
        )


def _column_index(names: list[str], column: str | int, path: Path, role: str) -> int:
    if isinstance(column, int | np.integer) and not isinstance(column, bool):
        if -len(names) <= column < len(names):
            return int(column) % len(names)
    elif column in names:
        return names.index(column)
    raise ValueError(
        f"load_csv: {path}: {role} column {column!r} not found; the columns are {names}"
    )


def _missing_mask(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    stripped = np.array([str(c).strip() for c in cells], dtype=object)
    return np.isin(stripped, MISSING_MARKERS), stripped


def _to_numbers(cells: np.ndarray) -> np.ndarray | None:
    missing, stripped = _missing_mask(cells)
    out = np.full(len(cells), np.nan, dtype=np.float64)
    try:
        out[~missing] = stripped[~missing].astype(np.float64)
    except ValueError:
        return None
    return out


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _first_non_number(cells: np.ndarray) -> int:
    for i, c in enumerate(cells):
        text = str(c).strip()
        if text in MISSING_MARKERS:
            continue
        try:
            float(text)
        except ValueError:
            return i
    return 0


def _target_array(cells: np.ndarray) -> np.ndarray:
    values = _to_numbers(cells)
    if values is None:  # text labels; a missing one is "" (as NaN is for numbers)
        missing, stripped = _missing_mask(cells)
        stripped[missing] = ""
        return stripped.astype(str)
    finite = values[np.isfinite(values)]
    whole = np.all(finite == np.round(finite)) and np.all(np.abs(finite) < 2**53)
    if finite.size == values.size and whole:  # int64 only where every value is exact
        return values.astype(np.int64)
    return values.astype(np.float32)
