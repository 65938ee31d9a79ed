"""PyTorch's CPU order among tied values: which of several equal elements ``sort``, ``argsort``,
``topk``, ``kthvalue`` and ``mode`` name.

PyTorch 2.13's CPU kernels run C++'s ``std::sort`` (an unstable introsort: median-of-three
quicksort, heapsort past a depth limit, insertion sort for the last runs of 16),
``std::nth_element`` (introselect) and ``std::partial_sort`` (heap select) from libstdc++ on
``(value, index)`` pairs compared by value only, and ``kthvalue`` a quickselect of its own.
Where values are distinct every order is the sorted one and deepgrad's stable NumPy sort gives
it; where some are tied, which index comes first is whatever those algorithms' swaps leave —
a property of the algorithm, not of the values. So for the rows that hold ties (and for
``topk(sorted=False)``, whose order is the selection's) deepgrad runs the same algorithms,
step for step, on the same pairs. Checked against torch 2.13 on thousands of tie-heavy rows
(``tests/functional/test_tie_order.py``): the same indices every time.

======================  ======================================================================
PyTorch call            algorithm (comparator: ``<`` ascending, ``>`` descending; NaN largest)
======================  ======================================================================
``sort(stable=False)``  ``std::sort`` of the row (``stable=True``: ``std::stable_sort``, NumPy's)
``topk(k)``             ``std::partial_sort`` of ``k`` if ``64 k <= n``, else
                        ``std::nth_element`` at ``k - 1`` and ``std::sort`` of the first
                        ``k - 1`` when ``sorted``
``kthvalue(k)``         a median-of-three quickselect of position ``k - 1``
``mode()``              ``std::sort`` by ``<``, then the last pair of the first longest run
``nanmedian(dim)``      ``std::nth_element`` (ties by index: the stable choice; an all-NaN
                        row: the algorithm's, all its elements equivalent)
======================  ======================================================================

The algorithms are written once below as plain Python over NumPy arrays; where numba is
installed (``deepgrad.kernels``) the same functions are compiled, else they run as they are
(slowly, on the tied rows only).

>>> import deepgrad as dg
>>> dg.zeros(17).sort().indices.tolist()[:4]  # PyTorch's std::sort leaves ties so
[8, 16, 15, 14]
"""

from __future__ import annotations

import threading
import types
from collections.abc import Callable
from typing import Any

import numpy

from .. import kernels

_lock = threading.Lock()
_built: dict[bool, dict[str, Callable[..., Any]]] = {}


# The algorithms, plain Python over NumPy arrays: a row of keys ``k`` and its indices ``ix``,
# moved together; ``desc`` chooses the comparator. :func:`_table` compiles them with numba.


def _less(a: Any, b: Any, desc: bool) -> bool:  # PyTorch's KeyValueComp: NaN the largest
    if desc:
        return (a != a and b == b) or a > b
    return (a == a and b != b) or a < b


def _swap(k: Any, ix: Any, i: int, j: int) -> None:
    t = k[i]
    k[i] = k[j]
    k[j] = t
    u = ix[i]
    ix[i] = ix[j]
    ix[j] = u


def _linear_insert(k: Any, ix: Any, last: int, desc: bool) -> None:  # unguarded
    vk, vi = k[last], ix[last]
    nxt = last - 1
    while _less(vk, k[nxt], desc):
        k[last], ix[last] = k[nxt], ix[nxt]
        last = nxt
        nxt -= 1
    k[last], ix[last] = vk, vi


def _insertion_sort(k: Any, ix: Any, first: int, last: int, desc: bool) -> None:
    for i in range(first + 1, last):
        if _less(k[i], k[first], desc):
            vk, vi = k[i], ix[i]
            for j in range(i, first, -1):
                k[j], ix[j] = k[j - 1], ix[j - 1]
            k[first], ix[first] = vk, vi
        else:
            _linear_insert(k, ix, i, desc)


def _median_of(k: Any, a: int, b: int, c: int, desc: bool) -> int:
    """Which of positions ``a``, ``b``, ``c`` libstdc++'s median-of-three picks (its order of
    comparisons decides among equal keys)."""
    if _less(k[a], k[b], desc):
        if _less(k[b], k[c], desc):
            return b
        return c if _less(k[a], k[c], desc) else a
    if _less(k[a], k[c], desc):
        return a
    return c if _less(k[b], k[c], desc) else b


def _partition_pivot(k: Any, ix: Any, first: int, last: int, desc: bool) -> int:
    a, b, c = first + 1, first + (last - first) // 2, last - 1
    _swap(k, ix, first, _median_of(k, a, b, c, desc))  # std::__move_median_to_first
    lo, hi = first + 1, last  # the unguarded partition around k[first]
    while True:
        while _less(k[lo], k[first], desc):
            lo += 1
        hi -= 1
        while _less(k[first], k[hi], desc):
            hi -= 1
        if not lo < hi:
            return lo
        _swap(k, ix, lo, hi)
        lo += 1


def _adjust_heap(k: Any, ix: Any, first: int, hole: int, n: int, vk: Any, vi: Any,
                desc: bool) -> None:  # fmt: skip
    top = second = hole
    while second < (n - 1) // 2:
        second = 2 * (second + 1)
        if _less(k[first + second], k[first + second - 1], desc):
            second -= 1
        k[first + hole], ix[first + hole] = k[first + second], ix[first + second]
        hole = second
    if (n & 1) == 0 and second == (n - 2) // 2:
        second = 2 * (second + 1)
        k[first + hole], ix[first + hole] = k[first + second - 1], ix[first + second - 1]
        hole = second - 1
    parent = (hole - 1) // 2  # push_heap
    while hole > top and _less(k[first + parent], vk, desc):
        k[first + hole], ix[first + hole] = k[first + parent], ix[first + parent]
        hole = parent
        parent = (hole - 1) // 2
    k[first + hole], ix[first + hole] = vk, vi


def _pop_heap(k: Any, ix: Any, first: int, last: int, result: int, desc: bool) -> None:
    vk, vi = k[result], ix[result]
    k[result], ix[result] = k[first], ix[first]
    _adjust_heap(k, ix, first, 0, last - first, vk, vi, desc)


def _heap_select(k: Any, ix: Any, first: int, middle: int, last: int, desc: bool) -> None:
    n = middle - first
    if n >= 2:  # make_heap
        parent = (n - 2) // 2
        while True:
            _adjust_heap(k, ix, first, parent, n, k[first + parent], ix[first + parent], desc)
            if parent == 0:
                break
            parent -= 1
    for i in range(middle, last):
        if _less(k[i], k[first], desc):
            _pop_heap(k, ix, first, middle, i, desc)


def _partial_sort(k: Any, ix: Any, first: int, middle: int, last: int, desc: bool) -> None:
    _heap_select(k, ix, first, middle, last, desc)
    while middle - first > 1:  # sort_heap
        middle -= 1
        _pop_heap(k, ix, first, middle, middle, desc)


def _depth_limit(n: int) -> int:
    lg = 0
    while n > 1:
        n >>= 1
        lg += 1
    return 2 * lg


def _std_sort(k: Any, ix: Any, first: int, last: int, desc: bool) -> None:
    if last - first < 2:
        return
    # introsort_loop: each part [cut, hi) is sorted on its own (the recursion), so the
    # order in which the disjoint parts are taken changes nothing
    stack = [(first, last, _depth_limit(last - first))]
    while stack:
        lo, hi, depth = stack.pop()
        while hi - lo > 16:
            if depth == 0:
                _partial_sort(k, ix, lo, hi, hi, desc)  # heapsort past the depth limit
                break
            depth -= 1
            cut = _partition_pivot(k, ix, lo, hi, desc)
            stack.append((cut, hi, depth))
            hi = cut
    if last - first > 16:  # final_insertion_sort
        _insertion_sort(k, ix, first, first + 16, desc)
        for i in range(first + 16, last):
            _linear_insert(k, ix, i, desc)
    else:
        _insertion_sort(k, ix, first, last, desc)


def _nth_element(k: Any, ix: Any, first: int, nth: int, last: int, desc: bool) -> None:
    if first == last or nth == last:
        return
    depth = _depth_limit(last - first)
    while last - first > 3:
        if depth == 0:
            _heap_select(k, ix, first, nth + 1, last, desc)
            _swap(k, ix, first, nth)
            return
        depth -= 1
        cut = _partition_pivot(k, ix, first, last, desc)
        if cut <= nth:
            first = cut
        else:
            last = cut
    _insertion_sort(k, ix, first, last, desc)


def _sort_rows(keys: Any, rows: Any, out: Any, desc: bool) -> None:
    n = keys.shape[1]
    for r in rows:
        k = keys[r].copy()
        ix = numpy.arange(n)
        _std_sort(k, ix, 0, n, desc)
        out[r, :] = ix


def _topk_rows(keys: Any, rows: Any, out: Any, kk: int, largest: bool, ordered: bool) -> None:
    n = keys.shape[1]
    for r in rows:
        k = keys[r].copy()
        ix = numpy.arange(n)
        if kk * 64 <= n:
            _partial_sort(k, ix, 0, kk, n, largest)
        else:
            _nth_element(k, ix, 0, kk - 1, n, largest)
            if ordered:
                _std_sort(k, ix, 0, kk - 1, largest)
        out[r, :] = ix[:kk]


def _kth_rows(keys: Any, rows: Any, out: Any, kk: int) -> None:
    n = keys.shape[1]
    for r in rows:  # PyTorch's quick_select_template, ">" with NaN the largest
        a = keys[r].copy()
        ix = numpy.arange(n)
        lo, hi = 0, n - 1
        while hi > lo:
            if hi == lo + 1:
                if _less(a[hi], a[lo], False):
                    _swap(a, ix, lo, hi)
                break
            _swap(a, ix, lo + (hi - lo) // 2, lo + 1)
            if _less(a[hi], a[lo + 1], False):
                _swap(a, ix, lo + 1, hi)
            if _less(a[hi], a[lo], False):
                _swap(a, ix, lo, hi)
            if _less(a[lo], a[lo + 1], False):
                _swap(a, ix, lo + 1, lo)
            i, j, piv = lo + 1, hi, a[lo]
            while True:
                i += 1
                while _less(a[i], piv, False):
                    i += 1
                j -= 1
                while _less(piv, a[j], False):
                    j -= 1
                if j < i:
                    break
                _swap(a, ix, i, j)
            _swap(a, ix, lo, j)
            if j <= kk:
                lo = i
            if j >= kk:
                hi = j - 1
        out[r] = ix[kk]


def _nth_rows(keys: Any, rows: Any, out: Any, kk: int) -> None:
    n = keys.shape[1]
    for r in rows:  # std::nth_element at kk, ascending, NaN the largest
        k = keys[r].copy()
        ix = numpy.arange(n)
        _nth_element(k, ix, 0, kk, n, False)
        out[r] = ix[kk]


def _mode_rows(keys: Any, rows: Any, out: Any) -> None:
    n = keys.shape[1]
    for r in rows:  # rows without NaN: PyTorch's "<" is then the comparator above
        k = keys[r].copy()
        ix = numpy.arange(n)
        _std_sort(k, ix, 0, n, False)
        best, run = 0, 0
        for i in range(n):
            run += 1
            if i == n - 1 or k[i] != k[i + 1]:
                if run > best:
                    best = run
                    out[r] = ix[i]
                run = 0


#: the algorithms' functions, callees first (compiled in this order)
_NAMES = (
    "_less", "_swap", "_linear_insert", "_insertion_sort", "_median_of", "_partition_pivot",
    "_adjust_heap", "_pop_heap", "_heap_select", "_partial_sort", "_depth_limit", "_std_sort",
    "_nth_element",
    "_sort_rows", "_topk_rows", "_kth_rows", "_nth_rows", "_mode_rows",
)  # fmt: skip
_ENTRIES = {
    "sort": "_sort_rows", "topk": "_topk_rows", "kth": "_kth_rows", "nth": "_nth_rows",
    "mode": "_mode_rows",
}  # fmt: skip


def _table(compiled: bool) -> dict[str, Callable[..., Any]]:
    """The entry points, compiled by numba (``compiled``, where it is installed: each function
    a copy whose globals name the compiled callees, cached on disk) or as written; built once
    each."""
    table = _built.get(compiled)
    if table is None:
        with _lock:
            table = _built.get(compiled)
            if table is None:
                space = globals()
                if compiled:
                    try:
                        import numba
                    except ImportError:
                        numba = None
                    if numba is not None:
                        space = dict(globals())
                        for name in _NAMES:
                            fn = globals()[name]
                            copy = types.FunctionType(fn.__code__, space, name, fn.__defaults__)
                            space[name] = numba.njit(cache=True, nogil=True)(copy)
                table = _built[compiled] = {k: space[v] for k, v in _ENTRIES.items()}
    return table


#: below this many elements to order, the algorithms run as written (no compile on first use)
_SMALL = 4096


def _call(name: str, *args: Any) -> None:
    """Run algorithm ``name`` on ``args`` (``keys, rows, out, ...``): compiled where the kernels
    are on and the rows hold more than :data:`_SMALL` elements; as written otherwise, or if
    the compiled form cannot be built (numba's typing errors)."""
    keys, rows = args[0], args[1]
    if kernels.enabled() and len(rows) * keys.shape[1] > _SMALL:
        try:
            _table(True)[name](*args)
            return
        except Exception as e:  # noqa: BLE001 - a numba typing/lowering error: the Python form
            if type(e).__module__.split(".")[0] != "numba":
                raise
    _table(False)[name](*args)


def _keys(rows: Any) -> Any:
    """The rows as keys the algorithms compare as PyTorch's kernels do (the same order: bool
    as uint8, float16 as float32), C-contiguous."""
    if rows.dtype == numpy.bool_:
        rows = rows.astype(numpy.uint8)
    elif rows.dtype == numpy.float16:
        rows = rows.astype(numpy.float32)
    return numpy.ascontiguousarray(rows)


def _tied(sorted_rows: Any) -> Any:
    """Which rows of ``sorted_rows`` (each sorted) hold two equal values (NaN equal to NaN)."""
    s = sorted_rows
    same = s[:, 1:] == s[:, :-1]
    if s.dtype.kind == "f":
        same |= numpy.isnan(s[:, 1:]) & numpy.isnan(s[:, :-1])
    return same.any(axis=1)


def sort_ties(rows: Any, order: Any, descending: bool) -> Any:
    """``order`` (a stable argsort of each row of the 2-D ``rows``) with the rows that hold
    ties, when longer than 16, redone as PyTorch's ``std::sort`` orders them."""
    n = rows.shape[1]
    if n <= 16 or not rows.size:  # insertion sort only: stable
        return order
    redo = numpy.flatnonzero(_tied(numpy.take_along_axis(rows, order, 1)))
    if redo.size:
        order = numpy.array(order, dtype=numpy.int64, copy=True)
        _call("sort", _keys(rows), redo, order, bool(descending))
    return order


def topk_ties(rows: Any, order: Any, k: int, largest: bool, ordered: bool) -> Any:
    """The first ``k`` of ``order`` (a stable argsort of each row, largest first if
    ``largest``), as PyTorch's ``topk`` leaves them: its selection redone on the rows that
    hold ties, and on every row when the order is the selection's (``sorted=False`` past
    ``64 k > n``)."""
    n = rows.shape[1]
    out = order[:, :k]
    if k == 0 or not rows.size:
        return out
    if not ordered and k * 64 > n:
        redo = numpy.arange(rows.shape[0])
    else:
        redo = numpy.flatnonzero(_tied(numpy.take_along_axis(rows, order, 1)))
    if redo.size:
        out = numpy.array(out, dtype=numpy.int64, copy=True)
        _call("topk", _keys(rows), redo, out, int(k), bool(largest), bool(ordered))
    return out


def kth_ties(rows: Any, picked: Any, k: int) -> Any:
    """``picked`` (the index of each row's ``k``-th smallest, 1-based, in a stable sort) with
    the rows whose ``k``-th value is tied redone as PyTorch's quickselect names it."""
    value = numpy.take_along_axis(rows, picked[:, None], 1)
    same = rows == value
    if rows.dtype.kind == "f":
        same |= numpy.isnan(rows) & numpy.isnan(value)
    redo = numpy.flatnonzero(same.sum(axis=1) > 1)
    if redo.size:
        picked = numpy.array(picked, dtype=numpy.int64, copy=True)
        _call("kth", _keys(rows), redo, picked, int(k) - 1)
    return picked


def mode_ties(rows: Any, picked: Any) -> Any:
    """``picked`` (the mode's last index in a stable sort) with the rows longer than 16 and
    free of NaN redone as PyTorch's ``mode`` names it (the last of its run after
    ``std::sort``)."""
    if rows.shape[1] <= 16 or not rows.size:
        return picked
    ok = ~numpy.isnan(rows).any(axis=1) if rows.dtype.kind == "f" else numpy.ones(len(rows), bool)
    redo = numpy.flatnonzero(ok)
    if redo.size:
        picked = numpy.array(picked, dtype=numpy.int64, copy=True)
        _call("mode", _keys(rows), redo, picked)
    return picked


def nanmedian_ties(rows: Any, picked: Any) -> Any:
    """``picked`` (each row's ``nanmedian`` index in a stable sort) with the rows that are all
    NaN redone as PyTorch's names them: its ``std::nth_element`` at 0, under a comparator for
    which NaNs are all equivalent (rows holding a number are a strict order there: the
    stable choice)."""
    if rows.dtype.kind != "f" or not rows.size:
        return picked
    redo = numpy.flatnonzero(numpy.isnan(rows).all(axis=1))
    if redo.size:
        picked = numpy.array(picked, dtype=numpy.int64, copy=True)
        first = numpy.zeros(1, numpy.int64)
        _call("nth", numpy.zeros((1, rows.shape[1]), numpy.float64), numpy.arange(1), first, 0)
        picked[redo] = first[0]
    return picked
